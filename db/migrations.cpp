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

// Fingerprints on devices and services, findings with their history, exemptions, and the local
// vulnerability database (NVD CVEs with their CPE match ranges, CISA KEV).
constexpr std::string_view kV2 = R"sql(
ALTER TABLE devices ADD COLUMN fingerprint_rule TEXT;
ALTER TABLE devices ADD COLUMN fingerprint_confidence INTEGER;
ALTER TABLE devices ADD COLUMN risk_score INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN risk_explanation TEXT;
ALTER TABLE services ADD COLUMN vendor TEXT;
ALTER TABLE services ADD COLUMN model TEXT;
ALTER TABLE services ADD COLUMN device_type TEXT;
ALTER TABLE services ADD COLUMN firmware TEXT;
ALTER TABLE services ADD COLUMN fingerprint_rule TEXT;

CREATE TABLE findings (
  id INTEGER PRIMARY KEY,
  ip NOT NULL,
  port INTEGER NOT NULL,
  transport INTEGER NOT NULL,
  kind TEXT NOT NULL,
  code TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
  confidence TEXT NOT NULL CHECK (confidence IN ('confirmed', 'likely', 'unverified')),
  status TEXT NOT NULL
    CHECK (status IN ('open', 'notified', 'fixed', 'verified', 'reopened', 'gone')),
  sentence TEXT NOT NULL,
  evidence TEXT NOT NULL,
  cves TEXT,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  status_observed_at INTEGER NOT NULL,
  status_changed_at INTEGER NOT NULL,
  UNIQUE (ip, port, transport, kind, code)
);
CREATE INDEX findings_by_status ON findings (status, severity);

CREATE TABLE finding_events (
  id INTEGER PRIMARY KEY,
  finding_id INTEGER NOT NULL REFERENCES findings (id),
  at INTEGER NOT NULL,
  observed_at INTEGER,
  event TEXT NOT NULL,
  status TEXT NOT NULL,
  severity TEXT NOT NULL,
  evidence TEXT,
  note TEXT
);
CREATE INDEX finding_events_by_finding ON finding_events (finding_id);

CREATE TABLE exemptions (
  id INTEGER PRIMARY KEY,
  finding_id INTEGER REFERENCES findings (id),
  ip,
  reason TEXT NOT NULL CHECK (reason IN ('not-ours', 'research-honeypot', 'accepted-risk')),
  note TEXT,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  CHECK ((finding_id IS NULL) != (ip IS NULL))
);
CREATE INDEX exemptions_by_finding ON exemptions (finding_id);
CREATE INDEX exemptions_by_ip ON exemptions (ip);

CREATE TABLE vuln_cves (
  cve TEXT PRIMARY KEY,
  description TEXT,
  cvss REAL,
  cvss_vector TEXT,
  published TEXT,
  last_modified TEXT,
  kev_date TEXT
) WITHOUT ROWID;

CREATE TABLE vuln_cpe_matches (
  cve TEXT NOT NULL,
  part TEXT NOT NULL,
  vendor TEXT NOT NULL,
  product TEXT NOT NULL,
  version TEXT NOT NULL,
  criteria TEXT NOT NULL,
  start_including TEXT,
  start_excluding TEXT,
  end_including TEXT,
  end_excluding TEXT
);
CREATE INDEX vuln_cpe_matches_by_product ON vuln_cpe_matches (vendor, product);
CREATE INDEX vuln_cpe_matches_by_cve ON vuln_cpe_matches (cve);

CREATE TABLE vuln_kev (
  cve TEXT PRIMARY KEY,
  vendor TEXT,
  product TEXT,
  name TEXT,
  date_added TEXT,
  due_date TEXT,
  ransomware TEXT
) WITHOUT ROWID;
)sql";

// Where each device is (enrich/geolocator): in the city or not, district, point, method and
// confidence, and the feed's own opinion with a count of the times it contradicted ours.
constexpr std::string_view kV3 = R"sql(
ALTER TABLE devices ADD COLUMN in_city TEXT
  CHECK (in_city IN ('yes', 'no', 'possibly', 'unknown'));
ALTER TABLE devices ADD COLUMN district_code TEXT;
ALTER TABLE devices ADD COLUMN district_name TEXT;
ALTER TABLE devices ADD COLUMN geo_city TEXT;
ALTER TABLE devices ADD COLUMN geo_postal_code TEXT;
ALTER TABLE devices ADD COLUMN geo_region TEXT;
ALTER TABLE devices ADD COLUMN geo_country TEXT;
ALTER TABLE devices ADD COLUMN latitude REAL;
ALTER TABLE devices ADD COLUMN longitude REAL;
ALTER TABLE devices ADD COLUMN accuracy_km REAL;
ALTER TABLE devices ADD COLUMN geo_method TEXT
  CHECK (geo_method IN ('none', 'municipal-range', 'prefix-map', 'mmdb', 'feed'));
ALTER TABLE devices ADD COLUMN geo_confidence REAL;
ALTER TABLE devices ADD COLUMN geo_note TEXT;
ALTER TABLE devices ADD COLUMN feed_city TEXT;
ALTER TABLE devices ADD COLUMN feed_in_city TEXT
  CHECK (feed_in_city IN ('yes', 'no', 'possibly', 'unknown'));
ALTER TABLE devices ADD COLUMN geo_disagreements INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN located_at INTEGER;
CREATE INDEX devices_by_district ON devices (district_code) WHERE district_code IS NOT NULL;
CREATE INDEX devices_by_in_city ON devices (in_city);
)sql";

// The daemon: scheduled jobs and their runs, feed items already fetched, running daemons,
// users and API tokens, the audit log, daily counts that outlive retention, and the view that
// scopes partners to their own devices.
constexpr std::string_view kV4 = R"sql(
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

// Which findings each partner may see: those in its own batches. Empty until batches exist (the
// notify work replaces it with a view over batch items), so partners see no finding yet.
constexpr std::string_view kV5 = R"sql(
CREATE VIEW partner_visible_findings AS SELECT NULL AS partner_id, NULL AS finding_id WHERE 0;
)sql";

constexpr std::array<Migration, 5> kMigrations{{
    {1, "devices, services, observations, imports", kV1},
    {2, "fingerprints, findings, exemptions, vulnerability database", kV2},
    {3, "device locations", kV3},
    {4, "daemon: jobs, users, tokens, audit log, daily counts, partner view", kV4},
    {5, "partner view of findings", kV5},
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
