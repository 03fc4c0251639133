// The job kinds of this build and the jobs the configuration implies. Later kinds
// (batch-build, batch-deliver, recheck) register here.
#include "app/jobs.h"

namespace citywatch::app {

void JobRegistry::add(JobKind kind) {
  std::string name = kind.name;
  kinds_[name] = std::move(kind);
}

const JobKind* JobRegistry::find(std::string_view name) const {
  auto it = kinds_.find(name);
  return it == kinds_.end() ? nullptr : &it->second;
}

std::vector<const JobKind*> JobRegistry::all() const {
  std::vector<const JobKind*> out;
  for (const auto& [name, kind] : kinds_) out.push_back(&kind);
  return out;
}

namespace {

// A kind that only the configuration creates (no API parameters).
JobKind config_kind(std::string_view name, std::string description, JobFn run) {
  JobKind kind;
  kind.name = std::string(name);
  kind.description = std::move(description);
  kind.run = std::move(run);
  return kind;
}

}  // namespace

void register_job_kinds(JobRegistry& registry) {
  registry.add(config_kind(
      kShodanFetch, "Shodan host search for each configured network, imported as Shodan banners",
      run_shodan_fetch));
  registry.add(config_kind(kShadowserverFetch,
                           "new reports from the Shadowserver Reports API, imported as CSVs",
                           run_shadowserver_fetch));
  registry.add(config_kind(kDropDirImport,
                           "feed files dropped into <dropdir>/shodan, /shadowserver or /nmap",
                           run_dropdir_import));
  registry.add(config_kind(kRetention,
                           "purge raw evidence past its retention period, keeping daily counts",
                           run_retention));
  registry.add(config_kind(kFeedCheck, "alert when a feed has gone stale", run_feed_check));
  registry.add(config_kind(kNotify,
                           "build each partner's due batch and deliver the due push batches "
                           "(one attempt each; retries wait for their time)",
                           run_notify));
  JobKind scan = config_kind(kScan,
                             "active scan of a scope file in [scan] scope_dir, recorded with its "
                             "delta (new, changed and gone services)",
                             run_scan_job);
  scan.validate_params = validate_scan_params;
  scan.api_creatable = true;
  scan.analyst_may_manage = true;
  registry.add(std::move(scan));
}

core::Result<void> check_config_jobs(const JobRegistry& registry, const Config& config) {
  for (const auto& j : config.jobs) {
    const JobKind* kind = registry.find(j.kind);
    if (!kind) continue;
    core::Result<void> ok;
    if (kind->validate_params) {
      ok = kind->validate_params(j.params_json, config);
    } else if (j.params_json != "{}") {
      ok = core::fail(core::ErrorCode::kBadInput, "jobs of this kind take no params");
    }
    if (!ok) {
      return core::fail(core::ErrorCode::kConfig, "[[jobs]] " + j.name + ": " + ok.error().message,
                        config.source_path);
    }
  }
  return core::ok();
}

std::vector<db::JobDefinition> config_jobs(const Config& config) {
  std::vector<db::JobDefinition> jobs;
  if (config.shodan.enabled) {
    jobs.push_back({"shodan", std::string(kShodanFetch), config.shodan.schedule});
  }
  if (config.shadowserver.enabled) {
    jobs.push_back({"shadowserver", std::string(kShadowserverFetch), config.shadowserver.schedule});
  }
  if (!config.dropdir.path.empty()) {
    jobs.push_back({"dropdir", std::string(kDropDirImport), config.dropdir.schedule});
  }
  jobs.push_back({"retention", std::string(kRetention), config.retention.schedule});
  jobs.push_back({"feed-check", std::string(kFeedCheck), config.alerts.feed_check_schedule});
  if (!config.notify.schedule.empty()) {
    jobs.push_back({"notify", std::string(kNotify), config.notify.schedule});
  }
  for (const auto& j : config.jobs) {
    jobs.push_back({j.name, j.kind, j.schedule, j.params_json, j.enabled});
  }
  return jobs;
}

}  // namespace citywatch::app
