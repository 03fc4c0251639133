// Partners and batches: what was sent to whom, its delivery, the partners' answers and the effect
// (fixed after notice, time to fix), for the CISO team; and the pull API through which a partner
// fetches its own batches in its format, acknowledges them and answers per item. A partner token
// sees only its own batches: another partner's batch is "not found", never shown or changed.
// Batch contents are device-level data: reads are audited and refused when the audit log cannot
// be written; acknowledgements and feedback are changes, audited before they are answered.
#include <algorithm>
#include <map>

#include "app/api.h"
#include "app/notify_service.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "db/notify_store.h"
#include "notify/feedback.h"
#include "notify/formats.h"

namespace citywatch::app {
namespace {

constexpr std::size_t kDefaultLimit = 50;
constexpr std::size_t kMaxLimit = 500;

std::string text_of(auto value) { return std::string(core::to_string(value)); }

void write_effect(core::JsonWriter& w, const db::PartnerEffect& e) {
  w.key("stats").begin_object();
  w.field("batches", e.batches)
      .field("delivered", e.delivered)
      .field("acknowledged", e.acknowledged)
      .field("failed", e.failed)
      .field("findings_sent", e.findings_sent)
      .field("fixed_after_notice", e.fixed_after_notice);
  w.key("median_days_to_fix");
  e.median_days_to_fix ? w.value(*e.median_days_to_fix) : w.null();
  w.end_object();
}

// The partner fields an analyst needs; secrets and their file names stay out.
void write_partner(core::JsonWriter& w, const core::Partner& p, const db::PartnerEffect& e,
                   bool with_prefixes) {
  w.begin_object()
      .field("id", p.id)
      .field("name", p.name)
      .field("organisation", p.organisation)
      .field("contact", p.contact)
      .field("channel", text_of(p.channel))
      .field("format", text_of(p.format))
      .field("interval_seconds", p.interval)
      .field("paused", p.paused)
      .field("source", p.source)
      .field("prefix_count", static_cast<std::int64_t>(p.prefixes.size()));
  w.key("asns").begin_array();
  for (auto asn : p.asns) w.value(static_cast<std::int64_t>(asn));
  w.end_array();
  w.key("opt_out_kinds").begin_array();
  for (auto k : p.opt_out_kinds) w.value(text_of(k));
  w.end_array();
  if (with_prefixes) {
    w.key("prefixes").begin_array();
    for (const auto& pre : p.prefixes) {
      w.begin_object().field("prefix", pre.prefix.to_string());
      w.key("asn");
      pre.asn ? w.value(static_cast<std::int64_t>(pre.asn)) : w.null();
      w.field("organisation", pre.organisation).end_object();
    }
    w.end_array();
  }
  write_effect(w, e);
  w.end_object();
}

ApiResponse list_partners(ApiRequest& req) {
  db::NotifyStore ns(req.store->connection());
  auto partners = ns.partners();
  if (!partners) return error_from(partners.error());
  core::JsonWriter w;
  w.begin_object().key("items").begin_array();
  for (const auto& p : *partners) {
    auto effect = ns.effect(p.id);
    if (!effect) return error_from(effect.error());
    write_partner(w, p, *effect, false);
  }
  w.end_array().end_object();
  return json_response(200, w.take());
}

ApiResponse get_partner(ApiRequest& req) {
  db::NotifyStore ns(req.store->connection());
  auto p = ns.partner(req.params.at("name"));
  if (!p) return error_from(p.error());
  if (!*p) return error_response(404, "not_found", "no such partner; see GET /api/v1/partners");
  auto effect = ns.effect((*p)->id);
  if (!effect) return error_from(effect.error());
  core::JsonWriter w;
  write_partner(w, **p, *effect, true);
  return json_response(200, w.take());
}

void write_summary(core::JsonWriter& w, const db::BatchSummary& b, bool staff_view) {
  w.field("id", b.batch_id)
      .field("partner", b.partner)
      .field("channel", text_of(b.channel))
      .field("format", text_of(b.format))
      .field("created_at", iso_time(b.created_at))
      .field("items", b.items)
      .field("status", text_of(b.status));
  field_time(w, "delivered_at", b.delivered_at);
  field_time(w, "acknowledged_at", b.acknowledged_at);
  if (staff_view) {  // how the delivery went is the city's business
    w.field("attempts", b.attempts);
    field_time(w, "next_attempt_at", b.next_attempt_at);
    w.field("last_error", b.last_error);
  }
}

// The batch named in the path, if the caller may see it: staff see every batch, a partner its
// own; anything else is the same 404 as a batch that does not exist.
core::Result<std::optional<db::BatchSummary>> visible_batch(ApiRequest& req) {
  db::NotifyStore ns(req.store->connection());
  auto sum = ns.summary(req.params.at("id"));
  if (!sum) return core::fail(sum.error());
  if (*sum && req.is(Role::kPartner) && (*sum)->partner_id != req.visibility().partner_id) {
    return std::optional<db::BatchSummary>();
  }
  return *sum;
}

ApiResponse no_batch() {
  return error_response(404, "not_found", "no such batch; see GET /api/v1/batches");
}

ApiResponse list_batches(ApiRequest& req) {
  QueryReader q(req.query);
  auto limit = q.limit(kDefaultLimit, kMaxLimit);
  auto partner = q.text("partner", 100);
  auto status = q.text("status", 200);
  auto cursor = q.text("cursor", 512);
  for (const core::Error* e :
       {limit ? nullptr : &limit.error(), partner ? nullptr : &partner.error(),
        status ? nullptr : &status.error(), cursor ? nullptr : &cursor.error()}) {
    if (e) return error_from(*e);
  }
  db::BatchFilter filter;
  if (*partner) filter.partner = **partner;
  if (*status) {
    for (const auto& s : core::split_trimmed(**status, ',')) {
      if (s == "open") {  // what a pull partner still has to take: not yet acknowledged
        filter.statuses.push_back(core::BatchStatus::kPending);
        filter.statuses.push_back(core::BatchStatus::kDelivered);
        continue;
      }
      auto st = core::parse_batch_status(s);
      if (!st) {
        return error_response(400, "bad_request",
                              "status takes open, pending, sending, retry, delivered, "
                              "acknowledged, dead, discarded");
      }
      filter.statuses.push_back(*st);
    }
  }
  db::NotifyStore ns(req.store->connection());
  auto list = ns.list_batches(filter);
  if (!list) return error_from(list.error());
  const bool partner_view = req.is(Role::kPartner);
  const auto own = req.visibility().partner_id;
  std::erase_if(*list,
                [&](const db::BatchSummary& b) { return partner_view && b.partner_id != own; });
  // Newest first; the cursor is the last id shown (ids end in a row number, so they are unique).
  std::sort(list->begin(), list->end(), [](const auto& a, const auto& b) {
    return a.created_at != b.created_at ? a.created_at > b.created_at : a.batch_id > b.batch_id;
  });
  std::size_t start = 0;
  if (*cursor) {
    auto after = decode_cursor(**cursor, "batch");
    if (!after) return error_from(after.error());
    auto it = std::find_if(list->begin(), list->end(),
                           [&](const auto& b) { return b.batch_id == *after; });
    if (it == list->end()) return error_response(400, "bad_request", "cursor is out of date");
    start = static_cast<std::size_t>(it - list->begin()) + 1;
  }
  core::JsonWriter items;
  items.begin_array();
  std::size_t end = std::min(list->size(), start + *limit);
  for (std::size_t i = start; i < end; ++i) {
    auto fb = ns.feedback((*list)[i].batch_id);
    if (!fb) return error_from(fb.error());
    std::map<std::string, int> answers;  // per feedback status, how many items
    for (const auto& f : *fb) {
      if (f.feedback) ++answers[text_of(*f.feedback)];
    }
    items.begin_object();
    write_summary(items, (*list)[i], !partner_view);
    items.key("feedback").begin_object();
    for (const auto& [answer, n] : answers) items.field(answer, n);
    items.end_object().end_object();
  }
  items.end_array();
  std::optional<std::string> next;
  if (end < list->size()) next = encode_cursor("batch", (*list)[end - 1].batch_id);
  return json_response(200, page_body(items.take(), next));
}

void write_item(core::JsonWriter& w, const core::BatchItem& it,
                const std::optional<db::ItemFeedback>& fb) {
  w.begin_object()
      .field("item", it.item)
      .field("finding_id", it.finding_id)
      .field("notice", text_of(it.notice))
      .field("status", text_of(it.status))
      .field("ip", it.ip.to_string())
      .field("port", static_cast<int>(it.port))
      .field("transport", text_of(it.transport))
      .field("protocol", it.protocol)
      .field("kind", text_of(it.kind))
      .field("code", it.code)
      .field("severity", text_of(it.severity))
      .field("summary", it.summary)
      .field("district_code", it.district_code)
      .field("district_name", it.district_name);
  w.key("src_port");
  it.src_port ? w.value(static_cast<int>(*it.src_port)) : w.null();
  w.key("observed_at").begin_array();
  for (auto t : it.observed_at) w.value(iso_time(t));
  w.end_array();
  w.key("feedback");
  if (fb && fb->feedback) {
    w.begin_object()
        .field("status", text_of(*fb->feedback))
        .field("note", fb->note)
        .field("at", iso_time(fb->at))
        .end_object();
  } else {
    w.null();
  }
  w.end_object();
}

ApiResponse get_batch(ApiRequest& req) {
  if (auto refused = refuse_without_audit(req)) return *refused;
  auto sum = visible_batch(req);
  if (!sum) return error_from(sum.error());
  if (!*sum) return no_batch();
  db::NotifyStore ns(req.store->connection());
  auto batch = ns.load_batch((*sum)->batch_id);
  auto feedback = ns.feedback((*sum)->batch_id);
  if (!batch) return error_from(batch.error());
  if (!feedback) return error_from(feedback.error());
  if (!*batch) return no_batch();
  const bool staff_view = !req.is(Role::kPartner);
  core::JsonWriter w;
  w.begin_object();
  write_summary(w, **sum, staff_view);
  w.key("item_list").begin_array();
  for (const auto& it : (*batch)->items) {
    auto fb = std::find_if(feedback->begin(), feedback->end(),
                           [&](const auto& f) { return f.item == it.item; });
    write_item(w, it, fb == feedback->end() ? std::nullopt : std::optional<db::ItemFeedback>(*fb));
  }
  w.end_array();
  if (staff_view) {
    auto attempts = ns.attempts((*sum)->batch_id);
    if (!attempts) return error_from(attempts.error());
    w.key("delivery_attempts").begin_array();
    for (const auto& a : *attempts) {
      w.begin_object()
          .field("attempt", a.attempt)
          .field("channel", a.channel)
          .field("started_at", iso_time(a.started_at));
      field_time(w, "finished_at", a.finished_at);
      w.field("outcome", a.outcome).field("http_status", static_cast<std::int64_t>(a.http_status));
      w.field("error", a.error).field("response", a.response);
      field_time(w, "next_attempt_at", a.next_attempt_at);
      w.end_object();
    }
    w.end_array();
  }
  w.end_object();
  req.audit("batch.read", (*sum)->batch_id);
  return json_response(200, w.take());
}

// The batch as the partner's systems take it: the same bytes a webhook or mail would carry. A
// pull partner's first fetch of a pending batch marks it delivered.
ApiResponse download_batch(ApiRequest& req) {
  if (auto refused = refuse_without_audit(req)) return *refused;
  QueryReader q(req.query);
  auto format_name = q.text("format", 10);
  if (!format_name) return error_from(format_name.error());
  auto sum = visible_batch(req);
  if (!sum) return error_from(sum.error());
  if (!*sum) return no_batch();
  core::BatchFormat format = (*sum)->format;
  if (*format_name) {
    auto f = core::parse_batch_format(**format_name);
    if (!f) return error_response(400, "bad_request", "format takes csv, json or xarf");
    format = *f;
  }
  db::NotifyStore ns(req.store->connection());
  auto batch = ns.load_batch((*sum)->batch_id);
  if (!batch) return error_from(batch.error());
  if (!*batch) return no_batch();
  if (req.is(Role::kPartner)) {
    auto fetched = ns.mark_fetched((*sum)->batch_id, req.now());
    if (!fetched) return error_from(fetched.error());
  }
  req.audit("batch.download", (*sum)->batch_id, text_of(format));
  return attachment(notify::render(**batch, format, req.config->notify.reporter),
                    notify::content_type(format),
                    (*sum)->batch_id + "." + notify::file_extension(format));
}

ApiResponse acknowledge(ApiRequest& req) {
  auto sum = visible_batch(req);
  if (!sum) return error_from(sum.error());
  if (!*sum) return no_batch();
  if (auto audited = req.audit_now("batch.acknowledge", (*sum)->batch_id); !audited) {
    return error_from(audited.error());
  }
  auto notified = acknowledge_batch(*req.store, *req.config, (*sum)->batch_id, req.principal->name,
                                    (*sum)->partner, req.now());
  if (!notified) return error_from(notified.error());
  core::JsonWriter w;
  w.begin_object()
      .field("id", (*sum)->batch_id)
      .field("status", "acknowledged")
      .field("findings_notified", *notified)
      .field("recheck_from", iso_time(req.now() + req.config->notify.recheck_after))
      .end_object();
  return json_response(200, w.take());
}

ApiResponse feedback(ApiRequest& req) {
  auto sum = visible_batch(req);
  if (!sum) return error_from(sum.error());
  if (!*sum) return no_batch();
  auto entries = notify::parse_feedback_json(req.body);
  if (!entries) return error_from(entries.error());
  std::string detail;
  for (const auto& e : *entries) {
    if (detail.size() > 200) {
      detail += " ...";
      break;
    }
    detail += (detail.empty() ? "" : ", ") + std::to_string(e.item) + ":" + text_of(e.status);
  }
  if (auto audited = req.audit_now("batch.feedback", (*sum)->batch_id, detail); !audited) {
    return error_from(audited.error());
  }
  auto n = record_feedback(*req.store, (*sum)->batch_id, *entries, (*sum)->partner, req.now());
  if (!n) return error_from(n.error());
  core::JsonWriter w;
  w.begin_object().field("id", (*sum)->batch_id).field("recorded", static_cast<std::int64_t>(*n));
  w.end_object();
  return json_response(200, w.take());
}

ApiResponse list_disputes(ApiRequest& req) {
  db::NotifyStore ns(req.store->connection());
  auto disputes = ns.open_disputes();
  if (!disputes) return error_from(disputes.error());
  core::JsonWriter w;
  w.begin_object().key("items").begin_array();
  for (const auto& d : *disputes) {
    w.begin_object()
        .field("id", d.id)
        .field("batch", d.batch_id)
        .field("partner", d.partner)
        .field("item", d.item)
        .field("finding_id", d.finding_id)
        .field("ip", d.ip.to_string())
        .field("port", static_cast<int>(d.port))
        .field("kind", d.kind)
        .field("code", d.code)
        .field("note", d.note)
        .field("created_at", iso_time(d.created_at))
        .end_object();
  }
  w.end_array().end_object();
  req.audit("disputes.read", "", std::to_string(disputes->size()) + " open");
  return json_response(200, w.take());
}

}  // namespace

void add_batch_routes(Router& router) {
  router.add({"GET",
              "/api/v1/partners",
              staff(),
              {},
              list_partners,
              "partners with what they were sent and what got fixed after notice"});
  router.add({"GET",
              "/api/v1/partners/{name}",
              staff(),
              {},
              get_partner,
              "one partner with its prefixes and the effect of notifying it"});
  router.add({"GET",
              "/api/v1/batches",
              device_readers(),
              {"partner", "status", "limit", "cursor"},
              list_batches,
              "batches newest first (a partner: its own; status=open: not yet acknowledged)"});
  router.add({"GET",
              "/api/v1/batches/{id}",
              device_readers(),
              {},
              get_batch,
              "one batch: its items with their feedback (staff: and its delivery attempts)"});
  router.add({"GET",
              "/api/v1/batches/{id}/download",
              device_readers(),
              {"format"},
              download_batch,
              "the batch as csv, json or xarf (default: the partner's format)"});
  router.add({"POST",
              "/api/v1/batches/{id}/ack",
              device_readers(),
              {},
              acknowledge,
              "acknowledge a batch: its findings become notified and are re-checked later"});
  router.add({"POST",
              "/api/v1/batches/{id}/feedback",
              device_readers(),
              {},
              feedback,
              "per-item answers: not-our-customer, customer-informed, fixed, dispute"});
  router.add({"GET",
              "/api/v1/disputes",
              staff(),
              {},
              list_disputes,
              "items partners disputed, still open"});
}

}  // namespace citywatch::app
