#include "risk/vuln_index.h"

#include <algorithm>

#include "risk/version_compare.h"

namespace citywatch::risk {
namespace {

const std::vector<core::CpeMatch> kNone;

std::string key(std::string_view vendor, std::string_view product) {
  return std::string(vendor) + ":" + std::string(product);
}

}  // namespace

void MemoryVulnIndex::add(const core::CveRecord& record) {
  for (const auto& m : record.matches) {
    by_product_[key(m.cpe.vendor, m.cpe.product)].push_back(m);
  }
  CveFacts& f = facts_[record.id];
  f.cvss = record.cvss;
  f.known = true;
  if (!record.kev_date.empty()) f.kev = true;
}

void MemoryVulnIndex::add(const core::KevEntry& entry) {
  CveFacts& f = facts_[entry.cve];
  f.kev = true;
  f.known = true;
}

const std::vector<core::CpeMatch>& MemoryVulnIndex::matches(const std::string& vendor,
                                                            const std::string& product) {
  auto it = by_product_.find(key(vendor, product));
  return it == by_product_.end() ? kNone : it->second;
}

CveFacts MemoryVulnIndex::facts(const std::string& cve) {
  auto it = facts_.find(cve);
  return it == facts_.end() ? CveFacts{} : it->second;
}

bool version_matches(const core::CpeMatch& m, std::string_view version) {
  const std::string& cv = m.cpe.version;
  bool bounded = !m.start_including.empty() || !m.start_excluding.empty() ||
                 !m.end_including.empty() || !m.end_excluding.empty();
  if (cv == "-") return true;  // the product has no versions: every one of it is affected
  if (cv != "*" && !cv.empty()) {
    return is_comparable_version(version) && compare_versions(version, cv) == 0;
  }
  if (!bounded) return true;
  if (!is_comparable_version(version)) return false;
  if (!m.start_including.empty() && compare_versions(version, m.start_including) < 0) return false;
  if (!m.start_excluding.empty() && compare_versions(version, m.start_excluding) <= 0) return false;
  if (!m.end_including.empty() && compare_versions(version, m.end_including) > 0) return false;
  if (!m.end_excluding.empty() && compare_versions(version, m.end_excluding) >= 0) return false;
  return true;
}

std::vector<core::CveRef> cves_for(const core::Cpe& device, VulnLookup& lookup,
                                   bool* known_product) {
  std::vector<core::CveRef> out;
  const auto& matches = lookup.matches(device.vendor, device.product);
  if (known_product) *known_product = !matches.empty();
  for (const auto& m : matches) {
    if (m.cpe.part != device.part && device.part != '*') continue;
    if (!version_matches(m, device.version)) continue;
    if (std::any_of(out.begin(), out.end(), [&](const core::CveRef& r) { return r.id == m.cve; })) {
      continue;
    }
    CveFacts f = lookup.facts(m.cve);
    out.push_back({m.cve, f.cvss, f.kev, true});
  }
  std::sort(out.begin(), out.end(), [](const core::CveRef& a, const core::CveRef& b) {
    if (a.kev != b.kev) return a.kev;
    if (a.cvss != b.cvss) return a.cvss > b.cvss;
    return a.id < b.id;
  });
  return out;
}

}  // namespace citywatch::risk
