// app/observation_writer.h: the one path from any source of observations (imports, capture) to
// the database: observations gather into chunks of [import] chunk_size and each chunk lands in
// one transaction, so a crash loses at most the chunk in flight. After the first failed write
// the writer keeps its error and drops further chunks. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/observation.h"
#include "core/result.h"
#include "db/store.h"

namespace citywatch::app {

class ObservationWriter {
 public:
  ObservationWriter(db::Store& store, std::int64_t import_id, std::size_t chunk_size);

  void add(core::Observation&& o);  // writes a chunk when it is full
  void flush();                     // writes what is gathered

  const std::optional<core::Error>& error() const { return error_; }
  std::size_t imported() const { return imported_; }
  std::size_t duplicates() const { return duplicates_; }

 private:
  db::Store& store_;
  std::int64_t import_id_;
  std::size_t chunk_size_;
  std::vector<core::Observation> chunk_;
  std::optional<core::Error> error_;
  std::size_t imported_ = 0;
  std::size_t duplicates_ = 0;
};

}  // namespace citywatch::app
