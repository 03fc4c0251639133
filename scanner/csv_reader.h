// scanner/csv_reader.h: RFC 4180 CSV records from a LineReader: quoted fields, doubled quotes,
// line breaks inside quotes, CRLF; text after a closing quote is kept, as Python's csv does. Each
// record knows the line it started on. A record is capped in size so a missing closing quote cannot
// swallow the file. One thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "scanner/input_file.h"

namespace citywatch::scanner {

struct CsvRecord {
  std::vector<std::string_view> fields;  // valid until the next call
  std::size_t line = 0;                  // line the record starts on
  std::string_view raw;                  // the record as read, for reject files
  std::string problem;                   // non-empty when the record is malformed
};

// Splits one complete record (which may contain newlines inside quotes). Returns false with
// problem set when the quoting is broken. fields point into storage.
bool split_csv_record(std::string_view text, std::vector<std::string_view>& fields,
                      std::string& storage, std::string& problem);

class CsvReader {
 public:
  static constexpr std::size_t kMaxRecordBytes = 4 << 20;
  explicit CsvReader(LineReader& lines) : lines_(lines) {}
  // nullopt at the end. I/O and decompression errors pass through after earlier records.
  core::Result<std::optional<CsvRecord>> next();

 private:
  LineReader& lines_;
  std::string raw_;
  std::string storage_;
  CsvRecord record_;
};

}  // namespace citywatch::scanner
