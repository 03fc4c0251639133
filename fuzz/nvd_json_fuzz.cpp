// Fuzzes the vulnerability-file reader (NVD API 2.0 pages, single records, KEV catalogue).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "risk/vuln_feed.h"
#include "risk/vuln_index.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  citywatch::core::Diagnostics diag;
  citywatch::risk::MemoryVulnIndex index;
  citywatch::risk::VulnFeedSinks sinks;
  sinks.cve = [&](citywatch::core::CveRecord&& r) { index.add(r); };
  sinks.kev = [&](citywatch::core::KevEntry&& e) { index.add(e); };
  (void)citywatch::risk::parse_vuln_feed(text, "fuzz.json", sinks, diag);
  return 0;
}
