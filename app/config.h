// app/config.h: the TOML configuration (deploy/citywatch.example.toml documents every key).
// Every key has a default that works for the bundled The Hague setup; relative paths in a file
// are relative to that file's directory.
#pragma once

#include <cstddef>
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
  std::vector<ConfigPartner> partners;
};

struct Config {
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
};

// Reads and validates a config file. Unknown keys are errors (a typo must not silently fall
// back to a default); so are wrong types and out-of-range values. kConfig with file:line.
core::Result<Config> load_config(const std::string& path);

// The same from text already in memory (what load_config does after reading the file; the fuzz
// target calls it directly). name stands for the file in every error's where, and relative
// paths in the text resolve against name's directory.
core::Result<Config> parse_config(std::string_view text, const std::string& name);

}  // namespace citywatch::app
