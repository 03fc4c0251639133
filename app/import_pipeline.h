// app/import_pipeline.h: one feed file into the database, as every import takes it
// (`citywatch import`, the daemon's feed jobs and drop directory, uploads to the API). The
// records go through app/ingest.h's ObservationWriter (fingerprint, locate, store, assess) like
// capture's do; this adds what a file needs around it: the imports row, the reject file,
// per-reason counts, cancellation and the outcome. A crash loses at most the chunk in flight;
// importing the file again completes it without duplicates. One per thread (it owns an Ingest).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/ingest.h"
#include "app/risk_pipeline.h"
#include "core/diagnostics.h"
#include "core/location.h"
#include "core/result.h"
#include "core/time.h"
#include "db/store.h"
#include "scanner/importer.h"

namespace citywatch::app {

class Alerter;

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
  AssessCounts risk;                     // fingerprinted observations, findings opened/fixed
  std::array<std::size_t, 4> located{};  // new observations by core::InCity of their device
  std::size_t feed_disagreements = 0;    // the feed's own location contradicted ours

  std::size_t located_in(core::InCity where) const {
    return located[static_cast<std::size_t>(where)];
  }
};

class ImportPipeline {
 public:
  // Loads the rules, lists and geo setup once for any number of files (kConfig when one is
  // broken). With an alerter (the daemon), each new critical finding is raised as an alert;
  // store, clock and alerter must outlive the pipeline.
  static core::Result<ImportPipeline> open(const Config& config, db::Store& store,
                                           const core::Clock& clock, Alerter* alerter = nullptr);

  // An Error only when the database failed (full disk, read-only, locked): chunks committed
  // before stay, and the import is marked failed. Problems with the file are in the outcome.
  core::Result<ImportOutcome> run(const ImportRequestFile& file,
                                  const ImportCallbacks& callbacks = {});

 private:
  ImportPipeline(const Config& config, std::unique_ptr<Ingest> ingest)
      : config_(&config), ingest_(std::move(ingest)) {}
  const Config* config_;
  std::unique_ptr<Ingest> ingest_;
};

}  // namespace citywatch::app
