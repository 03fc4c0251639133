// app/scan_runner.h: one active scan, from scope file to recorded run. prepare_scan does
// everything that can refuse the scan, before any packet (scope, blocklist, opt-out, --ports
// and --target inside the scope, size); execute_scan probes, runs the login rounds of
// authorised scopes, stores and assesses what answered through the one ingest path, and records
// the run with its delta against the previous run of the same scope. `citywatch scan` prints
// the result; the daemon's scan jobs keep scan_result_json as their run summary, so both show
// the same figures.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/risk_pipeline.h"
#include "core/result.h"
#include "db/scan_store.h"
#include "db/store.h"
#include "scanner/prober.h"
#include "scanner/scope.h"

namespace citywatch::app {

class Alerter;

struct ScanRequest {
  std::string scope_file;
  std::string ports;                 // "23,80,161/udp": only these ports of the scope
  std::vector<std::string> targets;  // only these parts of the scope (addresses or CIDRs)
  std::size_t rate = 0;              // new connections per second; 0: [scan] rate
  bool allow_wide = false;           // past [scan] max_scope_addresses
};

struct ScanHooks {
  // Asked before the first packet and while probing: true ends the run early. Nothing more is
  // sent, and the run is recorded as interrupted, so it never becomes a delta's baseline.
  std::function<bool()> stopping;
  // Scope notes and bad scope lines ("where: reason"): stderr for the CLI, the log for jobs.
  std::function<void(const std::string&)> tell;
  Alerter* alerter = nullptr;  // set: new critical findings are raised as alerts (the daemon)
  bool progress = false;       // a progress line on stderr when it is a terminal (the CLI)
};

// A scope that passed every check, planned: what execute_scan runs.
struct PreparedScan {
  ScanRequest request;
  scanner::Scope scope;
  scanner::PlanOptions plan_options;
  std::optional<scanner::TargetPlan> plan;
};

struct ScanResult {
  std::int64_t run_id = 0;
  std::string scope;  // the scope's name
  scanner::ScopeMode mode = scanner::ScopeMode::kObserve;
  std::string scope_file;
  std::uint64_t addresses = 0, excluded_blocklist = 0, excluded_opt_out = 0;
  std::uint64_t targets = 0, responses = 0;
  std::uint64_t snmp_skipped = 0;  // SNMP targets of an observe scope (a community is a credential)
  std::uint64_t login_attempts = 0, logins_accepted = 0;
  double seconds = 0;        // the whole run: probing, login checks, storing, assessing
  double probe_seconds = 0;  // the prober alone
  std::uint64_t probe_results = 0;
  std::array<std::uint64_t, scanner::kOutcomeCount> outcomes{};
  AssessCounts findings;
  db::ScanDelta delta;
  bool interrupted = false;  // stopped early: no delta, runs again

  double ports_per_second() const {
    return seconds > 0 ? static_cast<double>(targets) / seconds : 0.0;
  }
};

core::Result<PreparedScan> prepare_scan(const Config& config, const ScanRequest& request,
                                        const ScanHooks& hooks);
core::Result<ScanResult> execute_scan(db::Store& store, const Config& config, PreparedScan& scan,
                                      const ScanHooks& hooks);
// Both in one: what a scan job does with its own database connection.
core::Result<ScanResult> run_scan(db::Store& store, const Config& config,
                                  const ScanRequest& request, const ScanHooks& hooks);

// The result as one JSON object: what `citywatch scan --format json` prints.
std::string scan_result_json(const ScanResult& result);
// "192.0.2.7:80/tcp  http D-Link camera status 401"
std::string service_text(const db::RunService& service);

}  // namespace citywatch::app
