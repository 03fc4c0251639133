// scanner/importer.h: reading one feed file of a given kind, start to end, into observations.
// Streaming in constant memory; "-" reads stdin; gzip is detected from the bytes.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "core/result.h"
#include "scanner/feed.h"

namespace citywatch::scanner {

enum class FeedKind { kShodan, kShadowserver, kNmap };
std::optional<FeedKind> parse_feed_kind(std::string_view name);
std::string_view to_string(FeedKind kind);
core::Source source_of(FeedKind kind);

struct ImportOptions {
  std::string report_type;  // Shadowserver: overrides what the file name says
  // Polled between records; returning true stops the file early (daemon shutdown). What was
  // read so far has gone to the sink; the result says cancelled.
  std::function<bool()> cancelled = {};
};

struct FileImport {
  std::size_t records = 0;         // records read, good and bad
  std::string report_type;         // as used (Shadowserver)
  std::vector<std::string> notes;  // about the file as a whole, for the summary
  // Set when the file could not be read to its end: missing (kNotFound), unreadable (kIo),
  // damaged past recovery (kBadInput: truncated gzip, broken XML, a CSV without a usable
  // header). Everything read before that point has gone to the sink all the same.
  std::optional<core::Error> fatal;
  bool cancelled = false;  // stopped early because ImportOptions::cancelled said so
};

// Good observations go to sink, bad records to diag (with file:line); neither stops the file.
FileImport import_file(FeedKind kind, const std::string& path, const ImportOptions& options,
                       const ObservationSink& sink, core::Diagnostics& diag,
                       const ProgressFn& progress);

}  // namespace citywatch::scanner
