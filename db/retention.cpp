#include "db/retention.h"

#include "db/users.h"

namespace citywatch::db {
namespace {

core::Result<std::optional<std::int64_t>> oldest_observation(Connection& conn) {
  auto stmt = conn.prepare("SELECT min(observed_at) FROM observations");
  if (!stmt) return core::fail(stmt.error());
  auto row = stmt->step();
  if (!row) return core::fail(row.error());
  if (!*row || stmt->is_null(0)) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(stmt->int64(0));
}

std::int64_t day_of(core::UnixSeconds t) { return t >= 0 ? t / 86400 : (t - 86399) / 86400; }

// Counts one day into daily_counts and deletes its observations, in one transaction.
core::Result<std::int64_t> purge_day(Connection& conn, std::int64_t day) {
  auto tx = Transaction::begin(conn);
  if (!tx) return core::fail(tx.error());
  const std::int64_t from = day * 86400, to = from + 86400;
  auto by_source = conn.prepare(R"sql(
    INSERT INTO daily_counts (day, metric, dimension, value)
    SELECT ?1, 'observations', source, count(*) FROM observations
    WHERE observed_at >= ?2 AND observed_at < ?3 GROUP BY source
    ON CONFLICT (day, metric, dimension) DO UPDATE SET value = value + excluded.value)sql");
  if (!by_source) return core::fail(by_source.error());
  by_source->bind(1, day).bind(2, from).bind(3, to);
  CITYWATCH_TRY(by_source->run());
  auto devices = conn.prepare(R"sql(
    INSERT INTO daily_counts (day, metric, dimension, value)
    SELECT ?1, 'devices_seen', '', count(DISTINCT ip) FROM observations
    WHERE observed_at >= ?2 AND observed_at < ?3
    ON CONFLICT (day, metric, dimension) DO UPDATE SET value = value + excluded.value)sql");
  if (!devices) return core::fail(devices.error());
  devices->bind(1, day).bind(2, from).bind(3, to);
  CITYWATCH_TRY(devices->run());
  auto purge = conn.prepare("DELETE FROM observations WHERE observed_at >= ? AND observed_at < ?");
  if (!purge) return core::fail(purge.error());
  purge->bind(1, from).bind(2, to);
  CITYWATCH_TRY(purge->run());
  std::int64_t deleted = conn.changes();
  CITYWATCH_TRY(tx->commit());
  return deleted;
}

core::Result<std::int64_t> run_delete(Connection& conn, std::string_view sql,
                                      core::UnixSeconds before) {
  auto stmt = conn.prepare(sql);
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, before);
  CITYWATCH_TRY(stmt->run());
  return conn.changes();
}

}  // namespace

core::Result<RetentionResult> apply_retention(Connection& conn, const RetentionCutoffs& c,
                                              const std::function<bool()>& cancelled) {
  RetentionResult result;
  const std::int64_t cut_day = day_of(c.observations_before);
  while (true) {
    if (cancelled && cancelled()) {
      result.cancelled = true;
      return result;
    }
    auto oldest = oldest_observation(conn);
    if (!oldest) return core::fail(oldest.error());
    if (!*oldest || day_of(**oldest) >= cut_day) break;
    auto deleted = purge_day(conn, day_of(**oldest));
    if (!deleted) return core::fail(deleted.error());
    result.observations += *deleted;
    ++result.days;
  }

  {
    auto tx = Transaction::begin(conn);
    if (!tx) return core::fail(tx.error());
    // A purged device still counts as "new" on its first day in the trends.
    auto keep_counts = conn.prepare(R"sql(
      INSERT INTO daily_counts (day, metric, dimension, value)
      SELECT first_seen / 86400, 'new_devices', '', count(*) FROM devices
      WHERE last_seen < ?1 GROUP BY first_seen / 86400
      ON CONFLICT (day, metric, dimension) DO UPDATE SET value = value + excluded.value)sql");
    if (!keep_counts) return core::fail(keep_counts.error());
    keep_counts->bind(1, c.devices_before);
    CITYWATCH_TRY(keep_counts->run());
    // Their findings' history still counts in the new / fixed trends.
    auto keep_events = conn.prepare(R"sql(
      INSERT INTO daily_counts (day, metric, dimension, value)
      SELECT (CASE WHEN e.observed_at > 0 THEN e.observed_at ELSE e.at END) / 86400,
             'findings_' || e.event, '', count(*)
      FROM finding_events e JOIN findings f ON f.id = e.finding_id
      WHERE e.event IN ('opened', 'fixed', 'reopened')
        AND f.ip IN (SELECT ip FROM devices WHERE last_seen < ?1)
      GROUP BY 1, 2
      ON CONFLICT (day, metric, dimension) DO UPDATE SET value = value + excluded.value)sql");
    if (!keep_events) return core::fail(keep_events.error());
    keep_events->bind(1, c.devices_before);
    CITYWATCH_TRY(keep_events->run());
    for (std::string_view sql : {
             "DELETE FROM finding_events WHERE finding_id IN (SELECT id FROM findings WHERE ip IN "
             "(SELECT ip FROM devices WHERE last_seen < ?1))",
             "DELETE FROM exemptions WHERE ip IN (SELECT ip FROM devices WHERE last_seen < ?1) OR "
             "finding_id IN (SELECT id FROM findings WHERE ip IN (SELECT ip FROM devices WHERE "
             "last_seen < ?1))",
         }) {
      auto deleted = run_delete(conn, sql, c.devices_before);
      if (!deleted) return core::fail(deleted.error());
    }
    auto findings = run_delete(
        conn, "DELETE FROM findings WHERE ip IN (SELECT ip FROM devices WHERE last_seen < ?1)",
        c.devices_before);
    if (!findings) return core::fail(findings.error());
    result.findings = *findings;
    auto observations = run_delete(
        conn, "DELETE FROM observations WHERE ip IN (SELECT ip FROM devices WHERE last_seen < ?1)",
        c.devices_before);
    if (!observations) return core::fail(observations.error());
    result.observations += *observations;
    auto services = run_delete(conn,
                               "DELETE FROM services WHERE last_seen < ?1 OR ip IN "
                               "(SELECT ip FROM devices WHERE last_seen < ?1)",
                               c.devices_before);
    if (!services) return core::fail(services.error());
    result.services = *services;
    auto devices = run_delete(conn, "DELETE FROM devices WHERE last_seen < ?1", c.devices_before);
    if (!devices) return core::fail(devices.error());
    result.devices = *devices;
    CITYWATCH_TRY(tx->commit());
  }

  auto audit = purge_audit(conn, c.audit_before);
  if (!audit) return core::fail(audit.error());
  result.audit_entries = *audit;
  auto runs = run_delete(conn, "DELETE FROM job_runs WHERE status <> 'running' AND started_at < ?1",
                         c.job_runs_before);
  if (!runs) return core::fail(runs.error());
  result.job_runs = *runs;
  UserStore users(conn);
  auto tokens = users.purge_tokens(c.now, c.audit_before);
  if (!tokens) return core::fail(tokens.error());
  result.tokens = *tokens;
  return result;
}

}  // namespace citywatch::db
