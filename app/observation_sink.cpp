#include "app/observation_sink.h"

namespace citywatch::app {

ObservationSink::ObservationSink(db::Store& store, RiskPipeline& pipeline, std::int64_t import_id,
                                 std::size_t chunk_size)
    : store_(store), pipeline_(pipeline), import_id_(import_id), chunk_size_(chunk_size) {
  chunk_.reserve(chunk_size_);
}

void ObservationSink::add(core::Observation&& o) {
  chunk_.push_back(std::move(o));
  if (chunk_.size() >= chunk_size_) flush();
}

void ObservationSink::flush() {
  if (chunk_.empty() || error_) return;
  // Fingerprint before storing (device rows get vendor/model/type), assess after.
  pipeline_.fingerprint(chunk_, risk_);
  auto counts = store_.write_chunk(chunk_, import_id_);
  if (!counts) {
    error_ = counts.error();
    return;
  }
  if (auto assessed = pipeline_.assess(chunk_, risk_); !assessed) {
    error_ = assessed.error();
    return;
  }
  inserted_ += counts->inserted;
  duplicates_ += counts->duplicates;
  if (on_stored_) on_stored_(chunk_);
  chunk_.clear();
}

}  // namespace citywatch::app
