#include "risk/csv_line.h"

namespace citywatch::risk {

std::optional<std::vector<std::string>> split_csv_line(std::string_view line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  std::size_t i = 0;
  while (i < line.size()) {
    char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cur += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"' && cur.empty()) {
      quoted = true;
    } else if (c == ',') {
      out.push_back(std::move(cur));
      cur.clear();
      if (out.size() > 64) return std::nullopt;
    } else if (c != '\r') {
      cur += c;
    }
    ++i;
  }
  if (quoted) return std::nullopt;
  out.push_back(std::move(cur));
  return out;
}

}  // namespace citywatch::risk
