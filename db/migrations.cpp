#include "db/migrations.h"

#include <array>
#include <string>

namespace citywatch::db {
namespace {

// Addresses are stored as the integer value for IPv4 and a 16-byte blob for IPv6 (the column
// has no declared type, so SQLite keeps each as given). Integer keys make the B-tree much
// cheaper than text, and WITHOUT ROWID tables keep one B-tree per table instead of two.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE imports (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  path TEXT NOT NULL,
  report_type TEXT,
  pid INTEGER,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'interrupted')),
  records_read INTEGER NOT NULL DEFAULT 0,
  imported INTEGER NOT NULL DEFAULT 0,
  duplicates INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0,
  reject_file TEXT
);

CREATE TABLE devices (
  ip NOT NULL PRIMARY KEY,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  hostname TEXT,
  asn INTEGER,
  org TEXT,
  vendor TEXT,
  model TEXT,
  device_type TEXT,
  firmware TEXT,
  cpe TEXT
) WITHOUT ROWID;

CREATE TABLE services (
  ip NOT NULL,
  port INTEGER NOT NULL,
  transport INTEGER NOT NULL,
  protocol TEXT,
  product TEXT,
  version TEXT,
  cpe TEXT,
  banner_hash INTEGER,
  auth TEXT NOT NULL DEFAULT 'unknown'
    CHECK (auth IN ('none', 'default-credentials', 'required', 'unknown')),
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY (ip, port, transport)
) WITHOUT ROWID;

CREATE TABLE observations (
  ip NOT NULL,
  port INTEGER NOT NULL,
  transport INTEGER NOT NULL,
  observed_at INTEGER NOT NULL,
  source INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  src_port INTEGER,
  protocol TEXT,
  report_type TEXT,
  product TEXT,
  version TEXT,
  vendor TEXT,
  model TEXT,
  device_type TEXT,
  firmware TEXT,
  cpes TEXT,
  hostnames TEXT,
  tags TEXT,
  org TEXT,
  isp TEXT,
  asn INTEGER,
  geo_country TEXT,
  geo_city TEXT,
  geo_lat REAL,
  geo_lon REAL,
  vulns TEXT,
  excerpt TEXT,
  fields TEXT,
  import_id INTEGER,
  PRIMARY KEY (ip, port, transport, observed_at, source)
) WITHOUT ROWID;

CREATE INDEX observations_by_time ON observations (observed_at);
)sql";

// The daemon: scheduled jobs and their runs, feed items already fetched, running daemons,
// users and API tokens, the audit log, daily counts that outlive retention, and the view that
// scopes partners to their own devices.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  schedule TEXT NOT NULL,
  params TEXT NOT NULL DEFAULT '{}',
  origin TEXT NOT NULL CHECK (origin IN ('config', 'api', 'builtin')),
  enabled INTEGER NOT NULL DEFAULT 1,
  next_due INTEGER NOT NULL,
  run_requested INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_expires INTEGER,
  checkpoint TEXT,
  last_started INTEGER,
  last_finished INTEGER,
  last_status TEXT,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE job_runs (
  id INTEGER PRIMARY KEY,
  job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  owner TEXT NOT NULL,
  trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual')),
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'interrupted')),
  summary TEXT,
  error TEXT
);
CREATE INDEX job_runs_by_job ON job_runs (job_id, id);

CREATE TABLE feed_items (
  source TEXT NOT NULL,
  item TEXT NOT NULL,
  fetched_at INTEGER NOT NULL,
  import_id INTEGER,
  PRIMARY KEY (source, item)
) WITHOUT ROWID;

CREATE TABLE daemons (
  owner TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  version TEXT,
  started_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  role TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'partner', 'screen')),
  partner_id INTEGER,
  password_hash TEXT,
  oidc_issuer TEXT,
  oidc_subject TEXT,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK ((role = 'partner') = (partner_id IS NOT NULL)),
  UNIQUE (oidc_issuer, oidc_subject)
);

CREATE TABLE tokens (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('api', 'session')),
  label TEXT,
  hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX tokens_by_user ON tokens (user_id);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  role TEXT,
  action TEXT NOT NULL,
  object TEXT,
  detail TEXT,
  remote TEXT
);
CREATE INDEX audit_by_object ON audit_log (object);

CREATE TABLE daily_counts (
  day INTEGER NOT NULL,
  metric TEXT NOT NULL,
  dimension TEXT NOT NULL DEFAULT '',
  value INTEGER NOT NULL,
  PRIMARY KEY (day, metric, dimension)
) WITHOUT ROWID;

CREATE INDEX devices_by_first_seen ON devices (first_seen);

CREATE VIEW partner_visible_ips AS SELECT NULL AS partner_id, NULL AS ip WHERE 0;
)sql";

constexpr std::array<Migration, 2> kMigrations{{
    {1, "devices, services, observations, imports", kV1},
    {2, "daemon: jobs, users, tokens, audit log, daily counts, partner view", kV2},
}};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }
int latest_schema_version() { return kMigrations.back().version; }

core::Result<int> schema_version(Connection& conn) {
  auto stmt = conn.prepare("PRAGMA user_version");
  if (!stmt) return core::fail(stmt.error());
  auto row = stmt->step();
  if (!row) return core::fail(row.error());
  return static_cast<int>(stmt->int64(0));
}

core::Result<int> migrate(Connection& conn) {
  auto current = schema_version(conn);
  if (!current) return current;
  if (*current > latest_schema_version()) {
    return core::fail(core::ErrorCode::kConfig,
                      "database schema version " + std::to_string(*current) +
                          " is newer than this citywatch (" +
                          std::to_string(latest_schema_version()) +
                          "); upgrade citywatch or use a backup made by this version",
                      conn.path());
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= *current) continue;
    auto tx = Transaction::begin(conn);
    if (!tx) return core::fail(tx.error());
    // Re-check inside the write lock: another process may have migrated meanwhile.
    auto now = schema_version(conn);
    if (!now) return now;
    if (*now >= m.version) continue;
    auto applied = conn.exec(m.sql);
    if (!applied) {
      auto err = applied.error();
      err.message = "migration " + std::to_string(m.version) + " failed: " + err.message;
      return core::fail(std::move(err));
    }
    CITYWATCH_TRY(conn.exec("PRAGMA user_version = " + std::to_string(m.version)));
    CITYWATCH_TRY(tx->commit());
  }
  return latest_schema_version();
}

}  // namespace citywatch::db
