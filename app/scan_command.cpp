// `citywatch scan --scope FILE`: active probing of a scope the operator owns or may test.
// Refuses before any packet what is outside the scope, blocklisted, opted out or too wide;
// probes (scanner/prober.h); in authorised scopes runs the default-credential login checks in
// rounds (at most [scan] max_login_attempts per device, stopping at a service's first
// success); stores and assesses the observations like any import; records the run and prints
// its delta against the previous run of the same scope.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <set>

#include "app/command.h"
#include "app/ingest.h"
#include "app/login_plan.h"
#include "app/progress.h"
#include "app/risk_pipeline.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "db/scan_store.h"
#include "db/store.h"
#include "scanner/prober.h"
#include "scanner/scope.h"

namespace citywatch::app {
namespace {

struct ScanRequest {
  std::string scope_file;
  std::string ports;
  std::vector<std::string> targets;
  std::size_t rate = 0;  // 0: [scan] rate
  bool allow_wide = false;
};

constexpr std::string_view kVersion = "0.1";

std::string user_agent(const ScanConfig& sc) {
  std::string contact = sc.contact_url.empty() ? "contact: set [scan] contact_url" : sc.contact_url;
  return "citywatch-scanner/" + std::string(kVersion) + " (+" + contact +
         "; authorised security scan, see the contact URL to opt out)";
}

// The plan as the prober's source: protocol chosen per port; SNMP set aside (a community is a
// credential: never sent in observe scopes, a login round in authorised ones).
class PlanSource final : public scanner::TargetSource {
 public:
  PlanSource(scanner::TargetPlan& plan, bool authorised) : plan_(plan), authorised_(authorised) {}
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

  std::vector<scanner::Target> snmp_targets;
  std::uint64_t snmp_skipped = 0;
  std::uint64_t no_probe = 0;

 private:
  scanner::TargetPlan& plan_;
  bool authorised_;
};

class VectorSource final : public scanner::TargetSource {
 public:
  VectorSource(std::vector<scanner::ProbeRequest> requests, const scanner::TargetPlan& plan)
      : requests_(std::move(requests)), plan_(plan) {}
  bool next(scanner::ProbeRequest& out) override {
    if (index_ >= requests_.size()) return false;
    out = std::move(requests_[index_++]);
    return true;
  }
  bool allows(const core::IpAddress& ip) const override { return plan_.allows(ip); }

 private:
  std::vector<scanner::ProbeRequest> requests_;
  std::size_t index_ = 0;
  const scanner::TargetPlan& plan_;
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

std::string outcomes_json(const std::uint64_t (&counts)[scanner::kOutcomeCount]) {
  core::JsonWriter w;
  w.begin_object();
  for (int i = 0; i < scanner::kOutcomeCount; ++i) {
    if (counts[i] == 0) continue;
    w.field(scanner::to_string(static_cast<scanner::Outcome>(i)),
            static_cast<std::int64_t>(counts[i]));
  }
  w.end_object();
  return w.str();
}

std::string service_text(const db::RunService& s) {
  return s.ip.to_string() + ":" + std::to_string(s.port) + "/" +
         std::string(core::to_string(s.transport)) + "  " + s.summary;
}

core::Result<int> run_scan(const Config& config, const ScanRequest& request, OutputFormat format) {
  auto log = spdlog::get("app");
  const ScanConfig& sc = config.scan;

  // 1. Everything that can refuse the scan, before any packet.
  core::Diagnostics diag(config.print_errors);
  diag.set_listener([&](const core::Diagnostic& d, std::string_view) {
    std::fprintf(stderr, "%s: %s%s%s\n", d.where.c_str(), d.reason.c_str(),
                 d.detail.empty() ? "" : ": ", d.detail.c_str());
  });
  auto scope = scanner::load_scope(request.scope_file, diag);
  if (!scope) return core::fail(scope.error());
  for (const auto& note : scope->notes) std::fprintf(stderr, "note: %s\n", note.c_str());
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
  scanner::PlanOptions plan_options;
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
  auto plan = scanner::TargetPlan::create(*scope, blocklist, opt_out, plan_options);
  if (!plan) return core::fail(plan.error());
  bool authorised = scope->mode == scanner::ScopeMode::kAuthorised;

  auto store = db::Store::open(config.database_path, false);
  if (!store) return core::fail(store.error());
  auto risk_data = authorised
                       ? load_risk_data(config)
                       : core::Result<RiskData>(core::fail(core::ErrorCode::kInternal, "unused"));
  if (authorised && !risk_data) return core::fail(risk_data.error());

  core::SystemClock clock;
  auto ingest = Ingest::open(config, *store, clock);
  if (!ingest) return core::fail(ingest.error());
  std::string scope_key = scope->name + "|" + scanner::port_list_text(plan_options.ports);
  for (const auto& t : plan_options.only) scope_key += "|" + t.to_string();
  db::ScanStore runs(store->connection());
  auto run_id = runs.begin_run(scope->name, scope_key, std::string(scanner::to_string(scope->mode)),
                               request.scope_file, clock.now());
  if (!run_id) return core::fail(run_id.error());
  auto import_id = store->begin_import(core::Source::kActiveScan, request.scope_file,
                                       "citywatch-scan", clock.now());
  if (!import_id) return core::fail(import_id.error());
  log->info("scan_start run={} scope={} mode={} addresses={}", *run_id, scope->name,
            scanner::to_string(scope->mode), plan->addresses());

  ObservationWriter sink(**ingest, *import_id, config.import_chunk_size);
  std::vector<db::RunService> seen;
  sink.set_on_stored([&](const std::vector<core::Observation>& chunk) {
    for (const auto& o : chunk) seen.push_back(run_service(o));
  });

  scanner::ProberOptions popt;
  popt.rate = static_cast<double>(request.rate ? request.rate : sc.rate);
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
  scanner::Prober prober(popt, &clock);

  // 2. Probe.
  auto started = std::chrono::steady_clock::now();
  std::uint64_t outcomes[scanner::kOutcomeCount] = {};
  std::uint64_t responses = 0, targets = 0;
  std::vector<LoginCandidate> candidates;
  PlanSource source(*plan, authorised);
  ProgressLine progress("scan " + scope->name, "probes");
  auto result = prober.run(
      source,
      [&](scanner::ProbeResult&& r) {
        ++targets;
        ++outcomes[static_cast<int>(r.outcome)];
        auto o = scanner::to_observation(r);
        if (!o) return;
        ++responses;
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
        progress.update(s.finished, s.finished, plan->estimated_targets());
      });
  progress.finish();
  // A run that cannot go on is recorded as failed, so it never becomes a delta's baseline.
  auto abandon = [&](const core::Error& e) -> core::Result<int> {
    (void)runs.finish_run(*run_id, "failed", {}, clock.now());
    return core::fail(e);
  };
  if (!result) return abandon(result.error());
  double probe_seconds = result->seconds;

  // 3. Login checks, authorised scopes only: round k tries each open service's k-th credential.
  std::uint64_t login_attempts = 0, logins_accepted = 0;
  if (authorised && sc.max_login_attempts > 0) {
    std::vector<core::Observation> held;
    for (auto& c : candidates) held.push_back(*c.observation);
    AssessCounts scratch;
    (*ingest)->risk().fingerprint(held, scratch);
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      candidates[i].observation->fingerprint = held[i].fingerprint;
      candidates[i].credentials = credentials_for(risk_data->credentials, held[i].fingerprint,
                                                  scanner::login_protocol(candidates[i].protocol),
                                                  sc.max_login_attempts, &risk_data->login_forms);
    }
    for (const auto& t : source.snmp_targets) {
      LoginCandidate c;
      c.protocol = scanner::Protocol::kSnmp;
      c.ip = t.ip;
      c.port = t.port.port;
      c.transport = t.port.transport;
      c.credentials = credentials_for(risk_data->credentials, {}, "snmp", sc.max_login_attempts);
      candidates.push_back(std::move(c));
    }
    // One attempt per device per round, so a device never sees two logins at once, never more
    // than max_login_attempts in all, and none after the first one that got in.
    std::map<core::IpAddress, std::size_t> budget;
    std::set<core::IpAddress> got_in;
    while (true) {
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
      login_attempts += requests.size();
      VectorSource login_source(std::move(requests), *plan);
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
          ++logins_accepted;
          c.result = lr;
          c.matched = r.request.credential->label;
          c.open = false;  // stop at the first success, on this device altogether
          got_in.insert(c.ip);
          if (!c.observation) {
            // SNMP: the answer itself is the observation (sysDescr), the community stays out.
            r.report.login = scanner::LoginResult::kNone;
            r.request.credential.reset();
            c.observation = scanner::to_observation(r);
            if (c.observation) ++responses;
          }
        } else if (lr == scanner::LoginResult::kRejected) {
          c.result = lr;
        } else {
          c.open = false;  // cannot tell: do not keep knocking
        }
      });
      if (!round_result) return abandon(round_result.error());
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
  } else {
    for (auto& c : candidates) sink.add(std::move(*c.observation));
  }
  sink.flush();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  // 4. Record the run and its delta.
  db::ScanRunTotals totals;
  totals.addresses = plan->addresses();
  totals.targets = targets;
  totals.responses = responses;
  totals.excluded_blocklist = plan->excluded_blocklist();
  totals.excluded_opt_out = plan->excluded_opt_out();
  totals.login_attempts = login_attempts;
  totals.logins_accepted = logins_accepted;
  totals.outcomes_json = outcomes_json(outcomes);
  db::ImportTotals itotals;
  itotals.records_read = responses;
  itotals.imported = sink.imported();
  itotals.duplicates = sink.duplicates();
  bool failed = sink.error().has_value();
  if (!failed) {
    if (auto added = runs.add_services(*run_id, seen); !added) return core::fail(added.error());
  }
  (void)store->finish_import(*import_id,
                             failed ? db::ImportStatus::kFailed : db::ImportStatus::kDone, itotals,
                             clock.now());
  auto delta = runs.finish_run(*run_id, failed ? "failed" : "done", totals, clock.now());
  if (!delta) return core::fail(delta.error());
  if (failed) return core::fail(*sink.error());
  log->info(
      "scan_done run={} scope={} targets={} responses={} logins={} accepted={} new={} "
      "changed={} gone={}",
      *run_id, scope->name, targets, responses, login_attempts, logins_accepted,
      delta->added.size(), delta->changed.size(), delta->gone.size());

  const AssessCounts& risk = sink.risk();
  if (format == OutputFormat::kJson) {
    core::JsonWriter w;
    w.begin_object()
        .field("run", *run_id)
        .field("scope", scope->name)
        .field("mode", scanner::to_string(scope->mode))
        .field("addresses", static_cast<std::int64_t>(plan->addresses()))
        .field("excluded_blocklist", static_cast<std::int64_t>(plan->excluded_blocklist()))
        .field("excluded_opt_out", static_cast<std::int64_t>(plan->excluded_opt_out()))
        .field("targets", static_cast<std::int64_t>(targets))
        .field("responses", static_cast<std::int64_t>(responses))
        .field("snmp_skipped_observe", static_cast<std::int64_t>(source.snmp_skipped))
        .field("login_attempts", static_cast<std::int64_t>(login_attempts))
        .field("logins_accepted", static_cast<std::int64_t>(logins_accepted))
        .field("seconds", seconds)
        .field("ports_per_second", seconds > 0 ? static_cast<double>(targets) / seconds : 0.0)
        .field("probe_seconds", probe_seconds)
        .field("probe_ports_per_second",
               probe_seconds > 0 ? static_cast<double>(result->finished) / probe_seconds : 0.0);
    w.key("outcomes").raw(totals.outcomes_json);
    w.key("findings")
        .begin_object()
        .field("new", static_cast<std::int64_t>(risk.opened))
        .field("seen_again", static_cast<std::int64_t>(risk.refreshed))
        .field("reopened", static_cast<std::int64_t>(risk.reopened))
        .field("fixed", static_cast<std::int64_t>(risk.fixed))
        .end_object();
    w.key("delta").begin_object();
    w.key("previous_run");
    delta->previous_run ? w.value(*delta->previous_run) : w.null();
    auto list = [&](const char* name, const std::vector<db::RunService>& v) {
      w.key(name).begin_array();
      for (const auto& s : v) w.value(service_text(s));
      w.end_array();
    };
    list("new", delta->added);
    w.key("changed").begin_array();
    for (const auto& c : delta->changed) {
      w.value(service_text(c.before) + "  ->  " + c.after.summary);
    }
    w.end_array();
    list("gone", delta->gone);
    w.end_object().end_object();
    std::printf("%s\n", w.str().c_str());
  } else {
    std::printf("scan %s (%s) from %s, run %lld\n", scope->name.c_str(),
                std::string(scanner::to_string(scope->mode)).c_str(), request.scope_file.c_str(),
                static_cast<long long>(*run_id));
    std::printf("  addresses     %s (%s blocklisted, %s opted out: not scanned)\n",
                with_thousands(plan->addresses()).c_str(),
                with_thousands(plan->excluded_blocklist()).c_str(),
                with_thousands(plan->excluded_opt_out()).c_str());
    std::printf("  probed        %s ports in %.2f s (%s ports/s)\n",
                with_thousands(targets).c_str(), seconds,
                with_thousands(static_cast<std::uint64_t>(
                                   seconds > 0 ? static_cast<double>(targets) / seconds : 0.0))
                    .c_str());
    std::printf("  outcomes     ");
    for (int i = 0; i < scanner::kOutcomeCount; ++i) {
      if (outcomes[i]) {
        std::printf(" %s %s",
                    std::string(scanner::to_string(static_cast<scanner::Outcome>(i))).c_str(),
                    with_thousands(outcomes[i]).c_str());
      }
    }
    std::printf("\n  services      %s answered\n", with_thousands(responses).c_str());
    if (source.snmp_skipped) {
      std::printf(
          "  snmp          %s targets not probed: a community string is a credential "
          "and this scope is observe-only\n",
          with_thousands(source.snmp_skipped).c_str());
    }
    if (authorised) {
      std::printf("  login checks  %s attempts, %s accepted a default credential\n",
                  with_thousands(login_attempts).c_str(), with_thousands(logins_accepted).c_str());
    } else {
      std::printf("  login checks  none (observe scope: no credential was presented)\n");
    }
    std::printf("  findings      %s new, %s seen again, %s reopened, %s fixed\n",
                with_thousands(risk.opened).c_str(), with_thousands(risk.refreshed).c_str(),
                with_thousands(risk.reopened).c_str(), with_thousands(risk.fixed).c_str());
    if (delta->previous_run) {
      std::printf("  delta vs run %lld: %zu new, %zu changed, %zu gone\n",
                  static_cast<long long>(*delta->previous_run), delta->added.size(),
                  delta->changed.size(), delta->gone.size());
    } else {
      std::printf("  delta         first run of this scope: %zu services new\n",
                  delta->added.size());
    }
    std::size_t shown = 0;
    for (const auto& s : delta->added) {
      if (shown++ < 50) std::printf("    new      %s\n", service_text(s).c_str());
    }
    for (const auto& c : delta->changed) {
      if (shown++ < 50) {
        std::printf("    changed  %s  (was: %s)\n", service_text(c.after).c_str(),
                    c.before.summary.c_str());
      }
    }
    for (const auto& s : delta->gone) {
      if (shown++ < 50) std::printf("    gone     %s\n", service_text(s).c_str());
    }
    if (shown > 50) std::printf("    ... and %zu more (--format json lists all)\n", shown - 50);
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace

void register_scan_command(Commands& commands) {
  auto request = std::make_shared<ScanRequest>();
  CLI::App* cmd = commands.add(
      "scan",
      "probe the addresses and ports of a scope file (only what you own or may test; "
      "docs/scanning.md): banners, HTTP(S), RTSP, MQTT, UPnP, CoAP, Modbus, BACnet, TR-069; in "
      "authorised scopes also default-credential login checks",
      "citywatch scan --scope city-hall.scope --ports 23,80,554 --rate 500",
      [request](const Context& context) {
        return run_scan(context.config, *request, context.format);
      });
  cmd->add_option("--scope", request->scope_file, "scope file (format: docs/scanning.md)")
      ->required();
  cmd->add_option("--ports", request->ports,
                  "only these ports of the scope, e.g. 23,80,8000-8010,161/udp");
  cmd->add_option("--target", request->targets,
                  "only this part of the scope (address or CIDR; repeatable)");
  cmd->add_option("--rate", request->rate, "new connections per second (default [scan] rate)")
      ->check(CLI::Range(1, 1000000));
  cmd->add_flag("--allow-wide", request->allow_wide,
                "scan a scope larger than [scan] max_scope_addresses");
}

}  // namespace citywatch::app
