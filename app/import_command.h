// app/import_command.h: `citywatch import KIND FILE...`: each file streamed through its
// importer into the database in chunked transactions, with a per-file summary, the first bad
// records printed with file:line, and every rejected record in a reject file.
#pragma once

#include <string>
#include <vector>

#include "app/config.h"
#include "app/output.h"
#include "core/result.h"
#include "scanner/importer.h"

namespace citywatch::app {

struct ImportRequest {
  scanner::FeedKind kind = scanner::FeedKind::kShodan;
  std::vector<std::string> files;
  std::string report_type;
};

// Returns the exit code when the command ran to the end: 0 when every record was good, 65 when
// some were rejected or a file was damaged, 66 when a file was missing. Fails when the database
// itself cannot be used.
core::Result<int> run_import(const Config& config, const ImportRequest& request,
                             OutputFormat format);

}  // namespace citywatch::app
