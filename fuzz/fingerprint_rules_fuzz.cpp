// Fuzzes the fingerprint rule-file parser and, when a rule set loads, the matcher on the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "enrich/fingerprinter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto rules = citywatch::enrich::Fingerprinter::from_text(text, "fuzz.jsonl");
  if (rules) {
    citywatch::enrich::BannerFields fields;
    fields[citywatch::enrich::Field::kBanner] = std::string(text.substr(0, 4096));
    fields[citywatch::enrich::Field::kHttpServer] = std::string(text.substr(0, 256));
    (void)rules->identify(fields);
  }
  return 0;
}
