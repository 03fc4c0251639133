#include "db/scan_store.h"

#include <unistd.h>

#include <map>
#include <tuple>

#include "db/dead_runs.h"
#include "db/store.h"

namespace citywatch::db {
namespace {

using ServiceKey = std::tuple<core::IpAddress, std::uint16_t, core::Transport>;

ServiceKey key_of(const RunService& s) { return {s.ip, s.port, s.transport}; }

}  // namespace

core::Result<std::int64_t> ScanStore::begin_run(const std::string& scope,
                                                const std::string& scope_key,
                                                const std::string& mode,
                                                const std::string& scope_file,
                                                core::UnixSeconds now) {
  // A run whose process is gone (killed, crashed) never finished: say so, so it is never
  // taken as the baseline of a delta.
  {
    auto dead = running_rows_of_dead_processes(conn_, "scan_runs");
    if (!dead) return core::fail(dead.error());
    for (auto id : *dead) {
      auto up = conn_.prepare(
          "UPDATE scan_runs SET status = 'interrupted', finished_at = ?2 WHERE id = ?1");
      if (!up) return core::fail(up.error());
      up->bind(1, id).bind(2, static_cast<std::int64_t>(now));
      CITYWATCH_TRY(up->run());
    }
  }
  auto s = conn_.prepare(
      "INSERT INTO scan_runs (scope, scope_key, mode, scope_file, pid, started_at, status) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running')");
  if (!s) return core::fail(s.error());
  s->bind(1, scope).bind(2, scope_key).bind(3, mode);
  s->bind_text_or_null(4, scope_file);
  s->bind(5, static_cast<std::int64_t>(::getpid())).bind(6, static_cast<std::int64_t>(now));
  CITYWATCH_TRY(s->run());
  return conn_.last_insert_rowid();
}

core::Result<void> ScanStore::add_services(std::int64_t run_id,
                                           const std::vector<RunService>& services) {
  if (services.empty()) return core::ok();
  auto tx = Transaction::begin(conn_);
  if (!tx) return core::fail(tx.error());
  auto s = conn_.prepare(
      "INSERT OR REPLACE INTO scan_run_services (run_id, ip, port, transport, protocol, summary, "
      "digest) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!s) return core::fail(s.error());
  for (const auto& r : services) {
    s->reset();
    s->bind(1, run_id);
    bind_ip(*s, 2, r.ip);
    s->bind(3, static_cast<std::int64_t>(r.port)).bind(4, static_cast<int>(r.transport));
    s->bind_text_or_null(5, r.protocol).bind_text_or_null(6, r.summary);
    s->bind(7, static_cast<std::int64_t>(r.digest));
    CITYWATCH_TRY(s->run());
  }
  return tx->commit();
}

core::Result<std::vector<RunService>> ScanStore::services_of(std::int64_t run_id) {
  auto s = conn_.prepare(
      "SELECT ip, port, transport, protocol, summary, digest FROM scan_run_services "
      "WHERE run_id = ?1");
  if (!s) return core::fail(s.error());
  s->bind(1, run_id);
  std::vector<RunService> out;
  while (true) {
    auto row = s->step();
    if (!row) return core::fail(row.error());
    if (!*row) break;
    RunService r;
    r.ip = column_ip(*s, 0);
    r.port = static_cast<std::uint16_t>(s->int64(1));
    r.transport = static_cast<core::Transport>(s->int64(2));
    r.protocol = s->text(3);
    r.summary = s->text(4);
    r.digest = static_cast<std::uint64_t>(s->int64(5));
    out.push_back(std::move(r));
  }
  return out;
}

core::Result<ScanDelta> ScanStore::finish_run(std::int64_t run_id, const std::string& status,
                                              const ScanRunTotals& totals, core::UnixSeconds now) {
  ScanDelta delta;
  if (status == "done") {
    auto prev = conn_.prepare(
        "SELECT p.id FROM scan_runs p JOIN scan_runs c ON c.id = ?1 "
        "WHERE p.scope_key = c.scope_key AND p.status = 'done' AND p.id < c.id "
        "ORDER BY p.id DESC LIMIT 1");
    if (!prev) return core::fail(prev.error());
    prev->bind(1, run_id);
    auto row = prev->step();
    if (!row) return core::fail(row.error());
    if (*row) delta.previous_run = prev->int64(0);
  }
  if (delta.previous_run) {
    auto before = services_of(*delta.previous_run);
    if (!before) return core::fail(before.error());
    auto after = services_of(run_id);
    if (!after) return core::fail(after.error());
    std::map<ServiceKey, RunService> old;
    for (auto& r : *before) old.emplace(key_of(r), std::move(r));
    for (auto& r : *after) {
      auto it = old.find(key_of(r));
      if (it == old.end()) {
        delta.added.push_back(std::move(r));
        continue;
      }
      if (it->second.digest != r.digest) delta.changed.push_back({std::move(it->second), r});
      old.erase(it);
    }
    for (auto& [k, r] : old) delta.gone.push_back(std::move(r));
  }
  auto s = conn_.prepare(
      "UPDATE scan_runs SET status = ?2, finished_at = ?3, addresses = ?4, targets = ?5, "
      "responses = ?6, outcomes = ?7, excluded_blocklist = ?8, excluded_opt_out = ?9, "
      "login_attempts = ?10, logins_accepted = ?11, new_services = ?12, changed_services = ?13, "
      "gone_services = ?14, previous_run = ?15 WHERE id = ?1");
  if (!s) return core::fail(s.error());
  auto n = [](std::uint64_t v) { return static_cast<std::int64_t>(v); };
  s->bind(1, run_id).bind(2, status).bind(3, static_cast<std::int64_t>(now));
  s->bind(4, n(totals.addresses)).bind(5, n(totals.targets)).bind(6, n(totals.responses));
  s->bind_text_or_null(7, totals.outcomes_json);
  s->bind(8, n(totals.excluded_blocklist)).bind(9, n(totals.excluded_opt_out));
  s->bind(10, n(totals.login_attempts)).bind(11, n(totals.logins_accepted));
  if (status == "done") {
    // The first run of a scope: everything it saw is new.
    std::size_t added = delta.previous_run ? delta.added.size() : 0;
    if (!delta.previous_run) {
      auto all = services_of(run_id);
      if (!all) return core::fail(all.error());
      added = all->size();
      delta.added = std::move(*all);
    }
    s->bind(12, static_cast<std::int64_t>(added));
    s->bind(13, static_cast<std::int64_t>(delta.changed.size()));
    s->bind(14, static_cast<std::int64_t>(delta.gone.size()));
  } else {
    s->bind_null(12).bind_null(13).bind_null(14);
  }
  s->bind(15, delta.previous_run);
  CITYWATCH_TRY(s->run());
  return delta;
}

core::Result<std::vector<ScanRunRecord>> ScanStore::runs(const std::string& scope,
                                                         std::size_t limit) {
  auto s = conn_.prepare(
      "SELECT id, scope, scope_key, mode, scope_file, status, started_at, finished_at, addresses, "
      "targets, responses, excluded_blocklist, excluded_opt_out, login_attempts, logins_accepted, "
      "outcomes, new_services, changed_services, gone_services FROM scan_runs "
      "WHERE ?1 = '' OR scope = ?1 ORDER BY id DESC LIMIT ?2");
  if (!s) return core::fail(s.error());
  s->bind(1, scope).bind(2, static_cast<std::int64_t>(limit));
  std::vector<ScanRunRecord> out;
  while (true) {
    auto row = s->step();
    if (!row) return core::fail(row.error());
    if (!*row) break;
    ScanRunRecord r;
    r.id = s->int64(0);
    r.scope = s->text(1);
    r.scope_key = s->text(2);
    r.mode = s->text(3);
    r.scope_file = s->text(4);
    r.status = s->text(5);
    r.started_at = s->int64(6);
    r.finished_at = s->is_null(7) ? 0 : s->int64(7);
    auto u = [&](int c) { return static_cast<std::uint64_t>(s->int64(c)); };
    r.totals.addresses = u(8);
    r.totals.targets = u(9);
    r.totals.responses = u(10);
    r.totals.excluded_blocklist = u(11);
    r.totals.excluded_opt_out = u(12);
    r.totals.login_attempts = u(13);
    r.totals.logins_accepted = u(14);
    r.totals.outcomes_json = s->text(15);
    if (!s->is_null(16)) r.new_services = s->int64(16);
    if (!s->is_null(17)) r.changed_services = s->int64(17);
    if (!s->is_null(18)) r.gone_services = s->int64(18);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace citywatch::db
