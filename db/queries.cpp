#include "db/queries.h"

#include <algorithm>
#include <array>
#include <limits>
#include <map>

#include "core/text.h"

namespace citywatch::db {
namespace {

// Address bounds as the address column orders them: IPv4 rows are integers and sort before
// IPv6 16-byte blobs. Every listing binds one exclusive lower bound and one inclusive upper
// bound, so SQLite walks exactly the primary-key range between them: a lower bound from the
// cursor or the network, whichever is higher (binding both would let the planner start from
// the lower one and scan the rows in between).
struct Bound {
  bool is_int = true;
  std::int64_t i = -1;  // -1: below every address
  std::array<std::uint8_t, 16> b{};
};

Bound bound_of(const core::IpAddress& ip) {
  Bound out;
  if (ip.is_v4()) {
    out.i = ip.v4_value();
  } else {
    out.is_int = false;
    out.b = ip.bytes();
  }
  return out;
}

// The highest value below ip (for an inclusive start turned exclusive).
Bound bound_before(const core::IpAddress& ip) {
  Bound out = bound_of(ip);
  if (out.is_int) {
    out.i -= 1;
    return out;
  }
  for (int k = 15; k >= 0; --k) {
    if (out.b[static_cast<std::size_t>(k)]-- != 0) return out;
  }
  // Below "::" come all IPv4 addresses: an integer above them is still below every blob.
  return Bound{true, std::int64_t{1} << 32, {}};
}

bool less(const Bound& a, const Bound& b) {
  if (a.is_int != b.is_int) return a.is_int;
  return a.is_int ? a.i < b.i : a.b < b.b;
}

void bind_bound(Statement& s, int index, const Bound& bound) {
  if (bound.is_int) {
    s.bind(index, bound.i);
  } else {
    s.bind_blob(index, bound.b);
  }
}

void bind_highest(Statement& s, int index) {
  std::array<std::uint8_t, 16> top;
  top.fill(0xff);
  s.bind_blob(index, top);
}

core::IpAddress last_address(const core::Prefix& p) {
  const core::IpAddress& base = p.base();
  if (base.is_v4()) {
    std::uint32_t host_mask = p.length() == 0 ? 0xffffffffu : ((1u << (32 - p.length())) - 1u);
    if (p.length() == 32) host_mask = 0;
    return core::IpAddress::v4(base.v4_value() | host_mask);
  }
  auto bytes = base.bytes();
  for (int bit = p.length(); bit < 128; ++bit) {
    bytes[static_cast<std::size_t>(bit / 8)] |= static_cast<std::uint8_t>(0x80u >> (bit % 8));
  }
  return core::IpAddress::v6(bytes);
}

void bind_opt_text(Statement& s, int index, const std::optional<std::string>& v) {
  if (v) {
    s.bind(index, *v);
  } else {
    s.bind_null(index);
  }
}

void bind_upper(Statement& s, int index, const std::optional<core::Prefix>& network) {
  if (network) {
    bind_ip(s, index, last_address(*network));
  } else {
    bind_highest(s, index);
  }
}

// The exclusive lower bound from a cursor and a network.
Bound lower_bound(const std::optional<core::IpAddress>& after,
                  const std::optional<core::Prefix>& network) {
  Bound from_network = network ? bound_before(network->base()) : Bound{};
  if (!after) return from_network;
  Bound from_cursor = bound_of(*after);
  return less(from_cursor, from_network) ? from_network : from_cursor;
}

core::Transport transport_of(std::int64_t v) {
  return v == 17 ? core::Transport::kUdp : core::Transport::kTcp;
}

ServiceRecord read_service(const Statement& s) {
  ServiceRecord r;
  r.ip = column_ip(s, 0);
  r.port = static_cast<std::uint16_t>(s.int64(1));
  r.transport = transport_of(s.int64(2));
  r.protocol = s.text(3);
  r.product = s.text(4);
  r.version = s.text(5);
  r.cpe = s.text(6);
  r.auth = s.text(7);
  r.first_seen = s.int64(8);
  r.last_seen = s.int64(9);
  return r;
}

std::string device_select() { return "SELECT " + std::string(kDeviceColumns) + " FROM devices d"; }

std::optional<core::UnixSeconds> opt_int(const Statement& s, int col) {
  if (s.is_null(col)) return std::nullopt;
  return s.int64(col);
}

}  // namespace

core::Result<std::vector<DeviceRecord>> list_devices(Connection& conn, const Visibility& who,
                                                     const DeviceQuery& f) {
  auto stmt = conn.prepare(device_select() + R"sql(
    WHERE d.ip > ?1 AND d.ip <= ?2
      AND (?3 IS NULL OR d.ip IN (SELECT ip FROM partner_visible_ips WHERE partner_id = ?3))
      AND (?4 IS NULL OR d.vendor = ?4 COLLATE NOCASE)
      AND (?5 IS NULL OR d.model = ?5 COLLATE NOCASE)
      AND (?6 IS NULL OR d.device_type = ?6 COLLATE NOCASE)
      AND (?7 IS NULL OR d.asn = ?7)
      AND (?8 IS NULL OR EXISTS (SELECT 1 FROM services s WHERE s.ip = d.ip AND s.port = ?8))
      AND (?9 IS NULL OR EXISTS (SELECT 1 FROM services s WHERE s.ip = d.ip
                                  AND s.protocol = ?9 COLLATE NOCASE))
      AND (?10 IS NULL OR d.last_seen >= ?10)
      AND (?11 IS NULL OR d.last_seen < ?11)
      AND (?12 IS NULL OR d.first_seen >= ?12)
      AND (?13 IS NULL OR d.district_code = ?13)
      AND (?14 IS NULL OR instr(',' || ?14 || ',', ',' || coalesce(d.in_city, 'unknown') || ',') > 0)
      AND (?15 IS NULL OR d.risk_score >= ?15)
    ORDER BY d.ip LIMIT ?16)sql");
  if (!stmt) return core::fail(stmt.error());
  Statement& s = *stmt;
  bind_bound(s, 1, lower_bound(f.after, f.network));
  bind_upper(s, 2, f.network);
  s.bind(3, who.partner_id);
  bind_opt_text(s, 4, f.vendor);
  bind_opt_text(s, 5, f.model);
  bind_opt_text(s, 6, f.device_type);
  s.bind(7, f.asn).bind(8, f.port);
  bind_opt_text(s, 9, f.protocol);
  s.bind(10, f.seen_after).bind(11, f.seen_before).bind(12, f.first_seen_after);
  bind_opt_text(s, 13, f.district);
  s.bind_text_or_null(14, f.in_city);
  s.bind(15, f.min_score);
  s.bind(16, static_cast<std::int64_t>(f.limit));
  return collect<DeviceRecord>(s, read_device);
}

core::Result<std::optional<DeviceRecord>> get_device(Connection& conn, const Visibility& who,
                                                     const core::IpAddress& ip) {
  auto stmt = conn.prepare(device_select() + R"sql(
    WHERE d.ip = ?1
      AND (?2 IS NULL OR d.ip IN (SELECT ip FROM partner_visible_ips WHERE partner_id = ?2)))sql");
  if (!stmt) return core::fail(stmt.error());
  bind_ip(*stmt, 1, ip);
  stmt->bind(2, who.partner_id);
  auto rows = collect<DeviceRecord>(*stmt, read_device);
  if (!rows) return core::fail(rows.error());
  if (rows->empty()) return std::optional<DeviceRecord>();
  return std::optional<DeviceRecord>(rows->front());
}

core::Result<std::vector<ServiceRecord>> list_services(Connection& conn, const Visibility& who,
                                                       const ServiceFilter& f) {
  auto stmt = conn.prepare(R"sql(
    SELECT ip, port, transport, protocol, product, version, cpe, auth, first_seen, last_seen
    FROM services
    WHERE (ip, port, transport) > (?1, ?2, ?3) AND ip <= ?4
      AND (?5 IS NULL OR ip IN (SELECT ip FROM partner_visible_ips WHERE partner_id = ?5))
      AND (?6 IS NULL OR protocol = ?6 COLLATE NOCASE)
      AND (?7 IS NULL OR product = ?7 COLLATE NOCASE)
      AND (?8 IS NULL OR auth = ?8)
      AND (?9 IS NULL OR port = ?9)
      AND (?10 IS NULL OR transport = ?10)
      AND (?11 IS NULL OR last_seen >= ?11)
    ORDER BY ip, port, transport LIMIT ?12)sql");
  if (!stmt) return core::fail(stmt.error());
  Statement& s = *stmt;
  std::optional<core::Prefix> range = f.network;
  if (f.ip) range = core::Prefix(*f.ip, f.ip->is_v4() ? 32 : 128);
  // Start after the cursor when it is inside the range; otherwise just below the range
  // (ports above 65535 put the start after every row of that lower address).
  Bound start = lower_bound(std::nullopt, range);
  if (f.after && less(start, bound_of(f.after->ip))) {
    bind_ip(s, 1, f.after->ip);
    s.bind(2, static_cast<int>(f.after->port)).bind(3, static_cast<int>(f.after->transport));
  } else {
    bind_bound(s, 1, start);
    s.bind(2, 1 << 20).bind(3, 1 << 20);
  }
  bind_upper(s, 4, range);
  s.bind(5, who.partner_id);
  bind_opt_text(s, 6, f.protocol);
  bind_opt_text(s, 7, f.product);
  bind_opt_text(s, 8, f.auth);
  s.bind(9, f.port);
  if (f.transport) {
    s.bind(10, static_cast<int>(*f.transport));
  } else {
    s.bind_null(10);
  }
  s.bind(11, f.seen_after).bind(12, static_cast<std::int64_t>(f.limit));
  return collect<ServiceRecord>(s, read_service);
}

namespace {

constexpr std::string_view kObservationSelect = R"sql(
    SELECT ip, port, transport, observed_at, source, kind, src_port, protocol, report_type,
           product, version, vendor, model, device_type, firmware, cpes, hostnames, tags, org,
           isp, asn, geo_country, geo_city, geo_lat, geo_lon, vulns, excerpt, fields, import_id
    FROM observations)sql";

ObservationRecord read_observation(const Statement& r) {
  ObservationRecord o;
  o.ip = column_ip(r, 0);
  o.port = static_cast<std::uint16_t>(r.int64(1));
  o.transport = transport_of(r.int64(2));
  o.observed_at = r.int64(3);
  o.source = static_cast<core::Source>(r.int64(4));
  o.kind = static_cast<core::ObservationKind>(r.int64(5));
  o.src_port = opt_int(r, 6);
  o.protocol = r.text(7);
  o.report_type = r.text(8);
  o.product = r.text(9);
  o.version = r.text(10);
  o.vendor = r.text(11);
  o.model = r.text(12);
  o.device_type = r.text(13);
  o.firmware = r.text(14);
  o.cpes = r.text(15);
  o.hostnames = r.text(16);
  o.tags = r.text(17);
  o.org = r.text(18);
  o.isp = r.text(19);
  o.asn = opt_int(r, 20);
  o.geo_country = r.text(21);
  o.geo_city = r.text(22);
  if (!r.is_null(23)) o.geo_lat = r.real(23);
  if (!r.is_null(24)) o.geo_lon = r.real(24);
  o.vulns_json = r.text(25);
  o.excerpt = r.text(26);
  o.fields_json = r.text(27);
  o.import_id = opt_int(r, 28);
  return o;
}

}  // namespace

core::Result<std::vector<ObservationRecord>> list_observations(Connection& conn,
                                                               const Visibility& who,
                                                               const ObservationFilter& f) {
  auto stmt = conn.prepare(std::string(kObservationSelect) + R"sql(
    WHERE ip = ?1
      AND (?2 IS NULL OR ip IN (SELECT ip FROM partner_visible_ips WHERE partner_id = ?2))
      AND (?3 IS NULL OR source = ?3)
      AND (observed_at, port, transport, source) < (?4, ?5, ?6, ?7)
    ORDER BY observed_at DESC, port DESC, transport DESC, source DESC LIMIT ?8)sql");
  if (!stmt) return core::fail(stmt.error());
  Statement& s = *stmt;
  bind_ip(s, 1, f.ip);
  s.bind(2, who.partner_id);
  if (f.source) {
    s.bind(3, static_cast<int>(*f.source));
  } else {
    s.bind_null(3);
  }
  if (f.before) {
    s.bind(4, f.before->observed_at).bind(5, f.before->port);
    s.bind(6, f.before->transport).bind(7, f.before->source);
  } else {
    s.bind(4, std::numeric_limits<std::int64_t>::max()).bind(5, 0).bind(6, 0).bind(7, 0);
  }
  s.bind(8, static_cast<std::int64_t>(f.limit));
  return collect<ObservationRecord>(s, read_observation);
}

core::Result<std::optional<ObservationRecord>> get_observation(Connection& conn,
                                                               const Visibility& who,
                                                               const core::ObservationKey& key) {
  auto stmt = conn.prepare(std::string(kObservationSelect) + R"sql(
    WHERE ip = ?1 AND port = ?2 AND transport = ?3 AND observed_at = ?4 AND source = ?5
      AND (?6 IS NULL OR ip IN (SELECT ip FROM partner_visible_ips WHERE partner_id = ?6)))sql");
  if (!stmt) return core::fail(stmt.error());
  Statement& s = *stmt;
  bind_ip(s, 1, key.ip);
  s.bind(2, static_cast<int>(key.port)).bind(3, static_cast<int>(key.transport));
  s.bind(4, key.observed_at).bind(5, static_cast<int>(key.source)).bind(6, who.partner_id);
  auto rows = collect<ObservationRecord>(s, read_observation);
  if (!rows) return core::fail(rows.error());
  if (rows->empty()) return std::optional<ObservationRecord>();
  return std::optional<ObservationRecord>(std::move(rows->front()));
}

core::Result<std::vector<HistoryDay>> device_history(Connection& conn, const core::IpAddress& ip,
                                                     std::size_t max_days) {
  auto stmt = conn.prepare(R"sql(
    SELECT observed_at / 86400 AS day, group_concat(DISTINCT source), group_concat(DISTINCT port),
           count(*)
    FROM observations WHERE ip = ?1 GROUP BY day ORDER BY day DESC LIMIT ?2)sql");
  if (!stmt) return core::fail(stmt.error());
  bind_ip(*stmt, 1, ip);
  stmt->bind(2, static_cast<std::int64_t>(max_days));
  return collect<HistoryDay>(*stmt, [](const Statement& r) {
    HistoryDay h;
    h.day = r.int64(0);
    // Sources are stored as numbers; the API shows names.
    for (const auto& item : core::split_trimmed(r.text(1), ',')) {
      auto n = core::parse_int(item, 0, 255);
      if (!n) continue;
      if (!h.sources.empty()) h.sources += ',';
      h.sources += std::string(core::to_string(static_cast<core::Source>(*n)));
    }
    h.ports = r.text(2);
    h.observations = r.int64(3);
    return h;
  });
}

namespace {

constexpr std::string_view kImportSelect = R"sql(
  SELECT id, source, path, report_type, status, reject_file, started_at, finished_at,
         records_read, imported, duplicates, rejected FROM imports)sql";

ImportRow read_import(const Statement& r) {
  ImportRow i;
  i.id = r.int64(0);
  i.source = r.text(1);
  i.path = r.text(2);
  i.report_type = r.text(3);
  i.status = r.text(4);
  i.reject_file = r.text(5);
  i.started_at = r.int64(6);
  i.finished_at = opt_int(r, 7);
  i.records_read = r.int64(8);
  i.imported = r.int64(9);
  i.duplicates = r.int64(10);
  i.rejected = r.int64(11);
  return i;
}

}  // namespace

core::Result<std::vector<ImportRow>> list_imports(Connection& conn,
                                                  std::optional<std::int64_t> before_id,
                                                  std::size_t limit) {
  auto stmt = conn.prepare(std::string(kImportSelect) +
                           " WHERE id < coalesce(?1, 9223372036854775807) ORDER BY id DESC "
                           "LIMIT ?2");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, before_id).bind(2, static_cast<std::int64_t>(limit));
  return collect<ImportRow>(*stmt, read_import);
}

core::Result<std::optional<ImportRow>> get_import(Connection& conn, std::int64_t id) {
  auto stmt = conn.prepare(std::string(kImportSelect) + " WHERE id = ?1");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, id);
  auto rows = collect<ImportRow>(*stmt, read_import);
  if (!rows) return core::fail(rows.error());
  if (rows->empty()) return std::optional<ImportRow>();
  return std::optional<ImportRow>(rows->front());
}

core::Result<std::vector<FeedStatus>> feed_status(Connection& conn) {
  auto stmt = conn.prepare(R"sql(
    SELECT source, count(*), sum(imported), sum(duplicates), sum(rejected),
           sum(status = 'failed'), max(CASE WHEN status = 'done' THEN finished_at END),
           max(started_at)
    FROM imports GROUP BY source ORDER BY source)sql");
  if (!stmt) return core::fail(stmt.error());
  return collect<FeedStatus>(*stmt, [](const Statement& r) {
    FeedStatus f;
    f.source = r.text(0);
    f.imports = r.int64(1);
    f.imported = r.int64(2);
    f.duplicates = r.int64(3);
    f.rejected = r.int64(4);
    f.failed = r.int64(5);
    f.last_success = opt_int(r, 6);
    f.last_attempt = opt_int(r, 7);
    return f;
  });
}

namespace {

core::Result<std::int64_t> scalar(Connection& conn, std::string_view sql,
                                  std::optional<std::int64_t> arg = std::nullopt) {
  auto stmt = conn.prepare(sql);
  if (!stmt) return core::fail(stmt.error());
  if (arg) stmt->bind(1, *arg);
  auto row = stmt->step();
  if (!row) return core::fail(row.error());
  return *row ? stmt->int64(0) : 0;
}

core::Result<std::vector<CountRow>> counts(Connection& conn, std::string_view sql,
                                           std::size_t top) {
  auto stmt = conn.prepare(sql);
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, static_cast<std::int64_t>(top));
  return collect<CountRow>(*stmt, [](const Statement& r) {
    return CountRow{r.text(0), r.int64(1)};
  });
}

}  // namespace

core::Result<Summary> summary(Connection& conn, core::UnixSeconds now, std::size_t top) {
  Summary s;
  const std::int64_t week_ago = now - 7 * 86400;
  auto devices = scalar(conn, "SELECT count(*) FROM devices");
  if (!devices) return core::fail(devices.error());
  s.devices = *devices;
  auto services = scalar(conn, "SELECT count(*) FROM services");
  if (!services) return core::fail(services.error());
  s.services = *services;
  auto fresh = scalar(conn, "SELECT count(*) FROM devices WHERE first_seen >= ?", week_ago);
  if (!fresh) return core::fail(fresh.error());
  s.devices_new_7d = *fresh;
  auto seen = scalar(conn, "SELECT count(*) FROM devices WHERE last_seen >= ?", week_ago);
  if (!seen) return core::fail(seen.error());
  s.devices_seen_7d = *seen;
  auto by_type = counts(conn,
                        "SELECT coalesce(device_type, 'unknown'), count(*) FROM devices "
                        "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?1",
                        top);
  if (!by_type) return core::fail(by_type.error());
  s.devices_by_type = std::move(*by_type);
  auto by_protocol = counts(conn,
                            "SELECT coalesce(protocol, 'unknown'), count(*) FROM services "
                            "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?1",
                            top);
  if (!by_protocol) return core::fail(by_protocol.error());
  s.services_by_protocol = std::move(*by_protocol);
  auto by_port = counts(conn,
                        "SELECT CAST(port AS TEXT) || '/' || CASE transport WHEN 17 THEN 'udp' "
                        "ELSE 'tcp' END, count(*) FROM services GROUP BY port, transport "
                        "ORDER BY 2 DESC, 1 LIMIT ?1",
                        top);
  if (!by_port) return core::fail(by_port.error());
  s.services_by_port = std::move(*by_port);
  return s;
}

core::Result<std::vector<TrendDay>> trends(Connection& conn, std::int64_t from_day,
                                           std::int64_t to_day) {
  std::map<std::int64_t, TrendDay> days;
  for (std::int64_t d = from_day; d < to_day; ++d) days[d].day = d;
  auto add = [&](std::string_view sql, auto apply) -> core::Result<void> {
    auto stmt = conn.prepare(sql);
    if (!stmt) return core::fail(stmt.error());
    stmt->bind(1, from_day).bind(2, to_day);
    while (true) {
      auto row = stmt->step();
      if (!row) return core::fail(row.error());
      if (!*row) break;
      auto it = days.find(stmt->int64(0));
      if (it != days.end()) apply(it->second, *stmt);
    }
    return core::ok();
  };
  CITYWATCH_TRY(
      add("SELECT first_seen / 86400, count(*) FROM devices WHERE first_seen >= ?1 * 86400 "
          "AND first_seen < ?2 * 86400 GROUP BY 1",
          [](TrendDay& t, const Statement& r) { t.new_devices += r.int64(1); }));
  CITYWATCH_TRY(
      add("SELECT observed_at / 86400, count(*), count(DISTINCT ip) FROM observations "
          "WHERE observed_at >= ?1 * 86400 AND observed_at < ?2 * 86400 GROUP BY 1",
          [](TrendDay& t, const Statement& r) {
            t.observations += r.int64(1);
            t.devices_seen += r.int64(2);
          }));
  auto count_event = [](TrendDay& t, const std::string& event, std::int64_t n) {
    if (event == "opened") t.new_findings += n;
    if (event == "fixed") t.fixed_findings += n;
    if (event == "reopened") t.reopened_findings += n;
  };
  // A finding counts on the day its evidence was observed, so an old feed file imported today
  // lands on its own days.
  CITYWATCH_TRY(
      add(R"sql(
      SELECT (CASE WHEN observed_at > 0 THEN observed_at ELSE at END) / 86400 AS day, event,
             count(*)
      FROM finding_events
      WHERE event IN ('opened', 'fixed', 'reopened')
        AND (CASE WHEN observed_at > 0 THEN observed_at ELSE at END) >= ?1 * 86400
        AND (CASE WHEN observed_at > 0 THEN observed_at ELSE at END) < ?2 * 86400
      GROUP BY 1, 2)sql",
          [&](TrendDay& t, const Statement& r) { count_event(t, r.text(1), r.int64(2)); }));
  CITYWATCH_TRY(
      add("SELECT day, metric, sum(value) FROM daily_counts WHERE day >= ?1 AND day < ?2 "
          "GROUP BY day, metric",
          [&](TrendDay& t, const Statement& r) {
            std::string metric = r.text(1);
            if (metric == "observations") t.observations += r.int64(2);
            if (metric == "devices_seen") t.devices_seen += r.int64(2);
            if (metric == "new_devices") t.new_devices += r.int64(2);
            // Purged devices' finding history (db/retention.cpp).
            if (metric.starts_with("findings_")) count_event(t, metric.substr(9), r.int64(2));
          }));
  std::vector<TrendDay> out;
  out.reserve(days.size());
  for (auto& [d, t] : days) out.push_back(t);
  return out;
}

}  // namespace citywatch::db
