#include "app/data_dir.h"

#include <cstdlib>
#include <filesystem>

#include "app/config.h"

namespace citywatch::app {

std::string data_dir() {
  if (const char* env = std::getenv("CITYWATCH_DATA_DIR"); env && *env) return env;
  std::error_code ec;
  if (std::filesystem::is_directory(CITYWATCH_SOURCE_DATA_DIR, ec)) {
    return CITYWATCH_SOURCE_DATA_DIR;
  }
  return CITYWATCH_INSTALL_DATA_DIR;
}

std::string data_dir(const Config& config) {
  return config.data_dir.empty() ? data_dir() : config.data_dir;
}

}  // namespace citywatch::app
