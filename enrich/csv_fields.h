// enrich/csv_fields.h: splitting one line of the small CSV files enrich reads (the operator's
// prefix map, ASN range lists): comma-separated, fields optionally in double quotes with ""
// for a quote. A field cannot span lines in these files. Free functions; no state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace citywatch::enrich {

// Splits line into trimmed fields. Returns false (with problem set) when a quote is not closed
// or text follows a closing quote.
bool split_csv_line(std::string_view line, std::vector<std::string>& fields, std::string& problem);

// 'text' for messages: printable, cut at max_bytes.
std::string quoted(std::string_view text, std::size_t max_bytes);

// Calls fn(line_number, line) for every line of text, CR stripped, 1-based line numbers.
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  std::size_t line_no = 0;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    fn(++line_no, line);
  }
}

}  // namespace citywatch::enrich
