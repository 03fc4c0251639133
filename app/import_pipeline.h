// app/import_pipeline.h: one feed file into the database, the single path every import takes
// (`citywatch import`, the daemon's feed jobs and drop directory, uploads to the API): the
// importer streams observations, they are written in chunked transactions (a crash loses at
// most the chunk in flight; running again completes it without duplicates), rejected records
// go to a reject file, and the import is recorded in the imports table.
//
// ImportHooks is where later stages join without copying this path: geolocation fills in
// each chunk before it is written; risk assessment looks at each chunk after it committed.
// make_import_hooks() builds the hooks every caller uses.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/config.h"
#include "core/diagnostics.h"
#include "core/observation.h"
#include "core/result.h"
#include "core/time.h"
#include "db/store.h"
#include "scanner/importer.h"

namespace citywatch::app {

struct ImportHooks {
  // Before a chunk is written (e.g. fill in locations). Must not fail: a bad value stays unset.
  std::function<void(std::vector<core::Observation>&)> before_write;
  // After a chunk committed (e.g. assess findings). An error stops the import.
  std::function<core::Result<void>(db::Store&, const std::vector<core::Observation>&)> after_write;
};

class Alerter;

// The hooks of this build (empty until geolocation and risk plug in). In the daemon, alerter
// is where the risk stage reports new critical findings (Alerter::critical_finding); the CLI
// passes none.
ImportHooks make_import_hooks(const Config& config, Alerter* alerter = nullptr);

struct ImportRequestFile {
  scanner::FeedKind kind = scanner::FeedKind::kShodan;
  std::string path;          // "-" for stdin
  std::string display_path;  // what the imports table and summaries show; default: path
  std::string report_type;   // Shadowserver: overrides the file name
};

struct ImportCallbacks {
  std::function<void(const core::Diagnostic&)> on_reject;  // every rejected record
  scanner::ProgressFn on_progress;
  std::function<bool()> cancelled;  // polled between records
};

struct ImportOutcome {
  std::int64_t import_id = 0;
  std::string path;  // as displayed
  std::string report_type;
  db::ImportTotals totals;
  std::map<std::string, std::size_t> reasons;
  std::vector<std::string> notes;
  std::optional<core::Error> fatal;  // the file could not be read to its end
  bool cancelled = false;
  double seconds = 0;
};

class ImportPipeline {
 public:
  ImportPipeline(db::Store& store, const Config& config, const core::Clock& clock,
                 ImportHooks hooks)
      : store_(store), config_(config), clock_(clock), hooks_(std::move(hooks)) {}

  // An Error only when the database failed (full disk, read-only, locked): chunks committed
  // before stay, and the import is marked failed. Problems with the file are in the outcome.
  core::Result<ImportOutcome> run(const ImportRequestFile& file,
                                  const ImportCallbacks& callbacks = {});

 private:
  db::Store& store_;
  const Config& config_;
  const core::Clock& clock_;
  ImportHooks hooks_;
};

}  // namespace citywatch::app
