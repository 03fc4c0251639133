// risk/vuln_feed.h: reading the vulnerability files `citywatch vulndb import` takes, telling
// them apart by content: NVD CVE API 2.0 JSON (a page with the `vulnerabilities` wrapper, one
// record as the NVD mirrors store it, or {"cve": {...}}), the `records` extracts used in the
// shared test data, and CISA's KEV catalogue. Bad records are reported to Diagnostics with
// their position and skipped; the rest go on. Pure: bytes in, records out; no files.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "core/diagnostics.h"
#include "core/result.h"
#include "core/vuln.h"

namespace citywatch::risk {

enum class VulnFeedKind { kNvd, kKev };

struct VulnFeedSummary {
  VulnFeedKind kind = VulnFeedKind::kNvd;
  std::size_t records = 0;      // records read (good and bad)
  std::string catalog_version;  // KEV catalogVersion, NVD timestamp when given
};

struct VulnFeedSinks {
  std::function<void(core::CveRecord&&)> cve;
  std::function<void(core::KevEntry&&)> kev;
};

inline constexpr std::size_t kMaxVulnFileBytes = std::size_t{1} << 31;

// kBadInput when the text is not JSON or neither format; `name` names the file in messages.
core::Result<VulnFeedSummary> parse_vuln_feed(std::string_view json, const std::string& name,
                                              const VulnFeedSinks& sinks, core::Diagnostics& diag);

}  // namespace citywatch::risk
