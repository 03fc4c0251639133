#include "enrich/csv_fields.h"

#include "core/text.h"

namespace citywatch::enrich {

std::string quoted(std::string_view text, std::size_t max_bytes) {
  std::string out(1, '\'');
  out += core::printable_excerpt(text, max_bytes);
  out += '\'';
  return out;
}

bool split_csv_line(std::string_view line, std::vector<std::string>& fields, std::string& problem) {
  fields.clear();
  std::size_t i = 0;
  while (true) {
    std::string field;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        field += line[i++];
      }
      if (!closed) {
        problem = "unclosed quote";
        return false;
      }
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size() && line[i] != ',') {
        problem = "text after a closing quote";
        return false;
      }
    } else {
      std::size_t comma = line.find(',', i);
      std::size_t end = comma == std::string_view::npos ? line.size() : comma;
      field = std::string(core::trim(line.substr(i, end - i)));
      i = end;
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) return true;
    ++i;  // the comma
  }
}

}  // namespace citywatch::enrich
