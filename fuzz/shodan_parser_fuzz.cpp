// fuzz/shodan_parser_fuzz.cpp: libFuzzer target for ShodanParser. The input is one JSON text as
// a line of a banner file or a whole search page; it is checked for completeness first, as the
// importer does, then parsed with the same parser instance.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/diagnostics.h"
#include "scanner/shodan_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using citywatch::scanner::ShodanParser;
  std::string_view json(reinterpret_cast<const char*>(data), size);
  ShodanParser parser;
  citywatch::core::Diagnostics diag;
  std::size_t delivered = 0;
  static_cast<void>(parser.is_complete_json(json));
  std::size_t records = parser.parse(
      json, "fuzz:1", [&delivered](citywatch::core::Observation&&) { ++delivered; }, diag);
  // STYLE.md section 6: a bad record never vanishes. Every banner seen is either delivered or
  // reported.
  if (records != delivered + diag.count()) {
    std::abort();
  }
  return 0;
}
