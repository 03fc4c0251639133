#include "app/audit_log.h"

#include <spdlog/spdlog.h>

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
    queue_.emplace_back(next_seq_++, std::move(entry));
  }
  wake_.notify_one();
}

core::Result<void> AuditLog::record_now(db::AuditEntry entry) {
  if (entry.at == 0) entry.at = clock_.now();
  std::uint64_t seq = 0;
  {
    std::lock_guard lock(mutex_);
    seq = next_seq_++;
    queue_.emplace_back(seq, std::move(entry));
  }
  wake_.notify_one();
  std::unique_lock lock(mutex_);
  bool done = written_.wait_for(lock, std::chrono::seconds(30), [&] { return done_seq_ >= seq; });
  if (!done) {
    return core::fail(core::ErrorCode::kUnavailable, "the audit log did not answer in 30 s");
  }
  if (failed_seq_ >= seq) {
    return core::fail(core::ErrorCode::kUnavailable,
                      "the audit log cannot be written: " + last_error_);
  }
  return core::ok();
}

bool AuditLog::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  std::uint64_t target = next_seq_ - 1;
  return written_.wait_for(lock, timeout, [&] { return done_seq_ >= target; });
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
  std::vector<std::pair<std::uint64_t, db::AuditEntry>> batch;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      batch.clear();
      while (!queue_.empty() && batch.size() < kBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<db::AuditEntry> entries;
    entries.reserve(batch.size());
    for (auto& [seq, e] : batch) entries.push_back(std::move(e));
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
    done_seq_ = batch.back().first;
    if (written) {
      healthy_ = true;
    } else {
      healthy_ = false;
      failed_seq_ = done_seq_;
      last_error_ = written.error().to_string();
      if (metrics_) {
        metrics_->inc("citywatch_audit_write_failures_total", {},
                      static_cast<double>(entries.size()));
      }
      logger("app")->error("audit_write_failed entries={} reason={}", entries.size(), last_error_);
      conn_.reset();  // reopen next time: the file may have been restored or remounted
    }
    written_.notify_all();
  }
}

}  // namespace citywatch::app
