// app/health.h: is the daemon ready to serve? /readyz fails, with the reason, when the
// database cannot be opened, its schema is not this version's, it cannot be written (read-only
// file or file system, full disk: the scheduler's heartbeat write is the probe), free space is
// below health.min_free_mb, the scheduler has not ticked lately, or the audit log cannot be
// written. The daemon keeps running in all these cases (no crash loop) and recovers by itself
// when the cause goes away. Also keeps the state of configuration reloads. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/config.h"
#include "core/time.h"

namespace citywatch::app {

class AuditLog;
class Scheduler;

struct ReadinessCheck {
  std::string name;
  bool ok = false;
  std::string detail;
};

class HealthMonitor {
 public:
  HealthMonitor(std::function<std::shared_ptr<const Config>()> config, Scheduler* scheduler,
                AuditLog* audit, const core::Clock& clock)
      : config_(std::move(config)), scheduler_(scheduler), audit_(audit), clock_(clock) {}

  std::vector<ReadinessCheck> readiness() const;
  static bool all_ok(const std::vector<ReadinessCheck>& checks);

  struct ConfigState {
    int generation = 1;
    core::UnixSeconds loaded_at = 0;
    std::string last_reload_error;  // empty when the last reload succeeded
    core::UnixSeconds last_reload_at = 0;
  };
  void config_loaded(core::UnixSeconds at);
  void config_rejected(const std::string& reason, core::UnixSeconds at);
  ConfigState config_state() const;

 private:
  std::function<std::shared_ptr<const Config>()> config_;
  Scheduler* scheduler_;
  AuditLog* audit_;
  const core::Clock& clock_;
  mutable std::mutex mutex_;
  ConfigState state_;
};

}  // namespace citywatch::app
