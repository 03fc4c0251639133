// db/queries.h: the reads behind the API and the CLI listings: devices, services and evidence
// with filters and keyset pagination, a device's history, imports, feed status, aggregates and
// trends. Every statement is fixed text with bound parameters; an absent filter binds NULL and
// drops out ("?N IS NULL OR ..."). Partner scoping goes through the view partner_visible_ips,
// so each device-level query enforces it in SQL. Works on a Connection it does not own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ip_address.h"
#include "core/observation.h"
#include "core/result.h"
#include "db/sqlite.h"
#include "db/store.h"

namespace citywatch::db {

// Who is reading. partner_id set: only the devices that partner may see (its batches).
struct Visibility {
  std::optional<std::int64_t> partner_id;
};

struct DeviceQuery {
  std::optional<std::string> vendor, model, device_type, protocol;
  std::optional<std::string> district;  // district code
  std::string in_city;                  // comma list of yes, no, possibly, unknown; empty: any
  std::optional<std::int64_t> asn, port, min_score;
  std::optional<core::Prefix> network;
  std::optional<core::UnixSeconds> seen_after, seen_before, first_seen_after;
  std::optional<core::IpAddress> after;  // keyset cursor: the last address of the previous page
  std::size_t limit = 100;
};

core::Result<std::vector<DeviceRecord>> list_devices(Connection& conn, const Visibility& who,
                                                     const DeviceQuery& filter);
core::Result<std::optional<DeviceRecord>> get_device(Connection& conn, const Visibility& who,
                                                     const core::IpAddress& ip);

struct ServiceKey {
  core::IpAddress ip;
  std::uint16_t port = 0;
  core::Transport transport = core::Transport::kTcp;
};

struct ServiceFilter {
  std::optional<std::string> protocol, product, auth;
  std::optional<std::int64_t> port;
  std::optional<core::Transport> transport;
  std::optional<core::Prefix> network;
  std::optional<core::IpAddress> ip;
  std::optional<core::UnixSeconds> seen_after;
  std::optional<ServiceKey> after;
  std::size_t limit = 100;
};

core::Result<std::vector<ServiceRecord>> list_services(Connection& conn, const Visibility& who,
                                                       const ServiceFilter& filter);

// One stored observation as the API shows it; list-valued columns as stored (space or comma
// separated), vulns and fields as JSON text.
struct ObservationRecord {
  core::IpAddress ip;
  std::uint16_t port = 0;
  core::Transport transport = core::Transport::kTcp;
  core::UnixSeconds observed_at = 0;
  core::Source source = core::Source::kShodan;
  core::ObservationKind kind = core::ObservationKind::kService;
  std::optional<std::int64_t> src_port, asn, import_id;
  std::string protocol, report_type, product, version, vendor, model, device_type, firmware;
  std::string cpes, hostnames, tags, org, isp, geo_country, geo_city;
  std::optional<double> geo_lat, geo_lon;
  std::string vulns_json, excerpt, fields_json;
};

struct ObservationCursor {
  core::UnixSeconds observed_at = 0;
  std::int64_t port = 0, transport = 0, source = 0;
};

struct ObservationFilter {
  core::IpAddress ip;
  std::optional<core::Source> source;
  std::optional<ObservationCursor> before;  // newest first
  std::size_t limit = 50;
};

core::Result<std::vector<ObservationRecord>> list_observations(Connection& conn,
                                                               const Visibility& who,
                                                               const ObservationFilter& filter);
// One observation by its key (a finding's evidence); nullopt when purged or not visible.
core::Result<std::optional<ObservationRecord>> get_observation(Connection& conn,
                                                               const Visibility& who,
                                                               const core::ObservationKey& key);

// What was seen of a device per day: which sources, which ports, how many observations.
struct HistoryDay {
  std::int64_t day = 0;  // days since 1970-01-01
  std::string sources;   // comma separated names
  std::string ports;     // comma separated
  std::int64_t observations = 0;
};
core::Result<std::vector<HistoryDay>> device_history(Connection& conn, const core::IpAddress& ip,
                                                     std::size_t max_days);

struct ImportRow {
  std::int64_t id = 0;
  std::string source, path, report_type, status, reject_file;
  core::UnixSeconds started_at = 0;
  std::optional<core::UnixSeconds> finished_at;
  std::int64_t records_read = 0, imported = 0, duplicates = 0, rejected = 0;
};
core::Result<std::vector<ImportRow>> list_imports(Connection& conn,
                                                  std::optional<std::int64_t> before_id,
                                                  std::size_t limit);
core::Result<std::optional<ImportRow>> get_import(Connection& conn, std::int64_t id);

// Per source: imports, totals, and the last successful one (for staleness and metrics).
struct FeedStatus {
  std::string source;
  std::int64_t imports = 0, imported = 0, duplicates = 0, rejected = 0, failed = 0;
  std::optional<core::UnixSeconds> last_success, last_attempt;
};
core::Result<std::vector<FeedStatus>> feed_status(Connection& conn);

struct CountRow {
  std::string key;
  std::int64_t count = 0;
};
struct Summary {
  std::int64_t devices = 0, services = 0;
  std::int64_t devices_new_7d = 0, devices_seen_7d = 0;
  std::vector<CountRow> devices_by_type, services_by_protocol, services_by_port;
};
core::Result<Summary> summary(Connection& conn, core::UnixSeconds now, std::size_t top);

struct TrendDay {
  std::int64_t day = 0;
  std::int64_t new_devices = 0, devices_seen = 0, observations = 0;
  // From the findings' history, on the day the evidence was observed.
  std::int64_t new_findings = 0, fixed_findings = 0, reopened_findings = 0;
};
// Days [from_day, to_day): stored daily counts (from purged data) plus what is still live.
core::Result<std::vector<TrendDay>> trends(Connection& conn, std::int64_t from_day,
                                           std::int64_t to_day);

}  // namespace citywatch::db
