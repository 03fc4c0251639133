#include "app/scheduler.h"

#include <signal.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <exception>

#include "app/alerts.h"
#include "app/logging.h"
#include "app/metrics.h"
#include "app/schedule.h"
#include "core/text.h"
#include "db/jobs.h"

namespace citywatch::app {
namespace {

std::string hostname() {
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) != 0) return "localhost";
  std::string h = buf.data();
  for (char& c : h) {
    if (c == ':') c = '_';
  }
  return h;
}

std::string nonce() {
  std::array<unsigned char, 6> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

// The schedulers alive in this process. A lease owner with this pid that is not among them is
// an earlier life of this process (containers reuse pid 1), so it is dead.
std::mutex live_owners_mutex;
std::set<std::string>& live_owners() {
  static std::set<std::string> owners;
  return owners;
}

}  // namespace

Scheduler::Scheduler(SchedulerOptions options, const JobRegistry& registry, SchedulerHooks hooks,
                     const core::Clock& clock)
    : options_(std::move(options)), registry_(registry), hooks_(std::move(hooks)), clock_(clock) {
  if (sodium_init() < 0) std::abort();
  host_ = hostname();
  owner_ = host_ + ":" + std::to_string(::getpid()) + ":" + nonce();
  started_ = clock_.now();
  status_.started = started_;
  std::lock_guard lock(live_owners_mutex);
  live_owners().insert(owner_);
}

Scheduler::~Scheduler() {
  request_stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  std::lock_guard lock(live_owners_mutex);
  live_owners().erase(owner_);
}

bool Scheduler::owner_is_dead(const std::string& owner) const {
  auto parts = core::split_trimmed(owner, ':');
  if (parts.size() != 3 || parts[0] != host_) return false;  // another host: wait for expiry
  auto pid = core::parse_int(parts[1], 1, 1 << 30);
  if (!pid) return false;
  if (*pid == ::getpid()) {
    std::lock_guard lock(live_owners_mutex);
    return !live_owners().contains(owner);
  }
  return ::kill(static_cast<pid_t>(*pid), 0) != 0 && errno == ESRCH;
}

void Scheduler::request_sync() {
  sync_requested_ = true;
  wake();
}

void Scheduler::wake() {
  {
    std::lock_guard lock(mutex_);
    wake_requested_ = true;
  }
  wake_tick_.notify_all();
}

void Scheduler::request_stop() {
  stop_ = true;
  wake_tick_.notify_all();
  wake_workers_.notify_all();
  stopped_cv_.notify_all();
}

bool Scheduler::wait_stopped(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return stopped_cv_.wait_until(lock, deadline, [this] { return live_threads_ == 0; });
}

SchedulerStatus Scheduler::status() const {
  std::lock_guard lock(mutex_);
  SchedulerStatus s = status_;
  s.running.assign(running_.begin(), running_.end());
  return s;
}

bool Scheduler::sleep_unless_stopping(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  return !stopped_cv_.wait_for(lock, d, [this] { return stop_.load(); });
}

core::Result<void> Scheduler::sync_now(db::Store& store) {
  auto config = hooks_.config();
  auto defs = config_jobs(*config);
  db::JobStore jobs(store.connection());
  const core::UnixSeconds now = clock_.now();
  CITYWATCH_TRY(jobs.sync(defs, "config", now, [&](const db::JobDefinition& def) {
    // A new job runs at once: a city that just configured a feed wants to see it work.
    (void)def;
    return now;
  }));
  return core::ok();
}

core::Result<std::vector<Scheduler::Claimed>> Scheduler::claim_due(db::Store& store,
                                                                   std::size_t max) {
  std::vector<Claimed> claimed;
  if (max == 0) return claimed;
  db::JobStore jobs(store.connection());
  const core::UnixSeconds now = clock_.now();
  auto due = jobs.due(now);
  if (!due) return core::fail(due.error());
  for (auto& job : *due) {
    if (claimed.size() >= max) break;
    auto taken = jobs.claim(job.id, owner_, now, now + options_.lease_seconds);
    if (!taken) return core::fail(taken.error());
    if (!*taken) continue;  // another daemon was quicker
    std::string trigger = job.run_requested ? "manual" : "schedule";
    auto run = jobs.start_run(job.id, owner_, trigger, now);
    if (!run) {
      (void)jobs.finish(job.id, 0, owner_, {"failed", "", run.error().to_string(), std::nullopt},
                        now);
      return core::fail(run.error());
    }
    job.lease_owner = owner_;
    claimed.push_back({std::move(job), *run, trigger});
  }
  return claimed;
}

Scheduler::RunRecord Scheduler::execute(const Claimed& c, db::Store* store) {
  auto log = logger("app");
  const core::UnixSeconds started = clock_.now();
  auto steady_start = std::chrono::steady_clock::now();
  RunRecord record{c.job.name, c.job.kind, "failed", "", ""};
  {
    std::lock_guard lock(mutex_);
    running_.insert(c.job.name);
  }
  log->info("job_started job={} kind={} trigger={} run={}", c.job.name, c.job.kind, c.trigger,
            c.run_id);

  auto config = hooks_.config();
  auto alerter = hooks_.alerter ? hooks_.alerter() : nullptr;
  const JobKind* kind = registry_.find(c.job.kind);
  auto schedule = Schedule::parse(c.job.schedule);
  core::Result<JobResult> result = JobResult{};
  if (stop_) {
    result = JobResult{"{}", true};  // claimed just before the stop: run it next time
  } else if (!store) {
    result = core::fail(core::ErrorCode::kUnavailable, "the database cannot be opened");
  } else if (!kind) {
    std::string known;
    for (const auto* k : registry_.all()) known += (known.empty() ? "" : ", ") + k->name;
    result = core::fail(core::ErrorCode::kConfig,
                        "unknown job kind '" + c.job.kind + "' (this build runs: " + known + ")");
  } else if (!schedule) {
    result = core::fail(core::ErrorCode::kConfig, "bad schedule: " + schedule.error().message);
  } else {
    db::JobStore jobs(store->connection());
    JobContext ctx{
        c.job,
        *config,
        *store,
        clock_,
        alerter.get(),
        hooks_.metrics,
        [this] { return stop_.load(); },
        [this](std::chrono::milliseconds d) { return sleep_unless_stopping(d); },
        [&](const std::string& cp) { return jobs.save_checkpoint(c.job.id, owner_, cp); }};
    try {
      result = kind->run(ctx);
    } catch (const std::exception& e) {
      result = core::fail(core::ErrorCode::kInternal, std::string("job threw: ") + e.what());
    }
  }

  const core::UnixSeconds finished = clock_.now();
  db::JobStore::Finish finish;
  if (!result) {
    finish.status = "failed";
    finish.error = result.error().to_string();
  } else {
    finish.status = result->interrupted ? "interrupted" : "ok";
    finish.summary = result->summary_json;
  }
  // An interrupted job keeps its due time (in the past), so it runs again at the next start.
  if (finish.status != "interrupted") {
    finish.next_due = schedule ? schedule->next_due(started, finished) : finished + 3600;
  }
  bool recorded = false;
  if (store) {
    db::JobStore jobs(store->connection());
    recorded = jobs.finish(c.job.id, c.run_id, owner_, finish, finished).has_value();
  }
  {
    std::lock_guard lock(mutex_);
    running_.erase(c.job.name);
    if (!recorded) pending_.push_back({c.job.id, c.run_id, finish, finished});
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - steady_start).count();
  if (hooks_.metrics) {
    hooks_.metrics->inc("citywatch_job_runs_total",
                        {{"kind", c.job.kind}, {"outcome", finish.status}});
    hooks_.metrics->observe("citywatch_job_duration_seconds", {{"kind", c.job.kind}}, seconds);
  }
  if (finish.status == "failed") {
    log->error("job_failed job={} kind={} run={} error={}", c.job.name, c.job.kind, c.run_id,
               finish.error);
    if (alerter) {
      Alert a;
      a.at = finished;
      a.kind = "job_failed";
      a.severity = "error";
      a.title = "job " + c.job.name + " failed: " + finish.error;
      a.fields = {{"job", c.job.name}, {"job_kind", c.job.kind}, {"run", std::to_string(c.run_id)}};
      alerter->raise(std::move(a));
    }
  } else {
    log->info("job_finished job={} kind={} run={} status={} seconds={:.3f}", c.job.name, c.job.kind,
              c.run_id, finish.status, seconds);
  }
  record.status = finish.status;
  record.error = finish.error;
  record.summary = finish.summary;
  return record;
}

void Scheduler::retry_pending(db::Store& store) {
  std::vector<PendingFinish> pending;
  {
    std::lock_guard lock(mutex_);
    pending.swap(pending_);
  }
  db::JobStore jobs(store.connection());
  std::vector<PendingFinish> still;
  for (auto& p : pending) {
    if (!jobs.finish(p.job_id, p.run_id, owner_, p.finish, p.at)) still.push_back(std::move(p));
  }
  std::lock_guard lock(mutex_);
  for (auto& p : still) pending_.push_back(std::move(p));
}

core::Result<std::vector<Scheduler::RunRecord>> Scheduler::run_due_once(db::Store& store) {
  if (sync_requested_.exchange(false)) CITYWATCH_TRY(sync_now(store));
  db::JobStore jobs(store.connection());
  auto freed = jobs.release_dead_leases([this](const std::string& o) { return owner_is_dead(o); });
  if (!freed) return core::fail(freed.error());
  auto claimed = claim_due(store, 1000);
  if (!claimed) return core::fail(claimed.error());
  std::vector<RunRecord> records;
  for (const auto& c : *claimed) records.push_back(execute(c, &store));
  return records;
}

void Scheduler::tick(db::Store*& store, std::optional<db::Store>& holder) {
  auto log = logger("app");
  const core::UnixSeconds now = clock_.now();
  if (!store) {
    auto opened = db::Store::open(options_.db_path, false);
    if (!opened) {
      std::lock_guard lock(mutex_);
      status_.database_ok = false;
      status_.database_error = opened.error().to_string();
      status_.last_tick = now;
      return;
    }
    holder.emplace(std::move(*opened));
    store = &*holder;
  }
  db::JobStore jobs(store->connection());
  auto beat = jobs.heartbeat(owner_, host_, ::getpid(), options_.version, started_, now);
  if (beat) beat = jobs.renew_leases(owner_, now + options_.lease_seconds);
  if (beat && sync_requested_.exchange(false)) {
    beat = sync_now(*store);
    if (!beat) sync_requested_ = true;
  }
  if (beat) {
    auto freed =
        jobs.release_dead_leases([this](const std::string& o) { return owner_is_dead(o); });
    if (!freed) {
      beat = core::fail(freed.error());
    } else if (*freed > 0) {
      log->warn("leases_released count={} reason=owner_dead", *freed);
    }
  }
  if (beat) retry_pending(*store);
  std::size_t free_slots = 0;
  {
    std::lock_guard lock(mutex_);
    status_.last_tick = now;
    status_.database_ok = beat.has_value();
    status_.database_error = beat ? "" : beat.error().to_string();
    std::size_t busy = running_.size() + queue_.size();
    free_slots = busy < options_.workers ? options_.workers - busy : 0;
  }
  if (!beat) {
    log->warn("scheduler_db_unwritable reason={}", beat.error().to_string());
    // The connection may be stuck on a replaced or remounted file: reopen next tick.
    holder.reset();
    store = nullptr;
    return;
  }
  if (stop_ || free_slots == 0) return;
  auto claimed = claim_due(*store, free_slots);
  if (!claimed) {
    log->warn("scheduler_claim_failed reason={}", claimed.error().to_string());
    return;
  }
  if (claimed->empty()) return;
  {
    std::lock_guard lock(mutex_);
    for (auto& c : *claimed) queue_.push_back(std::move(c));
  }
  wake_workers_.notify_all();
}

void Scheduler::tick_loop() {
  std::optional<db::Store> holder;
  db::Store* store = nullptr;
  while (!stop_) {
    tick(store, holder);
    std::unique_lock lock(mutex_);
    wake_tick_.wait_for(lock, options_.tick, [this] { return stop_.load() || wake_requested_; });
    wake_requested_ = false;
  }
  // Wait for the workers, then finish what could not be recorded and say goodbye.
  {
    std::unique_lock lock(mutex_);
    stopped_cv_.wait(lock, [this] { return live_threads_ == 1; });
  }
  if (store) {
    retry_pending(*store);
    db::JobStore jobs(store->connection());
    (void)jobs.remove_daemon(owner_);
  }
}

void Scheduler::worker_loop() {
  std::optional<db::Store> holder;
  while (true) {
    Claimed c;
    {
      std::unique_lock lock(mutex_);
      wake_workers_.wait(lock, [this] { return stop_.load() || !queue_.empty(); });
      if (queue_.empty()) return;
      c = std::move(queue_.front());
      queue_.pop_front();
    }
    if (!holder) {
      auto opened = db::Store::open(options_.db_path, false);
      if (opened) holder.emplace(std::move(*opened));
    }
    (void)execute(c, holder ? &*holder : nullptr);
  }
}

void Scheduler::start() {
  std::lock_guard lock(mutex_);
  auto track = [this](auto fn) {
    return [this, fn] {
      fn();
      std::lock_guard inner(mutex_);
      --live_threads_;
      stopped_cv_.notify_all();
    };
  };
  live_threads_ = options_.workers + 1;
  for (std::size_t i = 0; i < options_.workers; ++i) {
    threads_.emplace_back(track([this] { worker_loop(); }));
  }
  threads_.emplace_back(track([this] { tick_loop(); }));
}

}  // namespace citywatch::app
