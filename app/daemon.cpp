#include "app/daemon.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>

#include "app/alerts.h"
#include "app/api.h"
#include "app/audit_log.h"
#include "app/health.h"
#include "app/http_server.h"
#include "app/jobs.h"
#include "app/logging.h"
#include "app/metrics.h"
#include "app/risk_pipeline.h"
#include "app/scheduler.h"
#include "app/secrets.h"
#include "app/store_pool.h"
#include "app/web_assets.h"
#include "db/finding_queries.h"
#include "db/jobs.h"
#include "db/notify_store.h"
#include "db/queries.h"
#include "enrich/geolocator.h"

namespace citywatch::app {
namespace {

// What the daemon runs with, taken whole from one configuration: swapped whole on reload, so
// a job or request keeps the snapshot it started with.
struct Setup {
  std::shared_ptr<const Config> config;
  std::shared_ptr<Alerter> alerter;
  std::shared_ptr<const std::vector<DistrictName>> districts;
};

class Live {
 public:
  std::shared_ptr<const Config> config() const {
    std::lock_guard lock(mutex_);
    return setup_.config;
  }
  std::shared_ptr<Alerter> alerter() const {
    std::lock_guard lock(mutex_);
    return setup_.alerter;
  }
  std::shared_ptr<const std::vector<DistrictName>> districts() const {
    std::lock_guard lock(mutex_);
    return setup_.districts;
  }
  void set(Setup setup) {
    std::lock_guard lock(mutex_);
    setup_ = std::move(setup);
  }

 private:
  mutable std::mutex mutex_;
  Setup setup_;
};

struct Checked {
  AlertOptions alerts;  // they carry the webhook secret
  std::shared_ptr<const std::vector<DistrictName>> districts;
};

// What a configuration needs before the daemon takes it: its secrets readable, a listen
// address that parses, the rule, list and geo files every import needs loading (so a broken
// one is refused here, not at the first import), and [[jobs]] params their kinds accept (a scan
// job's scope file in place).
core::Result<Checked> check_for_daemon(const Config& c, const core::Clock& clock) {
  if (auto risk = load_risk_data(c); !risk) return core::fail(risk.error());
  JobRegistry kinds;
  register_job_kinds(kinds);
  CITYWATCH_TRY(check_config_jobs(kinds, c));
  auto geo = enrich::Geolocator::open(c.geo, clock);
  if (!geo) return core::fail(geo.error());
  auto districts = std::make_shared<std::vector<DistrictName>>();
  for (const auto& d : geo->districts().districts()) districts->push_back({d.code, d.name});
  if (c.shodan.enabled) {
    auto key = read_secret(c.shodan.api_key_file, "CITYWATCH_SHODAN_API_KEY", "the Shodan API key");
    if (!key) return core::fail(key.error());
  }
  if (c.shadowserver.enabled) {
    auto key = read_secret(c.shadowserver.api_key_file, "CITYWATCH_SHADOWSERVER_API_KEY",
                           "the Shadowserver API key");
    if (!key) return core::fail(key.error());
    auto secret = read_secret(c.shadowserver.secret_file, "CITYWATCH_SHADOWSERVER_SECRET",
                              "the Shadowserver API secret");
    if (!secret) return core::fail(secret.error());
  }
  if (auto listen = parse_listen_address(c.server.listen); !listen) {
    return core::fail(listen.error());
  }
  AlertOptions a;
  a.syslog_url = c.alerts.syslog;
  a.facility = c.alerts.syslog_facility;
  a.webhook_url = c.alerts.webhook_url;
  if (!c.alerts.webhook_url.empty() && !c.alerts.webhook_secret_file.empty()) {
    auto secret = read_secret(c.alerts.webhook_secret_file, "CITYWATCH_WEBHOOK_SECRET",
                              "the alert webhook secret");
    if (!secret) return core::fail(secret.error());
    a.webhook_secret = *secret;
  }
  a.http.user_agent = c.http_client.user_agent;
  a.http.ca_file = c.http_client.ca_file;
  a.http.max_response_bytes = 1 << 20;
  return Checked{std::move(a), std::move(districts)};
}

core::Result<Config> reload(const Context& context, const Config& current) {
  if (current.source_path.empty()) {
    return core::fail(core::ErrorCode::kConfig,
                      "started without --config: there is no file to reload");
  }
  auto loaded = load_config(current.source_path);
  if (!loaded) return loaded;
  if (!context.db_override.empty()) loaded->database_path = context.db_override;
  if (loaded->database_path != current.database_path) {
    return core::fail(core::ErrorCode::kConfig,
                      "database.path cannot change while running; restart the daemon");
  }
  return loaded;
}

void install_collectors(Metrics& metrics, StorePool& pool) {
  metrics.declare("citywatch_build_info", MetricType::kGauge, "Version of this citywatch");
  metrics.declare("citywatch_database_up", MetricType::kGauge,
                  "1 when the database answered this scrape");
  metrics.declare("citywatch_ingest_records_total", MetricType::kCounter,
                  "Feed records imported, by source and outcome (imported, duplicate, rejected)");
  metrics.declare("citywatch_imports_total", MetricType::kCounter,
                  "Import runs, by source and status");
  metrics.declare("citywatch_feed_last_success_timestamp_seconds", MetricType::kGauge,
                  "When each source last finished an import successfully");
  metrics.declare("citywatch_devices", MetricType::kGauge, "Devices stored");
  metrics.declare("citywatch_services", MetricType::kGauge, "Services stored");
  metrics.declare("citywatch_job_last_success_timestamp_seconds", MetricType::kGauge,
                  "When each scheduled job last ended ok");
  metrics.declare("citywatch_findings_active", MetricType::kGauge,
                  "Active findings (open, notified, reopened), by kind and severity");
  metrics.declare("citywatch_batch_deliveries_total", MetricType::kCounter,
                  "Batch delivery attempts by outcome (delivered, retry, dead, interrupted, "
                  "started)");
  metrics.declare("citywatch_batches", MetricType::kGauge, "Partner batches by status");
  metrics.add_collector([&pool](SampleSink& out) {
    out.add("citywatch_build_info", {{"version", CITYWATCH_VERSION}}, 1);
    auto lease = pool.acquire();
    if (!lease) {
      out.add("citywatch_database_up", {}, 0);
      return;
    }
    auto& conn = (*lease)->connection();
    auto feeds = db::feed_status(conn);
    auto devices = (*lease)->count("devices");
    auto services = (*lease)->count("services");
    db::JobStore jobs(conn);
    auto job_rows = jobs.list();
    auto findings = db::active_finding_counts(conn);
    out.add("citywatch_database_up", {},
            feeds && devices && services && job_rows && findings ? 1 : 0);
    if (findings) {
      for (const auto& f : *findings) {
        out.add("citywatch_findings_active", {{"kind", f.kind}, {"severity", f.severity}},
                static_cast<double>(f.count));
      }
    }
    if (feeds) {
      for (const auto& f : *feeds) {
        out.add("citywatch_ingest_records_total", {{"source", f.source}, {"outcome", "imported"}},
                static_cast<double>(f.imported));
        out.add("citywatch_ingest_records_total", {{"source", f.source}, {"outcome", "duplicate"}},
                static_cast<double>(f.duplicates));
        out.add("citywatch_ingest_records_total", {{"source", f.source}, {"outcome", "rejected"}},
                static_cast<double>(f.rejected));
        out.add("citywatch_imports_total", {{"source", f.source}, {"status", "failed"}},
                static_cast<double>(f.failed));
        out.add("citywatch_imports_total", {{"source", f.source}, {"status", "all"}},
                static_cast<double>(f.imports));
        if (f.last_success) {
          out.add("citywatch_feed_last_success_timestamp_seconds", {{"source", f.source}},
                  static_cast<double>(*f.last_success));
        }
      }
    }
    db::NotifyStore notify(conn);
    if (auto attempts = notify.attempts_by_outcome()) {
      for (const auto& [outcome, n] : *attempts) {
        out.add("citywatch_batch_deliveries_total", {{"outcome", outcome}}, static_cast<double>(n));
      }
    }
    if (auto batches = notify.batches_by_status()) {
      for (const auto& [status, n] : *batches) {
        out.add("citywatch_batches", {{"status", status}}, static_cast<double>(n));
      }
    }
    if (devices) out.add("citywatch_devices", {}, static_cast<double>(*devices));
    if (services) out.add("citywatch_services", {}, static_cast<double>(*services));
    if (job_rows) {
      for (const auto& j : *job_rows) {
        if (j.last_status == "ok" && j.last_finished) {
          out.add("citywatch_job_last_success_timestamp_seconds", {{"job", j.name}},
                  static_cast<double>(*j.last_finished));
        }
      }
    }
  });
}

std::string url_host(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

core::Result<int> run_daemon(const Context& context, const ServeOptions& options) {
  // Signals are taken by sigwait() in this thread only: block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  setup_logging(context.log_format, LogLevel::kInfo, context.verbose);
  auto log = logger("app");

  Config first = context.config;
  if (!options.listen.empty()) first.server.listen = options.listen;
  if (!std::filesystem::exists(first.database_path)) {
    return core::fail(
        core::ErrorCode::kNotFound,
        "no database here; create it with `citywatch init --db " + first.database_path + "`",
        first.database_path);
  }
  core::SystemClock clock;
  auto checked = check_for_daemon(first, clock);
  if (!checked) return core::fail(checked.error());
  // Bring the schema up to date now; if the database cannot be used yet the daemon still
  // starts, reports it on /readyz and keeps trying.
  if (auto store = db::Store::open(first.database_path, false); !store) {
    if (store.error().code == core::ErrorCode::kConfig) return core::fail(store.error());
    log->error("database_unusable path={} reason={}", first.database_path,
               store.error().to_string());
  }

  Metrics metrics;
  Live live;
  live.set({std::make_shared<const Config>(first),
            std::make_shared<Alerter>(checked->alerts, &metrics), checked->districts});
  auto config_fn = [&live] { return live.config(); };

  AuditLog audit(first.database_path, clock, &metrics);
  StorePool pool(first.database_path);
  install_collectors(metrics, pool);
  JobRegistry registry;
  register_job_kinds(registry);
  SchedulerOptions sched_options;
  sched_options.db_path = first.database_path;
  sched_options.tick = std::chrono::seconds(first.scheduler.tick_seconds);
  sched_options.lease_seconds = first.scheduler.lease_seconds;
  sched_options.workers = first.scheduler.workers;
  sched_options.version = CITYWATCH_VERSION;
  Scheduler scheduler(sched_options, registry,
                      {config_fn, [&live] { return live.alerter(); }, &metrics}, clock);
  HealthMonitor health(config_fn, &scheduler, &audit, clock);
  health.config_loaded(clock.now());
  AggregateCache cache;
  LoginThrottle logins;
  ApiServices services{config_fn,
                       [&live] { return live.districts(); },
                       [&live] { return live.alerter(); },
                       &pool,
                       &audit,
                       &metrics,
                       &scheduler,
                       &registry,
                       &clock,
                       &cache,
                       &logins,
                       &health};
  // The district outlines the map draws: the configured file, as it is (open data).
  std::vector<WebAssets::Extra> geo_files;
  if (!first.geo.district_file.empty()) {
    geo_files.push_back(
        {"/assets/geo/districts.geojson", first.geo.district_file, "application/geo+json"});
  }
  const WebAssets web = WebAssets::load(web_dir(first), geo_files);
  if (!web.missing().empty()) {
    log->warn(
        "web_assets_missing dir={} first={} count={} note=the dashboard answers 503 until "
        "`npm ci` has run in web/ (deploy/install-deps.sh does it)",
        web.root(), web.missing().front(), web.missing().size());
  }
  services.web = &web;
  Router router;
  add_api_routes(router);
  HttpServer http(router, services);

  auto listen = parse_listen_address(first.server.listen);
  if (!listen) return core::fail(listen.error());
  auto port = http.start(*listen, first.server.threads);
  if (!port) return core::fail(port.error());
  std::printf("citywatch: listening on http://%s:%d\n", url_host(listen->host).c_str(), *port);
  std::fflush(stdout);
  log->info("daemon_started version={} pid={} listen={}:{} database={} owner={}", CITYWATCH_VERSION,
            ::getpid(), listen->host, *port, first.database_path, scheduler.owner());

  scheduler.request_sync();
  scheduler.start();

  while (true) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      auto current = live.config();
      auto loaded = reload(context, *current);
      core::Result<Checked> again = loaded ? check_for_daemon(*loaded, clock)
                                           : core::Result<Checked>(core::fail(loaded.error()));
      if (!again) {
        log->error("config_reload_rejected reason={} (the previous configuration stays in force)",
                   again.error().to_string());
        health.config_rejected(again.error().to_string(), clock.now());
        continue;
      }
      if (loaded->server.listen != current->server.listen && options.listen.empty()) {
        log->warn("config_listen_changed note=the new address takes effect at the next restart");
      }
      loaded->server.listen = current->server.listen;
      live.set({std::make_shared<const Config>(std::move(*loaded)),
                std::make_shared<Alerter>(again->alerts, &metrics), again->districts});
      health.config_loaded(clock.now());
      scheduler.request_sync();
      log->info("config_reloaded generation={} file={}", health.config_state().generation,
                current->source_path);
      continue;
    }
    log->info("shutdown_started signal={}", sig == SIGTERM ? "TERM" : "INT");
    break;
  }

  scheduler.request_stop();
  http.stop();
  auto grace = std::chrono::seconds(live.config()->scheduler.shutdown_grace_seconds);
  if (!scheduler.wait_stopped(std::chrono::steady_clock::now() + grace)) {
    auto running = scheduler.status().running;
    std::string names;
    for (const auto& n : running) names += (names.empty() ? "" : ",") + n;
    log->error("shutdown_forced running={} note=their leases are reclaimed at the next start",
               names);
    audit.flush(std::chrono::seconds(2));
    spdlog::shutdown();
    std::fflush(nullptr);
    std::_Exit(0);
  }
  audit.flush(std::chrono::seconds(5));
  if (auto a = live.alerter()) a->flush(std::chrono::seconds(5));
  log->info("shutdown_done");
  return 0;
}

}  // namespace citywatch::app
