#include "core/file.h"

#include <fstream>
#include <iterator>

namespace citywatch::core {

Result<std::string> read_file(const std::string& path, std::size_t max_bytes, ErrorCode missing,
                              std::string_view hint) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(missing, "cannot read the file; " + std::string(hint), path);
  std::string text;
  char chunk[64 * 1024];
  while (in) {
    in.read(chunk, sizeof chunk);
    auto got = static_cast<std::size_t>(in.gcount());
    if (text.size() + got > max_bytes) {
      return fail(
          ErrorCode::kConfig,
          "file larger than " + std::to_string(max_bytes >> 20) + " MiB; " + std::string(hint),
          path);
    }
    text.append(chunk, got);
  }
  if (in.bad()) return fail(ErrorCode::kIo, "read failed", path);
  return text;
}

}  // namespace citywatch::core
