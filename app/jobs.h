// app/jobs.h: what a scheduled job is to the scheduler. A job kind is a named function with a
// description and, for kinds the API may create, a validator for its parameters. Kinds
// register in one place (register_job_kinds in job_kinds.cpp): the feed fetchers, the drop
// directory, retention, the feed-staleness check and scan jobs today; batch building and
// delivery and re-checks add one line each as they land. A job function is called on a worker
// thread with its own database connection; it checks stopping() between units of work and,
// when told to stop, saves a checkpoint and returns interrupted (it runs again on start).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/config.h"
#include "core/result.h"
#include "core/time.h"
#include "db/jobs.h"
#include "db/store.h"

namespace citywatch::app {

class Alerter;
class Metrics;

struct JobContext {
  const db::JobRow& job;
  const Config& config;  // the configuration when the run started
  db::Store& store;      // this worker's connection
  const core::Clock& clock;
  Alerter* alerter = nullptr;
  Metrics* metrics = nullptr;
  std::function<bool()> stopping;
  // Waits up to d; false when woken because the daemon is stopping.
  std::function<bool(std::chrono::milliseconds)> sleep;
  std::function<core::Result<void>(const std::string&)> save_checkpoint;
};

struct JobResult {
  std::string summary_json = "{}";
  bool interrupted = false;  // stopped early on request; runs again when the daemon starts
};

using JobFn = std::function<core::Result<JobResult>(JobContext&)>;

struct JobKind {
  std::string name;
  std::string description;
  JobFn run;
  // Checks params (JSON text) of jobs created through the API and of [[jobs]] tables, against
  // the configuration in force (kBadInput saying what is wrong); empty: only "{}" is accepted.
  std::function<core::Result<void>(std::string_view, const Config&)> validate_params;
  bool api_creatable = false;       // POST /api/v1/jobs may create jobs of this kind
  bool analyst_may_manage = false;  // analysts may create and run them (scan jobs)
};

class JobRegistry {
 public:
  void add(JobKind kind);
  const JobKind* find(std::string_view name) const;
  std::vector<const JobKind*> all() const;

 private:
  std::map<std::string, JobKind, std::less<>> kinds_;
};

// Every kind this build knows.
void register_job_kinds(JobRegistry& registry);

// The jobs the configuration asks for (feeds, drop directory, retention, feed checks, and the
// [[jobs]] table), as the scheduler keeps them in the jobs table.
std::vector<db::JobDefinition> config_jobs(const Config& config);

// Kind names, also used by the API and tests.
inline constexpr std::string_view kShodanFetch = "shodan-fetch";
inline constexpr std::string_view kShadowserverFetch = "shadowserver-fetch";
inline constexpr std::string_view kDropDirImport = "dropdir-import";
inline constexpr std::string_view kRetention = "retention";
inline constexpr std::string_view kFeedCheck = "feed-check";
inline constexpr std::string_view kNotify = "notify";
inline constexpr std::string_view kScan = "scan";

// The kinds' functions (feed_jobs.cpp, maintenance_jobs.cpp, scan_jobs.cpp).
core::Result<JobResult> run_shodan_fetch(JobContext& ctx);
core::Result<JobResult> run_shadowserver_fetch(JobContext& ctx);
core::Result<JobResult> run_dropdir_import(JobContext& ctx);
core::Result<JobResult> run_retention(JobContext& ctx);
core::Result<JobResult> run_feed_check(JobContext& ctx);
core::Result<JobResult> run_notify(JobContext& ctx);  // notify_job.cpp
core::Result<JobResult> run_scan_job(JobContext& ctx);

// Scan job params: {"scope": "NAME", "ports": "23,80", "targets": ["192.0.2.0/28"],
// "rate": 500}, only scope required; NAME is a scope file in [scan] scope_dir.
core::Result<void> validate_scan_params(std::string_view params, const Config& config);
// The configuration's [[jobs]] of the kinds registered, checked by their kinds' validators
// (kConfig naming the job); jobs of unknown kinds fail when they run.
core::Result<void> check_config_jobs(const JobRegistry& registry, const Config& config);

}  // namespace citywatch::app
