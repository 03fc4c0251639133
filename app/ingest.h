// app/ingest.h: the one path from any source of observations (imports, capture, scans) into the
// database. Ingest holds the stages every chunk goes through: fingerprint (so device and service
// rows get vendor, model and type), store with each new device located, then assess (findings
// and scores). ObservationWriter gathers observations into chunks of [import] chunk_size; each
// chunk lands in one transaction, so a crash loses at most the chunk in flight. After the first
// failed write the writer keeps its error and drops further chunks. Not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "app/config.h"
#include "app/risk_pipeline.h"
#include "core/location.h"
#include "core/observation.h"
#include "core/result.h"
#include "core/time.h"
#include "db/store.h"
#include "enrich/geolocator.h"

namespace citywatch::app {

class Alerter;

class Ingest {
 public:
  // Loads and validates the rule and list files and the geo setup before anything is read: a
  // broken rule set or boundary stops the run (kConfig) rather than storing unassessed or
  // unlocated devices. `store` and `clock` must outlive the Ingest.
  static core::Result<std::unique_ptr<Ingest>> open(const Config& config, db::Store& store,
                                                    const core::Clock& clock);

  db::Store& store() { return store_; }
  RiskPipeline& risk() { return *risk_; }
  // Raises each new critical finding as an alert (the daemon's imports and scans); null: none.
  void alert_critical_findings(Alerter* alerter);
  const db::Locator& locator() const { return locate_; }
  const core::Clock& clock() const { return clock_; }

 private:
  Ingest(db::Store& store, const core::Clock& clock) : store_(store), clock_(clock) {}
  db::Store& store_;
  const core::Clock& clock_;
  std::unique_ptr<RiskPipeline> risk_;
  std::optional<enrich::Geolocator> geo_;
  db::Locator locate_;
};

class ObservationWriter {
 public:
  ObservationWriter(Ingest& ingest, std::int64_t import_id, std::size_t chunk_size);

  void add(core::Observation&& o);  // writes a chunk when it is full
  void flush();                     // writes what is gathered
  // Called after each chunk is stored and assessed, with the chunk and its fingerprints.
  void set_on_stored(std::function<void(const std::vector<core::Observation>&)> fn) {
    on_stored_ = std::move(fn);
  }

  const std::optional<core::Error>& error() const { return error_; }
  std::size_t imported() const { return imported_; }
  std::size_t duplicates() const { return duplicates_; }
  const AssessCounts& risk() const { return risk_; }
  // New observations by core::InCity of their device.
  std::size_t located(core::InCity where) const {
    return located_[static_cast<std::size_t>(where)];
  }
  std::size_t feed_disagreements() const { return feed_disagreements_; }

 private:
  Ingest& ingest_;
  std::int64_t import_id_;
  std::size_t chunk_size_;
  std::vector<core::Observation> chunk_;
  std::optional<core::Error> error_;
  std::size_t imported_ = 0;
  std::size_t duplicates_ = 0;
  AssessCounts risk_;
  std::array<std::size_t, 4> located_{};
  std::size_t feed_disagreements_ = 0;
  std::function<void(const std::vector<core::Observation>&)> on_stored_;
};

}  // namespace citywatch::app
