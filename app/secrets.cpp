#include "app/secrets.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "core/text.h"

namespace citywatch::app {

core::Result<std::string> read_secret(const std::string& file, const char* env_name,
                                      std::string_view what) {
  if (env_name) {
    if (const char* env = std::getenv(env_name); env && *env) return std::string(core::trim(env));
  }
  if (file.empty()) {
    return core::fail(core::ErrorCode::kConfig,
                      std::string(what) + " is not configured: set " +
                          (env_name ? std::string(env_name) + " or " : std::string()) +
                          "the *_file key in the configuration");
  }
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    return core::fail(core::ErrorCode::kConfig,
                      "cannot read " + std::string(what) + " (no such file)", file);
  }
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    return core::fail(core::ErrorCode::kConfig,
                      std::string(what) +
                          " file is readable by other users; run chmod 600 on it (or use "
                          "systemd LoadCredential=)",
                      file);
  }
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line)) {
    return core::fail(core::ErrorCode::kConfig, "cannot read " + std::string(what), file);
  }
  if (line.size() > 4096) {
    return core::fail(core::ErrorCode::kConfig, std::string(what) + " is longer than 4 KiB", file);
  }
  std::string value(core::trim(line));
  if (value.empty()) {
    return core::fail(core::ErrorCode::kConfig, std::string(what) + " file is empty", file);
  }
  return value;
}

}  // namespace citywatch::app
