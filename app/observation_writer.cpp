#include "app/observation_writer.h"

namespace citywatch::app {

ObservationWriter::ObservationWriter(db::Store& store, std::int64_t import_id,
                                     std::size_t chunk_size)
    : store_(store), import_id_(import_id), chunk_size_(chunk_size == 0 ? 1 : chunk_size) {
  chunk_.reserve(chunk_size_);
}

void ObservationWriter::add(core::Observation&& o) {
  chunk_.push_back(std::move(o));
  if (chunk_.size() >= chunk_size_) flush();
}

void ObservationWriter::flush() {
  if (chunk_.empty() || error_) return;
  auto counts = store_.write_chunk(chunk_, import_id_);
  if (!counts) {
    error_ = counts.error();
    return;
  }
  imported_ += counts->inserted;
  duplicates_ += counts->duplicates;
  chunk_.clear();
}

}  // namespace citywatch::app
