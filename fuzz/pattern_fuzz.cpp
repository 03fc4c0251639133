// Fuzzes the rule pattern compiler and matcher: first line is the pattern, the rest the text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "enrich/pattern.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto nl = text.find('\n');
  if (nl == std::string_view::npos || nl > 512) return 0;
  auto p = citywatch::enrich::Pattern::compile(text.substr(0, nl));
  if (p) {
    citywatch::enrich::Captures c;
    (void)p->match(text.substr(nl + 1, 2048), &c);
  }
  return 0;
}
