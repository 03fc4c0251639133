// risk/vuln_index.h: from a CPE with a version to the CVEs that affect it, as NVD defines
// version ranges (versionStart/End Including/Excluding; a criteria version of "*" with no
// bounds means every version, a "-" version "not versioned", a concrete version only itself).
// VulnLookup is where the knowledge comes from: db/ backs it for the CLI (app/ wires it),
// MemoryVulnIndex holds it in memory for tests and the benchmark. Not thread-safe (lookups may
// cache).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding.h"
#include "core/vuln.h"

namespace citywatch::risk {

struct CveFacts {
  double cvss = 0;
  bool kev = false;
  bool known = false;  // the vulnerability DB has a record of it
};

class VulnLookup {
 public:
  virtual ~VulnLookup() = default;
  // Vulnerable cpeMatch entries whose criteria name this vendor and product (lower-case).
  virtual const std::vector<core::CpeMatch>& matches(const std::string& vendor,
                                                     const std::string& product) = 0;
  virtual CveFacts facts(const std::string& cve) = 0;
};

class MemoryVulnIndex final : public VulnLookup {
 public:
  void add(const core::CveRecord& record);
  void add(const core::KevEntry& entry);
  const std::vector<core::CpeMatch>& matches(const std::string& vendor,
                                             const std::string& product) override;
  CveFacts facts(const std::string& cve) override;

 private:
  std::map<std::string, std::vector<core::CpeMatch>, std::less<>> by_product_;
  std::map<std::string, CveFacts, std::less<>> facts_;
};

// True when `version` (of the device) lies in the range the match describes.
bool version_matches(const core::CpeMatch& match, std::string_view version);

// CVEs for the device CPE, most severe first; empty when the version is unknown and no entry
// covers all versions. `known_product` is set when the DB knows the vendor:product at all, so
// "no CVEs" can be told from "nothing known".
std::vector<core::CveRef> cves_for(const core::Cpe& device, VulnLookup& lookup,
                                   bool* known_product = nullptr);

}  // namespace citywatch::risk
