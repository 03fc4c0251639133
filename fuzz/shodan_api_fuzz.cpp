// Answers of the Shodan search API (and its error bodies).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scanner/shodan_api.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)citywatch::scanner::parse_shodan_search_page(text);
  return 0;
}
