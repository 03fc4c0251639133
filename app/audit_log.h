// app/audit_log.h: the writer of the audit log. Reads of device-level data are queued and
// written by one thread in batches (so an API read never waits for an import's write lock);
// changes use record_now(), which returns once the entry is on disk. A failed write keeps its
// entries queued and the writer tries again with a growing pause (up to kMaxRetryPause), so
// no entry is lost. When the database cannot be written (read-only, full, gone) the log reports
// unhealthy at once and the API refuses device-level reads (fail closed); when it is only busy
// (another process's long write holds the lock past the busy timeout) that happens only once
// the backlog is older than kLockGrace, so a big import does not take device reads down.
// Entries of record_now() are not retried: their caller hears of the failure at once.
// Thread-safe; owns its own database connection.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/result.h"
#include "core/time.h"
#include "db/sqlite.h"
#include "db/users.h"

namespace citywatch::app {

class Metrics;

class AuditLog {
 public:
  AuditLog(std::string db_path, const core::Clock& clock, Metrics* metrics);
  ~AuditLog();  // writes what is queued (up to 5 s), then stops
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  static constexpr std::chrono::milliseconds kMaxRetryPause{2000};
  static constexpr std::chrono::seconds kLockGrace{30};

  void record(db::AuditEntry entry);
  core::Result<void> record_now(db::AuditEntry entry);
  bool flush(std::chrono::milliseconds timeout);
  bool healthy() const;
  std::string last_error() const;

 private:
  void run();

  std::string path_;
  const core::Clock& clock_;
  Metrics* metrics_;
  mutable std::mutex mutex_;
  std::condition_variable wake_, written_;
  struct Queued {
    std::uint64_t seq = 0;
    db::AuditEntry entry;
    bool sync = false;  // from record_now(): fails instead of waiting for a retry
  };
  std::deque<Queued> queue_;
  std::uint64_t next_seq_ = 1;
  std::map<std::uint64_t, bool> sync_results_;  // record_now() entries: written or not
  bool writing_ = false;                        // a batch is being written
  std::uint64_t failures_logged_ = 0;
  // When the current run of failed writes began (time_point{} while writes succeed).
  std::chrono::steady_clock::time_point failing_since_{};
  std::string last_error_;
  bool healthy_ = true;
  bool stopping_ = false;
  std::optional<db::Connection> conn_;
  std::thread writer_;
};

}  // namespace citywatch::app
