#include "db/store.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "core/json_writer.h"
#include "core/text.h"
#include "db/migrations.h"

namespace citywatch::db {
namespace {

std::string_view status_name(ImportStatus s) {
  switch (s) {
    case ImportStatus::kRunning:
      return "running";
    case ImportStatus::kDone:
      return "done";
    case ImportStatus::kFailed:
      return "failed";
    case ImportStatus::kInterrupted:
      return "interrupted";
  }
  return "failed";
}

std::string join(const std::vector<std::string>& items, char sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

std::string vulns_json(const std::vector<core::VulnRef>& vulns) {
  if (vulns.empty()) return {};
  core::JsonWriter w;
  w.begin_array();
  for (const auto& v : vulns) {
    w.begin_object().field("cve", v.cve).field("verified", v.verified).end_object();
  }
  w.end_array();
  return w.take();
}

std::string fields_json(const core::Observation& o) {
  if (o.fields.empty()) return {};
  core::JsonWriter w;
  w.begin_object();
  for (const auto& [k, v] : o.fields) w.field(k, v);
  w.end_object();
  return w.take();
}

// The most specific fingerprint the observation carries, for the device row: the rules' result
// first, then what the feed itself stated.
std::string first_cpe(const core::Observation& o) {
  if (!o.fingerprint.cpe.empty()) return o.fingerprint.cpe;
  return o.cpes.empty() ? "" : o.cpes.front();
}
const std::string& pick(const std::string& rule, const std::string& feed) {
  return rule.empty() ? feed : rule;
}

}  // namespace

void bind_ip(Statement& stmt, int index, const core::IpAddress& ip) {
  if (ip.is_v4()) {
    stmt.bind(index, static_cast<std::int64_t>(ip.v4_value()));
  } else {
    stmt.bind_blob(index, ip.bytes());
  }
}

core::IpAddress column_ip(const Statement& stmt, int column) {
  if (stmt.column_type(column) == SQLITE_INTEGER) {
    return core::IpAddress::v4(static_cast<std::uint32_t>(stmt.int64(column)));
  }
  auto blob = stmt.blob(column);
  std::array<std::uint8_t, 16> bytes{};
  std::memcpy(bytes.data(), blob.data(), std::min<std::size_t>(blob.size(), 16));
  return core::IpAddress::v6(bytes);
}

core::Result<Store> Store::open(const std::string& path, bool create) {
  if (!create && ::access(path.c_str(), F_OK) != 0) {
    return core::fail(core::ErrorCode::kNotFound,
                      "no database here; create it with `citywatch init --db " + path + "`", path);
  }
  auto conn = Connection::open(path, create);
  if (!conn) return core::fail(conn.error());
  auto before = schema_version(*conn);
  if (!before) return core::fail(before.error());
  auto version = migrate(*conn);
  if (!version) return core::fail(version.error());
  if (*version != *before) {
    if (auto log = spdlog::get("db")) {
      log->info("schema_migrated path={} from={} to={}", path, *before, *version);
    }
  }
  return Store(std::move(*conn), *before);
}

core::Result<std::int64_t> Store::begin_import(core::Source source, const std::string& path,
                                               const std::string& report_type,
                                               core::UnixSeconds now) {
  // An import whose process is gone was killed: say so instead of leaving it "running".
  {
    auto stale = conn_.prepare("SELECT id, pid FROM imports WHERE status = 'running'");
    if (!stale) return core::fail(stale.error());
    std::vector<std::int64_t> dead;
    while (true) {
      auto row = stale->step();
      if (!row) return core::fail(row.error());
      if (!*row) break;
      auto pid = static_cast<pid_t>(stale->int64(1));
      if (pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH)) dead.push_back(stale->int64(0));
    }
    auto mark = conn_.prepare(
        "UPDATE imports SET status = 'interrupted' WHERE id = ? AND status = 'running'");
    if (!mark) return core::fail(mark.error());
    for (auto id : dead) CITYWATCH_TRY(mark->bind(1, id).run());
  }
  auto stmt = conn_.prepare(
      "INSERT INTO imports (source, path, report_type, pid, started_at, status) "
      "VALUES (?, ?, ?, ?, ?, 'running')");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, core::to_string(source))
      .bind(2, path)
      .bind_text_or_null(3, report_type)
      .bind(4, static_cast<std::int64_t>(::getpid()))
      .bind(5, now);
  CITYWATCH_TRY(stmt->run());
  return conn_.last_insert_rowid();
}

core::Result<void> Store::finish_import(std::int64_t id, ImportStatus status,
                                        const ImportTotals& totals, core::UnixSeconds now) {
  auto stmt = conn_.prepare(
      "UPDATE imports SET status = ?, finished_at = ?, records_read = ?, imported = ?, "
      "duplicates = ?, rejected = ?, reject_file = ? WHERE id = ?");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, status_name(status))
      .bind(2, now)
      .bind(3, static_cast<std::int64_t>(totals.records_read))
      .bind(4, static_cast<std::int64_t>(totals.imported))
      .bind(5, static_cast<std::int64_t>(totals.duplicates))
      .bind(6, static_cast<std::int64_t>(totals.rejected))
      .bind_text_or_null(7, totals.reject_file)
      .bind(8, id);
  return stmt->run();
}

core::Result<void> Store::prepare_ingest() {
  if (insert_observation_) return core::ok();
  auto obs = conn_.prepare(R"sql(
    INSERT INTO observations (ip, port, transport, observed_at, source, kind, src_port, protocol,
      report_type, product, version, vendor, model, device_type, firmware, cpes, hostnames, tags,
      org, isp, asn, geo_country, geo_city, geo_lat, geo_lon, vulns, excerpt, fields, import_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT DO NOTHING)sql");
  if (!obs) return core::fail(obs.error());
  // Newer evidence wins for descriptive columns; first/last seen only ever widen.
  auto svc = conn_.prepare(R"sql(
    INSERT INTO services (ip, port, transport, protocol, product, version, cpe, banner_hash,
      first_seen, last_seen, vendor, model, device_type, firmware, fingerprint_rule)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11, ?12, ?13, ?14)
    ON CONFLICT (ip, port, transport) DO UPDATE SET
      vendor = CASE WHEN excluded.last_seen >= last_seen
                    THEN coalesce(excluded.vendor, vendor) ELSE coalesce(vendor, excluded.vendor) END,
      model = CASE WHEN excluded.last_seen >= last_seen
                   THEN coalesce(excluded.model, model) ELSE coalesce(model, excluded.model) END,
      device_type = CASE WHEN excluded.last_seen >= last_seen
                         THEN coalesce(excluded.device_type, device_type)
                         ELSE coalesce(device_type, excluded.device_type) END,
      firmware = CASE WHEN excluded.last_seen >= last_seen
                      THEN coalesce(excluded.firmware, firmware) ELSE coalesce(firmware, excluded.firmware) END,
      fingerprint_rule = CASE WHEN excluded.last_seen >= last_seen
                              THEN coalesce(excluded.fingerprint_rule, fingerprint_rule)
                              ELSE coalesce(fingerprint_rule, excluded.fingerprint_rule) END,
      protocol = CASE WHEN excluded.last_seen >= last_seen
                      THEN coalesce(excluded.protocol, protocol) ELSE coalesce(protocol, excluded.protocol) END,
      product = CASE WHEN excluded.last_seen >= last_seen
                     THEN coalesce(excluded.product, product) ELSE coalesce(product, excluded.product) END,
      version = CASE WHEN excluded.last_seen >= last_seen
                     THEN coalesce(excluded.version, version) ELSE coalesce(version, excluded.version) END,
      cpe = CASE WHEN excluded.last_seen >= last_seen
                 THEN coalesce(excluded.cpe, cpe) ELSE coalesce(cpe, excluded.cpe) END,
      banner_hash = CASE WHEN excluded.last_seen >= last_seen
                         THEN coalesce(excluded.banner_hash, banner_hash) ELSE banner_hash END,
      first_seen = min(first_seen, excluded.first_seen),
      last_seen = max(last_seen, excluded.last_seen))sql");
  if (!svc) return core::fail(svc.error());
  // The device keeps its most confident fingerprint (newer wins among equals); what a feed
  // states without a rule counts as confidence 0 and only fills gaps.
  auto dev = conn_.prepare(R"sql(
    INSERT INTO devices (ip, first_seen, last_seen, hostname, asn, org, vendor, model,
      device_type, firmware, cpe, fingerprint_rule, fingerprint_confidence)
    VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
    ON CONFLICT (ip) DO UPDATE SET
      hostname = CASE WHEN excluded.last_seen >= last_seen
                      THEN coalesce(excluded.hostname, hostname) ELSE coalesce(hostname, excluded.hostname) END,
      asn = CASE WHEN excluded.last_seen >= last_seen
                 THEN coalesce(excluded.asn, asn) ELSE coalesce(asn, excluded.asn) END,
      org = CASE WHEN excluded.last_seen >= last_seen
                 THEN coalesce(excluded.org, org) ELSE coalesce(org, excluded.org) END,
      vendor = CASE WHEN excluded.fingerprint_confidence >= coalesce(fingerprint_confidence, 0)
                    THEN coalesce(excluded.vendor, vendor) ELSE coalesce(vendor, excluded.vendor) END,
      model = CASE WHEN excluded.fingerprint_confidence >= coalesce(fingerprint_confidence, 0)
                   THEN coalesce(excluded.model, model) ELSE coalesce(model, excluded.model) END,
      device_type = CASE WHEN excluded.fingerprint_confidence >= coalesce(fingerprint_confidence, 0)
                         THEN coalesce(excluded.device_type, device_type)
                         ELSE coalesce(device_type, excluded.device_type) END,
      firmware = CASE WHEN excluded.fingerprint_confidence >= coalesce(fingerprint_confidence, 0)
                      THEN coalesce(excluded.firmware, firmware) ELSE coalesce(firmware, excluded.firmware) END,
      cpe = CASE WHEN excluded.fingerprint_confidence >= coalesce(fingerprint_confidence, 0)
                 THEN coalesce(excluded.cpe, cpe) ELSE coalesce(cpe, excluded.cpe) END,
      fingerprint_rule = CASE WHEN excluded.fingerprint_confidence >= coalesce(fingerprint_confidence, 0)
                              THEN coalesce(excluded.fingerprint_rule, fingerprint_rule)
                              ELSE coalesce(fingerprint_rule, excluded.fingerprint_rule) END,
      fingerprint_confidence = max(excluded.fingerprint_confidence, coalesce(fingerprint_confidence, 0)),
      first_seen = min(first_seen, excluded.first_seen),
      last_seen = max(last_seen, excluded.last_seen))sql");
  if (!dev) return core::fail(dev.error());
  // An "unknown" answer never replaces a located one: the feed that placed a device last week
  // may have no geo columns this week. AS number and organisation only fill gaps the feeds left.
  auto loc = conn_.prepare(R"sql(
    UPDATE devices SET in_city = ?2, district_code = ?3, district_name = ?4, geo_city = ?5,
      geo_postal_code = ?6, geo_region = ?7, geo_country = ?8, latitude = ?9, longitude = ?10,
      accuracy_km = ?11, geo_method = ?12, geo_confidence = ?13, geo_note = ?14,
      feed_city = coalesce(?15, feed_city), feed_in_city = coalesce(?16, feed_in_city),
      geo_disagreements = geo_disagreements + ?17, located_at = ?18,
      asn = coalesce(asn, ?19), org = coalesce(org, ?20)
    WHERE ip = ?1 AND (?2 != 'unknown' OR in_city IS NULL OR in_city = 'unknown'))sql");
  if (!loc) return core::fail(loc.error());
  insert_observation_.emplace(std::move(*obs));
  upsert_service_.emplace(std::move(*svc));
  upsert_device_.emplace(std::move(*dev));
  update_location_.emplace(std::move(*loc));
  return core::ok();
}

core::Result<bool> Store::insert_observation(const core::Observation& o, std::int64_t import_id) {
  Statement& s = *insert_observation_;
  bind_ip(s, 1, o.ip);
  s.bind(2, static_cast<int>(o.port))
      .bind(3, static_cast<int>(o.transport))
      .bind(4, o.observed_at)
      .bind(5, static_cast<int>(o.source))
      .bind(6, static_cast<int>(o.kind));
  if (o.src_port) {
    s.bind(7, static_cast<int>(*o.src_port));
  } else {
    s.bind_null(7);
  }
  s.bind_text_or_null(8, o.protocol)
      .bind_text_or_null(9, o.report_type)
      .bind_text_or_null(10, o.product)
      .bind_text_or_null(11, o.version)
      .bind_text_or_null(12, o.vendor)
      .bind_text_or_null(13, o.model)
      .bind_text_or_null(14, o.device_type)
      .bind_text_or_null(15, o.firmware)
      .bind_text_or_null(16, join(o.cpes, ' '))
      .bind_text_or_null(17, join(o.hostnames, ' '))
      .bind_text_or_null(18, join(o.tags, ','))
      .bind_text_or_null(19, o.org)
      .bind_text_or_null(20, o.isp);
  if (o.asn != 0) {
    s.bind(21, static_cast<std::int64_t>(o.asn));
  } else {
    s.bind_null(21);
  }
  s.bind_text_or_null(22, o.geo.country_code).bind_text_or_null(23, o.geo.city);
  s.bind(24, o.geo.latitude).bind(25, o.geo.longitude);
  s.bind_text_or_null(26, vulns_json(o.vulns))
      .bind_text_or_null(27, o.excerpt)
      .bind_text_or_null(28, fields_json(o))
      .bind(29, import_id);
  CITYWATCH_TRY(s.run());
  return conn_.changes() > 0;
}

core::Result<void> Store::upsert_service(const core::Observation& o) {
  Statement& s = *upsert_service_;
  bind_ip(s, 1, o.ip);
  s.bind(2, static_cast<int>(o.port))
      .bind(3, static_cast<int>(o.transport))
      .bind_text_or_null(4, o.protocol)
      .bind_text_or_null(5, o.product)
      .bind_text_or_null(6, o.version)
      .bind_text_or_null(7, first_cpe(o));
  if (o.excerpt.empty()) {
    s.bind_null(8);
  } else {
    s.bind(8, static_cast<std::int64_t>(core::fnv1a64(o.excerpt)));
  }
  s.bind(9, o.observed_at);
  const core::Fingerprint& fp = o.fingerprint;
  s.bind_text_or_null(10, pick(fp.vendor, o.vendor))
      .bind_text_or_null(11, pick(fp.model, o.model))
      .bind_text_or_null(12, pick(fp.device_type, o.device_type))
      .bind_text_or_null(13, pick(fp.version, o.firmware))
      .bind_text_or_null(14, fp.rule_id);
  return s.run();
}

core::Result<void> Store::upsert_device(const core::Observation& o) {
  Statement& s = *upsert_device_;
  bind_ip(s, 1, o.ip);
  s.bind(2, o.observed_at).bind_text_or_null(3, o.hostnames.empty() ? "" : o.hostnames.front());
  if (o.asn != 0) {
    s.bind(4, static_cast<std::int64_t>(o.asn));
  } else {
    s.bind_null(4);
  }
  const core::Fingerprint& fp = o.fingerprint;
  s.bind_text_or_null(5, o.org)
      .bind_text_or_null(6, pick(fp.vendor, o.vendor))
      .bind_text_or_null(7, pick(fp.model, o.model))
      .bind_text_or_null(8, pick(fp.device_type, o.device_type))
      .bind_text_or_null(9, pick(fp.version, o.firmware))
      .bind_text_or_null(10, first_cpe(o))
      .bind_text_or_null(11, fp.rule_id)
      .bind(12, fp.confidence);
  return s.run();
}

core::Result<void> Store::update_location(const core::IpAddress& ip, const core::Location& l,
                                          std::size_t disagreements, core::UnixSeconds now) {
  Statement& s = *update_location_;
  bind_ip(s, 1, ip);
  s.bind(2, core::to_string(l.in_city))
      .bind_text_or_null(3, l.district_code)
      .bind_text_or_null(4, l.district_name)
      .bind_text_or_null(5, l.city)
      .bind_text_or_null(6, l.postal_code)
      .bind_text_or_null(7, l.region)
      .bind_text_or_null(8, l.country_code)
      .bind(9, l.latitude)
      .bind(10, l.longitude)
      .bind(11, l.accuracy_km)
      .bind(12, core::to_string(l.method))
      .bind(13, l.confidence)
      .bind_text_or_null(14, l.note)
      .bind_text_or_null(15, l.feed_city);
  if (l.feed_in_city == core::InCity::kUnknown) {
    s.bind_null(16);
  } else {
    s.bind(16, core::to_string(l.feed_in_city));
  }
  s.bind(17, static_cast<std::int64_t>(disagreements)).bind(18, now);
  if (l.asn != 0) {
    s.bind(19, static_cast<std::int64_t>(l.asn));
  } else {
    s.bind_null(19);
  }
  s.bind_text_or_null(20, l.organisation);
  return s.run();
}

core::Result<IngestCounts> Store::write_chunk(std::vector<core::Observation>& chunk,
                                              std::int64_t import_id, const Locator& locate,
                                              core::UnixSeconds now) {
  CITYWATCH_TRY(prepare_ingest());
  std::sort(chunk.begin(), chunk.end(), [](const core::Observation& a, const core::Observation& b) {
    return a.key() < b.key();
  });
  auto tx = Transaction::begin(conn_);
  if (!tx) return core::fail(tx.error());
  IngestCounts counts;
  struct Pending {
    core::Location location;
    std::size_t disagreements = 0;
  };
  std::unordered_map<core::IpAddress, Pending, core::IpAddressHash> located;
  core::Location scratch;
  for (const auto& o : chunk) {
    auto inserted = insert_observation(o, import_id);
    if (!inserted) return core::fail(inserted.error());
    if (!*inserted) {
      ++counts.duplicates;
      continue;
    }
    ++counts.inserted;
    if (o.kind == core::ObservationKind::kService) CITYWATCH_TRY(upsert_service(o));
    CITYWATCH_TRY(upsert_device(o));
    if (!locate) continue;
    locate(o, scratch);
    ++counts.by_in_city[static_cast<std::size_t>(scratch.in_city)];
    counts.feed_disagreements += scratch.feed_disagrees ? 1 : 0;
    auto [it, added] = located.try_emplace(o.ip);
    Pending& p = it->second;
    p.disagreements += scratch.feed_disagrees ? 1 : 0;
    // Keep the strongest answer of the chunk: located beats unknown, then the lower method.
    bool better = added || (!p.location.located() && scratch.located()) ||
                  (scratch.located() && p.location.located() &&
                   static_cast<int>(scratch.method) < static_cast<int>(p.location.method));
    if (better) p.location = scratch;
  }
  for (const auto& [ip, p] : located) {
    CITYWATCH_TRY(update_location(ip, p.location, p.disagreements, now));
  }
  CITYWATCH_TRY(tx->commit());
  return counts;
}

core::Result<void> Store::for_each_device(const std::function<void(const DeviceRecord&)>& fn) {
  return for_each_device(DeviceFilter{}, fn);
}

namespace {

// " WHERE ..." for a filter, with its parameters bound from 1 on by bind_filter().
std::string filter_sql(const DeviceFilter& f) {
  std::vector<std::string> parts;
  if (!f.in_city.empty()) {
    std::string in = "coalesce(d.in_city, 'unknown') IN (";
    for (std::size_t i = 0; i < f.in_city.size(); ++i) in += i ? ", ?" : "?";
    parts.push_back(in + ")");
  }
  if (!f.district_code.empty()) parts.push_back("d.district_code = ?");
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? " WHERE " : " AND ") + p;
  return out;
}

void bind_filter(Statement& stmt, const DeviceFilter& f) {
  int index = 1;
  for (core::InCity v : f.in_city) stmt.bind(index++, core::to_string(v));
  if (!f.district_code.empty()) stmt.bind(index++, f.district_code);
}

}  // namespace

core::Result<std::int64_t> Store::count_devices(const DeviceFilter& filter) {
  auto stmt = conn_.prepare("SELECT count(*) FROM devices d" + filter_sql(filter));
  if (!stmt) return core::fail(stmt.error());
  bind_filter(*stmt, filter);
  auto row = stmt->step();
  if (!row) return core::fail(row.error());
  return stmt->int64(0);
}

const std::string_view kDeviceColumns = R"sql(
  d.ip, d.first_seen, d.last_seen, d.hostname, d.asn, d.org, d.vendor, d.model,
  d.device_type, d.firmware, d.cpe,
  (SELECT count(*) FROM services s WHERE s.ip = d.ip),
  d.risk_score, d.risk_explanation, d.fingerprint_rule,
  (SELECT count(*) FROM findings f WHERE f.ip = d.ip
     AND f.status IN ('open', 'notified', 'reopened')),
  d.in_city, d.district_code, d.district_name, d.geo_city, d.geo_postal_code,
  d.geo_region, d.geo_country, d.latitude, d.longitude, d.accuracy_km, d.geo_method,
  d.geo_confidence, d.geo_note, d.feed_city, d.feed_in_city, d.geo_disagreements,
  d.located_at)sql";

DeviceRecord read_device(const Statement& stmt) {
  auto optional_real = [&](int col) {
    return stmt.is_null(col) ? std::optional<double>() : stmt.real(col);
  };
  DeviceRecord d;
  d.ip = column_ip(stmt, 0);
  d.first_seen = stmt.int64(1);
  d.last_seen = stmt.int64(2);
  d.hostname = stmt.text(3);
  d.asn = static_cast<std::uint32_t>(stmt.int64(4));
  d.org = stmt.text(5);
  d.vendor = stmt.text(6);
  d.model = stmt.text(7);
  d.device_type = stmt.text(8);
  d.firmware = stmt.text(9);
  d.cpe = stmt.text(10);
  d.services = static_cast<int>(stmt.int64(11));
  d.risk_score = static_cast<int>(stmt.int64(12));
  d.risk_explanation = stmt.text(13);
  d.fingerprint_rule = stmt.text(14);
  d.open_findings = static_cast<int>(stmt.int64(15));
  core::Location& l = d.location;
  l.in_city = core::parse_in_city(stmt.text(16)).value_or(core::InCity::kUnknown);
  l.district_code = stmt.text(17);
  l.district_name = stmt.text(18);
  l.city = stmt.text(19);
  l.postal_code = stmt.text(20);
  l.region = stmt.text(21);
  l.country_code = stmt.text(22);
  l.latitude = optional_real(23);
  l.longitude = optional_real(24);
  l.accuracy_km = optional_real(25);
  l.method = core::parse_locate_method(stmt.text(26)).value_or(core::LocateMethod::kNone);
  l.confidence = stmt.is_null(27) ? 0 : stmt.real(27);
  l.note = stmt.text(28);
  l.feed_city = stmt.text(29);
  l.feed_in_city = core::parse_in_city(stmt.text(30)).value_or(core::InCity::kUnknown);
  l.asn = d.asn;
  l.organisation = d.org;
  d.geo_disagreements = stmt.int64(31);
  l.feed_disagrees = d.geo_disagreements > 0;
  d.located_at = stmt.int64(32);
  return d;
}

core::Result<void> Store::for_each_device(const DeviceFilter& filter,
                                          const std::function<void(const DeviceRecord&)>& fn) {
  auto stmt = conn_.prepare("SELECT " + std::string(kDeviceColumns) + " FROM devices d" +
                            filter_sql(filter) + " ORDER BY d.ip");
  if (!stmt) return core::fail(stmt.error());
  bind_filter(*stmt, filter);
  while (true) {
    auto row = stmt->step();
    if (!row) return core::fail(row.error());
    if (!*row) break;
    fn(read_device(*stmt));
  }
  return core::ok();
}

core::Result<void> Store::for_each_service(const std::function<void(const ServiceRecord&)>& fn) {
  auto stmt = conn_.prepare(R"sql(
    SELECT ip, port, transport, protocol, product, version, cpe, auth, first_seen, last_seen,
           vendor, device_type
    FROM services ORDER BY ip, port, transport)sql");
  if (!stmt) return core::fail(stmt.error());
  while (true) {
    auto row = stmt->step();
    if (!row) return core::fail(row.error());
    if (!*row) break;
    ServiceRecord s;
    s.ip = column_ip(*stmt, 0);
    s.port = static_cast<std::uint16_t>(stmt->int64(1));
    s.transport = stmt->int64(2) == 17 ? core::Transport::kUdp : core::Transport::kTcp;
    s.protocol = stmt->text(3);
    s.product = stmt->text(4);
    s.version = stmt->text(5);
    s.cpe = stmt->text(6);
    s.auth = stmt->text(7);
    s.first_seen = stmt->int64(8);
    s.last_seen = stmt->int64(9);
    s.vendor = stmt->text(10);
    s.device_type = stmt->text(11);
    fn(s);
  }
  return core::ok();
}

core::Result<std::int64_t> Store::count(std::string_view table) {
  // Table names cannot be bound; accept only our own.
  static constexpr std::string_view kTables[] = {
      "devices",   "services",         "observations", "imports",        "findings",
      "vuln_cves", "vuln_cpe_matches", "vuln_kev",     "finding_events", "exemptions"};
  if (std::find(std::begin(kTables), std::end(kTables), table) == std::end(kTables)) {
    return core::fail(core::ErrorCode::kInternal, "unknown table " + std::string(table));
  }
  auto stmt = conn_.prepare("SELECT count(*) FROM " + std::string(table));
  if (!stmt) return core::fail(stmt.error());
  auto row = stmt->step();
  if (!row) return core::fail(row.error());
  return stmt->int64(0);
}

}  // namespace citywatch::db
