// Device-level data: devices, a device with its evidence and history, its observations, and
// services. Every read is in the audit log under the caller's name; partners see only their
// own devices (enforced in SQL through db::Visibility); when the audit log cannot be written
// these reads are refused.
#include "app/api.h"
#include "app/audit_log.h"
#include "core/json_writer.h"
#include "core/location.h"
#include "core/text.h"
#include "db/finding_queries.h"

namespace citywatch::app {
namespace {

constexpr std::size_t kDefaultLimit = 100;
constexpr std::size_t kMaxLimit = 1000;

void write_device(core::JsonWriter& w, const db::DeviceRecord& d) {
  w.begin_object()
      .field("ip", d.ip.to_string())
      .field("vendor", d.vendor)
      .field("model", d.model)
      .field("device_type", d.device_type)
      .field("firmware", d.firmware)
      .field("cpe", d.cpe)
      .field("hostname", d.hostname)
      .field("org", d.org);
  w.key("asn");
  d.asn ? w.value(static_cast<std::int64_t>(d.asn)) : w.null();
  w.field("services", d.services)
      .field("risk_score", d.risk_score)
      .field("open_findings", d.open_findings)
      .field("in_city", core::to_string(d.location.in_city))
      .field("district_code", d.location.district_code)
      .field("district_name", d.location.district_name)
      .field("first_seen", iso_time(d.first_seen))
      .field("last_seen", iso_time(d.last_seen))
      .end_object();
}

void write_service(core::JsonWriter& w, const db::ServiceRecord& s, bool with_ip) {
  w.begin_object();
  if (with_ip) w.field("ip", s.ip.to_string());
  w.field("port", static_cast<int>(s.port))
      .field("transport", core::to_string(s.transport))
      .field("protocol", s.protocol)
      .field("product", s.product)
      .field("version", s.version)
      .field("cpe", s.cpe)
      .field("auth", s.auth)
      .field("first_seen", iso_time(s.first_seen))
      .field("last_seen", iso_time(s.last_seen))
      .end_object();
}

std::string observation_cursor(const db::ObservationRecord& o) {
  return encode_cursor("obs", std::to_string(o.observed_at) + "|" + std::to_string(o.port) + "|" +
                                  std::to_string(static_cast<int>(o.transport)) + "|" +
                                  std::to_string(static_cast<int>(o.source)));
}

core::Result<std::optional<db::ObservationCursor>> parse_observation_cursor(const QueryReader& q) {
  auto raw = q.text("cursor", 512);
  if (!raw) return core::fail(raw.error());
  if (!*raw) return std::optional<db::ObservationCursor>();
  auto payload = decode_cursor(**raw, "obs");
  if (!payload) return core::fail(payload.error());
  auto parts = core::split_trimmed(*payload, '|');
  if (parts.size() != 4) return core::fail(core::ErrorCode::kBadInput, "cursor is damaged");
  auto t = core::parse_int(parts[0], 0, INT64_MAX);
  auto port = core::parse_int(parts[1], 0, 65535);
  auto transport = core::parse_int(parts[2], 0, 255);
  auto source = core::parse_int(parts[3], 0, 255);
  if (!t || !port || !transport || !source) {
    return core::fail(core::ErrorCode::kBadInput, "cursor is damaged");
  }
  return std::optional<db::ObservationCursor>(
      db::ObservationCursor{*t, *port, *transport, *source});
}

core::Result<core::IpAddress> path_ip(const ApiRequest& req) {
  auto ip = core::IpAddress::parse(req.params.at("ip"));
  if (!ip) {
    return core::fail(core::ErrorCode::kBadInput,
                      "'" + core::printable_excerpt(req.params.at("ip"), 60) +
                          "' is not an IPv4 or IPv6 address");
  }
  return *ip;
}

ApiResponse list_devices(ApiRequest& req) {
  if (auto refused = refuse_without_audit(req)) return *refused;
  QueryReader q(req.query);
  db::DeviceQuery f;
  auto limit = q.limit(kDefaultLimit, kMaxLimit);
  if (!limit) return error_from(limit.error());
  f.limit = *limit + 1;  // one more tells whether there is a next page
  auto text = [&](std::string_view key, std::optional<std::string>& out) -> core::Result<void> {
    auto v = q.text(key);
    if (!v) return core::fail(v.error());
    out = *v;
    return core::ok();
  };
  for (auto [key, out] : {std::pair{"vendor", &f.vendor}, std::pair{"model", &f.model},
                          std::pair{"device_type", &f.device_type},
                          std::pair{"protocol", &f.protocol}, std::pair{"district", &f.district}}) {
    if (auto r = text(key, *out); !r) return error_from(r.error());
  }
  auto in_city = q.text("in_city", 40);
  if (!in_city) return error_from(in_city.error());
  if (*in_city) {
    for (const auto& v : core::split_trimmed(**in_city, ',')) {
      if (!core::parse_in_city(v)) {
        return error_response(400, "bad_request", "in_city takes yes, no, possibly or unknown");
      }
      f.in_city += (f.in_city.empty() ? "" : ",") + v;
    }
  }
  auto min_score = q.integer("min_score", 0, 100);
  if (!min_score) return error_from(min_score.error());
  f.min_score = *min_score;
  auto asn = q.integer("asn", 1, 4294967295LL);
  auto port = q.integer("port", 0, 65535);
  auto network = q.network("network");
  auto seen_after = q.time("seen_after");
  auto seen_before = q.time("seen_before");
  auto first_seen_after = q.time("first_seen_after");
  for (const core::Error* e :
       {asn ? nullptr : &asn.error(), port ? nullptr : &port.error(),
        network ? nullptr : &network.error(), seen_after ? nullptr : &seen_after.error(),
        seen_before ? nullptr : &seen_before.error(),
        first_seen_after ? nullptr : &first_seen_after.error()}) {
    if (e) return error_from(*e);
  }
  f.asn = *asn;
  f.port = *port;
  f.network = *network;
  f.seen_after = *seen_after;
  f.seen_before = *seen_before;
  f.first_seen_after = *first_seen_after;
  auto cursor = q.text("cursor", 512);
  if (!cursor) return error_from(cursor.error());
  if (*cursor) {
    auto payload = decode_cursor(**cursor, "dev");
    if (!payload) return error_from(payload.error());
    f.after = core::IpAddress::parse(*payload);
    if (!f.after) return error_response(400, "bad_request", "cursor is damaged");
  }
  auto rows = db::list_devices(req.store->connection(), req.visibility(), f);
  if (!rows) return error_from(rows.error());
  std::optional<std::string> next;
  if (rows->size() > *limit) {
    rows->resize(*limit);
    next = encode_cursor("dev", rows->back().ip.to_string());
  }
  core::JsonWriter items;
  items.begin_array();
  for (const auto& d : *rows) write_device(items, d);
  items.end_array();
  req.audit("device.list", "", query_detail(req, rows->size()));
  return json_response(200, page_body(items.str(), next));
}

ApiResponse get_device(ApiRequest& req) {
  if (auto refused = refuse_without_audit(req)) return *refused;
  auto ip = path_ip(req);
  if (!ip) return error_from(ip.error());
  auto& conn = req.store->connection();
  auto device = db::get_device(conn, req.visibility(), *ip);
  if (!device) return error_from(device.error());
  // A device a partner may not see answers exactly like one that does not exist.
  if (!*device) return error_response(404, "not_found", "no device with that address");
  db::ServiceFilter sf;
  sf.ip = *ip;
  sf.limit = kMaxLimit;
  auto services = db::list_services(conn, req.visibility(), sf);
  if (!services) return error_from(services.error());
  db::ObservationFilter of;
  of.ip = *ip;
  of.limit = 20;
  auto evidence = db::list_observations(conn, req.visibility(), of);
  if (!evidence) return error_from(evidence.error());
  auto history = db::device_history(conn, *ip, 90);
  if (!history) return error_from(history.error());
  db::FindingQuery fq;
  fq.ip = *ip;
  fq.limit = kMaxLimit;
  auto findings = db::list_findings(conn, req.visibility(), fq, req.now());
  if (!findings) return error_from(findings.error());
  auto finding_history = db::device_finding_history(conn, req.visibility(), *ip, 200);
  if (!finding_history) return error_from(finding_history.error());

  core::JsonWriter w;
  w.begin_object().key("device");
  write_device(w, **device);
  w.key("risk");
  write_device_risk(w, **device);
  w.key("services").begin_array();
  for (const auto& s : *services) write_service(w, s, false);
  w.end_array();
  w.key("findings").begin_array();
  for (const auto& f : *findings) write_finding(w, f);
  w.end_array();
  // What happened to its findings (opened, fixed, reopened, exempted, gone), newest first.
  w.key("finding_history").begin_array();
  for (const auto& e : *finding_history) {
    w.begin_object()
        .field("finding_id", e.finding_id)
        .field("kind", e.kind)
        .field("code", e.code)
        .field("port", static_cast<int>(e.port))
        .key("event");
    write_finding_event(w, e.event);
    w.end_object();
  }
  w.end_array();
  w.key("evidence").begin_array();
  for (const auto& o : *evidence) write_observation(w, o);
  w.end_array();
  w.key("evidence_next_cursor");
  if (evidence->size() == of.limit) {
    w.value(observation_cursor(evidence->back()));
  } else {
    w.null();
  }
  w.key("history").begin_array();
  for (const auto& h : *history) {
    w.begin_object()
        .field("date", iso_time(h.day * 86400).substr(0, 10))
        .field("sources", h.sources)
        .field("ports", h.ports)
        .field("observations", h.observations)
        .end_object();
  }
  w.end_array().end_object();
  req.audit("device.read", ip->to_string());
  return json_response(200, w.take());
}

ApiResponse list_device_observations(ApiRequest& req) {
  if (auto refused = refuse_without_audit(req)) return *refused;
  auto ip = path_ip(req);
  if (!ip) return error_from(ip.error());
  QueryReader q(req.query);
  auto limit = q.limit(50, kMaxLimit);
  if (!limit) return error_from(limit.error());
  db::ObservationFilter f;
  f.ip = *ip;
  f.limit = *limit + 1;
  auto source = q.text("source");
  if (!source) return error_from(source.error());
  if (*source) {
    f.source = core::parse_source(**source);
    if (!f.source) return error_response(400, "bad_request", "unknown source '" + **source + "'");
  }
  auto before = parse_observation_cursor(q);
  if (!before) return error_from(before.error());
  f.before = *before;
  auto rows = db::list_observations(req.store->connection(), req.visibility(), f);
  if (!rows) return error_from(rows.error());
  if (rows->empty() && !f.before) {
    auto device = db::get_device(req.store->connection(), req.visibility(), *ip);
    if (!device) return error_from(device.error());
    if (!*device) return error_response(404, "not_found", "no device with that address");
  }
  std::optional<std::string> next;
  if (rows->size() > *limit) {
    rows->resize(*limit);
    next = observation_cursor(rows->back());
  }
  core::JsonWriter items;
  items.begin_array();
  for (const auto& o : *rows) write_observation(items, o);
  items.end_array();
  req.audit("observation.list", ip->to_string(), query_detail(req, rows->size()));
  return json_response(200, page_body(items.str(), next));
}

ApiResponse list_services(ApiRequest& req) {
  if (auto refused = refuse_without_audit(req)) return *refused;
  QueryReader q(req.query);
  db::ServiceFilter f;
  auto limit = q.limit(kDefaultLimit, kMaxLimit);
  if (!limit) return error_from(limit.error());
  f.limit = *limit + 1;
  auto protocol = q.text("protocol");
  auto product = q.text("product");
  auto auth = q.text("auth");
  auto port = q.integer("port", 0, 65535);
  auto transport = q.text("transport");
  auto network = q.network("network");
  auto seen_after = q.time("seen_after");
  auto cursor = q.text("cursor", 512);
  for (const core::Error* e :
       {protocol ? nullptr : &protocol.error(), product ? nullptr : &product.error(),
        auth ? nullptr : &auth.error(), port ? nullptr : &port.error(),
        transport ? nullptr : &transport.error(), network ? nullptr : &network.error(),
        seen_after ? nullptr : &seen_after.error(), cursor ? nullptr : &cursor.error()}) {
    if (e) return error_from(*e);
  }
  f.protocol = *protocol;
  f.product = *product;
  f.auth = *auth;
  if (f.auth && *f.auth != "none" && *f.auth != "default-credentials" && *f.auth != "required" &&
      *f.auth != "unknown") {
    return error_response(400, "bad_request",
                          "auth must be none, default-credentials, required or unknown");
  }
  f.port = *port;
  if (*transport) {
    f.transport = core::parse_transport(**transport);
    if (!f.transport) return error_response(400, "bad_request", "transport must be tcp or udp");
  }
  f.network = *network;
  f.seen_after = *seen_after;
  if (*cursor) {
    auto payload = decode_cursor(**cursor, "svc");
    if (!payload) return error_from(payload.error());
    auto parts = core::split_trimmed(*payload, '|');
    std::optional<core::IpAddress> ip;
    std::optional<long long> p, t;
    if (parts.size() == 3) {
      ip = core::IpAddress::parse(parts[0]);
      p = core::parse_int(parts[1], 0, 65535);
      t = core::parse_int(parts[2], 0, 255);
    }
    if (!ip || !p || !t) return error_response(400, "bad_request", "cursor is damaged");
    f.after = db::ServiceKey{*ip, static_cast<std::uint16_t>(*p), static_cast<core::Transport>(*t)};
  }
  auto rows = db::list_services(req.store->connection(), req.visibility(), f);
  if (!rows) return error_from(rows.error());
  std::optional<std::string> next;
  if (rows->size() > *limit) {
    rows->resize(*limit);
    const auto& last = rows->back();
    next = encode_cursor("svc", last.ip.to_string() + "|" + std::to_string(last.port) + "|" +
                                    std::to_string(static_cast<int>(last.transport)));
  }
  core::JsonWriter items;
  items.begin_array();
  for (const auto& s : *rows) write_service(items, s, true);
  items.end_array();
  req.audit("service.list", "", query_detail(req, rows->size()));
  return json_response(200, page_body(items.str(), next));
}

}  // namespace

void write_observation(core::JsonWriter& w, const db::ObservationRecord& o) {
  w.begin_object()
      .field("source", core::to_string(o.source))
      .field("kind", o.kind == core::ObservationKind::kEvent ? "event" : "service")
      .field("observed_at", iso_time(o.observed_at))
      .field("port", static_cast<int>(o.port))
      .field("transport", core::to_string(o.transport));
  w.key("src_port");
  o.src_port ? w.value(*o.src_port) : w.null();
  w.field("protocol", o.protocol)
      .field("report_type", o.report_type)
      .field("product", o.product)
      .field("version", o.version)
      .field("vendor", o.vendor)
      .field("model", o.model)
      .field("device_type", o.device_type)
      .field("firmware", o.firmware)
      .field("cpes", o.cpes)
      .field("hostnames", o.hostnames)
      .field("tags", o.tags)
      .field("org", o.org)
      .field("isp", o.isp);
  w.key("asn");
  o.asn ? w.value(*o.asn) : w.null();
  w.key("vulns");
  o.vulns_json.empty() ? w.null() : w.raw(o.vulns_json);
  w.field("excerpt", o.excerpt);
  w.key("fields");
  o.fields_json.empty() ? w.null() : w.raw(o.fields_json);
  w.key("import_id");
  o.import_id ? w.value(*o.import_id) : w.null();
  w.field("evidence_id",
          core::ObservationKey{o.source, o.ip, o.port, o.transport, o.observed_at}.to_string());
  w.end_object();
}

void write_device_risk(core::JsonWriter& w, const db::DeviceRecord& d) {
  const core::Location& l = d.location;
  w.begin_object().field("ip", d.ip.to_string()).field("risk_score", d.risk_score);
  // risk/scoring.h's explanation: each finding's contribution and why.
  w.key("risk_explanation");
  d.risk_explanation.empty() ? w.null() : w.raw(d.risk_explanation);
  w.key("location")
      .begin_object()
      .field("in_city", core::to_string(l.in_city))
      .field("district_code", l.district_code)
      .field("district_name", l.district_name)
      .field("city", l.city);
  w.key("lat");
  l.latitude ? w.value(*l.latitude) : w.null();
  w.key("lon");
  l.longitude ? w.value(*l.longitude) : w.null();
  w.key("accuracy_km");
  l.accuracy_km ? w.value(*l.accuracy_km) : w.null();
  w.field("method", core::to_string(l.method)).field("confidence", l.confidence);
  w.field("note", l.note).end_object().end_object();
}

void add_device_routes(Router& router) {
  router.add(
      {"GET",
       "/api/v1/devices",
       device_readers(),
       {"vendor", "model", "device_type", "protocol", "port", "asn", "network", "seen_after",
        "seen_before", "first_seen_after", "district", "in_city", "min_score", "limit", "cursor"},
       list_devices,
       "devices, one per address, filtered and paged"});
  router.add({"GET",
              "/api/v1/devices/{ip}",
              device_readers(),
              {},
              get_device,
              "one device with its score and location, services, findings and their history, "
              "latest evidence and daily history"});
  router.add({"GET",
              "/api/v1/devices/{ip}/observations",
              device_readers(),
              {"source", "limit", "cursor"},
              list_device_observations,
              "all evidence for one device, newest first"});
  router.add({"GET",
              "/api/v1/services",
              device_readers(),
              {"protocol", "product", "auth", "port", "transport", "network", "seen_after", "limit",
               "cursor"},
              list_services,
              "services (address, port, transport), filtered and paged"});
}

}  // namespace citywatch::app
