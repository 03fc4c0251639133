// enrich/asn_lookup.h: who routes an address (AS number and organisation), from a
// GeoLite2-ASN-layout MMDB or from an ASN range CSV as the ip-location-db packages ship it:
//   start,end,asn,organisation        e.g. 145.53.0.0,145.53.255.255,1136,KPN B.V.
// (IPv4 and IPv6 ranges; an optional header line; "AS1136" is read as 1136). Bad lines go to
// Diagnostics with file:line and are left out. Immutable once loaded; safe to share.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "core/ip_address.h"
#include "core/result.h"

namespace citywatch::enrich {

struct AsnInfo {
  std::uint32_t asn = 0;
  std::string_view organisation;  // points into the table; valid while it lives
};

class AsnRanges {
 public:
  // Ranges must not overlap: a line overlapping the one before it (after sorting) is reported
  // and dropped.
  static AsnRanges parse(std::string_view text, const std::string& source, core::Diagnostics& diag);
  static core::Result<AsnRanges> read_file(const std::string& path, core::Diagnostics& diag);

  std::optional<AsnInfo> find(const core::IpAddress& ip) const;
  std::size_t size() const { return ranges_.size(); }

 private:
  using Key = std::array<std::uint8_t, 16>;
  struct Range {
    Key start, end;
    std::uint32_t asn;
    std::uint32_t org;  // index into orgs_
  };
  std::vector<Range> ranges_;  // sorted by start
  std::vector<std::string> orgs_;
};

}  // namespace citywatch::enrich
