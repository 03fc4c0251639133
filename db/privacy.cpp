#include "db/privacy.h"

#include <array>

#include "core/json_writer.h"
#include "db/finding_store.h"
#include "db/queries.h"
#include "db/store.h"
#include "db/users.h"

namespace citywatch::db {
namespace {

// Every table that holds rows about one address, children before parents. Each statement
// deletes by the address bound as ?1.
struct PersonalTable {
  std::string_view name;
  std::string_view erase_sql;
};
constexpr std::array<PersonalTable, 6> kPersonalTables{{
    {"finding_events",
     "DELETE FROM finding_events WHERE finding_id IN (SELECT id FROM findings WHERE ip = ?1)"},
    {"exemptions",
     "DELETE FROM exemptions WHERE ip = ?1 OR finding_id IN (SELECT id FROM findings WHERE ip = "
     "?1)"},
    {"findings", "DELETE FROM findings WHERE ip = ?1"},
    {"observations", "DELETE FROM observations WHERE ip = ?1"},
    {"services", "DELETE FROM services WHERE ip = ?1"},
    {"devices", "DELETE FROM devices WHERE ip = ?1"},
}};

void write_service(core::JsonWriter& w, const ServiceRecord& s) {
  w.begin_object()
      .field("port", static_cast<int>(s.port))
      .field("transport", core::to_string(s.transport))
      .field("protocol", s.protocol)
      .field("product", s.product)
      .field("version", s.version)
      .field("cpe", s.cpe)
      .field("auth", s.auth)
      .field("first_seen", core::format_utc(s.first_seen))
      .field("last_seen", core::format_utc(s.last_seen))
      .end_object();
}

void write_observation(core::JsonWriter& w, const ObservationRecord& o) {
  w.begin_object()
      .field("source", core::to_string(o.source))
      .field("observed_at", core::format_utc(o.observed_at))
      .field("port", static_cast<int>(o.port))
      .field("transport", core::to_string(o.transport))
      .field("protocol", o.protocol)
      .field("report_type", o.report_type)
      .field("product", o.product)
      .field("version", o.version)
      .field("vendor", o.vendor)
      .field("model", o.model)
      .field("device_type", o.device_type)
      .field("hostnames", o.hostnames)
      .field("org", o.org)
      .field("isp", o.isp)
      .field("excerpt", o.excerpt);
  w.key("vulns");
  o.vulns_json.empty() ? w.null() : w.raw(o.vulns_json);
  w.key("fields");
  o.fields_json.empty() ? w.null() : w.raw(o.fields_json);
  w.end_object();
}

}  // namespace

std::int64_t Erasure::total() const {
  std::int64_t n = 0;
  for (const auto& [table, rows_deleted] : rows) n += rows_deleted;
  return n;
}

core::Result<std::string> export_address(Connection& conn, const core::IpAddress& ip,
                                         core::UnixSeconds now) {
  Visibility everyone;
  core::JsonWriter w;
  w.begin_object().field("address", ip.to_string()).field("exported_at", core::format_utc(now));

  auto device = get_device(conn, everyone, ip);
  if (!device) return core::fail(device.error());
  w.key("device");
  if (*device) {
    const DeviceRecord& d = **device;
    w.begin_object()
        .field("first_seen", core::format_utc(d.first_seen))
        .field("last_seen", core::format_utc(d.last_seen))
        .field("hostname", d.hostname)
        .field("asn", static_cast<std::int64_t>(d.asn))
        .field("org", d.org)
        .field("vendor", d.vendor)
        .field("model", d.model)
        .field("device_type", d.device_type)
        .field("firmware", d.firmware)
        .field("cpe", d.cpe)
        .field("risk_score", d.risk_score);
    w.key("risk_explanation");
    d.risk_explanation.empty() ? w.null() : w.raw(d.risk_explanation);
    const core::Location& l = d.location;
    w.key("location")
        .begin_object()
        .field("in_city", core::to_string(l.in_city))
        .field("district_code", l.district_code)
        .field("district_name", l.district_name)
        .field("city", l.city)
        .field("postal_code", l.postal_code);
    w.key("lat");
    l.latitude ? w.value(*l.latitude) : w.null();
    w.key("lon");
    l.longitude ? w.value(*l.longitude) : w.null();
    w.field("method", core::to_string(l.method)).end_object().end_object();
  } else {
    w.null();
  }

  // Findings about the address with their history (exemptions show up as events).
  FindingStore findings(conn);
  FindingFilter about_ip;
  about_ip.ip = ip;
  std::vector<StoredFinding> found;
  CITYWATCH_TRY(findings.list(about_ip, now, [&](const StoredFinding& f) { found.push_back(f); }));
  w.key("findings").begin_array();
  for (const auto& f : found) {
    auto history = findings.history(f.id);
    if (!history) return core::fail(history.error());
    w.begin_object()
        .field("id", f.id)
        .field("port", static_cast<int>(f.finding.port))
        .field("transport", core::to_string(f.finding.transport))
        .field("kind", core::to_string(f.finding.kind))
        .field("code", f.finding.code)
        .field("severity", core::to_string(f.finding.severity))
        .field("status", core::to_string(f.status))
        .field("sentence", f.finding.sentence)
        .field("first_seen", core::format_utc(f.first_seen))
        .field("last_seen", core::format_utc(f.last_seen));
    w.key("history").begin_array();
    for (const auto& e : *history) {
      w.begin_object()
          .field("at", core::format_utc(e.at))
          .field("event", e.event)
          .field("status", e.status)
          .field("note", e.note)
          .end_object();
    }
    w.end_array().end_object();
  }
  w.end_array();

  ServiceFilter services_of;
  services_of.ip = ip;
  services_of.limit = 100000;
  auto services = list_services(conn, everyone, services_of);
  if (!services) return core::fail(services.error());
  w.key("services").begin_array();
  for (const auto& s : *services) write_service(w, s);
  w.end_array();

  w.key("observations").begin_array();
  ObservationFilter page;
  page.ip = ip;
  page.limit = 1000;
  while (true) {
    auto batch = list_observations(conn, everyone, page);
    if (!batch) return core::fail(batch.error());
    for (const auto& o : *batch) write_observation(w, o);
    if (batch->size() < page.limit) break;
    const auto& last = batch->back();
    page.before =
        ObservationCursor{last.observed_at, last.port, static_cast<std::int64_t>(last.transport),
                          static_cast<std::int64_t>(last.source)};
  }
  w.end_array();

  // Who looked at this address: roles and times, not the names of the staff.
  w.key("accesses").begin_array();
  AuditFilter about;
  about.object = ip.to_string();
  about.limit = 1000;
  while (true) {
    auto entries = list_audit(conn, about);
    if (!entries) return core::fail(entries.error());
    for (const auto& e : *entries) {
      w.begin_object()
          .field("at", core::format_utc(e.at))
          .field("action", e.action)
          .field("role", e.role)
          .end_object();
    }
    if (entries->size() < about.limit) break;
    about.before_id = entries->back().id;
  }
  w.end_array().end_object();
  return w.take();
}

core::Result<Erasure> erase_address(Connection& conn, const core::IpAddress& ip) {
  auto tx = Transaction::begin(conn);
  if (!tx) return core::fail(tx.error());
  Erasure erased;
  for (const auto& table : kPersonalTables) {
    auto stmt = conn.prepare(table.erase_sql);
    if (!stmt) return core::fail(stmt.error());
    bind_ip(*stmt, 1, ip);
    CITYWATCH_TRY(stmt->run());
    erased.rows.emplace_back(std::string(table.name), conn.changes());
  }
  CITYWATCH_TRY(tx->commit());
  return erased;
}

}  // namespace citywatch::db
