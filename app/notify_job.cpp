// The daemon's notify job: the same steps as `citywatch batches build` then `batches send`, on
// the [notify] schedule, after re-scanning the services whose re-check fell due. Pull partners'
// batches wait for the partner (the pull API); push batches get one attempt per run, and a
// failed one waits for its backoff time, so a run is short however many batches are retrying.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "app/jobs.h"
#include "app/logging.h"
#include "app/notify_service.h"
#include "app/scan_runner.h"
#include "core/json_writer.h"
#include "db/notify_store.h"
#include "scanner/scope.h"

namespace citywatch::app {
namespace {

namespace fs = std::filesystem;

struct Rechecks {
  std::size_t due = 0;      // acknowledged findings whose re-check time came
  std::size_t rescanned = 0;  // of those, services a scope in [scan] scope_dir covers
  std::size_t scans = 0;
};

// Whether the scope may probe this service: an entry holds the address and lists the port (or
// the scope's own port list, or the default ports, does).
bool covers(const scanner::Scope& scope, const db::RecheckDue& d) {
  const scanner::PortSpec port{d.port, d.transport};
  for (const auto& e : scope.entries) {
    if (!e.prefix.contains(d.ip)) continue;
    const auto& ports = !e.ports.empty()       ? e.ports
                        : !scope.ports.empty() ? scope.ports
                                               : scanner::default_ports();
    if (std::find(ports.begin(), ports.end(), port) != ports.end()) return true;
  }
  return false;
}

// Re-scans each due service with the first scope (by file name) in [scan] scope_dir that may
// probe it, before the batches are built, so what the re-scan shows (still there, or fixed)
// goes into this run's batches. Services no scope covers wait for their next feed observation.
core::Result<Rechecks> rescan_due(JobContext& ctx, core::UnixSeconds now) {
  Rechecks out;
  db::NotifyStore ns(ctx.store.connection());
  auto due = ns.recheck_due(now);
  if (!due) return core::fail(due.error());
  out.due = due->size();
  const std::string& dir = ctx.config.scan.scope_dir;
  std::error_code ec;
  if (due->empty() || dir.empty() || !fs::is_directory(dir, ec)) return out;

  auto log = logger("notify");
  std::vector<std::pair<std::string, scanner::Scope>> scopes;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".scope") continue;
    core::Diagnostics diag(0);
    auto scope = scanner::load_scope(entry.path().string(), diag);
    if (!scope) {
      log->warn("recheck_scope_unreadable scope={} error=\"{}\"", entry.path().stem().string(),
                scope.error().message);
      continue;
    }
    scopes.emplace_back(entry.path().string(), std::move(*scope));
  }
  std::sort(scopes.begin(), scopes.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });

  // One scan per scope: the due addresses on the due ports.
  std::map<std::string, std::pair<std::set<std::string>, std::set<std::string>>> plan;
  for (const auto& d : *due) {
    for (const auto& [file, scope] : scopes) {
      if (!covers(scope, d)) continue;
      plan[file].first.insert(d.ip.to_string());
      plan[file].second.insert(scanner::to_string(scanner::PortSpec{d.port, d.transport}));
      ++out.rescanned;
      break;
    }
  }
  for (const auto& [file, what] : plan) {
    if (ctx.stopping()) break;
    std::string ports;
    for (const auto& p : what.second) ports += (ports.empty() ? "" : ",") + p;
    ScanRequest request{file, ports, {what.first.begin(), what.first.end()}, 0, false};
    ScanHooks hooks;
    hooks.stopping = ctx.stopping;
    hooks.alerter = ctx.alerter;
    hooks.tell = [&](const std::string& line) { log->info("recheck_scope {}", line); };
    auto result = run_scan(ctx.store, ctx.config, request, hooks);
    if (!result) {
      // One scope's refusal (a blocklist now covering the address, say) does not stop the rest.
      log->warn("recheck_scan_failed scope={} error=\"{}\"", fs::path(file).stem().string(),
                result.error().message);
      continue;
    }
    ++out.scans;
    log->info("recheck_scan scope={} services={} answered={} fixed={}", result->scope,
              result->targets, result->responses, result->findings.fixed);
  }
  return out;
}

}  // namespace

core::Result<JobResult> run_notify(JobContext& ctx) {
  const core::UnixSeconds now = ctx.clock.now();
  auto rechecks = rescan_due(ctx, now);
  if (!rechecks) return core::fail(rechecks.error());
  auto built = build_batches(ctx.store, ctx.config, ctx.clock.now());
  if (!built) return core::fail(built.error());
  std::size_t items = 0;
  for (const auto& b : built->batches) items += b.items.size();
  SendReport sent;
  if (!ctx.stopping()) {
    std::mt19937_64 rng(std::random_device{}());
    auto report = send_due(ctx.store, ctx.config, ctx.clock.now(), rng);
    if (!report) return core::fail(report.error());
    sent = *report;
  }
  core::JsonWriter w;
  w.begin_object()
      .field("rechecks_due", static_cast<std::int64_t>(rechecks->due))
      .field("rechecks_rescanned", static_cast<std::int64_t>(rechecks->rescanned))
      .field("recheck_scans", static_cast<std::int64_t>(rechecks->scans))
      .field("batches", static_cast<std::int64_t>(built->batches.size()))
      .field("items", static_cast<std::int64_t>(items))
      .field("unrouted", static_cast<std::int64_t>(built->counts.unrouted))
      .field("attempted", sent.attempted)
      .field("delivered", sent.delivered)
      .field("retrying", sent.retrying)
      .field("dead", sent.dead)
      .end_object();
  return JobResult{w.take(), ctx.stopping()};
}

}  // namespace citywatch::app
