// fuzz/config_fuzz.cpp: libFuzzer target for the TOML configuration (parse_config, which
// load_config runs on the file's text), toml++ included.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "app/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string kName = "/etc/citywatch/citywatch.toml";
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = citywatch::app::parse_config(text, kName);
  // Every refusal is a configuration error naming the file, as app/config.h promises.
  if (!config && (config.error().code != citywatch::core::ErrorCode::kConfig ||
                  config.error().where.rfind(kName, 0) != 0)) {
    std::abort();
  }
  return 0;
}
