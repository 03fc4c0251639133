// app/output.h: rows for the CLI in the three --format styles: an aligned table for people,
// JSON (one object per line, so it streams and pipes into jq) and CSV (RFC 4180). JSON and CSV
// are written as rows arrive; a table waits for all rows to size its columns.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"

namespace citywatch::app {

enum class OutputFormat { kTable, kJson, kCsv };
core::Result<OutputFormat> parse_output_format(std::string_view text);

// A document that is already JSON (a stored explanation): nested as is in JSON output, printed
// as text in tables and CSV.
struct RawJson {
  std::string json;
};

// Empty strings and monostate print as empty cells / JSON null.
using Cell = std::variant<std::monostate, std::string, std::int64_t, double, RawJson>;

class RowWriter {
 public:
  RowWriter(OutputFormat format, std::vector<std::string> columns, std::FILE* out = stdout);
  ~RowWriter();
  void row(std::vector<Cell> cells);
  void finish();
  std::size_t rows() const { return count_; }

 private:
  void write_csv(const std::vector<Cell>& cells);
  OutputFormat format_;
  std::vector<std::string> columns_;
  std::FILE* out_;
  std::vector<std::vector<std::string>> table_;
  std::size_t count_ = 0;
  bool finished_ = false;
};

}  // namespace citywatch::app
