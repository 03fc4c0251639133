#include "app/output.h"

#include <algorithm>

#include "core/json_writer.h"
#include "core/text.h"

namespace citywatch::app {
namespace {

constexpr std::size_t kMaxTableWidth = 48;

std::string cell_text(const Cell& cell) {
  if (const auto* s = std::get_if<std::string>(&cell)) return *s;
  if (const auto* r = std::get_if<RawJson>(&cell)) return r->json;
  if (const auto* i = std::get_if<std::int64_t>(&cell)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&cell)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", *d);
    return buf;
  }
  return {};
}

// Display width in code points (good enough for the Latin text feeds carry).
std::size_t width(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return n;
}

std::string fit(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (width(s) <= kMaxTableWidth) return s;
  std::size_t cut = 0, seen = 0;
  while (cut < s.size() && seen < kMaxTableWidth - 1) {
    ++cut;
    while (cut < s.size() && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) ++cut;
    ++seen;
  }
  return s.substr(0, cut) + "…";
}

}  // namespace

core::Result<OutputFormat> parse_output_format(std::string_view text) {
  if (text == "table") return OutputFormat::kTable;
  if (text == "json") return OutputFormat::kJson;
  if (text == "csv") return OutputFormat::kCsv;
  return core::fail(core::ErrorCode::kUsage,
                    "--format must be table, json or csv, not '" + std::string(text) + "'");
}

RowWriter::RowWriter(OutputFormat format, std::vector<std::string> columns, std::FILE* out)
    : format_(format), columns_(std::move(columns)), out_(out) {
  if (format_ == OutputFormat::kCsv) {
    std::vector<Cell> header(columns_.begin(), columns_.end());
    write_csv(header);
  }
}

RowWriter::~RowWriter() { finish(); }

void RowWriter::write_csv(const std::vector<Cell>& cells) {
  std::string line;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i) line += ',';
    std::string text = cell_text(cells[i]);
    // Spreadsheets run cells that start with these as formulas; banners are attacker text.
    if (std::holds_alternative<std::string>(cells[i]) && !text.empty() &&
        std::string_view("=+-@\t\r").find(text[0]) != std::string_view::npos) {
      text.insert(0, "'");
    }
    if (text.find_first_of(",\"\r\n") != std::string::npos) {
      std::string quoted = "\"";
      for (char c : text) {
        if (c == '"') quoted += '"';
        quoted += c;
      }
      quoted += '"';
      text = std::move(quoted);
    }
    line += text;
  }
  line += "\r\n";
  std::fwrite(line.data(), 1, line.size(), out_);
}

void RowWriter::row(std::vector<Cell> cells) {
  ++count_;
  switch (format_) {
    case OutputFormat::kCsv:
      write_csv(cells);
      break;
    case OutputFormat::kJson: {
      core::JsonWriter w;
      w.begin_object();
      for (std::size_t i = 0; i < columns_.size() && i < cells.size(); ++i) {
        w.key(columns_[i]);
        const Cell& c = cells[i];
        if (const auto* s = std::get_if<std::string>(&c)) {
          s->empty() ? w.null() : w.value(*s);
        } else if (const auto* n = std::get_if<std::int64_t>(&c)) {
          w.value(*n);
        } else if (const auto* d = std::get_if<double>(&c)) {
          w.value(*d);
        } else if (const auto* r = std::get_if<RawJson>(&c)) {
          r->json.empty() ? w.null() : w.raw(r->json);
        } else {
          w.null();
        }
      }
      w.end_object();
      std::string line = w.take();
      line += '\n';
      std::fwrite(line.data(), 1, line.size(), out_);
      break;
    }
    case OutputFormat::kTable: {
      std::vector<std::string> texts;
      texts.reserve(cells.size());
      for (const auto& c : cells) texts.push_back(fit(cell_text(c)));
      table_.push_back(std::move(texts));
      break;
    }
  }
}

void RowWriter::finish() {
  if (finished_) return;
  finished_ = true;
  if (format_ != OutputFormat::kTable) {
    std::fflush(out_);
    return;
  }
  std::vector<std::size_t> widths(columns_.size());
  for (std::size_t i = 0; i < columns_.size(); ++i) widths[i] = width(columns_[i]);
  for (const auto& r : table_) {
    for (std::size_t i = 0; i < r.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], width(r[i]));
    }
  }
  auto print = [&](const std::vector<std::string>& r) {
    std::string line;
    for (std::size_t i = 0; i < widths.size(); ++i) {
      std::string text = i < r.size() ? r[i] : "";
      line += text;
      if (i + 1 < widths.size()) line.append(widths[i] - width(text) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), out_);
  };
  std::vector<std::string> header;
  for (const auto& c : columns_) header.push_back(core::to_lower(c));
  print(header);
  for (const auto& r : table_) print(r);
  std::fflush(out_);
}

}  // namespace citywatch::app
