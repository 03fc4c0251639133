// Findings and exemptions: findings filtered and paged, one finding with its evidence, history,
// exemptions and its device's score explanation, and exempting or lifting an exemption. Reads
// are device-level data: audited under the caller's name and refused when the audit log cannot
// be written. Partners see only the findings in their own batches (enforced in SQL,
// db/finding_queries.h). Exemptions change the device's score at once, as the CLI's do.
#include <algorithm>

#include "app/api.h"
#include "app/api_json.h"
#include "app/risk_pipeline.h"
#include "core/json_writer.h"
#include "core/location.h"
#include "core/text.h"
#include "db/finding_queries.h"
#include "db/finding_store.h"

namespace citywatch::app {
namespace {

constexpr std::size_t kDefaultLimit = 100;
constexpr std::size_t kMaxLimit = 1000;
constexpr core::UnixSeconds kMaxExemptionSeconds = 5LL * 366 * 86400;

// A comma list of names, each checked by parse and written back in its canonical form.
template <typename Parse>
core::Result<std::string> name_list(const QueryReader& q, std::string_view key, Parse parse,
                                    std::string_view allowed) {
  auto raw = q.text(key, 400);
  if (!raw) return core::fail(raw.error());
  std::string out;
  if (!*raw) return out;
  for (const auto& part : core::split_trimmed(**raw, ',')) {
    auto parsed = parse(part);
    if (!parsed) {
      return core::fail(core::ErrorCode::kBadInput, std::string(key) + ": '" +
                                                        core::printable_excerpt(part, 40) +
                                                        "' is not one of " + std::string(allowed));
    }
    if (!out.empty()) out += ',';
    out += std::string(core::to_string(*parsed));
  }
  return out;
}

bool district_code_ok(std::string_view code) {
  return !code.empty() && code.size() <= 32 && std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

core::Result<std::int64_t> path_id(const ApiRequest& req, std::string_view what) {
  auto id = core::parse_int(req.params.at("id"), 1, INT64_MAX);
  if (!id) {
    return core::fail(core::ErrorCode::kBadInput,
                      std::string(what) + " id must be a positive integer");
  }
  return *id;
}

void write_exemption(core::JsonWriter& w, const db::ExemptionRow& e, core::UnixSeconds now) {
  w.begin_object().field("id", e.id);
  w.key("finding_id");
  e.finding_id ? w.value(*e.finding_id) : w.null();
  w.field("ip", e.device.to_string())
      .field("whole_device", e.whole_device)
      .field("reason", e.reason)
      .field("note", e.note)
      .field("by", e.by)
      .field("created_at", iso_time(e.created_at))
      .field("until", iso_time(e.expires_at))
      .field("active", e.expires_at > now)
      .end_object();
}

ApiResponse list_findings(ApiRequest& req) {
  if (auto refused = refuse_without_audit(req)) return *refused;
  QueryReader q(req.query);
  auto limit = q.limit(kDefaultLimit, kMaxLimit);
  if (!limit) return error_from(limit.error());
  db::FindingQuery f;
  f.limit = *limit + 1;  // one more tells whether there is a next page
  auto kinds = name_list(q, "kind", core::parse_finding_kind,
                         "no-auth, default-password, vulnerable, exposed-service, infected");
  auto severities =
      name_list(q, "severity", core::parse_severity, "info, low, medium, high, critical");
  auto statuses = name_list(q, "status", core::parse_finding_status,
                            "open, notified, fixed, verified, reopened, gone");
  auto in_city = name_list(q, "in_city", core::parse_in_city, "yes, no, possibly, unknown");
  auto districts = q.text("district", 400);
  auto min_score = q.integer("min_score", 0, 100);
  auto since = q.time("since");
  auto until = q.time("until");
  auto ip = q.text("ip", 64);
  auto vendor = q.text("vendor", 100);
  auto operator_name = q.text("operator", 100);
  auto sort = q.text("sort", 20);
  auto order = q.text("order", 4);
  auto cursor = q.text("cursor", 512);
  for (const core::Error* e :
       {kinds ? nullptr : &kinds.error(), severities ? nullptr : &severities.error(),
        statuses ? nullptr : &statuses.error(), in_city ? nullptr : &in_city.error(),
        districts ? nullptr : &districts.error(), min_score ? nullptr : &min_score.error(),
        since ? nullptr : &since.error(), until ? nullptr : &until.error(),
        ip ? nullptr : &ip.error(), vendor ? nullptr : &vendor.error(),
        operator_name ? nullptr : &operator_name.error(), sort ? nullptr : &sort.error(),
        order ? nullptr : &order.error(), cursor ? nullptr : &cursor.error()}) {
    if (e) return error_from(*e);
  }
  f.kinds = *kinds;
  f.severities = *severities;
  f.statuses = *statuses;
  f.in_city = *in_city;
  if (*districts) {
    for (const auto& code : core::split_trimmed(**districts, ',')) {
      if (!district_code_ok(code)) {
        return error_response(400, "bad_request",
                              "district: '" + core::printable_excerpt(code, 40) +
                                  "' is not a district code (e.g. WK051828)");
      }
      f.districts += (f.districts.empty() ? "" : ",") + code;
    }
  }
  f.min_score = *min_score;
  f.since = *since;
  f.until = *until;
  if (*ip) {
    f.ip = core::IpAddress::parse(**ip);
    if (!f.ip) return error_response(400, "bad_request", "ip: not an IPv4 or IPv6 address");
  }
  if (*vendor) f.vendor = **vendor;
  if (*operator_name) {
    // "AS1136" or "1136" is the network's AS number; anything else part of its owner's name.
    std::string_view text = **operator_name;
    if (text.size() > 2 && (text.substr(0, 2) == "AS" || text.substr(0, 2) == "as")) {
      text.remove_prefix(2);
    }
    if (auto asn = core::parse_int(text, 0, UINT32_MAX)) {
      f.asn = *asn;
    } else {
      f.operator_name = **operator_name;
    }
  }
  if (*sort) {
    auto s = db::parse_finding_sort(**sort);
    if (!s) {
      return error_response(400, "bad_request",
                            "sort takes newest, severity, score, first_seen, last_seen, kind, "
                            "status, district or ip");
    }
    f.sort = *s;
  }
  if (*order && **order != "asc" && **order != "desc") {
    return error_response(400, "bad_request", "order takes asc or desc");
  }
  f.ascending = *order && **order == "asc";
  // The cursor names its order, so a page of one order never continues another.
  const std::string order_tag =
      std::string(*sort ? **sort : "newest") + "|" + (f.ascending ? "asc" : "desc") + "|";
  if (*cursor) {
    auto payload = decode_cursor(**cursor, "fnd");
    if (!payload) return error_from(payload.error());
    if (payload->rfind(order_tag, 0) != 0) {
      return error_response(400, "bad_request",
                            "cursor belongs to another sort order; start again without it");
    }
    std::string_view rest = std::string_view(*payload).substr(order_tag.size());
    auto bar = rest.find('|');
    auto id = core::parse_int(rest.substr(0, bar), 1, INT64_MAX);
    if (bar == std::string_view::npos || !id) {
      return error_response(400, "bad_request", "cursor is damaged");
    }
    f.after_id = *id;
    f.after_key = std::string(rest.substr(bar + 1));
  }
  auto rows = db::list_findings(req.store->connection(), req.visibility(), f, req.now());
  if (!rows) return error_from(rows.error());
  std::optional<std::string> next;
  if (rows->size() > *limit) {
    rows->resize(*limit);
    next = encode_cursor("fnd", order_tag + std::to_string(rows->back().id) + "|" +
                                    db::sort_key(rows->back(), f.sort));
  }
  core::JsonWriter items;
  items.begin_array();
  for (const auto& s : *rows) write_finding(items, s);
  items.end_array();
  req.audit("finding.list", f.ip ? f.ip->to_string() : "", query_detail(req, rows->size()));
  return json_response(200, page_body(items.str(), next));
}

ApiResponse get_finding(ApiRequest& req) {
  if (auto refused = refuse_without_audit(req)) return *refused;
  auto id = path_id(req, "finding");
  if (!id) return error_from(id.error());
  auto& conn = req.store->connection();
  const core::UnixSeconds now = req.now();
  auto found = db::get_finding(conn, req.visibility(), *id, now);
  if (!found) return error_from(found.error());
  // A finding a partner may not see answers exactly like one that does not exist.
  if (!*found) return error_response(404, "not_found", "no finding with that id");
  const db::StoredFinding& s = **found;
  const core::IpAddress& ip = s.finding.ip;
  db::FindingStore store(conn);
  auto history = store.history(*id);
  if (!history) return error_from(history.error());
  auto exemptions = db::exemptions_of_finding(conn, *id, ip);
  if (!exemptions) return error_from(exemptions.error());
  auto device = db::get_device(conn, req.visibility(), ip);
  if (!device) return error_from(device.error());

  core::JsonWriter w;
  w.begin_object().key("finding");
  write_finding(w, s);
  // The evidence itself, where retention has not purged it yet.
  w.key("evidence").begin_array();
  for (const auto& key_text : s.finding.evidence) {
    w.begin_object().field("id", key_text).key("observation");
    auto key = core::ObservationKey::parse(key_text);
    std::optional<db::ObservationRecord> observation;
    if (key && key->ip == ip) {
      auto got = db::get_observation(conn, req.visibility(), *key);
      if (!got) return error_from(got.error());
      observation = std::move(*got);
    }
    if (observation) {
      write_observation(w, *observation);
    } else {
      w.null();  // purged by retention
    }
    w.end_object();
  }
  w.end_array();
  w.key("history").begin_array();
  for (const auto& e : *history) write_finding_event(w, e);
  w.end_array();
  w.key("exemptions").begin_array();
  for (const auto& e : *exemptions) write_exemption(w, e, now);
  w.end_array();
  w.key("device");
  if (*device) {
    write_device_risk(w, **device);
  } else {
    w.null();
  }
  w.end_object();
  req.audit("finding.read", ip.to_string(), "{\"finding_id\":" + std::to_string(*id) + "}");
  return json_response(200, w.take());
}

ApiResponse exempt_finding(ApiRequest& req) {
  auto id = path_id(req, "finding");
  if (!id) return error_from(id.error());
  auto body = JsonBody::parse(req.body);
  if (!body) return error_from(body.error());
  if (auto only = body->only({"reason", "until", "note"}); !only) return error_from(only.error());
  auto reason = body->text("reason", 32, true);
  auto until = body->text("until", 40, true);
  auto note = body->text("note", 500, false);
  for (const core::Error* e : {reason ? nullptr : &reason.error(), until ? nullptr : &until.error(),
                               note ? nullptr : &note.error()}) {
    if (e) return error_from(*e);
  }
  if (**reason != "not-ours" && **reason != "research-honeypot" && **reason != "accepted-risk") {
    return error_response(400, "bad_request",
                          "reason must be not-ours, research-honeypot or accepted-risk");
  }
  const core::UnixSeconds now = req.now();
  auto expires = core::parse_utc_date(**until);
  if (!expires) expires = core::parse_utc_timestamp(**until);
  if (!expires || *expires <= now || *expires > now + kMaxExemptionSeconds) {
    return error_response(400, "bad_request",
                          "until must be a date (YYYY-MM-DD) or time in the future, at most five "
                          "years ahead: exemptions expire and are looked at again");
  }
  db::Exemption e;
  e.finding_id = *id;
  e.reason = **reason;
  e.note = note->value_or("");
  e.by = req.principal->name;
  e.until = *expires;
  auto& conn = req.store->connection();
  auto tx = db::Transaction::begin(conn);
  if (!tx) return error_from(tx.error());
  db::FindingStore findings(conn);
  auto device = findings.device_of(*id);
  if (!device) return error_from(device.error());
  if (!*device) return error_response(404, "not_found", "no finding with that id");
  auto exemption_id = findings.exempt(e, now);
  if (!exemption_id) return error_from(exemption_id.error());
  // The score leaves out exempt findings from now on.
  if (auto r = rescore_devices(*req.store, {**device}, now); !r) return error_from(r.error());
  if (auto r = tx->commit(); !r) return error_from(r.error());
  db::ExemptionRow row{*exemption_id, *id, **device, false, e.reason, e.note, e.by, now, e.until};
  core::JsonWriter w;
  write_exemption(w, row, now);
  std::string shown = w.take();
  if (auto audited = req.audit_now("finding.exempt", device->value().to_string(), shown);
      !audited) {
    return error_from(audited.error());
  }
  ApiResponse r = json_response(201, shown);
  r.headers.emplace_back("Location", "/api/v1/exemptions/" + std::to_string(*exemption_id));
  return r;
}

ApiResponse lift_exemption(ApiRequest& req) {
  auto id = path_id(req, "exemption");
  if (!id) return error_from(id.error());
  const core::UnixSeconds now = req.now();
  auto& conn = req.store->connection();
  auto tx = db::Transaction::begin(conn);
  if (!tx) return error_from(tx.error());
  db::FindingStore findings(conn);
  auto lifted = findings.lift_exemption(*id, req.principal->name, now);
  if (!lifted) return error_from(lifted.error());
  if (!*lifted) return error_response(404, "not_found", "no exemption in force with that id");
  if (auto r = rescore_devices(*req.store, {(*lifted)->device}, now); !r) {
    return error_from(r.error());
  }
  if (auto r = tx->commit(); !r) return error_from(r.error());
  core::JsonWriter w;
  w.begin_object().field("id", *id).field("lifted_at", iso_time(now)).end_object();
  std::string shown = w.take();
  if (auto audited = req.audit_now("exemption.lift", (*lifted)->device.to_string(), shown);
      !audited) {
    return error_from(audited.error());
  }
  return json_response(200, shown);
}

ApiResponse list_exemption_rows(ApiRequest& req) {
  if (auto refused = refuse_without_audit(req)) return *refused;
  QueryReader q(req.query);
  auto limit = q.limit(kDefaultLimit, kMaxLimit);
  auto all = q.text("all", 5);
  auto cursor = q.text("cursor", 512);
  for (const core::Error* e : {limit ? nullptr : &limit.error(), all ? nullptr : &all.error(),
                               cursor ? nullptr : &cursor.error()}) {
    if (e) return error_from(*e);
  }
  if (*all && **all != "true" && **all != "false") {
    return error_response(400, "bad_request", "all must be true or false");
  }
  std::optional<std::int64_t> before;
  if (*cursor) {
    auto payload = decode_cursor(**cursor, "exm");
    if (!payload) return error_from(payload.error());
    before = core::parse_int(*payload, 1, INT64_MAX);
    if (!before) return error_response(400, "bad_request", "cursor is damaged");
  }
  const core::UnixSeconds now = req.now();
  auto rows = db::list_exemptions(req.store->connection(), *all && **all == "true", now, before,
                                  *limit + 1);
  if (!rows) return error_from(rows.error());
  std::optional<std::string> next;
  if (rows->size() > *limit) {
    rows->resize(*limit);
    next = encode_cursor("exm", std::to_string(rows->back().id));
  }
  core::JsonWriter items;
  items.begin_array();
  for (const auto& e : *rows) write_exemption(items, e, now);
  items.end_array();
  req.audit("exemption.list", "", query_detail(req, rows->size()));
  return json_response(200, page_body(items.str(), next));
}

}  // namespace

void write_finding(core::JsonWriter& w, const db::StoredFinding& s) {
  const core::Finding& f = s.finding;
  w.begin_object()
      .field("id", s.id)
      .field("ip", f.ip.to_string())
      .field("port", static_cast<int>(f.port))
      .field("transport", core::to_string(f.transport))
      .field("kind", core::to_string(f.kind))
      .field("code", f.code)
      .field("severity", core::to_string(f.severity))
      .field("confidence", core::to_string(f.confidence))
      .field("status", core::to_string(s.status));
  w.key("exempt");
  s.exempt ? w.value(s.exempt_reason) : w.null();
  w.field("sentence", f.sentence);
  w.key("cves").begin_array();
  for (const auto& c : f.cves) {
    w.begin_object()
        .field("id", c.id)
        .field("cvss", c.cvss)
        .field("kev", c.kev)
        .field("verified", c.verified)
        .end_object();
  }
  w.end_array();
  w.key("evidence").begin_array();
  for (const auto& e : f.evidence) w.value(e);
  w.end_array();
  w.field("first_seen", iso_time(s.first_seen)).field("last_seen", iso_time(s.last_seen));
  w.key("device")
      .begin_object()
      .field("risk_score", s.device_score)
      .field("in_city", s.in_city)
      .field("district_code", s.district_code)
      .field("district_name", s.district_name)
      .end_object();
  w.end_object();
}

void write_finding_event(core::JsonWriter& w, const db::FindingEvent& e) {
  w.begin_object().field("at", iso_time(e.at));
  field_time(w, "observed_at", e.observed_at);
  w.field("event", e.event)
      .field("status", e.status)
      .field("severity", e.severity)
      .field("evidence", e.evidence)
      .field("note", e.note)
      .end_object();
}

void add_finding_routes(Router& router) {
  router.add({"GET",
              "/api/v1/findings",
              device_readers(),
              {"kind", "severity", "status", "district", "in_city", "min_score", "since", "until",
               "ip", "vendor", "operator", "sort", "order", "limit", "cursor"},
              list_findings,
              "findings, newest first, filtered and paged"});
  router.add({"GET",
              "/api/v1/findings/{id}",
              device_readers(),
              {},
              get_finding,
              "one finding with its evidence, history, exemptions and the device's score"});
  router.add({"POST",
              "/api/v1/findings/{id}/exemptions",
              staff(),
              {},
              exempt_finding,
              "exempt a finding (reason, until, note): not notified, left out of the score"});
  router.add({"GET",
              "/api/v1/exemptions",
              staff(),
              {"all", "limit", "cursor"},
              list_exemption_rows,
              "exemptions in force (all=true: with expired and lifted ones), newest first"});
  router.add(
      {"DELETE", "/api/v1/exemptions/{id}", staff(), {}, lift_exemption, "lift an exemption now"});
}

}  // namespace citywatch::app
