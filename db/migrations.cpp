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

// Active scan runs: what each run of a scope probed and found, and the services each run saw,
// so every run can be compared with the previous run of the same scope (new, changed, gone).
constexpr std::string_view kV4 = R"sql(
CREATE TABLE scan_runs (
  id INTEGER PRIMARY KEY,
  scope TEXT NOT NULL,
  scope_key TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('observe', 'authorised')),
  scope_file TEXT,
  pid INTEGER,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'interrupted')),
  addresses INTEGER NOT NULL DEFAULT 0,
  targets INTEGER NOT NULL DEFAULT 0,
  responses INTEGER NOT NULL DEFAULT 0,
  outcomes TEXT,
  excluded_blocklist INTEGER NOT NULL DEFAULT 0,
  excluded_opt_out INTEGER NOT NULL DEFAULT 0,
  login_attempts INTEGER NOT NULL DEFAULT 0,
  logins_accepted INTEGER NOT NULL DEFAULT 0,
  new_services INTEGER,
  changed_services INTEGER,
  gone_services INTEGER,
  previous_run INTEGER REFERENCES scan_runs (id)
);
CREATE INDEX scan_runs_by_scope ON scan_runs (scope_key, status, id);

CREATE TABLE scan_run_services (
  run_id INTEGER NOT NULL REFERENCES scan_runs (id),
  ip NOT NULL,
  port INTEGER NOT NULL,
  transport INTEGER NOT NULL,
  protocol TEXT,
  summary TEXT,
  digest INTEGER NOT NULL,
  PRIMARY KEY (run_id, ip, port, transport)
) WITHOUT ROWID;
)sql";

// Notifications (docs/notifications.md): partners with their prefixes and AS numbers, batches
// and their items (a snapshot of each finding as sent, so a retry sends the same bytes), every
// delivery attempt, what each partner was told about each finding (suppression and re-check),
// and the CISO team's queue of disputed items. Secrets are never stored: only the file or
// environment variable they are read from.
constexpr std::string_view kV5 = R"sql(
CREATE TABLE partners (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  organisation TEXT,
  contact TEXT,
  channel TEXT NOT NULL CHECK (channel IN ('webhook', 'email', 'pull')),
  format TEXT NOT NULL CHECK (format IN ('csv', 'json', 'xarf')),
  webhook_url TEXT,
  secret_file TEXT,
  secret_env TEXT,
  ca_file TEXT,
  allow_insecure INTEGER NOT NULL DEFAULT 0,
  email_to TEXT,
  smtp_url TEXT,
  smtp_user TEXT,
  smtp_password_file TEXT,
  smtp_password_env TEXT,
  interval_seconds INTEGER NOT NULL,
  opt_out_kinds TEXT,
  paused INTEGER NOT NULL DEFAULT 0,
  source TEXT NOT NULL CHECK (source IN ('cli', 'config')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  removed_at INTEGER
);

CREATE TABLE partner_prefixes (
  partner_id INTEGER NOT NULL REFERENCES partners (id),
  prefix TEXT NOT NULL,
  asn INTEGER,
  organisation TEXT,
  PRIMARY KEY (partner_id, prefix)
) WITHOUT ROWID;

CREATE TABLE partner_asns (
  partner_id INTEGER NOT NULL REFERENCES partners (id),
  asn INTEGER NOT NULL,
  PRIMARY KEY (partner_id, asn)
) WITHOUT ROWID;

CREATE TABLE batches (
  id INTEGER PRIMARY KEY,
  batch_id TEXT NOT NULL UNIQUE,
  partner_id INTEGER NOT NULL REFERENCES partners (id),
  format TEXT NOT NULL CHECK (format IN ('csv', 'json', 'xarf')),
  channel TEXT NOT NULL CHECK (channel IN ('webhook', 'email', 'pull')),
  created_at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'retry', 'delivered',
                                         'acknowledged', 'dead', 'discarded')),
  item_count INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  delivered_at INTEGER,
  acknowledged_at INTEGER,
  acknowledged_by TEXT,
  last_error TEXT
);
CREATE INDEX batches_by_status ON batches (status, next_attempt_at);
CREATE INDEX batches_by_partner ON batches (partner_id, created_at);

CREATE TABLE batch_items (
  batch INTEGER NOT NULL REFERENCES batches (id),
  item INTEGER NOT NULL,
  finding_id INTEGER NOT NULL REFERENCES findings (id),
  notice TEXT NOT NULL CHECK (notice IN ('new', 'repeat', 'severity-raised', 'recheck')),
  status TEXT NOT NULL,
  ip NOT NULL,
  port INTEGER NOT NULL,
  transport INTEGER NOT NULL,
  protocol TEXT,
  asn INTEGER,
  kind TEXT NOT NULL,
  code TEXT NOT NULL,
  severity TEXT NOT NULL,
  confidence TEXT NOT NULL,
  vendor TEXT,
  model TEXT,
  version TEXT,
  cves TEXT,
  summary TEXT,
  district_code TEXT,
  district_name TEXT,
  observed_at TEXT NOT NULL,
  src_port INTEGER,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  feedback TEXT CHECK (feedback IN ('not-our-customer', 'customer-informed', 'fixed', 'dispute')),
  feedback_note TEXT,
  feedback_at INTEGER,
  PRIMARY KEY (batch, item)
) WITHOUT ROWID;
CREATE INDEX batch_items_by_finding ON batch_items (finding_id);

CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY,
  batch INTEGER NOT NULL REFERENCES batches (id),
  attempt INTEGER NOT NULL,
  channel TEXT NOT NULL,
  pid INTEGER,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  outcome TEXT NOT NULL
    CHECK (outcome IN ('started', 'delivered', 'retry', 'dead', 'interrupted')),
  http_status INTEGER,
  response TEXT,
  error TEXT,
  next_attempt_at INTEGER,
  UNIQUE (batch, attempt)
);

CREATE TABLE partner_findings (
  partner_id INTEGER NOT NULL REFERENCES partners (id),
  finding_id INTEGER NOT NULL REFERENCES findings (id),
  last_batch INTEGER NOT NULL REFERENCES batches (id),
  last_sent_at INTEGER NOT NULL,
  last_severity TEXT NOT NULL,
  acknowledged_at INTEGER,
  recheck_due_at INTEGER,
  outcome_reported TEXT,
  PRIMARY KEY (partner_id, finding_id)
) WITHOUT ROWID;
CREATE INDEX partner_findings_by_finding ON partner_findings (finding_id);

CREATE TABLE disputes (
  id INTEGER PRIMARY KEY,
  batch INTEGER NOT NULL REFERENCES batches (id),
  item INTEGER NOT NULL,
  finding_id INTEGER NOT NULL REFERENCES findings (id),
  partner_id INTEGER NOT NULL REFERENCES partners (id),
  note TEXT,
  created_at INTEGER NOT NULL,
  resolved_at INTEGER,
  resolution TEXT,
  UNIQUE (batch, item)
);
)sql";

// The daemon: scheduled jobs and their runs, feed items already fetched, running daemons,
// users and API tokens, the audit log, daily counts that outlive retention, and the view that
// scopes partners to their own devices: the addresses of the findings in the partner's batches.
constexpr std::string_view kV6 = R"sql(
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

CREATE VIEW partner_visible_ips AS
  SELECT DISTINCT b.partner_id AS partner_id, f.ip AS ip
  FROM batch_items i JOIN batches b ON b.id = i.batch JOIN findings f ON f.id = i.finding_id;
)sql";

// Which findings each partner may see: those in its own batches.
constexpr std::string_view kV7 = R"sql(
CREATE VIEW partner_visible_findings AS
  SELECT DISTINCT b.partner_id AS partner_id, i.finding_id AS finding_id
  FROM batch_items i JOIN batches b ON b.id = i.batch;
)sql";

constexpr std::array<Migration, 7> kMigrations{{
    {1, "devices, services, observations, imports", kV1},
    {2, "fingerprints, findings, exemptions, vulnerability database", kV2},
    {3, "device locations", kV3},
    {4, "active scan runs and the services each run saw", kV4},
    {5, "notification partners, batches, deliveries, feedback", kV5},
    {6, "daemon: jobs, users, tokens, audit log, daily counts, partner view", kV6},
    {7, "partner view of findings", kV7},
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
