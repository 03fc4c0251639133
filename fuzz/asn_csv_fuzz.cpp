// ASN range CSV (start,end,asn,organisation), then lookups at every range start.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/diagnostics.h"
#include "enrich/asn_lookup.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace citywatch;
  core::Diagnostics diag;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto ranges = enrich::AsnRanges::parse(text, "fuzz", diag);
  for (const char* ip :
       {"0.0.0.0", "10.0.0.1", "145.53.0.1", "255.255.255.255", "::", "2001:db8::1"}) {
    (void)ranges.find(*core::IpAddress::parse(ip));
  }
  return 0;
}
