#include "app/audit_log.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

#include "app/logging.h"
#include "app/metrics.h"

namespace citywatch::app {
namespace {

constexpr std::size_t kBatch = 500;
constexpr std::size_t kMaxQueued = 100000;

}  // namespace

AuditLog::AuditLog(std::string db_path, const core::Clock& clock, Metrics* metrics)
    : path_(std::move(db_path)), clock_(clock), metrics_(metrics) {
  writer_ = std::thread([this] { run(); });
}

AuditLog::~AuditLog() {
  flush(std::chrono::seconds(5));
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  writer_.join();
}

void AuditLog::record(db::AuditEntry entry) {
  if (entry.at == 0) entry.at = clock_.now();
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= kMaxQueued) {
      // The database has been unwritable for a long time; reads are refused meanwhile, so
      // this is only reached by changes already recorded elsewhere in the journal.
      queue_.pop_front();
      if (metrics_) metrics_->inc("citywatch_audit_write_failures_total");
    }
    queue_.push_back({next_seq_++, std::move(entry), false});
  }
  wake_.notify_one();
}

core::Result<void> AuditLog::record_now(db::AuditEntry entry) {
  if (entry.at == 0) entry.at = clock_.now();
  std::uint64_t seq = 0;
  {
    std::lock_guard lock(mutex_);
    seq = next_seq_++;
    queue_.push_back({seq, std::move(entry), true});
  }
  wake_.notify_one();
  std::unique_lock lock(mutex_);
  bool done = written_.wait_for(lock, std::chrono::seconds(30),
                                [&] { return sync_results_.contains(seq); });
  if (!done) {
    return core::fail(core::ErrorCode::kUnavailable, "the audit log did not answer in 30 s");
  }
  bool ok = sync_results_[seq];
  sync_results_.erase(seq);
  if (!ok) {
    return core::fail(core::ErrorCode::kUnavailable,
                      "the audit log cannot be written: " + last_error_);
  }
  return core::ok();
}

bool AuditLog::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return written_.wait_for(lock, timeout, [&] { return queue_.empty() && !writing_; });
}

bool AuditLog::healthy() const {
  std::lock_guard lock(mutex_);
  return healthy_;
}

std::string AuditLog::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

void AuditLog::run() {
  std::vector<Queued> batch;
  std::chrono::milliseconds pause{0};  // before the next attempt, after a failure
  while (true) {
    {
      std::unique_lock lock(mutex_);
      if (pause.count() > 0) {
        wake_.wait_for(lock, pause, [this] { return stopping_; });
      }
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      batch.clear();
      writing_ = true;
      while (!queue_.empty() && batch.size() < kBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<db::AuditEntry> entries;
    entries.reserve(batch.size());
    for (const auto& q : batch) entries.push_back(q.entry);
    core::Result<void> written = core::ok();
    if (!conn_) {
      auto opened = db::Connection::open(path_, false);
      if (opened) {
        conn_.emplace(std::move(*opened));
      } else {
        written = core::fail(opened.error());
      }
    }
    if (written) written = db::append_audit(*conn_, entries);
    std::lock_guard lock(mutex_);
    writing_ = false;
    if (written) {
      if (failures_logged_ > 0) {
        logger("app")->info("audit_write_recovered entries={}", entries.size());
      }
      healthy_ = true;
      failures_logged_ = 0;
      failing_since_ = {};
      pause = std::chrono::milliseconds(0);
      for (const auto& q : batch) {
        if (q.sync) sync_results_[q.seq] = true;
      }
      written_.notify_all();
      continue;
    }
    // Logged at the first failure and then about once a minute while they go on.
    if (failures_logged_++ % 30 == 0) {
      logger("app")->error("audit_write_failed entries={} reason={} note=retrying", entries.size(),
                           written.error().to_string());
    }
    const auto now = std::chrono::steady_clock::now();
    if (failing_since_ == std::chrono::steady_clock::time_point{}) failing_since_ = now;
    const bool only_busy = written.error().code == core::ErrorCode::kUnavailable;
    healthy_ = only_busy && now - failing_since_ < kLockGrace;
    last_error_ = written.error().to_string();
    conn_.reset();  // reopen next time: the file may have been restored or remounted
    // Entries of served reads go back to the front, in order, to be written when the database
    // takes them again (unless the daemon is stopping); record_now() callers fail now.
    std::size_t dropped = 0;
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
      if (it->sync) {
        sync_results_[it->seq] = false;
      } else if (stopping_) {
        ++dropped;
      } else {
        queue_.push_front(std::move(*it));
      }
    }
    if (metrics_ && dropped > 0) {
      metrics_->inc("citywatch_audit_write_failures_total", {}, static_cast<double>(dropped));
    }
    pause = std::min(kMaxRetryPause, std::max(std::chrono::milliseconds(100), pause * 2));
    written_.notify_all();
  }
}

}  // namespace citywatch::app
