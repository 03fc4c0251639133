// app/observation_sink.h: the path every source's observations take into the database, shared
// by imports and active scans: collected into chunks, fingerprinted (so device and service
// rows get vendor, model and type), written in one transaction per chunk (idempotent by
// observation key), then assessed into findings and scores. After each chunk, on_stored sees
// the chunk with its fingerprints. The first database error stops further writes and is kept
// in error(). One per run; not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "app/risk_pipeline.h"
#include "core/observation.h"
#include "core/result.h"
#include "db/store.h"

namespace citywatch::app {

class ObservationSink {
 public:
  // store and pipeline must outlive the sink.
  ObservationSink(db::Store& store, RiskPipeline& pipeline, std::int64_t import_id,
                  std::size_t chunk_size);

  void add(core::Observation&& o);
  // Writes what is collected; also called by add() when a chunk is full.
  void flush();

  void set_on_stored(std::function<void(const std::vector<core::Observation>&)> fn) {
    on_stored_ = std::move(fn);
  }
  const std::optional<core::Error>& error() const { return error_; }
  std::size_t inserted() const { return inserted_; }
  std::size_t duplicates() const { return duplicates_; }
  const AssessCounts& risk() const { return risk_; }

 private:
  db::Store& store_;
  RiskPipeline& pipeline_;
  std::int64_t import_id_;
  std::size_t chunk_size_;
  std::vector<core::Observation> chunk_;
  std::optional<core::Error> error_;
  std::size_t inserted_ = 0, duplicates_ = 0;
  AssessCounts risk_;
  std::function<void(const std::vector<core::Observation>&)> on_stored_;
};

}  // namespace citywatch::app
