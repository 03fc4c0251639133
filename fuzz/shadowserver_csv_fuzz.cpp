// fuzz/shadowserver_csv_fuzz.cpp: libFuzzer target for a Shadowserver report: each line of the
// input is one CSV record (split_csv_record), the first is the header (set_header) and the rest
// are rows (parse_row). The first line also stands in for a file name, whose report type
// (report_type_from_filename) the parser gets, so event reports are reached too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "scanner/csv_reader.h"
#include "scanner/shadowserver_parser.h"

namespace {

// Next line without its terminator (\n or \r\n, as LineReader strips them); advances text.
std::string_view next_line(std::string_view& text) {
  std::size_t end = text.find('\n');
  std::string_view line = text.substr(0, end);
  text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using citywatch::scanner::ShadowserverParser;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string_view first = text.substr(0, text.find('\n'));
  ShadowserverParser parser(ShadowserverParser::report_type_from_filename(first));
  citywatch::core::Diagnostics diag;
  std::size_t rows = 0;
  std::size_t delivered = 0;
  auto sink = [&delivered](citywatch::core::Observation&&) { ++delivered; };
  std::vector<std::string_view> fields;
  std::string storage;
  std::string problem;
  bool have_header = false;
  std::size_t number = 0;
  while (!text.empty()) {
    std::string_view line = next_line(text);
    ++number;
    if (line.empty()) {
      continue;  // blank lines carry no record
    }
    bool split = citywatch::scanner::split_csv_record(line, fields, storage, problem);
    if (!have_header) {
      // The importer gives up on a file whose header it cannot read.
      if (!split || !parser.set_header(fields)) {
        return 0;
      }
      have_header = true;
      continue;
    }
    std::string where = "fuzz:" + std::to_string(number);
    ++rows;
    if (!split) {
      diag.report(where, "bad CSV quoting", problem, line);
    } else {
      parser.parse_row(fields, where, line, sink, diag);
    }
  }
  // STYLE.md section 6: a bad record never vanishes. Every row is delivered or reported.
  if (rows != delivered + diag.count()) {
    std::abort();
  }
  return 0;
}
