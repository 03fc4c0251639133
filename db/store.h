// db/store.h: the citywatch database: opening (with migrations), idempotent ingest of
// observations in chunks, import records, and the device and service listings.
// Move-only; one Store per thread (open another for another thread; WAL lets them share).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/location.h"
#include "core/observation.h"
#include "core/result.h"
#include "db/sqlite.h"

namespace citywatch::db {

struct IngestCounts {
  std::size_t inserted = 0;
  std::size_t duplicates = 0;
  // Of the inserted observations, by where their device was located (indexed by core::InCity),
  // and how often the feed's own geo contradicted that.
  std::array<std::size_t, 4> by_in_city{};
  std::size_t feed_disagreements = 0;
};

// Fills in where the device of a newly stored observation is (enrich's geolocator, wired by
// the importer). Called once per inserted observation, never for duplicates.
using Locator = std::function<void(const core::Observation&, core::Location&)>;

// Which devices a listing shows. Empty in_city: every device; NULL in the table counts as
// unknown (devices stored before they were located).
struct DeviceFilter {
  std::vector<core::InCity> in_city;
  std::string district_code;
};

enum class ImportStatus { kRunning, kDone, kFailed, kInterrupted };

struct ImportTotals {
  std::size_t records_read = 0;
  std::size_t imported = 0;
  std::size_t duplicates = 0;
  std::size_t rejected = 0;
  std::string reject_file;
};

struct DeviceRecord {
  core::IpAddress ip;
  core::UnixSeconds first_seen = 0;
  core::UnixSeconds last_seen = 0;
  std::string hostname, org, vendor, model, device_type, firmware, cpe;
  std::uint32_t asn = 0;
  int services = 0;
  int risk_score = 0;
  std::string risk_explanation;  // JSON (risk/scoring.h), empty before the first assessment
  std::string fingerprint_rule;
  int open_findings = 0;
  core::Location location;
  std::int64_t geo_disagreements = 0;
  core::UnixSeconds located_at = 0;
};

struct ServiceRecord {
  core::IpAddress ip;
  std::uint16_t port = 0;
  core::Transport transport = core::Transport::kTcp;
  std::string protocol, product, version, cpe, auth, vendor, device_type;
  core::UnixSeconds first_seen = 0;
  core::UnixSeconds last_seen = 0;
};

class Store {
 public:
  // create=true makes the file if missing (citywatch init); otherwise a missing database is
  // kNotFound with advice to run init. Either way the schema is brought up to date.
  static core::Result<Store> open(const std::string& path, bool create);

  const std::string& path() const { return conn_.path(); }
  // The schema version the file had before open() migrated it (0: it was new).
  int version_before_open() const { return version_before_; }
  Connection& connection() { return conn_; }

  core::Result<std::int64_t> begin_import(core::Source source, const std::string& path,
                                          const std::string& report_type, core::UnixSeconds now);
  core::Result<void> finish_import(std::int64_t id, ImportStatus status, const ImportTotals& totals,
                                   core::UnixSeconds now);

  // Writes one chunk in one transaction: observations keyed (source, ip, port, transport,
  // observed_at) are inserted once; repeats count as duplicates and change nothing. Services
  // and devices are upserted with first/last seen widened. The chunk is sorted by key in place
  // (B-tree locality). Either the whole chunk lands or none of it. With a locator, each device
  // of a new observation gets its location: one per device per chunk, a located answer beating
  // "unknown", and an "unknown" never overwriting an earlier located one. The feed's
  // disagreements add up per device.
  core::Result<IngestCounts> write_chunk(std::vector<core::Observation>& chunk,
                                         std::int64_t import_id, const Locator& locate = {},
                                         core::UnixSeconds now = 0);

  core::Result<void> for_each_device(const std::function<void(const DeviceRecord&)>& fn);
  core::Result<void> for_each_device(const DeviceFilter& filter,
                                     const std::function<void(const DeviceRecord&)>& fn);
  core::Result<std::int64_t> count_devices(const DeviceFilter& filter);
  core::Result<void> for_each_service(const std::function<void(const ServiceRecord&)>& fn);

  core::Result<std::int64_t> count(std::string_view table);

 private:
  Store(Connection conn, int version_before)
      : conn_(std::move(conn)), version_before_(version_before) {}
  core::Result<void> prepare_ingest();
  core::Result<bool> insert_observation(const core::Observation& o, std::int64_t import_id);
  core::Result<void> upsert_service(const core::Observation& o);
  core::Result<void> upsert_device(const core::Observation& o);
  core::Result<void> update_location(const core::IpAddress& ip, const core::Location& loc,
                                     std::size_t disagreements, core::UnixSeconds now);

  Connection conn_;
  int version_before_ = 0;
  std::optional<Statement> insert_observation_;
  std::optional<Statement> upsert_service_;
  std::optional<Statement> upsert_device_;
  std::optional<Statement> update_location_;
};

// The columns of a device row (table alias d), in the order read_device() reads them: every
// device listing (the CLI's and the API's) selects these, so a device reads the same anywhere.
extern const std::string_view kDeviceColumns;
DeviceRecord read_device(const Statement& stmt);

// Address column codec: IPv4 as its integer value, IPv6 as a 16-byte blob.
void bind_ip(Statement& stmt, int index, const core::IpAddress& ip);
core::IpAddress column_ip(const Statement& stmt, int column);

}  // namespace citywatch::db
