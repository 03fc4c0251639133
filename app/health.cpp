#include "app/health.h"

#include <sys/statvfs.h>

#include <filesystem>

#include "app/audit_log.h"
#include "app/scheduler.h"
#include "db/migrations.h"
#include "db/sqlite.h"

namespace citywatch::app {

std::vector<ReadinessCheck> HealthMonitor::readiness() const {
  auto config = config_();
  std::vector<ReadinessCheck> checks;

  ReadinessCheck database{"database", false, ""};
  ReadinessCheck schema{"schema", false, ""};
  ReadinessCheck writable{"writable", false, ""};
  bool readonly = false;
  if (auto conn = db::Connection::open(config->database_path, false); !conn) {
    database.detail = conn.error().to_string();
    schema.detail = "database not reachable";
  } else if (auto version = db::schema_version(*conn); !version) {
    database.detail = version.error().to_string();
    schema.detail = "database not reachable";
  } else {
    database.ok = true;
    readonly = conn->is_readonly();
    schema.ok = *version == db::latest_schema_version();
    schema.detail =
        "version " + std::to_string(*version) +
        (schema.ok ? ""
                   : ", this citywatch needs " + std::to_string(db::latest_schema_version()) +
                         " (run citywatch init)");
  }
  checks.push_back(database);
  checks.push_back(schema);

  SchedulerStatus status = scheduler_ ? scheduler_->status() : SchedulerStatus{};
  if (readonly) {
    writable.detail = "the database is open read-only (file or file system not writable)";
  } else if (scheduler_ && status.last_tick == 0) {
    writable.detail = "no write attempted yet";
  } else if (scheduler_ && !status.database_ok) {
    writable.detail = status.database_error;
  } else {
    writable.ok = true;
  }
  checks.push_back(writable);

  ReadinessCheck disk{"disk", false, ""};
  std::filesystem::path dir = std::filesystem::path(config->database_path).parent_path();
  if (dir.empty()) dir = ".";
  struct statvfs vfs {};
  if (::statvfs(dir.c_str(), &vfs) != 0) {
    disk.detail = "cannot read free space of " + dir.string();
  } else {
    std::uint64_t free_mb = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize / (1024 * 1024);
    disk.ok = free_mb >= static_cast<std::uint64_t>(config->health.min_free_mb);
    disk.detail = std::to_string(free_mb) + " MiB free on " + dir.string() +
                  (disk.ok ? ""
                           : " (needs " + std::to_string(config->health.min_free_mb) +
                                 " MiB; free space or lower health.min_free_mb)");
  }
  checks.push_back(disk);

  if (scheduler_) {
    ReadinessCheck sched{"scheduler", false, ""};
    const core::UnixSeconds now = clock_.now();
    const core::UnixSeconds allowed =
        std::max<core::UnixSeconds>(3 * config->scheduler.tick_seconds, 15);
    if (status.last_tick == 0) {
      sched.detail = "starting";
    } else if (now - status.last_tick > allowed) {
      sched.detail = "last tick " + std::to_string(now - status.last_tick) + " s ago";
    } else {
      sched.ok = true;
      sched.detail = std::to_string(status.running.size()) + " job(s) running";
    }
    checks.push_back(sched);
  }
  if (audit_) {
    ReadinessCheck audit{"audit_log", audit_->healthy(), ""};
    if (!audit.ok) audit.detail = audit_->last_error();
    checks.push_back(audit);
  }
  return checks;
}

bool HealthMonitor::all_ok(const std::vector<ReadinessCheck>& checks) {
  for (const auto& c : checks) {
    if (!c.ok) return false;
  }
  return true;
}

void HealthMonitor::config_loaded(core::UnixSeconds at) {
  std::lock_guard lock(mutex_);
  if (state_.loaded_at != 0) ++state_.generation;
  state_.loaded_at = at;
  state_.last_reload_error.clear();
  state_.last_reload_at = at;
}

void HealthMonitor::config_rejected(const std::string& reason, core::UnixSeconds at) {
  std::lock_guard lock(mutex_);
  state_.last_reload_error = reason;
  state_.last_reload_at = at;
}

HealthMonitor::ConfigState HealthMonitor::config_state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

}  // namespace citywatch::app
