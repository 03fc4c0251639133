#include "db/jobs.h"

#include "core/json_writer.h"

namespace citywatch::db {
namespace {

constexpr std::string_view kJobColumns =
    "id, name, kind, schedule, params, origin, enabled, next_due, run_requested, lease_owner, "
    "lease_expires, checkpoint, last_started, last_finished, last_status, last_error, "
    "created_at, updated_at";

std::optional<core::UnixSeconds> opt_time(const Statement& s, int col) {
  if (s.is_null(col)) return std::nullopt;
  return s.int64(col);
}

JobRow read_job(const Statement& s) {
  JobRow j;
  j.id = s.int64(0);
  j.name = s.text(1);
  j.kind = s.text(2);
  j.schedule = s.text(3);
  j.params = s.text(4);
  j.origin = s.text(5);
  j.enabled = s.int64(6) != 0;
  j.next_due = s.int64(7);
  j.run_requested = s.int64(8) != 0;
  j.lease_owner = s.text(9);
  j.lease_expires = s.int64(10);
  j.checkpoint = s.text(11);
  j.last_started = opt_time(s, 12);
  j.last_finished = opt_time(s, 13);
  j.last_status = s.text(14);
  j.last_error = s.text(15);
  j.created_at = s.int64(16);
  j.updated_at = s.int64(17);
  return j;
}

core::Result<std::vector<JobRow>> collect_jobs(Statement& s) {
  std::vector<JobRow> out;
  while (true) {
    auto row = s.step();
    if (!row) return core::fail(row.error());
    if (!*row) break;
    out.push_back(read_job(s));
  }
  return out;
}

}  // namespace

core::Result<void> JobStore::sync(
    const std::vector<JobDefinition>& defs, const std::string& origin, core::UnixSeconds now,
    const std::function<core::UnixSeconds(const JobDefinition&)>& first_due) {
  auto tx = Transaction::begin(conn_);
  if (!tx) return core::fail(tx.error());
  auto find = conn_.prepare("SELECT kind, schedule, params, origin FROM jobs WHERE name = ?");
  if (!find) return core::fail(find.error());
  auto insert = conn_.prepare(
      "INSERT INTO jobs (name, kind, schedule, params, origin, enabled, next_due, created_at, "
      "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)");
  if (!insert) return core::fail(insert.error());
  // A new schedule restarts the count from now; other changes keep the due time.
  auto update = conn_.prepare(
      "UPDATE jobs SET kind = ?2, schedule = ?3, params = ?4, enabled = ?5, updated_at = ?6, "
      "next_due = CASE WHEN schedule <> ?3 THEN ?7 ELSE next_due END WHERE name = ?1");
  if (!update) return core::fail(update.error());
  auto disable = conn_.prepare(
      "UPDATE jobs SET enabled = 0, updated_at = ?2 WHERE origin = ?1 AND enabled = 1 AND name "
      "NOT IN (SELECT value FROM json_each(?3))");
  if (!disable) return core::fail(disable.error());

  core::JsonWriter names;
  names.begin_array();
  for (const auto& def : defs) {
    find->bind(1, def.name);
    auto row = find->step();
    if (!row) return core::fail(row.error());
    bool exists = *row;
    std::string existing_origin = exists ? find->text(3) : "";
    find->reset();
    if (exists && existing_origin != origin) {
      return core::fail(core::ErrorCode::kConfig,
                        "job name '" + def.name + "' is already used by a job created through " +
                            existing_origin + "; rename one of them");
    }
    if (exists) {
      update->bind(1, def.name)
          .bind(2, def.kind)
          .bind(3, def.schedule)
          .bind(4, def.params)
          .bind(5, def.enabled ? 1 : 0)
          .bind(6, now)
          .bind(7, first_due(def));
      CITYWATCH_TRY(update->run());
    } else {
      insert->bind(1, def.name)
          .bind(2, def.kind)
          .bind(3, def.schedule)
          .bind(4, def.params)
          .bind(5, origin)
          .bind(6, def.enabled ? 1 : 0)
          .bind(7, first_due(def))
          .bind(8, now);
      CITYWATCH_TRY(insert->run());
    }
    names.value(def.name);
  }
  names.end_array();
  disable->bind(1, origin).bind(2, now).bind(3, names.str());
  CITYWATCH_TRY(disable->run());
  return tx->commit();
}

core::Result<std::int64_t> JobStore::create(const JobDefinition& def, core::UnixSeconds next_due,
                                            core::UnixSeconds now) {
  auto exists = get(def.name);
  if (!exists) return core::fail(exists.error());
  if (*exists) {
    return core::fail(core::ErrorCode::kBadInput, "a job named '" + def.name + "' exists");
  }
  auto insert = conn_.prepare(
      "INSERT INTO jobs (name, kind, schedule, params, origin, enabled, next_due, created_at, "
      "updated_at) VALUES (?1, ?2, ?3, ?4, 'api', ?5, ?6, ?7, ?7)");
  if (!insert) return core::fail(insert.error());
  insert->bind(1, def.name)
      .bind(2, def.kind)
      .bind(3, def.schedule)
      .bind(4, def.params)
      .bind(5, def.enabled ? 1 : 0)
      .bind(6, next_due)
      .bind(7, now);
  CITYWATCH_TRY(insert->run());
  return conn_.last_insert_rowid();
}

core::Result<bool> JobStore::remove_api_job(const std::string& name) {
  auto stmt = conn_.prepare("DELETE FROM jobs WHERE name = ? AND origin = 'api'");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, name);
  CITYWATCH_TRY(stmt->run());
  return conn_.changes() > 0;
}

core::Result<std::vector<JobRow>> JobStore::list() {
  auto stmt = conn_.prepare("SELECT " + std::string(kJobColumns) + " FROM jobs ORDER BY name");
  if (!stmt) return core::fail(stmt.error());
  return collect_jobs(*stmt);
}

core::Result<std::optional<JobRow>> JobStore::get(const std::string& name) {
  auto stmt = conn_.prepare("SELECT " + std::string(kJobColumns) + " FROM jobs WHERE name = ?");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, name);
  auto rows = collect_jobs(*stmt);
  if (!rows) return core::fail(rows.error());
  if (rows->empty()) return std::optional<JobRow>();
  return std::optional<JobRow>(std::move(rows->front()));
}

core::Result<std::vector<JobRow>> JobStore::due(core::UnixSeconds now) {
  auto stmt = conn_.prepare(
      "SELECT " + std::string(kJobColumns) +
      " FROM jobs WHERE enabled = 1 AND (next_due <= ?1 OR run_requested = 1) "
      "AND (lease_owner IS NULL OR lease_expires < ?1) ORDER BY run_requested DESC, next_due");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, now);
  return collect_jobs(*stmt);
}

core::Result<bool> JobStore::claim(std::int64_t job_id, const std::string& owner,
                                   core::UnixSeconds now, core::UnixSeconds lease_until) {
  // One statement: SQLite's write lock makes the check and the take atomic across processes.
  auto stmt = conn_.prepare(
      "UPDATE jobs SET lease_owner = ?2, lease_expires = ?3, last_started = ?4 "
      "WHERE id = ?1 AND (lease_owner IS NULL OR lease_expires < ?4)");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, job_id).bind(2, owner).bind(3, lease_until).bind(4, now);
  CITYWATCH_TRY(stmt->run());
  return conn_.changes() == 1;
}

core::Result<void> JobStore::renew_leases(const std::string& owner, core::UnixSeconds lease_until) {
  auto stmt = conn_.prepare("UPDATE jobs SET lease_expires = ?2 WHERE lease_owner = ?1");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, owner).bind(2, lease_until);
  return stmt->run();
}

core::Result<std::int64_t> JobStore::start_run(std::int64_t job_id, const std::string& owner,
                                               const std::string& trigger, core::UnixSeconds now) {
  auto tx = Transaction::begin(conn_);
  if (!tx) return core::fail(tx.error());
  auto stmt = conn_.prepare(
      "INSERT INTO job_runs (job_id, owner, trigger, started_at, status) "
      "VALUES (?, ?, ?, ?, 'running')");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, job_id).bind(2, owner).bind(3, trigger).bind(4, now);
  CITYWATCH_TRY(stmt->run());
  std::int64_t id = conn_.last_insert_rowid();
  // The request is taken: a "run now" arriving from here on asks for another run.
  auto clear = conn_.prepare("UPDATE jobs SET run_requested = 0 WHERE id = ?");
  if (!clear) return core::fail(clear.error());
  clear->bind(1, job_id);
  CITYWATCH_TRY(clear->run());
  CITYWATCH_TRY(tx->commit());
  return id;
}

core::Result<void> JobStore::finish(std::int64_t job_id, std::int64_t run_id,
                                    const std::string& owner, const Finish& f,
                                    core::UnixSeconds now) {
  auto tx = Transaction::begin(conn_);
  if (!tx) return core::fail(tx.error());
  auto run = conn_.prepare(
      "UPDATE job_runs SET finished_at = ?2, status = ?3, summary = ?4, error = ?5 WHERE id = ?1");
  if (!run) return core::fail(run.error());
  run->bind(1, run_id).bind(2, now).bind(3, f.status);
  run->bind_text_or_null(4, f.summary).bind_text_or_null(5, f.error);
  CITYWATCH_TRY(run->run());
  auto job = conn_.prepare(
      "UPDATE jobs SET lease_owner = NULL, lease_expires = NULL, last_finished = ?3, "
      "last_status = ?4, last_error = ?5, next_due = coalesce(?6, next_due) "
      "WHERE id = ?1 AND lease_owner = ?2");
  if (!job) return core::fail(job.error());
  job->bind(1, job_id).bind(2, owner).bind(3, now).bind(4, f.status);
  job->bind_text_or_null(5, f.error).bind(6, f.next_due);
  CITYWATCH_TRY(job->run());
  return tx->commit();
}

core::Result<void> JobStore::save_checkpoint(std::int64_t job_id, const std::string& owner,
                                             const std::string& checkpoint) {
  auto stmt = conn_.prepare("UPDATE jobs SET checkpoint = ?3 WHERE id = ?1 AND lease_owner = ?2");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, job_id).bind(2, owner).bind_text_or_null(3, checkpoint);
  return stmt->run();
}

core::Result<bool> JobStore::request_run(const std::string& name) {
  auto stmt = conn_.prepare("UPDATE jobs SET run_requested = 1 WHERE name = ?");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, name);
  CITYWATCH_TRY(stmt->run());
  return conn_.changes() > 0;
}

core::Result<int> JobStore::release_dead_leases(
    const std::function<bool(const std::string&)>& is_dead) {
  auto owners = conn_.prepare(
      "SELECT DISTINCT owner FROM job_runs WHERE status = 'running' UNION "
      "SELECT DISTINCT lease_owner FROM jobs WHERE lease_owner IS NOT NULL");
  if (!owners) return core::fail(owners.error());
  std::vector<std::string> dead;
  while (true) {
    auto row = owners->step();
    if (!row) return core::fail(row.error());
    if (!*row) break;
    std::string owner = owners->text(0);
    if (is_dead(owner)) dead.push_back(owner);
  }
  if (dead.empty()) return 0;
  auto tx = Transaction::begin(conn_);
  if (!tx) return core::fail(tx.error());
  auto free = conn_.prepare(
      "UPDATE jobs SET lease_owner = NULL, lease_expires = NULL, last_status = 'interrupted' "
      "WHERE lease_owner = ?");
  auto runs = conn_.prepare(
      "UPDATE job_runs SET status = 'interrupted', error = 'the daemon running it stopped "
      "(killed or crashed)' WHERE owner = ? AND status = 'running'");
  auto gone = conn_.prepare("DELETE FROM daemons WHERE owner = ?");
  if (!free) return core::fail(free.error());
  if (!runs) return core::fail(runs.error());
  if (!gone) return core::fail(gone.error());
  int freed = 0;
  for (const auto& owner : dead) {
    free->bind(1, owner);
    CITYWATCH_TRY(free->run());
    freed += conn_.changes();
    runs->bind(1, owner);
    CITYWATCH_TRY(runs->run());
    gone->bind(1, owner);
    CITYWATCH_TRY(gone->run());
  }
  CITYWATCH_TRY(tx->commit());
  return freed;
}

core::Result<std::vector<JobRunRow>> JobStore::runs(std::optional<std::int64_t> job_id,
                                                    std::optional<std::int64_t> before_id,
                                                    std::size_t limit) {
  auto stmt = conn_.prepare(
      "SELECT r.id, r.job_id, j.name, r.owner, r.trigger, r.started_at, r.finished_at, "
      "r.status, r.summary, r.error FROM job_runs r JOIN jobs j ON j.id = r.job_id "
      "WHERE (?1 IS NULL OR r.job_id = ?1) AND r.id < coalesce(?2, 9223372036854775807) "
      "ORDER BY r.id DESC LIMIT ?3");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, job_id).bind(2, before_id).bind(3, static_cast<std::int64_t>(limit));
  std::vector<JobRunRow> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return core::fail(row.error());
    if (!*row) break;
    JobRunRow r;
    r.id = stmt->int64(0);
    r.job_id = stmt->int64(1);
    r.job_name = stmt->text(2);
    r.owner = stmt->text(3);
    r.trigger = stmt->text(4);
    r.started_at = stmt->int64(5);
    r.finished_at = opt_time(*stmt, 6);
    r.status = stmt->text(7);
    r.summary = stmt->text(8);
    r.error = stmt->text(9);
    out.push_back(std::move(r));
  }
  return out;
}

core::Result<bool> JobStore::has_feed_item(const std::string& source, const std::string& item) {
  auto stmt = conn_.prepare("SELECT 1 FROM feed_items WHERE source = ? AND item = ?");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, source).bind(2, item);
  auto row = stmt->step();
  if (!row) return core::fail(row.error());
  return *row;
}

core::Result<void> JobStore::add_feed_item(const std::string& source, const std::string& item,
                                           core::UnixSeconds now,
                                           std::optional<std::int64_t> import_id) {
  auto stmt = conn_.prepare(
      "INSERT INTO feed_items (source, item, fetched_at, import_id) VALUES (?, ?, ?, ?) "
      "ON CONFLICT DO NOTHING");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, source).bind(2, item).bind(3, now).bind(4, import_id);
  return stmt->run();
}

core::Result<void> JobStore::heartbeat(const std::string& owner, const std::string& host, int pid,
                                       const std::string& version, core::UnixSeconds started,
                                       core::UnixSeconds now) {
  auto stmt = conn_.prepare(
      "INSERT INTO daemons (owner, host, pid, version, started_at, heartbeat_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (owner) DO UPDATE SET heartbeat_at = ?6");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, owner).bind(2, host).bind(3, pid).bind(4, version).bind(5, started).bind(6, now);
  return stmt->run();
}

core::Result<void> JobStore::remove_daemon(const std::string& owner) {
  auto stmt = conn_.prepare("DELETE FROM daemons WHERE owner = ?");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, owner);
  return stmt->run();
}

}  // namespace citywatch::db
