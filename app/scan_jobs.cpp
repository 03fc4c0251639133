// Scan jobs: `citywatch scan` on a schedule, in the daemon. A job names its scope, never a
// path: the scope file is <[scan] scope_dir>/<NAME>.scope. Analysts may create scan jobs, so
// what they can scan is what the operator put in that directory, and a job can make the
// daemon read no other file. The run summary is the scan's result as `citywatch scan --format
// json` prints it, delta included.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "app/jobs.h"
#include "app/logging.h"
#include "app/metrics.h"
#include "app/scan_runner.h"
#include "core/ip_address.h"

namespace citywatch::app {
namespace {

using nlohmann::json;

struct ScanJobParams {
  std::string scope;
  std::string ports;
  std::vector<std::string> targets;
  std::size_t rate = 0;
};

core::Failure bad(std::string message) {
  return core::fail(core::ErrorCode::kBadInput, std::move(message));
}

bool valid_scope_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// "ports": "23,80,161/udp" as on the command line, or a list ([23, 80] or ["161/udp"]), which
// TOML tables write naturally. Checked with the scanner's own port-list reader.
core::Result<std::string> ports_of(const json& v) {
  std::string text;
  if (v.is_string()) {
    text = v.get<std::string>();
  } else if (v.is_array()) {
    for (const auto& item : v) {
      if (!text.empty()) text += ",";
      if (item.is_number_unsigned() && item.get<std::uint64_t>() <= 65535) {
        text += std::to_string(item.get<std::uint64_t>());
      } else if (item.is_string()) {
        text += item.get<std::string>();
      } else {
        return bad("params.ports: list items must be port numbers (1-65535) or \"161/udp\"");
      }
    }
  } else {
    return bad("params.ports must be a port list such as \"23,80,8000-8010,161/udp\"");
  }
  std::string err;
  if (!scanner::parse_port_list(text, &err)) return bad("params.ports: " + err);
  return text;
}

core::Result<ScanJobParams> parse_params(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return bad("params must be a JSON object");
  ScanJobParams p;
  for (const auto& [key, v] : j.items()) {
    if (key == "scope") {
      if (!v.is_string() || !valid_scope_name(v.get<std::string>())) {
        return bad(
            "params.scope must be the name of a scope file in [scan] scope_dir: 1-64 letters, "
            "digits, '.', '-' or '_' (no '/'), without the .scope extension");
      }
      p.scope = v.get<std::string>();
    } else if (key == "ports") {
      auto ports = ports_of(v);
      if (!ports) return core::fail(ports.error());
      p.ports = *ports;
    } else if (key == "targets") {
      if (!v.is_array()) return bad("params.targets must be a list of addresses or CIDR ranges");
      for (const auto& t : v) {
        if (!t.is_string() || !core::Prefix::parse(t.get<std::string>())) {
          return bad("params.targets: " + t.dump() +
                     " is not an address or CIDR range (e.g. \"192.0.2.0/28\")");
        }
        p.targets.push_back(t.get<std::string>());
      }
    } else if (key == "rate") {
      if (!v.is_number_unsigned() || v.get<std::uint64_t>() < 1 ||
          v.get<std::uint64_t>() > 1000000) {
        return bad("params.rate must be an integer from 1 to 1000000 (connections per second)");
      }
      p.rate = static_cast<std::size_t>(v.get<std::uint64_t>());
    } else {
      return bad("unknown key params." + key + " (scan jobs take scope, ports, targets, rate)");
    }
  }
  if (p.scope.empty()) return bad("params.scope is required: the name of a scope file");
  return p;
}

// <scope_dir>/<name>.scope, which must exist. Messages name the scope, not the server's paths.
core::Result<std::string> scope_file(const Config& config, const std::string& name) {
  const std::string& dir = config.scan.scope_dir;
  if (dir.empty()) {
    return bad("[scan] scope_dir is not set: put scope files there to schedule scans");
  }
  std::filesystem::path path = std::filesystem::path(dir) / (name + ".scope");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return bad("no scope '" + name + "' in [scan] scope_dir: put " + name +
               ".scope there first (docs/scanning.md has the format)");
  }
  return path.string();
}

}  // namespace

core::Result<void> validate_scan_params(std::string_view params, const Config& config) {
  auto p = parse_params(params);
  if (!p) return core::fail(p.error());
  auto file = scope_file(config, p->scope);
  if (!file) return core::fail(file.error());
  return core::ok();
}

core::Result<JobResult> run_scan_job(JobContext& ctx) {
  auto log = logger("app");
  // Checked again: the scope file or scope_dir may have gone since the job was created.
  auto p = parse_params(ctx.job.params.empty() ? "{}" : ctx.job.params);
  if (!p) return core::fail(p.error());
  auto file = scope_file(ctx.config, p->scope);
  if (!file) return core::fail(file.error());

  ScanRequest request{*file, p->ports, p->targets, p->rate, false};
  std::string first_bad_line;
  ScanHooks hooks;
  hooks.stopping = ctx.stopping;
  hooks.alerter = ctx.alerter;
  hooks.tell = [&](const std::string& line) {
    log->warn("scan_job_scope job={} {}", ctx.job.name, line);
    if (first_bad_line.empty() && !line.starts_with("note: ")) first_bad_line = line;
  };
  auto result = run_scan(ctx.store, ctx.config, request, hooks);
  if (!result) {
    core::Error e = result.error();
    if (!first_bad_line.empty()) e.message += " (first: " + first_bad_line + ")";
    return core::fail(std::move(e));
  }
  if (ctx.metrics) {
    Labels scope{{"scope", result->scope}};
    ctx.metrics->inc("citywatch_scan_ports_total", scope, static_cast<double>(result->targets));
    if (!result->interrupted) {
      ctx.metrics->set("citywatch_scan_ports_per_second", scope, result->ports_per_second());
    }
  }
  return JobResult{scan_result_json(*result), result->interrupted};
}

}  // namespace citywatch::app
