// Answers of the Shadowserver reports/list API: ids and file names that later name files.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scanner/shadowserver_api.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto list = citywatch::scanner::parse_report_list(text);
  if (list) {
    for (const auto& r : list->reports) {
      if (r.file.empty() || r.file.find('/') != std::string::npos || r.file[0] == '.')
        __builtin_trap();
    }
  }
  (void)citywatch::scanner::safe_file_name(text);
  return 0;
}
