// db/privacy.h: data-subject requests for one address (GDPR art. 15 access, art. 17 erasure).
// The export is one JSON document with everything stored about the address and who read it
// (audit entries: time, action, role). Erasure deletes it from every table that holds
// personal data (findings and their history and exemptions, evidence, services, the device
// with its location), in one transaction. Tables added later (batch items) join by adding one
// entry to kPersonalTables in privacy.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/ip_address.h"
#include "core/result.h"
#include "core/time.h"
#include "db/sqlite.h"

namespace citywatch::db {

core::Result<std::string> export_address(Connection& conn, const core::IpAddress& ip,
                                         core::UnixSeconds now);

struct Erasure {
  std::vector<std::pair<std::string, std::int64_t>> rows;  // table -> rows deleted
  std::int64_t total() const;
};
core::Result<Erasure> erase_address(Connection& conn, const core::IpAddress& ip);

}  // namespace citywatch::db
