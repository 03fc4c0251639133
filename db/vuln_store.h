// db/vuln_store.h: the local vulnerability database (tables of migration 2): CVE records with
// their CPE match ranges, and CISA KEV entries. Writes replace a CVE's earlier version whole (a
// newer NVD file wins); reads serve the risk engine's lookups. Works on a caller-owned
// Connection (and transaction); one per thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/vuln.h"
#include "db/sqlite.h"

namespace citywatch::db {

struct VulnCounts {
  std::int64_t cves = 0, matches = 0, kev = 0;
};

struct CveRow {
  double cvss = 0;
  bool kev = false;
};

class VulnStore {
 public:
  explicit VulnStore(Connection& conn) : conn_(conn) {}

  core::Result<void> put_cve(const core::CveRecord& record);
  core::Result<void> put_kev(const core::KevEntry& entry);

  core::Result<std::vector<core::CpeMatch>> matches(const std::string& vendor,
                                                    const std::string& product);
  // nullopt when neither NVD nor KEV data names the CVE.
  core::Result<std::optional<CveRow>> cve(const std::string& id);
  core::Result<VulnCounts> counts();

 private:
  Connection& conn_;
  std::optional<Statement> put_cve_, del_matches_, put_match_, put_kev_, matches_, cve_;
};

}  // namespace citywatch::db
