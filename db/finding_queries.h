// db/finding_queries.h: the reads behind the API's findings, exemptions, districts and metrics:
// findings filtered and paged (newest first), one finding, a device's finding history, the
// exemptions, per-district counts of insecure devices, and active findings by kind and severity.
// Rows come from db/finding_store.h's reader, so a finding reads the same in the CLI and the
// API. Every statement is fixed text with bound parameters: a list filter binds as one
// comma-separated value of already validated names. Partners see only the findings in their own
// batches, through the view partner_visible_findings (empty until batches land, so a partner
// sees no finding yet). Works on a Connection it does not own.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/finding.h"
#include "core/ip_address.h"
#include "core/result.h"
#include "core/time.h"
#include "db/finding_store.h"
#include "db/queries.h"
#include "db/sqlite.h"

namespace citywatch::db {

// The orders a findings listing can take; ties are broken by id in the same direction.
enum class FindingSort { kNewest, kSeverity, kScore, kFirstSeen, kLastSeen, kKind, kStatus,
                         kDistrict, kIp };
std::optional<FindingSort> parse_finding_sort(std::string_view name);

struct FindingQuery {
  // Comma-separated names, each already checked by the caller (core::parse_*); empty: any.
  std::string kinds, severities, statuses, districts, in_city;
  std::optional<std::int64_t> min_score;          // the device's score
  std::optional<core::UnixSeconds> since, until;  // last seen in [since, until)
  std::optional<core::IpAddress> ip;
  std::string vendor;    // the device's vendor, any case; empty: any
  std::string operator_name;  // part of the network owner's name (org), any case; empty: any
  std::optional<std::int64_t> asn;  // the network's AS number
  FindingSort sort = FindingSort::kNewest;
  bool ascending = false;
  // Keyset cursor: rows after this one in the chosen order (sort_key of the last row shown).
  std::optional<std::string> after_key;
  std::int64_t after_id = 0;
  std::size_t limit = 100;
};

// The value of the row in the sort's column, as a cursor carries it.
std::string sort_key(const StoredFinding& row, FindingSort sort);

// In the query's order (default newest first, by id). Exemptions are those in force at `now`.
// kBadInput when the cursor's key does not fit the sort.
core::Result<std::vector<StoredFinding>> list_findings(Connection& conn, const Visibility& who,
                                                       const FindingQuery& query,
                                                       core::UnixSeconds now);
core::Result<std::optional<StoredFinding>> get_finding(Connection& conn, const Visibility& who,
                                                       std::int64_t id, core::UnixSeconds now);

// The events of a device's findings, newest first.
struct DeviceFindingEvent {
  std::int64_t finding_id = 0;
  std::string kind, code;
  std::uint16_t port = 0;
  FindingEvent event;
};
core::Result<std::vector<DeviceFindingEvent>> device_finding_history(Connection& conn,
                                                                     const Visibility& who,
                                                                     const core::IpAddress& ip,
                                                                     std::size_t limit);

struct ExemptionRow {
  std::int64_t id = 0;
  std::optional<std::int64_t> finding_id;  // unset: the exemption covers the whole device
  core::IpAddress device;                  // the device exempted, or the finding's device
  bool whole_device = false;
  std::string reason, note, by;
  core::UnixSeconds created_at = 0, expires_at = 0;
};
// Those on the finding itself and those on its whole device, newest first.
core::Result<std::vector<ExemptionRow>> exemptions_of_finding(Connection& conn,
                                                              std::int64_t finding_id,
                                                              const core::IpAddress& device);
// Newest first; only those in force at `now` unless `all`.
core::Result<std::vector<ExemptionRow>> list_exemptions(Connection& conn, bool all,
                                                        core::UnixSeconds now,
                                                        std::optional<std::int64_t> before_id,
                                                        std::size_t limit);

// Devices in one district (code "": in the city, district unknown) and how many of them are
// insecure: with an active finding (open, notified, reopened) that no exemption covers at
// `now`. by_severity counts insecure devices by their worst such finding (index
// core::Severity), by_kind devices with at least one such finding of the kind (index
// core::FindingKind).
struct DistrictCounts {
  std::string code, name;
  std::int64_t devices = 0, insecure_devices = 0;
  std::array<std::int64_t, 5> by_severity{};
  std::array<std::int64_t, 5> by_kind{};
};
core::Result<std::vector<DistrictCounts>> district_counts(Connection& conn, core::UnixSeconds now);

struct FindingCount {
  std::string kind, severity;
  std::int64_t count = 0;
};
// Active findings by kind and severity (for /metrics).
core::Result<std::vector<FindingCount>> active_finding_counts(Connection& conn);

}  // namespace citywatch::db
