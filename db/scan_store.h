// db/scan_store.h: active scan runs in the database (scan_runs, scan_run_services): a run is
// begun before the first packet, gets the services it saw, and is finished with its totals;
// finishing compares it with the previous finished run of the same scope (same name, targets
// and ports) and records what is new, what changed (protocol, product, version, fingerprint or
// authentication state) and what is gone. Works on a Connection owned by the caller; one per
// thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ip_address.h"
#include "core/observation.h"
#include "core/result.h"
#include "db/sqlite.h"

namespace citywatch::db {

struct RunService {
  core::IpAddress ip;
  std::uint16_t port = 0;
  core::Transport transport = core::Transport::kTcp;
  std::string protocol;
  std::string summary;       // "http D-Link camera dcs-lig-httpd, auth required": for people
  std::uint64_t digest = 0;  // of what a change means: protocol, product, version, auth
};

struct ServiceChange {
  RunService before, after;
};

struct ScanDelta {
  std::optional<std::int64_t> previous_run;  // none: the first run of this scope
  std::vector<RunService> added, gone;
  std::vector<ServiceChange> changed;
};

struct ScanRunTotals {
  std::uint64_t addresses = 0, targets = 0, responses = 0;
  std::uint64_t excluded_blocklist = 0, excluded_opt_out = 0;
  std::uint64_t login_attempts = 0, logins_accepted = 0;
  std::string outcomes_json;  // {"answered": 12, "closed": 3, ...}
};

struct ScanRunRecord {
  std::int64_t id = 0;
  std::string scope, scope_key, mode, scope_file, status;
  core::UnixSeconds started_at = 0, finished_at = 0;
  ScanRunTotals totals;
  std::optional<std::int64_t> new_services, changed_services, gone_services;
};

class ScanStore {
 public:
  explicit ScanStore(Connection& conn) : conn_(conn) {}

  // Marks runs of this process's predecessors that died mid-run as interrupted first.
  core::Result<std::int64_t> begin_run(const std::string& scope, const std::string& scope_key,
                                       const std::string& mode, const std::string& scope_file,
                                       core::UnixSeconds now);
  // In one transaction; a service seen twice in a run keeps its last version.
  core::Result<void> add_services(std::int64_t run_id, const std::vector<RunService>& services);
  // Status done or failed. Only a done run is compared and becomes the next run's baseline.
  core::Result<ScanDelta> finish_run(std::int64_t run_id, const std::string& status,
                                     const ScanRunTotals& totals, core::UnixSeconds now);
  core::Result<std::vector<ScanRunRecord>> runs(const std::string& scope, std::size_t limit);

 private:
  core::Result<std::vector<RunService>> services_of(std::int64_t run_id);
  Connection& conn_;
};

}  // namespace citywatch::db
