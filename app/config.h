// app/config.h: the TOML configuration (deploy/citywatch.example.toml documents every key).
// Every key has a default that works for the bundled The Hague setup; relative paths in a file
// are relative to that file's directory. Secrets are never in this file: it names files (or
// the environment) they are read from, by app/secrets.h, when the daemon needs them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/partner.h"
#include "core/result.h"
#include "enrich/geolocator.h"
#include "notify/formats.h"
#include "notify/retry.h"

namespace citywatch::app {

// [scan]: active scanning (docs/scanning.md).
struct ScanConfig {
  std::string contact_url;             // in every probe's User-Agent
  std::size_t rate = 1000;             // new connections per second, all targets
  std::size_t network_rate = 100;      // new connections per second into one network
  std::size_t network_prefix_v4 = 24;  // what "one network" is
  std::size_t network_prefix_v6 = 48;
  std::size_t max_in_flight = 2048;
  std::size_t connect_timeout_ms = 3000;
  std::size_t read_timeout_ms = 5000;
  std::size_t udp_timeout_ms = 2000;
  std::size_t conversation_timeout_ms = 15000;
  // Per protocol ("telnet", "http", "snmp", ...): the wait for an answer instead of
  // read_timeout_ms / udp_timeout_ms.
  std::map<std::string, std::size_t> protocol_timeouts_ms;
  std::size_t retries = 1;
  std::size_t max_read_bytes = 262144;
  std::size_t max_login_attempts = 3;       // per device, authorised scopes only
  std::size_t max_scope_addresses = 65536;  // wider scopes need --allow-wide
  std::string blocklist;                    // files of addresses/CIDRs never scanned
  std::string opt_out;
  // Scope files scan jobs may name: a job's scope NAME is <scope_dir>/NAME.scope, so jobs
  // (which analysts create) read no other file. Empty: no scan jobs.
  std::string scope_dir;
};

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";
  std::size_t threads = 8;                      // HTTP worker threads (one per open connection)
  std::size_t max_body_bytes = 64 * 1024;       // JSON request bodies
  std::size_t max_upload_bytes = 512ull << 20;  // feed files uploaded to /api/v1/imports
  std::int64_t request_timeout_seconds = 15;    // longest database work for one request
  std::int64_t session_minutes = 720;           // lifetime of a POST /api/v1/session token
  std::int64_t screen_min_count = 5;            // counts below this are hidden from `screen`
  std::int64_t aggregate_cache_seconds = 30;    // aggregates are recomputed at most this often
  std::string web_dir;  // dashboard assets; empty: the source tree's web/ or the installed one
  bool screen_public = false;  // the City Hall screen and open data without a token
};

struct SchedulerConfig {
  std::int64_t tick_seconds = 5;
  std::int64_t lease_seconds = 120;
  std::size_t workers = 2;
  std::int64_t shutdown_grace_seconds = 20;
};

struct RetentionConfig {
  std::int64_t observation_days = 90;
  std::int64_t device_days = 365;
  std::int64_t audit_days = 730;
  std::int64_t job_run_days = 180;
  std::int64_t reject_file_days = 30;
  std::string schedule = "30 3 * * *";
};

struct HttpClientConfig {
  std::string user_agent = "citywatch/0.1 (municipal IoT security monitor)";
  std::int64_t timeout_seconds = 600;
  std::int64_t connect_timeout_seconds = 20;
  std::size_t max_download_bytes = 2048ull << 20;
  std::string ca_file;
};

struct ShodanFeedConfig {
  bool enabled = false;
  std::string api_key_file;  // or CITYWATCH_SHODAN_API_KEY
  std::vector<std::string> networks;
  std::string query;  // extra filters appended to each "net:" query
  std::string schedule = "every 24h";
  std::string base_url = "https://api.shodan.io";
  std::int64_t max_pages = 100;
  std::int64_t min_interval_ms = 1000;
  std::int64_t stale_after_hours = 48;
};

struct ShadowserverFeedConfig {
  bool enabled = false;
  std::string api_key_file;  // or CITYWATCH_SHADOWSERVER_API_KEY
  std::string secret_file;   // or CITYWATCH_SHADOWSERVER_SECRET
  std::string api_url = "https://transform.shadowserver.org/api2/";
  std::string download_url = "https://dl.shadowserver.org/";
  std::vector<std::string> reports;
  std::vector<std::string> types;
  std::string schedule = "every 6h";
  std::int64_t lookback_days = 3;
  std::int64_t stale_after_hours = 48;
};

struct DropDirConfig {
  std::string path;  // empty: no drop directory
  std::string schedule = "every 1m";
  std::int64_t stale_after_hours = 0;  // 0: files arrive irregularly, never stale
};

struct AlertsConfig {
  std::string syslog;  // "udp://host:port" or "tcp://host:port"; empty: off
  std::string syslog_facility = "local0";
  std::string webhook_url;  // empty: off
  std::string webhook_secret_file;
  std::string feed_check_schedule = "every 15m";
};

struct HealthConfig {
  std::int64_t min_free_mb = 256;
};

// A job the configuration asks for that is not a feed (e.g. kind "scan"); params are checked
// by the kind (validate_params) when the daemon takes the configuration.
struct ConfiguredJob {
  std::string name, kind, schedule;
  std::string params_json = "{}";
  bool enabled = true;
};

// The bundled The Hague setup: the CBS 2023 boundary and wijken from data/geo/, no database.
enrich::GeoConfig default_geo_config();

// A [[partner]] table: the partner, and a prefix CSV (prefix,asn,organisation) to read in.
struct ConfigPartner {
  core::Partner partner;
  std::string prefix_csv;
  int line = 0;  // where the table starts, for messages
};

// [notify]: defaults for every partner, the retry policy and the re-check.
struct NotifyConfig {
  core::UnixSeconds interval = 7 * 86400;        // partners without their own interval
  core::UnixSeconds recheck_after = 14 * 86400;  // after an acknowledgement
  notify::RetryPolicy retry;
  core::UnixSeconds timeout = 30;
  core::UnixSeconds connect_timeout = 10;
  std::vector<std::string> in_city{"yes"};  // device locations whose findings are notified
  std::string mail_from = "citywatch@localhost";
  notify::Reporter reporter;
  // The daemon's notify job (build due batches, deliver due push batches); empty: none, batches
  // are built and sent with `citywatch batches build|send` only.
  std::string schedule = "every 1h";
  std::vector<ConfigPartner> partners;
};

struct Config {
  std::string source_path;  // the file it was read from; empty for built-in defaults
  std::string city_name = "'s-Gravenhage";
  std::string city_code = "GM0518";
  // [geo]; city name, code and aliases are copied in from [city] when the file is loaded.
  enrich::GeoConfig geo = default_geo_config();
  std::string database_path = "citywatch.db";
  std::size_t import_chunk_size = 5000;  // observations per transaction
  std::string reject_dir;                // empty: "<database>.rejects" beside the database
  std::size_t print_errors = 10;         // bad records printed per file (all are counted)
  // [risk] data_dir: where the rule and list files (fingerprints/, credentials/, vulns/) are;
  // empty: the shipped data (app/data_dir.h).
  std::string data_dir;
  std::size_t gone_after_days = 30;  // `findings sweep`: active findings not seen for this long

  // [capture]
  std::string credentials_file;           // default-credential CSV; empty: credentials not matched
  std::size_t capture_max_flows = 65536;  // TCP flows followed at once
  std::size_t capture_stream_bytes = 4096;  // bytes kept per direction of a flow
  std::size_t capture_flow_idle_seconds = 120;
  std::size_t capture_flush_seconds = 60;  // live capture: write what was seen this often
  ScanConfig scan;
  NotifyConfig notify;

  ServerConfig server;
  SchedulerConfig scheduler;
  RetentionConfig retention;
  HttpClientConfig http_client;
  ShodanFeedConfig shodan;
  ShadowserverFeedConfig shadowserver;
  DropDirConfig dropdir;
  AlertsConfig alerts;
  HealthConfig health;
  std::vector<ConfiguredJob> jobs;

  std::string effective_reject_dir() const {
    return reject_dir.empty() ? database_path + ".rejects" : reject_dir;
  }
  // Downloads and uploads wait here until imported.
  std::string spool_dir() const { return database_path + ".spool"; }
};

// Reads and validates a config file. Unknown keys are errors (a typo must not silently fall
// back to a default); so are wrong types, out-of-range values, schedules that do not parse and
// networks that are not CIDR prefixes. kConfig with file:line.
core::Result<Config> load_config(const std::string& path);

// The same from text already in memory (what load_config does after reading the file; the fuzz
// target calls it directly). name stands for the file in every error's where, and relative
// paths in the text resolve against name's directory.
core::Result<Config> parse_config(std::string_view text, const std::string& name);

// Job names are identifiers: letters, digits, '-', '_' and '.', 1 to 64 of them.
bool valid_job_name(std::string_view name);

}  // namespace citywatch::app
