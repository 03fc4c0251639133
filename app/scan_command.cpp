// `citywatch scan --scope FILE`: active probing of a scope the operator owns or may test
// (app/scan_runner.h does the scan); prints the run's summary and its delta against the
// previous run of the same scope, as a table or one JSON object.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "app/command.h"
#include "app/progress.h"
#include "app/scan_runner.h"
#include "db/store.h"

namespace citywatch::app {
namespace {

void print_table(const ScanResult& r) {
  std::printf("scan %s (%s) from %s, run %lld\n", r.scope.c_str(),
              std::string(scanner::to_string(r.mode)).c_str(), r.scope_file.c_str(),
              static_cast<long long>(r.run_id));
  std::printf("  addresses     %s (%s blocklisted, %s opted out: not scanned)\n",
              with_thousands(r.addresses).c_str(), with_thousands(r.excluded_blocklist).c_str(),
              with_thousands(r.excluded_opt_out).c_str());
  std::printf("  probed        %s ports in %.2f s (%s ports/s)\n",
              with_thousands(r.targets).c_str(), r.seconds,
              with_thousands(static_cast<std::uint64_t>(r.ports_per_second())).c_str());
  std::printf("  outcomes     ");
  for (int i = 0; i < scanner::kOutcomeCount; ++i) {
    if (std::uint64_t n = r.outcomes[static_cast<std::size_t>(i)]) {
      std::printf(" %s %s",
                  std::string(scanner::to_string(static_cast<scanner::Outcome>(i))).c_str(),
                  with_thousands(n).c_str());
    }
  }
  std::printf("\n  services      %s answered\n", with_thousands(r.responses).c_str());
  if (r.snmp_skipped) {
    std::printf(
        "  snmp          %s targets not probed: a community string is a credential "
        "and this scope is observe-only\n",
        with_thousands(r.snmp_skipped).c_str());
  }
  if (r.mode == scanner::ScopeMode::kAuthorised) {
    std::printf("  login checks  %s attempts, %s accepted a default credential\n",
                with_thousands(r.login_attempts).c_str(),
                with_thousands(r.logins_accepted).c_str());
  } else {
    std::printf("  login checks  none (observe scope: no credential was presented)\n");
  }
  std::printf(
      "  findings      %s new, %s seen again, %s reopened, %s fixed\n",
      with_thousands(r.findings.opened).c_str(), with_thousands(r.findings.refreshed).c_str(),
      with_thousands(r.findings.reopened).c_str(), with_thousands(r.findings.fixed).c_str());
  const db::ScanDelta& delta = r.delta;
  if (delta.previous_run) {
    std::printf("  delta vs run %lld: %zu new, %zu changed, %zu gone\n",
                static_cast<long long>(*delta.previous_run), delta.added.size(),
                delta.changed.size(), delta.gone.size());
  } else {
    std::printf("  delta         first run of this scope: %zu services new\n", delta.added.size());
  }
  std::size_t shown = 0;
  for (const auto& s : delta.added) {
    if (shown++ < 50) std::printf("    new      %s\n", service_text(s).c_str());
  }
  for (const auto& c : delta.changed) {
    if (shown++ < 50) {
      std::printf("    changed  %s  (was: %s)\n", service_text(c.after).c_str(),
                  c.before.summary.c_str());
    }
  }
  for (const auto& s : delta.gone) {
    if (shown++ < 50) std::printf("    gone     %s\n", service_text(s).c_str());
  }
  if (shown > 50) std::printf("    ... and %zu more (--format json lists all)\n", shown - 50);
}

core::Result<int> scan_command(const Config& config, const ScanRequest& request,
                               OutputFormat format) {
  ScanHooks hooks;
  hooks.tell = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  hooks.progress = true;
  // Everything that can refuse the scan comes before the database is opened.
  auto prepared = prepare_scan(config, request, hooks);
  if (!prepared) return core::fail(prepared.error());
  auto store = db::Store::open(config.database_path, false);
  if (!store) return core::fail(store.error());
  auto result = execute_scan(*store, config, *prepared, hooks);
  if (!result) return core::fail(result.error());
  if (format == OutputFormat::kJson) {
    std::printf("%s\n", scan_result_json(*result).c_str());
  } else {
    print_table(*result);
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
        return scan_command(context.config, *request, context.format);
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
