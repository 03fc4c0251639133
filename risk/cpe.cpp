#include "risk/cpe.h"

#include <string>
#include <vector>

#include "core/text.h"

namespace citywatch::risk {

std::optional<core::Cpe> parse_cpe(std::string_view text) {
  if (text.starts_with("cpe:2.3:")) {
    text.remove_prefix(8);
  } else if (text.starts_with("cpe:/")) {
    text.remove_prefix(5);  // 2.2 URI: same first fields, ':' separated
  } else {
    return std::nullopt;
  }
  if (text.size() > 1024) return std::nullopt;
  std::vector<std::string> parts;
  std::string cur;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      cur += text[++i];
    } else if (c == ':') {
      parts.push_back(std::move(cur));
      cur.clear();
      if (parts.size() > 12) break;
    } else {
      cur += c;
    }
  }
  parts.push_back(std::move(cur));
  if (parts.size() < 3 || parts[0].size() != 1) return std::nullopt;
  core::Cpe cpe;
  cpe.part = parts[0][0];
  if (cpe.part != 'a' && cpe.part != 'o' && cpe.part != 'h') return std::nullopt;
  cpe.vendor = core::to_lower(parts[1]);
  cpe.product = core::to_lower(parts[2]);
  if (cpe.vendor.empty() || cpe.product.empty()) return std::nullopt;
  cpe.version = parts.size() > 3 && !parts[3].empty() ? parts[3] : "*";
  cpe.update = parts.size() > 4 && !parts[4].empty() ? parts[4] : "*";
  return cpe;
}

}  // namespace citywatch::risk
