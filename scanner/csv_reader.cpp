#include "scanner/csv_reader.h"

namespace citywatch::scanner {
namespace {

// Tracks whether the text fed so far ends inside an open quoted field, incrementally, so a long
// multi-line record costs one pass.
struct QuoteState {
  bool in_quotes = false;
  bool field_start = true;
  bool pending_quote = false;  // saw '"' inside quotes as the last byte: close or escape?

  void feed(std::string_view text) {
    for (char c : text) {
      if (pending_quote) {
        pending_quote = false;
        if (c == '"') continue;  // an escaped quote; still inside
        in_quotes = false;
      }
      if (in_quotes) {
        if (c == '"') pending_quote = true;
        continue;
      }
      if (c == '"' && field_start) {
        in_quotes = true;
        field_start = false;
        continue;
      }
      field_start = c == ',' || c == '\n';
    }
  }
  bool open() const { return in_quotes && !pending_quote; }
};

}  // namespace

bool split_csv_record(std::string_view text, std::vector<std::string_view>& fields,
                      std::string& storage, std::string& problem) {
  fields.clear();
  storage.clear();
  storage.reserve(text.size());
  // Offsets first, views after: storage must not reallocate while views point into it.
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  std::size_t i = 0;
  while (true) {
    std::size_t start = storage.size();
    if (i < text.size() && text[i] == '"') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            storage += '"';
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        storage += text[i++];
      }
      if (!closed) {
        problem = "quoted field " + std::to_string(spans.size() + 1) + " is never closed";
        return false;
      }
      // Text after a closing quote belongs to the field, as Python's csv module (which writes
      // and reads most of these reports) has it; backslash-escaped quotes end up here.
      while (i < text.size() && text[i] != ',') storage += text[i++];
    } else {
      while (i < text.size() && text[i] != ',') storage += text[i++];
    }
    spans.emplace_back(start, storage.size() - start);
    if (i >= text.size()) break;
    ++i;  // the comma
  }
  for (auto [start, len] : spans) fields.emplace_back(storage.data() + start, len);
  return true;
}

core::Result<std::optional<CsvRecord>> CsvReader::next() {
  raw_.clear();
  record_.problem.clear();
  std::size_t first_line = 0;
  QuoteState quotes;
  while (true) {
    auto line = lines_.next();
    if (!line) return core::fail(line.error());
    if (!*line) {
      if (raw_.empty()) return std::optional<CsvRecord>();
      break;  // EOF inside an open quote: reported below by the splitter
    }
    if (raw_.empty()) {
      first_line = (*line)->number;
      if ((*line)->text.empty()) continue;  // blank lines carry no record
    } else {
      raw_ += '\n';
      quotes.feed("\n");
    }
    if ((*line)->truncated || raw_.size() + (*line)->text.size() > kMaxRecordBytes) {
      raw_.append((*line)->text.substr(0, 256));
      record_ = CsvRecord{};
      record_.line = first_line;
      record_.raw = raw_;
      record_.problem =
          "record longer than " + std::to_string(kMaxRecordBytes) + " bytes (an unclosed quote?)";
      return std::optional<CsvRecord>(record_);
    }
    raw_.append((*line)->text);
    quotes.feed((*line)->text);
    if (!quotes.open()) break;
  }
  record_.line = first_line;
  record_.raw = raw_;
  if (!split_csv_record(raw_, record_.fields, storage_, record_.problem)) {
    record_.fields.clear();
  }
  return std::optional<CsvRecord>(record_);
}

}  // namespace citywatch::scanner
