#include "notify/prefix_csv.h"

#include "core/text.h"

namespace citywatch::notify {
namespace {

constexpr std::size_t kMaxLineBytes = 4096;
constexpr std::size_t kMaxOrganisation = 200;

// Splits one CSV line (RFC 4180 quoting, no line breaks inside fields). false: unbalanced quote.
bool split_csv(std::string_view line, std::vector<std::string>& out) {
  out.clear();
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cur += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(std::string(core::trim(cur)));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(std::string(core::trim(cur)));
  return !quoted;
}

}  // namespace

std::optional<std::uint32_t> parse_asn(std::string_view text) {
  text = core::trim(text);
  if (core::istarts_with(text, "AS")) text.remove_prefix(2);
  auto n = core::parse_int(text, 1, 4294967295LL);
  if (!n) return std::nullopt;
  return static_cast<std::uint32_t>(*n);
}

std::vector<core::PartnerPrefix> parse_prefix_csv(std::string_view text, const std::string& name,
                                                  core::Diagnostics& diag) {
  std::vector<core::PartnerPrefix> out;
  std::vector<std::string> fields;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line_no > kMaxPrefixLines) {
      diag.report(name + ":" + std::to_string(line_no), "too many lines",
                  "at most " + std::to_string(kMaxPrefixLines) + " prefixes are read");
      break;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_no == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
    std::string_view trimmed = core::trim(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    std::string where = name + ":" + std::to_string(line_no);
    if (line.size() > kMaxLineBytes) {
      diag.report(where, "line too long", std::to_string(line.size()) + " bytes", line);
      continue;
    }
    if (!split_csv(line, fields)) {
      diag.report(where, "unbalanced quote", "", line);
      continue;
    }
    if (core::iequals(fields[0], "prefix")) continue;  // the header
    auto prefix = core::Prefix::parse(fields[0]);
    if (!prefix) {
      diag.report(where, "not a prefix", "expected a CIDR prefix such as 198.51.100.0/24", line);
      continue;
    }
    core::PartnerPrefix p{*prefix, 0, {}};
    if (fields.size() > 1 && !fields[1].empty()) {
      auto asn = parse_asn(fields[1]);
      if (!asn) {
        diag.report(where, "bad AS number", "expected 64496 or AS64496", line);
        continue;
      }
      p.asn = *asn;
    }
    if (fields.size() > 2) {
      p.organisation = core::printable_excerpt(fields[2], kMaxOrganisation);
    }
    if (fields.size() > 3) {
      diag.report(where, "extra columns ignored", std::to_string(fields.size()) + " columns", line);
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace citywatch::notify
