// bench/import_floor_bench.cpp: the floor for `citywatch import shodan`: the same rows written
// with the same prepared statements (db::Store::write_chunk, chunks of 5000 as the import
// uses), with every banner already parsed into core::Observation before the clock starts.
// What citywatch spends above this figure is reading, JSON parsing, redaction and batching.
//
//   import_floor_bench DB FILE [CHUNK]
//
// DB is replaced. Prints one line of key=value pairs (bench/run_import_bench.sh reads it).
// A plain executable rather than a Google Benchmark fixture: the measurement is one pass over
// one large input into one fresh database, which repetitions would not make more meaningful.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/observation.h"
#include "db/store.h"
#include "scanner/importer.h"

namespace {

using namespace citywatch;

// kB from /proc/self/status ("VmRSS", "VmHWM"); 0 when unavailable.
long status_kb(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, key.size() + 1, key + ":") == 0)
      return std::atol(line.c_str() + key.size() + 1);
  }
  return 0;
}

double mib(long kb) { return static_cast<double>(kb) / 1024.0; }

// User + system CPU seconds of this process so far: with other work on the machine, CPU time
// varies less than wall time.
double cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DB FILE [CHUNK=5000]\n", argv[0]);
    return 2;
  }
  const std::string db_path = argv[1];
  const std::string input = argv[2];
  const std::size_t chunk_size = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 5000;
  if (chunk_size == 0) {
    std::fprintf(stderr, "chunk size must be positive\n");
    return 2;
  }

  // Not part of the floor: parse the whole file with the importer citywatch uses. Its time is
  // printed as parse_seconds, for telling how citywatch's time splits between parsing and writing.
  auto parse_started = std::chrono::steady_clock::now();
  std::vector<core::Observation> all;
  core::Diagnostics diag;
  auto loaded = scanner::import_file(
      scanner::FeedKind::kShodan, input, {},
      [&](core::Observation&& o) { all.push_back(std::move(o)); }, diag, nullptr);
  if (loaded.fatal) {
    std::fprintf(stderr, "cannot read %s: %s\n", input.c_str(), loaded.fatal->to_string().c_str());
    return 1;
  }
  all.shrink_to_fit();
  const double parse_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - parse_started).count();
  const long loaded_rss_kb = status_kb("VmRSS");

  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((db_path + suffix).c_str());

  // Timed: open (create the schema), one import record, the chunks, close (final checkpoint),
  // which is what the citywatch process does around its parsing.
  auto started = std::chrono::steady_clock::now();
  const double cpu_started = cpu_seconds();
  db::IngestCounts total;
  {
    auto store = db::Store::open(db_path, true);
    if (!store) {
      std::fprintf(stderr, "%s\n", store.error().to_string().c_str());
      return 1;
    }
    auto import_id = store->begin_import(core::Source::kShodan, input, "", 0);
    if (!import_id) {
      std::fprintf(stderr, "%s\n", import_id.error().to_string().c_str());
      return 1;
    }
    std::vector<core::Observation> chunk;
    chunk.reserve(chunk_size);
    for (std::size_t i = 0; i < all.size(); i += chunk_size) {
      auto end = std::min(all.size(), i + chunk_size);
      chunk.assign(std::make_move_iterator(all.begin() + static_cast<std::ptrdiff_t>(i)),
                   std::make_move_iterator(all.begin() + static_cast<std::ptrdiff_t>(end)));
      auto counts = store->write_chunk(chunk, *import_id);
      if (!counts) {
        std::fprintf(stderr, "%s\n", counts.error().to_string().c_str());
        return 1;
      }
      total.inserted += counts->inserted;
      total.duplicates += counts->duplicates;
    }
    db::ImportTotals totals;
    totals.records_read = loaded.records;
    totals.imported = total.inserted;
    totals.duplicates = total.duplicates;
    auto finished = store->finish_import(*import_id, db::ImportStatus::kDone, totals, 0);
    if (!finished) {
      std::fprintf(stderr, "%s\n", finished.error().to_string().c_str());
      return 1;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double cpu = cpu_seconds() - cpu_started;
  const double rate = seconds > 0 ? static_cast<double>(all.size()) / seconds : 0;

  std::printf(
      "floor banners=%zu rejected=%zu seconds=%.3f cpu_seconds=%.3f banners_per_s=%.0f "
      "inserted=%zu "
      "duplicates=%zu parse_seconds=%.3f loaded_rss_mib=%.1f peak_rss_mib=%.1f\n",
      all.size(), diag.count(), seconds, cpu, rate, total.inserted, total.duplicates, parse_seconds,
      mib(loaded_rss_kb), mib(status_kb("VmHWM")));
  return 0;
}
