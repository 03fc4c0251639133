// Fuzzes the version comparator and CPE parser: the input is split at the first newline into two
// versions; compare must be antisymmetric.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "risk/cpe.h"
#include "risk/version_compare.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto nl = text.find('\n');
  std::string_view a = text.substr(0, nl);
  std::string_view b = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  int ab = citywatch::risk::compare_versions(a, b);
  int ba = citywatch::risk::compare_versions(b, a);
  if ((ab < 0) != (ba > 0)) std::abort();
  (void)citywatch::risk::parse_cpe(a);
  return 0;
}
