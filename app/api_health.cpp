// Liveness, readiness, metrics, the detailed health view and the route index.
#include <unistd.h>

#include "app/api.h"
#include "app/health.h"
#include "app/metrics.h"
#include "app/scheduler.h"
#include "core/json_writer.h"

namespace citywatch::app {
namespace {

void write_checks(core::JsonWriter& w, const std::vector<ReadinessCheck>& checks) {
  w.key("checks").begin_array();
  for (const auto& c : checks) {
    w.begin_object().field("name", c.name).field("ok", c.ok).field("detail", c.detail).end_object();
  }
  w.end_array();
}

ApiResponse livez(ApiRequest&) { return json_response(200, R"({"status":"alive"})"); }

ApiResponse readyz(ApiRequest& req) {
  auto checks = req.services->health->readiness();
  bool ok = HealthMonitor::all_ok(checks);
  core::JsonWriter w;
  w.begin_object().field("status", ok ? "ready" : "not_ready");
  write_checks(w, checks);
  w.end_object();
  return json_response(ok ? 200 : 503, w.take());
}

ApiResponse metrics(ApiRequest& req) {
  ApiResponse r;
  r.body = req.services->metrics->render();
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return r;
}

ApiResponse health(ApiRequest& req) {
  auto checks = req.services->health->readiness();
  auto config_state = req.services->health->config_state();
  SchedulerStatus s =
      req.services->scheduler ? req.services->scheduler->status() : SchedulerStatus{};
  core::JsonWriter w;
  w.begin_object()
      .field("status", HealthMonitor::all_ok(checks) ? "ready" : "not_ready")
      .field("version", CITYWATCH_VERSION)
      .field("pid", static_cast<std::int64_t>(::getpid()));
  field_time(w, "started_at", s.started);
  write_checks(w, checks);
  w.key("scheduler").begin_object();
  w.field("owner", req.services->scheduler ? req.services->scheduler->owner() : "");
  field_time(w, "last_tick", s.last_tick);
  w.key("running").begin_array();
  for (const auto& name : s.running) w.value(name);
  w.end_array().end_object();
  w.key("config").begin_object();
  w.field("file", req.config->source_path).field("generation", config_state.generation);
  field_time(w, "loaded_at", config_state.loaded_at);
  field_time(w, "last_reload_at", config_state.last_reload_at);
  w.key("last_reload_error");
  config_state.last_reload_error.empty() ? w.null() : w.value(config_state.last_reload_error);
  w.end_object().end_object();
  return json_response(200, w.take());
}

}  // namespace

void add_index_route(Router& router) {
  // The index needs the router itself, so it is added last (add_api_routes).
  const Router* self = &router;
  router.add({"GET",
              "/api/v1",
              everyone(),
              {},
              [self](ApiRequest&) {
                core::JsonWriter w;
                w.begin_object().key("routes").begin_array();
                for (const Route& r : self->routes()) {
                  w.begin_object().field("method", r.method).field("path", r.pattern);
                  w.key("roles").begin_array();
                  for (Role role : r.roles) w.value(to_string(role));
                  w.end_array().field("summary", r.summary).end_object();
                }
                w.end_array().end_object();
                return json_response(200, w.take());
              },
              "this list: every endpoint and the roles that may call it"});
}

void add_health_routes(Router& router) {
  Route live{"GET", "/livez", {}, {}, livez, "the process is up"};
  live.needs_db = false;
  router.add(std::move(live));
  Route ready{
      "GET",  "/readyz",
      {},     {},
      readyz, "database reachable and writable, schema current, disk space, scheduler alive"};
  ready.needs_db = false;
  router.add(std::move(ready));
  Route prom{"GET", "/metrics", {}, {}, metrics, "Prometheus text exposition"};
  prom.needs_db = false;
  router.add(std::move(prom));
  Route detail{"GET", "/api/v1/health", staff(),
               {},    health,           "readiness checks, scheduler, configuration reloads"};
  detail.needs_db = false;
  router.add(std::move(detail));
}

}  // namespace citywatch::app
