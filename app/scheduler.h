// app/scheduler.h: runs the jobs table. A tick thread, every tick_seconds or when woken,
// writes the daemon's heartbeat (which doubles as the database write probe), renews its
// leases, frees the leases of daemons that died on this host, and hands due jobs to a small
// pool of worker threads. A job is taken with a lease (one conditional UPDATE), so the same
// job never runs twice at once, even across two daemons on one database. A job that came due
// while the daemon was down runs once when it starts, then its next slot is computed from
// then: missed slots are not made up one by one. On request_stop() running jobs are told to
// stop, save a checkpoint and end as "interrupted"; they run again at the next start.
// Time comes from an injected Clock. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "app/config.h"
#include "app/jobs.h"
#include "core/result.h"
#include "core/time.h"
#include "db/store.h"

namespace citywatch::app {

class Alerter;
class Metrics;

struct SchedulerOptions {
  std::string db_path;
  std::chrono::seconds tick{5};
  core::UnixSeconds lease_seconds = 120;
  std::size_t workers = 2;
  std::string version;
};

struct SchedulerHooks {
  std::function<std::shared_ptr<const Config>()> config;
  std::function<std::shared_ptr<Alerter>()> alerter;  // may return null
  Metrics* metrics = nullptr;
};

struct SchedulerStatus {
  core::UnixSeconds started = 0;
  core::UnixSeconds last_tick = 0;  // 0: no tick finished yet
  bool database_ok = false;         // the last heartbeat write succeeded
  std::string database_error;
  std::vector<std::string> running;  // job names
};

class Scheduler {
 public:
  Scheduler(SchedulerOptions options, const JobRegistry& registry, SchedulerHooks hooks,
            const core::Clock& clock);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // "host:pid:nonce": who holds a lease.
  const std::string& owner() const { return owner_; }

  // Makes the jobs table match the configuration (on start and after a reload). Done by the
  // tick thread, so it also happens when the database only becomes usable later.
  void request_sync();
  void start();
  void wake();
  void request_stop();
  bool stopping() const { return stop_.load(); }
  // True when every thread has ended before the deadline.
  bool wait_stopped(std::chrono::steady_clock::time_point deadline);
  SchedulerStatus status() const;

  struct RunRecord {
    std::string job, kind, status, error, summary;
  };
  // One pass on the calling thread: syncs, claims every due job and runs each to its end.
  core::Result<std::vector<RunRecord>> run_due_once(db::Store& store);

  // Is the owner of a lease a daemon on this host that is gone (its pid is dead, or it is
  // this pid but no live scheduler of this process: an earlier life of it)?
  bool owner_is_dead(const std::string& owner) const;

 private:
  struct Claimed {
    db::JobRow job;
    std::int64_t run_id = 0;
    std::string trigger;
  };
  struct PendingFinish {
    std::int64_t job_id = 0, run_id = 0;
    db::JobStore::Finish finish;
    core::UnixSeconds at = 0;
  };

  core::Result<void> sync_now(db::Store& store);
  core::Result<std::vector<Claimed>> claim_due(db::Store& store, std::size_t max);
  RunRecord execute(const Claimed& claimed, db::Store* store);
  void tick(db::Store*& store, std::optional<db::Store>& holder);
  void tick_loop();
  void worker_loop();
  bool sleep_unless_stopping(std::chrono::milliseconds d);
  void retry_pending(db::Store& store);

  SchedulerOptions options_;
  const JobRegistry& registry_;
  SchedulerHooks hooks_;
  const core::Clock& clock_;
  std::string owner_, host_;
  core::UnixSeconds started_ = 0;

  std::atomic<bool> stop_{false};
  std::atomic<bool> sync_requested_{true};
  mutable std::mutex mutex_;
  std::condition_variable wake_tick_, wake_workers_, stopped_cv_;
  bool wake_requested_ = false;
  std::deque<Claimed> queue_;
  std::set<std::string> running_;
  std::vector<PendingFinish> pending_;
  SchedulerStatus status_;
  std::size_t live_threads_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace citywatch::app
