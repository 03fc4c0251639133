// A partner's prefix CSV (prefix,asn,organisation), and the router built from what it yields:
// every prefix read must route its own base address to the partner.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/diagnostics.h"
#include "notify/prefix_csv.h"
#include "notify/router.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace citywatch;
  core::Diagnostics diag;
  core::Partner p;
  p.name = "fuzz";
  p.prefixes = notify::parse_prefix_csv(std::string_view(reinterpret_cast<const char*>(data), size),
                                        "fuzz", diag);
  auto router = notify::Router::build({p});
  for (const auto& pp : p.prefixes) {
    if (!router.route(pp.prefix.base(), 0)) std::abort();  // a prefix read but not routed
  }
  return 0;
}
