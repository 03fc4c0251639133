// db/open_data.h: the aggregates the municipality publishes and shows in City Hall: per
// district and per day, how many devices had an active finding at the end of that day, how
// many findings were first seen that day and how many were fixed that day. Exempt findings and
// devices outside the city are left out; no address leaves this function. Works on a
// Connection it does not own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "db/sqlite.h"

namespace citywatch::db {

struct DistrictDay {
  std::int64_t day = 0;  // days since 1970-01-01 (UTC)
  std::string code, name;
  std::int64_t insecure_devices = 0;
  std::int64_t new_findings = 0;
  std::int64_t fixed_findings = 0;
};

// Days first_day .. last_day (inclusive); only districts with any finding get rows.
core::Result<std::vector<DistrictDay>> district_days(Connection& conn, std::int64_t first_day,
                                                     std::int64_t last_day, core::UnixSeconds now);

}  // namespace citywatch::db
