#include "app/data_dir.h"

#include <cstdlib>
#include <filesystem>

namespace citywatch::app {

std::string data_dir(const Config& config) {
  if (!config.data_dir.empty()) return config.data_dir;
  if (const char* env = std::getenv("CITYWATCH_DATA_DIR"); env && *env) return env;
  std::error_code ec;
  if (std::filesystem::is_directory(CITYWATCH_SOURCE_DATA_DIR "/fingerprints", ec)) {
    return CITYWATCH_SOURCE_DATA_DIR;
  }
  return CITYWATCH_INSTALL_DATA_DIR;
}

}  // namespace citywatch::app
