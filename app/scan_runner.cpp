// One active scan: refuses before any packet what is outside the scope, blocklisted, opted out
// or too wide; probes (scanner/prober.h); in authorised scopes runs the default-credential
// login checks in rounds (at most [scan] max_login_attempts per device, stopping at a service's
// first success); stores and assesses the observations like any import; records the run and
// its delta against the previous run of the same scope.
#include "app/scan_runner.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>

#include "app/ingest.h"
#include "app/logging.h"
#include "app/login_plan.h"
#include "app/progress.h"
#include "core/json_writer.h"
#include "core/text.h"

namespace citywatch::app {
namespace {

constexpr std::string_view kVersion = "0.1";

std::string user_agent(const ScanConfig& sc) {
  std::string contact = sc.contact_url.empty() ? "contact: set [scan] contact_url" : sc.contact_url;
  return "citywatch-scanner/" + std::string(kVersion) + " (+" + contact +
         "; authorised security scan, see the contact URL to opt out)";
}

bool stopping(const ScanHooks& hooks) { return hooks.stopping && hooks.stopping(); }

// The plan as the prober's source: protocol chosen per port; SNMP set aside (a community is a
// credential: never sent in observe scopes, a login round in authorised ones).
class PlanSource final : public scanner::TargetSource {
 public:
  PlanSource(scanner::TargetPlan& plan, bool authorised, const ScanHooks& hooks)
      : plan_(plan), authorised_(authorised), hooks_(hooks) {}
  bool next(scanner::ProbeRequest& out) override {
    scanner::Target t;
    while (plan_.next(t)) {
      auto protocol = scanner::protocol_for_port(t.port.port, t.port.transport);
      if (!protocol) {
        ++no_probe;
        continue;
      }
      if (*protocol == scanner::Protocol::kSnmp) {
        if (authorised_) {
          snmp_targets.push_back(t);
        } else {
          ++snmp_skipped;
        }
        continue;
      }
      out = scanner::ProbeRequest{t.ip, t.port.port, t.port.transport, *protocol, std::nullopt, 0};
      return true;
    }
    return false;
  }
  bool allows(const core::IpAddress& ip) const override { return plan_.allows(ip); }
  bool stopping() const override { return app::stopping(hooks_); }

  std::vector<scanner::Target> snmp_targets;
  std::uint64_t snmp_skipped = 0;
  std::uint64_t no_probe = 0;

 private:
  scanner::TargetPlan& plan_;
  bool authorised_;
  const ScanHooks& hooks_;
};

class VectorSource final : public scanner::TargetSource {
 public:
  VectorSource(std::vector<scanner::ProbeRequest> requests, const scanner::TargetPlan& plan,
               const ScanHooks& hooks)
      : requests_(std::move(requests)), plan_(plan), hooks_(hooks) {}
  bool next(scanner::ProbeRequest& out) override {
    if (index_ >= requests_.size()) return false;
    out = std::move(requests_[index_++]);
    return true;
  }
  bool allows(const core::IpAddress& ip) const override { return plan_.allows(ip); }
  bool stopping() const override { return app::stopping(hooks_); }

 private:
  std::vector<scanner::ProbeRequest> requests_;
  std::size_t index_ = 0;
  const scanner::TargetPlan& plan_;
  const ScanHooks& hooks_;
};

// A service waiting for its login checks (authorised scopes), or an SNMP target.
struct LoginCandidate {
  std::optional<core::Observation> observation;  // none for SNMP until a community works
  scanner::Protocol protocol = scanner::Protocol::kBanner;
  core::IpAddress ip;
  std::uint16_t port = 0;
  core::Transport transport = core::Transport::kTcp;
  std::vector<scanner::LoginCredential> credentials;
  std::size_t next = 0;
  std::size_t tried = 0;
  scanner::LoginResult result = scanner::LoginResult::kNone;
  std::string matched;  // the accepted entry's label
  bool open = true;
};

std::string field_or(const core::Observation& o, std::string_view name) {
  const std::string* v = o.field(name);
  return v ? *v : std::string();
}

db::RunService run_service(const core::Observation& o) {
  db::RunService r;
  r.ip = o.ip;
  r.port = o.port;
  r.transport = o.transport;
  r.protocol = o.protocol;
  const auto& fp = o.fingerprint;
  std::string what = fp.vendor;
  if (!fp.model.empty()) what += (what.empty() ? "" : " ") + fp.model;
  if (!fp.device_type.empty()) what += (what.empty() ? "" : " ") + fp.device_type;
  if (!fp.version.empty()) what += (what.empty() ? "" : " ") + fp.version;
  std::string auth = field_or(o, "auth.login_check");
  if (auth.empty() && !field_or(o, "mqtt.code").empty()) {
    auth = field_or(o, "mqtt.code") == "0" ? "anonymous-accepted" : "anonymous-refused";
  }
  std::string status = field_or(o, "http.status");
  if (status.empty()) status = field_or(o, "rtsp.status");
  r.summary = o.protocol;
  if (!what.empty()) r.summary += " " + what;
  if (!status.empty()) r.summary += " status " + status;
  if (!auth.empty()) r.summary += " " + auth;
  std::string banner = field_or(o, "http.server");
  if (banner.empty()) banner = field_or(o, "ssh.banner");
  if (banner.empty()) banner = field_or(o, "rtsp.server");
  if (banner.empty()) banner = field_or(o, "upnp.server");
  r.digest = core::fnv1a64(o.protocol + "|" + fp.vendor + "|" + fp.model + "|" + fp.device_type +
                           "|" + fp.version + "|" + status + "|" + auth + "|" + banner);
  return r;
}

std::string outcomes_json(const std::array<std::uint64_t, scanner::kOutcomeCount>& counts) {
  core::JsonWriter w;
  w.begin_object();
  for (int i = 0; i < scanner::kOutcomeCount; ++i) {
    if (counts[static_cast<std::size_t>(i)] == 0) continue;
    w.field(scanner::to_string(static_cast<scanner::Outcome>(i)),
            static_cast<std::int64_t>(counts[static_cast<std::size_t>(i)]));
  }
  w.end_object();
  return w.str();
}

scanner::ProberOptions prober_options(const ScanConfig& sc, std::size_t rate) {
  scanner::ProberOptions popt;
  popt.rate = static_cast<double>(rate ? rate : sc.rate);
  popt.network_rate = static_cast<double>(sc.network_rate);
  popt.v4_network_bits = static_cast<int>(sc.network_prefix_v4);
  popt.v6_network_bits = static_cast<int>(sc.network_prefix_v6);
  popt.max_in_flight = sc.max_in_flight;
  popt.connect_timeout_ms = static_cast<int>(sc.connect_timeout_ms);
  popt.read_timeout_ms = static_cast<int>(sc.read_timeout_ms);
  popt.udp_timeout_ms = static_cast<int>(sc.udp_timeout_ms);
  popt.conversation_ms = static_cast<int>(sc.conversation_timeout_ms);
  popt.retries = static_cast<int>(sc.retries);
  for (const auto& [name, ms] : sc.protocol_timeouts_ms) {
    if (auto p = scanner::parse_protocol(name)) {
      popt.answer_timeout_ms[static_cast<std::size_t>(*p)] = static_cast<int>(ms);
    }
  }
  popt.max_read_bytes = sc.max_read_bytes;
  popt.dialog.user_agent = user_agent(sc);
  return popt;
}

// Login checks, authorised scopes only: round k tries each open service's k-th credential. One
// attempt per device per round, so a device never sees two logins at once, never more than
// max_login_attempts in all, and none after the first one that got in. Adds the candidates'
// observations, with what the checks found, to `sink`.
core::Result<void> login_rounds(std::vector<LoginCandidate>& candidates,
                                const std::vector<scanner::Target>& snmp_targets,
                                const RiskData& risk_data, Ingest& ingest, const ScanConfig& sc,
                                scanner::Prober& prober, const scanner::TargetPlan& plan,
                                const ScanHooks& hooks, ScanResult& out, ObservationWriter& sink) {
  auto log = logger("app");
  std::vector<core::Observation> held;
  for (auto& c : candidates) held.push_back(*c.observation);
  AssessCounts scratch;
  ingest.risk().fingerprint(held, scratch);
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    candidates[i].observation->fingerprint = held[i].fingerprint;
    candidates[i].credentials = credentials_for(risk_data.credentials, held[i].fingerprint,
                                                scanner::login_protocol(candidates[i].protocol),
                                                sc.max_login_attempts, &risk_data.login_forms);
  }
  for (const auto& t : snmp_targets) {
    LoginCandidate c;
    c.protocol = scanner::Protocol::kSnmp;
    c.ip = t.ip;
    c.port = t.port.port;
    c.transport = t.port.transport;
    c.credentials = credentials_for(risk_data.credentials, {}, "snmp", sc.max_login_attempts);
    candidates.push_back(std::move(c));
  }
  std::map<core::IpAddress, std::size_t> budget;
  std::set<core::IpAddress> got_in;
  while (!stopping(hooks)) {
    std::vector<scanner::ProbeRequest> requests;
    std::set<core::IpAddress> this_round;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      LoginCandidate& c = candidates[i];
      if (!c.open || c.next >= c.credentials.size()) continue;
      if (got_in.contains(c.ip)) {
        c.open = false;
        continue;
      }
      if (!this_round.insert(c.ip).second) continue;
      auto [it, inserted] = budget.try_emplace(c.ip, sc.max_login_attempts);
      if (it->second == 0) {
        c.open = false;
        continue;
      }
      --it->second;
      scanner::ProbeRequest r{c.ip, c.port, c.transport, c.protocol, c.credentials[c.next], i};
      ++c.next;
      ++c.tried;
      requests.push_back(std::move(r));
    }
    if (requests.empty()) break;
    out.login_attempts += requests.size();
    VectorSource login_source(std::move(requests), plan, hooks);
    auto round_result = prober.run(login_source, [&](scanner::ProbeResult&& r) {
      LoginCandidate& c = candidates[r.request.tag];
      scanner::LoginResult lr = r.report.login;
      if (r.outcome == scanner::Outcome::kTimeout && c.protocol == scanner::Protocol::kSnmp) {
        lr = scanner::LoginResult::kRejected;  // silence is what a wrong community gets
      } else if (r.outcome != scanner::Outcome::kAnswered &&
                 r.outcome != scanner::Outcome::kSilent) {
        lr = scanner::LoginResult::kUnknown;
      }
      log->info("login_check ip={} port={} protocol={} entry=\"{}\" result={}", c.ip.to_string(),
                c.port, scanner::protocol_name(c.protocol), r.request.credential->label,
                scanner::to_string(lr));
      if (lr == scanner::LoginResult::kAccepted) {
        ++out.logins_accepted;
        c.result = lr;
        c.matched = r.request.credential->label;
        c.open = false;  // stop at the first success, on this device altogether
        got_in.insert(c.ip);
        if (!c.observation) {
          // SNMP: the answer itself is the observation (sysDescr), the community stays out.
          r.report.login = scanner::LoginResult::kNone;
          r.request.credential.reset();
          c.observation = scanner::to_observation(r);
          if (c.observation) ++out.responses;
        }
      } else if (lr == scanner::LoginResult::kRejected) {
        c.result = lr;
      } else {
        c.open = false;  // cannot tell: do not keep knocking
      }
    });
    if (!round_result) return core::fail(round_result.error());
  }
  for (auto& c : candidates) {
    if (!c.observation) continue;
    if (c.protocol == scanner::Protocol::kSnmp) {
      // The answer to a default community is its own finding (snmp-default-community,
      // from default_snmp_access); name the entry that got it.
      c.observation->fields.emplace_back("auth.credential", c.matched);
    } else if (c.result == scanner::LoginResult::kAccepted) {
      c.observation->fields.emplace_back("auth.login_check", "default-accepted");
      c.observation->fields.emplace_back("auth.credential", c.matched);
    } else if (c.result == scanner::LoginResult::kRejected && c.next >= c.credentials.size()) {
      c.observation->fields.emplace_back("auth.login_check", "default-rejected");
      c.observation->fields.emplace_back("auth.credentials_tried", std::to_string(c.tried));
    }
    sink.add(std::move(*c.observation));
  }
  return core::ok();
}

}  // namespace

core::Result<PreparedScan> prepare_scan(const Config& config, const ScanRequest& request,
                                        const ScanHooks& hooks) {
  const ScanConfig& sc = config.scan;
  core::Diagnostics diag(config.print_errors);
  diag.set_listener([&](const core::Diagnostic& d, std::string_view) {
    if (hooks.tell) {
      hooks.tell(d.where + ": " + d.reason + (d.detail.empty() ? "" : ": ") + d.detail);
    }
  });
  PreparedScan out;
  out.request = request;
  auto scope = scanner::load_scope(request.scope_file, diag);
  if (!scope) return core::fail(scope.error());
  for (const auto& note : scope->notes) {
    if (hooks.tell) hooks.tell("note: " + note);
  }
  out.scope = std::move(*scope);
  scanner::PrefixSet blocklist, opt_out;
  if (!sc.blocklist.empty()) {
    auto b = scanner::load_prefix_list(sc.blocklist);
    if (!b) return core::fail(b.error());
    blocklist = std::move(*b);
  }
  if (!sc.opt_out.empty()) {
    auto o = scanner::load_prefix_list(sc.opt_out);
    if (!o) return core::fail(o.error());
    opt_out = std::move(*o);
  }
  scanner::PlanOptions& plan_options = out.plan_options;
  plan_options.max_addresses = sc.max_scope_addresses;
  plan_options.allow_wide = request.allow_wide;
  if (!request.ports.empty()) {
    std::string err;
    auto ports = scanner::parse_port_list(request.ports, &err);
    if (!ports) return core::fail(core::ErrorCode::kUsage, "--ports: " + err);
    plan_options.ports = *ports;
  }
  for (const auto& t : request.targets) {
    auto p = core::Prefix::parse(t);
    if (!p) {
      return core::fail(core::ErrorCode::kUsage,
                        "--target: '" + t + "' is not an address or CIDR range");
    }
    plan_options.only.push_back(*p);
  }
  auto plan = scanner::TargetPlan::create(out.scope, blocklist, opt_out, plan_options);
  if (!plan) return core::fail(plan.error());
  out.plan = std::move(*plan);
  return out;
}

core::Result<ScanResult> execute_scan(db::Store& store, const Config& config, PreparedScan& scan,
                                      const ScanHooks& hooks) {
  auto log = logger("app");
  const ScanConfig& sc = config.scan;
  const scanner::Scope& scope = scan.scope;
  scanner::TargetPlan& plan = *scan.plan;
  ScanResult out;
  out.scope = scope.name;
  out.mode = scope.mode;
  out.scope_file = scan.request.scope_file;
  out.addresses = plan.addresses();
  out.excluded_blocklist = plan.excluded_blocklist();
  out.excluded_opt_out = plan.excluded_opt_out();
  if (stopping(hooks)) {
    out.interrupted = true;  // asked to stop before the first packet: nothing to record
    return out;
  }
  bool authorised = scope.mode == scanner::ScopeMode::kAuthorised;
  auto risk_data = authorised
                       ? load_risk_data(config)
                       : core::Result<RiskData>(core::fail(core::ErrorCode::kInternal, "unused"));
  if (authorised && !risk_data) return core::fail(risk_data.error());

  core::SystemClock clock;
  auto ingest = Ingest::open(config, store, clock);
  if (!ingest) return core::fail(ingest.error());
  (*ingest)->alert_critical_findings(hooks.alerter);
  std::string scope_key = scope.name + "|" + scanner::port_list_text(scan.plan_options.ports);
  for (const auto& t : scan.plan_options.only) scope_key += "|" + t.to_string();
  db::ScanStore runs(store.connection());
  auto run_id = runs.begin_run(scope.name, scope_key, std::string(scanner::to_string(scope.mode)),
                               scan.request.scope_file, clock.now());
  if (!run_id) return core::fail(run_id.error());
  out.run_id = *run_id;
  auto import_id = store.begin_import(core::Source::kActiveScan, scan.request.scope_file,
                                      "citywatch-scan", clock.now());
  if (!import_id) return core::fail(import_id.error());
  log->info("scan_start run={} scope={} mode={} addresses={}", *run_id, scope.name,
            scanner::to_string(scope.mode), plan.addresses());

  ObservationWriter sink(**ingest, *import_id, config.import_chunk_size);
  std::vector<db::RunService> seen;
  sink.set_on_stored([&](const std::vector<core::Observation>& chunk) {
    for (const auto& o : chunk) seen.push_back(run_service(o));
  });
  scanner::Prober prober(prober_options(sc, scan.request.rate), &clock);

  // Probe.
  auto started = std::chrono::steady_clock::now();
  std::vector<LoginCandidate> candidates;
  PlanSource source(plan, authorised, hooks);
  std::optional<ProgressLine> progress;
  if (hooks.progress) progress.emplace("scan " + scope.name, "probes");
  auto result = prober.run(
      source,
      [&](scanner::ProbeResult&& r) {
        // Targets a stopping run never sent are not counted as probed.
        if (r.outcome == scanner::Outcome::kRefused && source.stopping()) return;
        ++out.targets;
        ++out.outcomes[static_cast<std::size_t>(r.outcome)];
        auto o = scanner::to_observation(r);
        if (!o) return;
        ++out.responses;
        std::string_view lp = scanner::login_protocol(r.request.protocol);
        if (authorised && !lp.empty() && r.outcome == scanner::Outcome::kAnswered) {
          LoginCandidate c;
          c.observation = std::move(*o);
          c.protocol = r.request.protocol;
          c.ip = r.request.ip;
          c.port = r.request.port;
          c.transport = r.request.transport;
          candidates.push_back(std::move(c));
          return;
        }
        sink.add(std::move(*o));
      },
      [&](const scanner::ProberStats& s) {
        if (progress) progress->update(s.finished, s.finished, plan.estimated_targets());
      });
  if (progress) progress->finish();
  // A run that cannot go on is recorded as failed, so it never becomes a delta's baseline.
  auto abandon = [&](const core::Error& e) -> core::Result<ScanResult> {
    (void)runs.finish_run(*run_id, "failed", {}, clock.now());
    return core::fail(e);
  };
  if (!result) return abandon(result.error());
  out.probe_seconds = result->seconds;
  out.probe_results = result->finished;
  out.snmp_skipped = source.snmp_skipped;

  if (authorised && sc.max_login_attempts > 0 && !stopping(hooks)) {
    if (auto checked = login_rounds(candidates, source.snmp_targets, *risk_data, **ingest, sc,
                                    prober, plan, hooks, out, sink);
        !checked) {
      return abandon(checked.error());
    }
  } else {
    for (auto& c : candidates) sink.add(std::move(*c.observation));
  }
  sink.flush();
  out.interrupted = stopping(hooks);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  // Record the run and its delta; a stopped run is kept as interrupted, never a baseline.
  db::ScanRunTotals totals;
  totals.addresses = out.addresses;
  totals.targets = out.targets;
  totals.responses = out.responses;
  totals.excluded_blocklist = out.excluded_blocklist;
  totals.excluded_opt_out = out.excluded_opt_out;
  totals.login_attempts = out.login_attempts;
  totals.logins_accepted = out.logins_accepted;
  totals.outcomes_json = outcomes_json(out.outcomes);
  db::ImportTotals itotals;
  itotals.records_read = out.responses;
  itotals.imported = sink.imported();
  itotals.duplicates = sink.duplicates();
  bool failed = sink.error().has_value();
  if (!failed) {
    if (auto added = runs.add_services(*run_id, seen); !added) return core::fail(added.error());
  }
  (void)store.finish_import(*import_id,
                            failed ? db::ImportStatus::kFailed : db::ImportStatus::kDone, itotals,
                            clock.now());
  const char* status = failed ? "failed" : out.interrupted ? "interrupted" : "done";
  auto delta = runs.finish_run(*run_id, status, totals, clock.now());
  if (!delta) return core::fail(delta.error());
  if (failed) return core::fail(*sink.error());
  out.delta = std::move(*delta);
  out.findings = sink.risk();
  log->info(
      "scan_done run={} scope={} status={} targets={} responses={} logins={} accepted={} new={} "
      "changed={} gone={}",
      *run_id, scope.name, status, out.targets, out.responses, out.login_attempts,
      out.logins_accepted, out.delta.added.size(), out.delta.changed.size(), out.delta.gone.size());
  return out;
}

core::Result<ScanResult> run_scan(db::Store& store, const Config& config,
                                  const ScanRequest& request, const ScanHooks& hooks) {
  auto prepared = prepare_scan(config, request, hooks);
  if (!prepared) return core::fail(prepared.error());
  return execute_scan(store, config, *prepared, hooks);
}

std::string service_text(const db::RunService& s) {
  return s.ip.to_string() + ":" + std::to_string(s.port) + "/" +
         std::string(core::to_string(s.transport)) + "  " + s.summary;
}

std::string scan_result_json(const ScanResult& r) {
  core::JsonWriter w;
  w.begin_object()
      .field("run", r.run_id)
      .field("scope", r.scope)
      .field("mode", scanner::to_string(r.mode))
      .field("addresses", static_cast<std::int64_t>(r.addresses))
      .field("excluded_blocklist", static_cast<std::int64_t>(r.excluded_blocklist))
      .field("excluded_opt_out", static_cast<std::int64_t>(r.excluded_opt_out))
      .field("targets", static_cast<std::int64_t>(r.targets))
      .field("responses", static_cast<std::int64_t>(r.responses))
      .field("snmp_skipped_observe", static_cast<std::int64_t>(r.snmp_skipped))
      .field("login_attempts", static_cast<std::int64_t>(r.login_attempts))
      .field("logins_accepted", static_cast<std::int64_t>(r.logins_accepted))
      .field("seconds", r.seconds)
      .field("ports_per_second", r.ports_per_second())
      .field("probe_seconds", r.probe_seconds)
      .field("probe_ports_per_second",
             r.probe_seconds > 0 ? static_cast<double>(r.probe_results) / r.probe_seconds : 0.0);
  w.key("outcomes").raw(outcomes_json(r.outcomes));
  w.key("findings")
      .begin_object()
      .field("new", static_cast<std::int64_t>(r.findings.opened))
      .field("seen_again", static_cast<std::int64_t>(r.findings.refreshed))
      .field("reopened", static_cast<std::int64_t>(r.findings.reopened))
      .field("fixed", static_cast<std::int64_t>(r.findings.fixed))
      .end_object();
  w.key("delta").begin_object();
  w.key("previous_run");
  r.delta.previous_run ? w.value(*r.delta.previous_run) : w.null();
  auto list = [&](const char* name, const std::vector<db::RunService>& v) {
    w.key(name).begin_array();
    for (const auto& s : v) w.value(service_text(s));
    w.end_array();
  };
  list("new", r.delta.added);
  w.key("changed").begin_array();
  for (const auto& c : r.delta.changed)
    w.value(service_text(c.before) + "  ->  " + c.after.summary);
  w.end_array();
  list("gone", r.delta.gone);
  w.end_object().end_object();
  return w.str();
}

}  // namespace citywatch::app
