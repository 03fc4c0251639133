// The operator's prefix map CSV, and the longest-prefix table filled from it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/diagnostics.h"
#include "enrich/prefix_map.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace citywatch;
  core::Diagnostics diag;
  auto entries = enrich::parse_prefix_map(
      std::string_view(reinterpret_cast<const char*>(data), size), "fuzz", diag);
  enrich::PrefixTable<enrich::PrefixTarget> table;
  for (auto& [prefix, target] : entries) {
    core::IpAddress probe = prefix.base();
    table.insert(prefix, std::move(target));
    (void)table.find(probe);
  }
  return 0;
}
