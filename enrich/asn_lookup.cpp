#include "enrich/asn_lookup.h"

#include <algorithm>
#include <fstream>
#include <unordered_map>

#include "core/text.h"
#include "enrich/csv_fields.h"

namespace citywatch::enrich {
namespace {

constexpr std::size_t kMaxLineBytes = 4096;
constexpr std::size_t kMaxFileBytes = 1u << 30;

}  // namespace

AsnRanges AsnRanges::parse(std::string_view text, const std::string& source,
                           core::Diagnostics& diag) {
  AsnRanges out;
  std::unordered_map<std::string, std::uint32_t> org_index;
  std::vector<std::string> fields;
  std::string problem;
  std::vector<std::size_t> lines;  // line of each range, for overlap messages
  bool seen_record = false;
  for_each_line(text, [&](std::size_t line_no, std::string_view line) {
    std::string where = source + ":" + std::to_string(line_no);
    if (core::trim(line).empty() || core::trim(line).front() == '#') return;
    if (line.size() > kMaxLineBytes) {
      diag.report(where, "line too long", "", line.substr(0, 200));
      return;
    }
    if (!split_csv_line(line, fields, problem)) {
      diag.report(where, "malformed CSV", problem, line);
      return;
    }
    if (fields.size() < 3) {
      diag.report(where, "too few columns",
                  "expected start,end,asn,organisation; found " + std::to_string(fields.size()) +
                      " columns",
                  line);
      return;
    }
    auto start = core::IpAddress::parse(fields[0]);
    auto end = core::IpAddress::parse(fields[1]);
    bool first = !seen_record;
    seen_record = true;
    if (!start && first) return;  // a header line
    if (!start || !end || start->is_v4() != end->is_v4() || *end < *start) {
      diag.report(where, "bad range", "start and end must be addresses of one family, start <= end",
                  line);
      return;
    }
    std::string_view asn_text = fields[2];
    if (core::istarts_with(asn_text, "AS")) asn_text.remove_prefix(2);
    auto asn = core::parse_int(asn_text, 0, 4294967295LL);
    if (!asn) {
      diag.report(where, "bad AS number", quoted(fields[2], 40), line);
      return;
    }
    std::string org = fields.size() > 3 ? core::printable_excerpt(fields[3], 200) : "";
    auto [it, added] = org_index.emplace(org, static_cast<std::uint32_t>(out.orgs_.size()));
    if (added) out.orgs_.push_back(org);
    out.ranges_.push_back(
        {start->bytes(), end->bytes(), static_cast<std::uint32_t>(*asn), it->second});
    lines.push_back(line_no);
  });
  // Sort (files are usually sorted already) and drop ranges overlapping their predecessor.
  std::vector<std::size_t> order(out.ranges_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return out.ranges_[a].start < out.ranges_[b].start;
  });
  std::vector<Range> sorted;
  sorted.reserve(out.ranges_.size());
  for (std::size_t i : order) {
    const Range& r = out.ranges_[i];
    if (!sorted.empty() && r.start <= sorted.back().end) {
      diag.report(source + ":" + std::to_string(lines[i]), "overlapping range",
                  "overlaps an earlier range; kept the earlier one");
      continue;
    }
    sorted.push_back(r);
  }
  out.ranges_ = std::move(sorted);
  return out;
}

core::Result<AsnRanges> AsnRanges::read_file(const std::string& path, core::Diagnostics& diag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return core::fail(core::ErrorCode::kConfig,
                      "cannot read the ASN range file (check [geo] asn_csv in the configuration)",
                      path);
  }
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) {
      return core::fail(core::ErrorCode::kConfig, "larger than 1 GiB; not an ASN range list?",
                        path);
    }
  }
  return parse(text, path, diag);
}

std::optional<AsnInfo> AsnRanges::find(const core::IpAddress& ip) const {
  const Key& key = ip.bytes();
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), key,
                             [](const Key& k, const Range& r) { return k < r.start; });
  if (it == ranges_.begin()) return std::nullopt;
  --it;
  if (key > it->end) return std::nullopt;
  return AsnInfo{it->asn, orgs_[it->org]};
}

}  // namespace citywatch::enrich
