// db/jobs.h: the scheduler's state in the database: jobs (schedule, next due time, lease),
// their runs, feed items already fetched, and the heartbeat of running daemons. A lease
// (owner + expiry) is taken by one conditional UPDATE, so the same job never runs twice at
// once, even with two daemons on one database. Works on a Connection it does not own; one
// JobStore per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "db/sqlite.h"

namespace citywatch::db {

struct JobRow {
  std::int64_t id = 0;
  std::string name, kind, schedule, params, origin;
  bool enabled = true;
  core::UnixSeconds next_due = 0;
  bool run_requested = false;
  std::string lease_owner;  // empty: free
  core::UnixSeconds lease_expires = 0;
  std::string checkpoint;  // JSON kept by the job between runs; empty when none
  std::optional<core::UnixSeconds> last_started, last_finished;
  std::string last_status, last_error;
  core::UnixSeconds created_at = 0, updated_at = 0;
};

struct JobRunRow {
  std::int64_t id = 0;
  std::int64_t job_id = 0;
  std::string job_name;
  std::string owner, trigger;
  core::UnixSeconds started_at = 0;
  std::optional<core::UnixSeconds> finished_at;
  std::string status;   // running, ok, failed, interrupted
  std::string summary;  // JSON
  std::string error;
};

struct JobDefinition {
  std::string name, kind, schedule;
  std::string params = "{}";
  bool enabled = true;
};

class JobStore {
 public:
  explicit JobStore(Connection& conn) : conn_(conn) {}

  // Makes the jobs of one origin ("config", "builtin") match defs: new ones are added with
  // first_due(def), changed ones updated (a changed schedule gets a new due time), missing
  // ones disabled. Jobs of other origins are left alone.
  core::Result<void> sync(const std::vector<JobDefinition>& defs, const std::string& origin,
                          core::UnixSeconds now,
                          const std::function<core::UnixSeconds(const JobDefinition&)>& first_due);
  // A job created through the API; kBadInput when the name is taken.
  core::Result<std::int64_t> create(const JobDefinition& def, core::UnixSeconds next_due,
                                    core::UnixSeconds now);
  // Removes an API job; false when there is no such API job.
  core::Result<bool> remove_api_job(const std::string& name);

  core::Result<std::vector<JobRow>> list();
  core::Result<std::optional<JobRow>> get(const std::string& name);

  // Enabled jobs that are due (or asked for) and not leased by a live owner.
  core::Result<std::vector<JobRow>> due(core::UnixSeconds now);
  // Takes the lease; false when another owner holds a live one.
  core::Result<bool> claim(std::int64_t job_id, const std::string& owner, core::UnixSeconds now,
                           core::UnixSeconds lease_until);
  core::Result<void> renew_leases(const std::string& owner, core::UnixSeconds lease_until);
  core::Result<std::int64_t> start_run(std::int64_t job_id, const std::string& owner,
                                       const std::string& trigger, core::UnixSeconds now);
  struct Finish {
    std::string status;  // ok, failed, interrupted
    std::string summary;
    std::string error;
    std::optional<core::UnixSeconds> next_due;  // nullopt: leave as is (run again soon)
  };
  // Ends a run and gives the lease back.
  core::Result<void> finish(std::int64_t job_id, std::int64_t run_id, const std::string& owner,
                            const Finish& finish, core::UnixSeconds now);
  core::Result<void> save_checkpoint(std::int64_t job_id, const std::string& owner,
                                     const std::string& checkpoint);
  // "Run now": false when there is no such job.
  core::Result<bool> request_run(const std::string& name);
  // Frees leases whose owner is_dead() says is gone (a daemon killed on this host) and marks
  // their runs interrupted. Returns how many.
  core::Result<int> release_dead_leases(const std::function<bool(const std::string&)>& is_dead);
  core::Result<std::vector<JobRunRow>> runs(std::optional<std::int64_t> job_id,
                                            std::optional<std::int64_t> before_id,
                                            std::size_t limit);

  // Feed items (Shadowserver report ids) already imported, so each is fetched once.
  core::Result<bool> has_feed_item(const std::string& source, const std::string& item);
  core::Result<void> add_feed_item(const std::string& source, const std::string& item,
                                   core::UnixSeconds now, std::optional<std::int64_t> import_id);

  // The daemons table: who runs, since when, last heartbeat (also a cheap write probe).
  core::Result<void> heartbeat(const std::string& owner, const std::string& host, int pid,
                               const std::string& version, core::UnixSeconds started,
                               core::UnixSeconds now);
  core::Result<void> remove_daemon(const std::string& owner);

 private:
  Connection& conn_;
};

}  // namespace citywatch::db
