// Operations: imports (list, show, upload a feed file), feeds and their freshness, and
// scheduled jobs (list, create, delete, run now, runs). Scan jobs are jobs of kind "scan"
// (app/scan_jobs.cpp); batch building and delivery and re-checks are jobs too, so they appear
// here when their kinds are registered.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "app/api.h"
#include "app/api_json.h"
#include "app/import_pipeline.h"
#include "app/jobs.h"
#include "app/schedule.h"
#include "app/scheduler.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "db/jobs.h"
#include "scanner/shadowserver_api.h"

namespace citywatch::app {
namespace {

void write_import(core::JsonWriter& w, const db::ImportRow& i) {
  w.begin_object()
      .field("id", i.id)
      .field("source", i.source)
      .field("path", i.path)
      .field("report_type", i.report_type)
      .field("status", i.status)
      .field("started_at", iso_time(i.started_at));
  field_time(w, "finished_at", i.finished_at);
  w.field("records_read", i.records_read)
      .field("imported", i.imported)
      .field("duplicates", i.duplicates)
      .field("rejected", i.rejected)
      .end_object();
}

ApiResponse list_imports(ApiRequest& req) {
  QueryReader q(req.query);
  auto limit = q.limit(50, 500);
  if (!limit) return error_from(limit.error());
  std::optional<std::int64_t> before;
  auto cursor = q.text("cursor", 512);
  if (!cursor) return error_from(cursor.error());
  if (*cursor) {
    auto payload = decode_cursor(**cursor, "imp");
    if (!payload) return error_from(payload.error());
    auto id = core::parse_int(*payload, 1, INT64_MAX);
    if (!id) return error_response(400, "bad_request", "cursor is damaged");
    before = *id;
  }
  auto rows = db::list_imports(req.store->connection(), before, *limit + 1);
  if (!rows) return error_from(rows.error());
  std::optional<std::string> next;
  if (rows->size() > *limit) {
    rows->resize(*limit);
    next = encode_cursor("imp", std::to_string(rows->back().id));
  }
  core::JsonWriter items;
  items.begin_array();
  for (const auto& i : *rows) write_import(items, i);
  items.end_array();
  return json_response(200, page_body(items.str(), next));
}

ApiResponse get_import(ApiRequest& req) {
  auto id = core::parse_int(req.params.at("id"), 1, INT64_MAX);
  if (!id) return error_response(400, "bad_request", "import id must be a positive integer");
  auto row = db::get_import(req.store->connection(), *id);
  if (!row) return error_from(row.error());
  if (!*row) return error_response(404, "not_found", "no import with that id");
  core::JsonWriter w;
  write_import(w, **row);
  return json_response(200, w.take());
}

ApiResponse upload_import(ApiRequest& req) {
  QueryReader q(req.query);
  auto kind_text = q.text("kind", 32);
  auto report_type = q.text("report_type", 100);
  auto filename = q.text("filename", 200);
  for (const core::Error* e :
       {kind_text ? nullptr : &kind_text.error(), report_type ? nullptr : &report_type.error(),
        filename ? nullptr : &filename.error()}) {
    if (e) return error_from(*e);
  }
  std::optional<scanner::FeedKind> kind;
  if (*kind_text) kind = scanner::parse_feed_kind(**kind_text);
  if (!kind) {
    return error_response(400, "bad_request", "kind must be shodan, shadowserver or nmap");
  }
  // The file name matters to the Shadowserver importer (it names the report type), so the
  // upload is moved to a directory of its own under that name.
  std::string name = scanner::safe_file_name(filename->value_or("upload"));
  std::filesystem::path spooled = req.upload_path;
  std::filesystem::path own_dir = spooled.string() + ".d";
  std::filesystem::path named = own_dir / name;
  std::error_code ec;
  std::filesystem::create_directories(own_dir, ec);
  if (!ec) std::filesystem::rename(spooled, named, ec);
  struct Remove {
    std::filesystem::path dir;
    ~Remove() {
      std::error_code e;
      std::filesystem::remove_all(dir, e);
    }
  } remove{own_dir};
  if (ec) return error_response(503, "unavailable", "cannot keep the upload: " + ec.message());

  auto alerter = req.services->alerter ? req.services->alerter() : nullptr;
  auto pipeline =
      ImportPipeline::open(*req.config, *req.store, *req.services->clock, alerter.get());
  if (!pipeline) return error_from(pipeline.error());
  auto outcome =
      pipeline->run({*kind, named.string(), "upload:" + name, report_type->value_or("")});
  if (!outcome) return error_from(outcome.error());
  core::JsonWriter w;
  w.begin_object()
      .field("id", outcome->import_id)
      .field("source", scanner::to_string(*kind))
      .field("file", outcome->path)
      .field("report_type", outcome->report_type)
      .field("records_read", static_cast<std::int64_t>(outcome->totals.records_read))
      .field("imported", static_cast<std::int64_t>(outcome->totals.imported))
      .field("duplicates", static_cast<std::int64_t>(outcome->totals.duplicates))
      .field("rejected", static_cast<std::int64_t>(outcome->totals.rejected));
  w.key("rejected_by_reason").begin_object();
  for (const auto& [reason, n] : outcome->reasons) w.field(reason, static_cast<std::int64_t>(n));
  w.end_object();
  w.key("notes").begin_array();
  for (const auto& note : outcome->notes) w.value(note);
  w.end_array();
  w.key("located").begin_object();
  for (auto v :
       {core::InCity::kYes, core::InCity::kPossibly, core::InCity::kNo, core::InCity::kUnknown}) {
    w.field(core::to_string(v), static_cast<std::int64_t>(outcome->located_in(v)));
  }
  w.end_object();
  const AssessCounts& risk = outcome->risk;
  w.key("findings")
      .begin_object()
      .field("fingerprinted", static_cast<std::int64_t>(risk.fingerprinted))
      .field("new", static_cast<std::int64_t>(risk.opened))
      .field("seen_again", static_cast<std::int64_t>(risk.refreshed))
      .field("reopened", static_cast<std::int64_t>(risk.reopened))
      .field("fixed", static_cast<std::int64_t>(risk.fixed))
      .field("devices_scored", static_cast<std::int64_t>(risk.devices_scored))
      .end_object();
  w.key("error");
  outcome->fatal ? w.value(outcome->fatal->message) : w.null();
  w.end_object();
  std::string summary = w.take();
  if (auto audited = req.audit_now("import.upload", std::to_string(outcome->import_id), summary);
      !audited) {
    return error_from(audited.error());
  }
  // A file that could not be read to its end is a bad request; what was good still landed.
  ApiResponse r = json_response(outcome->fatal ? 422 : 201, summary);
  if (outcome->fatal) {
    core::JsonWriter e;
    e.begin_object().key("error").begin_object();
    e.field("status", 422)
        .field("code", "bad_input_file")
        .field("message", outcome->fatal->message);
    e.key("import").raw(summary).end_object().end_object();
    r.body = e.take();
  }
  r.headers.emplace_back("Location", "/api/v1/imports/" + std::to_string(outcome->import_id));
  return r;
}

ApiResponse list_feeds(ApiRequest& req) {
  auto status = db::feed_status(req.store->connection());
  if (!status) return error_from(status.error());
  db::JobStore jobs(req.store->connection());
  auto check = jobs.get("feed-check");
  if (!check) return error_from(check.error());
  nlohmann::json stale = nlohmann::json::array();
  if (*check && !(*check)->checkpoint.empty()) {
    auto cp = nlohmann::json::parse((*check)->checkpoint, nullptr, false);
    if (cp.is_object() && cp.contains("stale") && cp["stale"].is_array()) stale = cp["stale"];
  }
  auto is_stale = [&](const std::string& name) {
    for (const auto& s : stale) {
      if (s.is_string() && s.get<std::string>() == name) return true;
    }
    return false;
  };
  const Config& c = *req.config;
  core::JsonWriter w;
  w.begin_object().key("feeds").begin_array();
  auto feed = [&](const std::string& name, bool enabled, std::int64_t stale_after,
                  const std::string& source) {
    w.begin_object().field("name", name).field("enabled", enabled);
    w.field("stale_after_hours", stale_after).field("stale", enabled && is_stale(name));
    std::optional<core::UnixSeconds> last;
    for (const auto& s : *status) {
      if (s.source == source) last = s.last_success;
    }
    field_time(w, "last_success", last);
    w.end_object();
  };
  feed("shodan", c.shodan.enabled, c.shodan.stale_after_hours, "shodan");
  feed("shadowserver", c.shadowserver.enabled, c.shadowserver.stale_after_hours, "shadowserver");
  feed("dropdir", !c.dropdir.path.empty(), c.dropdir.stale_after_hours, "");
  w.end_array().key("sources").begin_array();
  for (const auto& s : *status) {
    w.begin_object()
        .field("source", s.source)
        .field("imports", s.imports)
        .field("failed", s.failed)
        .field("imported", s.imported)
        .field("duplicates", s.duplicates)
        .field("rejected", s.rejected);
    field_time(w, "last_success", s.last_success);
    field_time(w, "last_attempt", s.last_attempt);
    w.end_object();
  }
  w.end_array().end_object();
  return json_response(200, w.take());
}

bool lease_live(const db::JobRow& job, core::UnixSeconds now) {
  return !job.lease_owner.empty() && job.lease_expires >= now;
}

void write_job(core::JsonWriter& w, const db::JobRow& j, core::UnixSeconds now) {
  w.begin_object()
      .field("name", j.name)
      .field("kind", j.kind)
      .field("schedule", j.schedule)
      .key("params")
      .raw(j.params.empty() ? "{}" : j.params)
      .field("origin", j.origin)
      .field("enabled", j.enabled)
      .field("running", lease_live(j, now))
      .field("run_requested", j.run_requested)
      .field("next_due", iso_time(j.next_due));
  field_time(w, "last_started", j.last_started);
  field_time(w, "last_finished", j.last_finished);
  w.key("last_status");
  j.last_status.empty() ? w.null() : w.value(j.last_status);
  w.key("last_error");
  j.last_error.empty() ? w.null() : w.value(j.last_error);
  w.end_object();
}

void write_run(core::JsonWriter& w, const db::JobRunRow& r) {
  w.begin_object()
      .field("id", r.id)
      .field("job", r.job_name)
      .field("trigger", r.trigger)
      .field("status", r.status)
      .field("started_at", iso_time(r.started_at));
  field_time(w, "finished_at", r.finished_at);
  w.key("summary");
  r.summary.empty() ? w.null() : w.raw(r.summary);
  w.key("error");
  r.error.empty() ? w.null() : w.value(r.error);
  w.end_object();
}

// Analysts manage only the kinds marked for them (scan jobs); admins manage all.
bool may_manage(const ApiRequest& req, const JobKind* kind) {
  return req.is(Role::kAdmin) || (kind && kind->analyst_may_manage);
}

core::Result<std::optional<db::JobRow>> find_job(ApiRequest& req) {
  db::JobStore jobs(req.store->connection());
  return jobs.get(req.params.at("name"));
}

ApiResponse list_jobs(ApiRequest& req) {
  QueryReader q(req.query);
  auto kind = q.text("kind", 64);
  if (!kind) return error_from(kind.error());
  db::JobStore jobs(req.store->connection());
  auto rows = jobs.list();
  if (!rows) return error_from(rows.error());
  core::JsonWriter w;
  w.begin_object().key("items").begin_array();
  for (const auto& j : *rows) {
    if (!*kind || j.kind == **kind) write_job(w, j, req.now());
  }
  w.end_array().end_object();
  return json_response(200, w.take());
}

ApiResponse list_job_kinds(ApiRequest& req) {
  core::JsonWriter w;
  w.begin_object().key("items").begin_array();
  for (const JobKind* k : req.services->jobs->all()) {
    w.begin_object()
        .field("kind", k->name)
        .field("description", k->description)
        .field("api_creatable", k->api_creatable)
        .field("analyst_may_manage", k->analyst_may_manage)
        .end_object();
  }
  w.end_array().end_object();
  return json_response(200, w.take());
}

ApiResponse get_job(ApiRequest& req) {
  auto job = find_job(req);
  if (!job) return error_from(job.error());
  if (!*job) return error_response(404, "not_found", "no job with that name");
  core::JsonWriter w;
  write_job(w, **job, req.now());
  return json_response(200, w.take());
}

ApiResponse create_job(ApiRequest& req) {
  auto body = JsonBody::parse(req.body);
  if (!body) return error_from(body.error());
  if (auto only = body->only({"name", "kind", "schedule", "params", "enabled"}); !only) {
    return error_from(only.error());
  }
  auto name = body->text("name", 64, true);
  auto kind_name = body->text("kind", 64, true);
  auto schedule_text = body->text("schedule", 200, true);
  auto params = body->object_text("params", 16384);
  auto enabled = body->flag("enabled");
  for (const core::Error* e :
       {name ? nullptr : &name.error(), kind_name ? nullptr : &kind_name.error(),
        schedule_text ? nullptr : &schedule_text.error(), params ? nullptr : &params.error(),
        enabled ? nullptr : &enabled.error()}) {
    if (e) return error_from(*e);
  }
  if (!valid_job_name(**name)) {
    return error_response(400, "bad_request", "name must be 1-64 letters, digits, '-', '_' or '.'");
  }
  const JobKind* kind = req.services->jobs->find(**kind_name);
  if (!kind || !kind->api_creatable) {
    return error_response(400, "bad_request",
                          "jobs of kind '" + **kind_name +
                              "' cannot be created through the API (see /api/v1/job-kinds)");
  }
  if (!may_manage(req, kind)) {
    return error_response(403, "forbidden", "only admins manage jobs of this kind");
  }
  auto schedule = Schedule::parse(**schedule_text);
  if (!schedule) return error_from(schedule.error());
  if (kind->validate_params) {
    if (auto ok = kind->validate_params(*params, *req.config); !ok) return error_from(ok.error());
  } else if (*params != "{}") {
    return error_response(400, "bad_request", "jobs of this kind take no params");
  }
  db::JobDefinition def{**name, **kind_name, **schedule_text, *params, enabled->value_or(true)};
  db::JobStore jobs(req.store->connection());
  const core::UnixSeconds now = req.now();
  auto created = jobs.create(def, schedule->next_after(now), now);
  if (!created) {
    if (created.error().code == core::ErrorCode::kBadInput) {
      return error_response(409, "conflict", created.error().message);
    }
    return error_from(created.error());
  }
  if (auto audited = req.audit_now("job.create", **name, *params); !audited) {
    return error_from(audited.error());
  }
  auto row = jobs.get(**name);
  if (!row || !*row) return error_response(500, "internal", "the job vanished");
  core::JsonWriter w;
  write_job(w, **row, now);
  ApiResponse r = json_response(201, w.take());
  r.headers.emplace_back("Location", "/api/v1/jobs/" + **name);
  return r;
}

ApiResponse delete_job(ApiRequest& req) {
  auto job = find_job(req);
  if (!job) return error_from(job.error());
  if (!*job) return error_response(404, "not_found", "no job with that name");
  if ((*job)->origin != "api") {
    return error_response(409, "conflict",
                          "this job comes from the configuration; remove it there and reload");
  }
  if (!may_manage(req, req.services->jobs->find((*job)->kind))) {
    return error_response(403, "forbidden", "only admins manage jobs of this kind");
  }
  db::JobStore jobs(req.store->connection());
  auto removed = jobs.remove_api_job((*job)->name);
  if (!removed) return error_from(removed.error());
  if (auto audited = req.audit_now("job.delete", (*job)->name); !audited) {
    return error_from(audited.error());
  }
  return json_response(200, R"({"deleted":true})");
}

ApiResponse run_job(ApiRequest& req) {
  auto job = find_job(req);
  if (!job) return error_from(job.error());
  if (!*job) return error_response(404, "not_found", "no job with that name");
  if (!may_manage(req, req.services->jobs->find((*job)->kind))) {
    return error_response(403, "forbidden", "only admins run jobs of this kind");
  }
  if (!(*job)->enabled) return error_response(409, "conflict", "the job is disabled");
  if (lease_live(**job, req.now())) {
    return error_response(409, "conflict", "the job is running now; try again when it ends");
  }
  db::JobStore jobs(req.store->connection());
  auto asked = jobs.request_run((*job)->name);
  if (!asked) return error_from(asked.error());
  if (auto audited = req.audit_now("job.run", (*job)->name); !audited) {
    return error_from(audited.error());
  }
  if (req.services->scheduler) req.services->scheduler->wake();
  core::JsonWriter w;
  w.begin_object().field("job", (*job)->name).field("queued", true).end_object();
  ApiResponse r = json_response(202, w.take());
  r.headers.emplace_back("Location", "/api/v1/jobs/" + (*job)->name + "/runs");
  return r;
}

ApiResponse list_runs(ApiRequest& req) {
  auto job = find_job(req);
  if (!job) return error_from(job.error());
  if (!*job) return error_response(404, "not_found", "no job with that name");
  QueryReader q(req.query);
  auto limit = q.limit(50, 500);
  if (!limit) return error_from(limit.error());
  std::optional<std::int64_t> before;
  auto cursor = q.text("cursor", 512);
  if (!cursor) return error_from(cursor.error());
  if (*cursor) {
    auto payload = decode_cursor(**cursor, "run");
    if (!payload) return error_from(payload.error());
    auto id = core::parse_int(*payload, 1, INT64_MAX);
    if (!id) return error_response(400, "bad_request", "cursor is damaged");
    before = *id;
  }
  db::JobStore jobs(req.store->connection());
  auto rows = jobs.runs((*job)->id, before, *limit + 1);
  if (!rows) return error_from(rows.error());
  std::optional<std::string> next;
  if (rows->size() > *limit) {
    rows->resize(*limit);
    next = encode_cursor("run", std::to_string(rows->back().id));
  }
  core::JsonWriter items;
  items.begin_array();
  for (const auto& r : *rows) write_run(items, r);
  items.end_array();
  return json_response(200, page_body(items.str(), next));
}

}  // namespace

void add_ops_routes(Router& router) {
  router.add({"GET",
              "/api/v1/imports",
              staff(),
              {"limit", "cursor"},
              list_imports,
              "imports, newest first"});
  router.add({"GET", "/api/v1/imports/{id}", staff(), {}, get_import, "one import"});
  Route upload{"POST",         "/api/v1/imports",
               {Role::kAdmin}, {"kind", "report_type", "filename"},
               upload_import,  "upload a feed file (body: the file, plain or gzip) and import it"};
  upload.upload = true;
  router.add(std::move(upload));
  router.add({"GET",
              "/api/v1/feeds",
              staff(),
              {},
              list_feeds,
              "configured feeds, freshness and totals per source"});
  router.add({"GET", "/api/v1/jobs", staff(), {"kind"}, list_jobs, "scheduled jobs"});
  router.add(
      {"GET", "/api/v1/job-kinds", staff(), {}, list_job_kinds, "the job kinds this build runs"});
  router.add({"POST",
              "/api/v1/jobs",
              staff(),
              {},
              create_job,
              "create a job of an API-creatable kind (scan jobs)"});
  router.add({"GET", "/api/v1/jobs/{name}", staff(), {}, get_job, "one job"});
  router.add({"DELETE",
              "/api/v1/jobs/{name}",
              staff(),
              {},
              delete_job,
              "delete a job created through the API"});
  router.add({"POST", "/api/v1/jobs/{name}/run", staff(), {}, run_job, "run a job now"});
  router.add({"GET",
              "/api/v1/jobs/{name}/runs",
              staff(),
              {"limit", "cursor"},
              list_runs,
              "runs of a job, newest first"});
}

}  // namespace citywatch::app
