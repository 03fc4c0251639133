#include "enrich/prefix_map.h"

#include <cmath>

#include "core/text.h"
#include "enrich/csv_fields.h"

namespace citywatch::enrich {
namespace {

constexpr std::size_t kMaxLineBytes = 4096;
constexpr std::size_t kMaxEntries = 1'000'000;

}  // namespace

std::vector<std::pair<core::Prefix, PrefixTarget>> parse_prefix_map(std::string_view text,
                                                                    const std::string& source,
                                                                    core::Diagnostics& diag) {
  std::vector<std::pair<core::Prefix, PrefixTarget>> out;
  int col_prefix = -1, col_district = -1, col_lat = -1, col_lon = -1, col_acc = -1, col_label = -1;
  bool have_header = false;
  std::vector<std::string> fields;
  std::string problem;
  for_each_line(text, [&](std::size_t line_no, std::string_view line) {
    std::string where = source + ":" + std::to_string(line_no);
    std::string_view trimmed = core::trim(line);
    if (trimmed.empty() || trimmed.front() == '#') return;
    if (line.size() > kMaxLineBytes) {
      diag.report(where, "line too long", "more than " + std::to_string(kMaxLineBytes) + " bytes",
                  line.substr(0, 200));
      return;
    }
    if (!split_csv_line(line, fields, problem)) {
      diag.report(where, "malformed CSV", problem, line);
      return;
    }
    if (!have_header) {
      for (std::size_t i = 0; i < fields.size(); ++i) {
        std::string name = core::to_lower(fields[i]);
        int idx = static_cast<int>(i);
        if (name == "prefix" || name == "cidr" || name == "network") col_prefix = idx;
        if (name == "district" || name == "district_code") col_district = idx;
        if (name == "latitude" || name == "lat") col_lat = idx;
        if (name == "longitude" || name == "lon") col_lon = idx;
        if (name == "accuracy_km") col_acc = idx;
        if (name == "label" || name == "note") col_label = idx;
      }
      have_header = true;
      if (col_prefix < 0 || (col_district < 0 && (col_lat < 0 || col_lon < 0))) {
        diag.report(where, "bad header",
                    "expected a header naming prefix and district (or latitude and longitude), "
                    "e.g. prefix,district,latitude,longitude,accuracy_km,label",
                    line);
        col_prefix = -2;  // nothing below can be read
      }
      return;
    }
    if (col_prefix < 0) return;
    auto get = [&](int col) -> std::string_view {
      return col >= 0 && static_cast<std::size_t>(col) < fields.size()
                 ? std::string_view(fields[static_cast<std::size_t>(col)])
                 : std::string_view();
    };
    auto prefix = core::Prefix::parse(get(col_prefix));
    if (!prefix) {
      diag.report(where, "bad prefix", quoted(get(col_prefix), 60) + " is not a CIDR prefix", line);
      return;
    }
    PrefixTarget target;
    target.where = where;
    target.district_code = std::string(get(col_district));
    target.label = core::printable_excerpt(get(col_label), 200);
    auto number = [&](int col, double lo, double hi, const char* what, const char* range,
                      std::optional<double>& dest) -> bool {
      std::string_view v = get(col);
      if (v.empty()) return true;
      auto d = core::parse_double(v);
      if (!d || *d < lo || *d > hi) {
        diag.report(where, std::string("bad ") + what,
                    quoted(v, 40) + " is not a " + what + " in " + range, line);
        return false;
      }
      dest = *d;
      return true;
    };
    if (!number(col_lat, -90, 90, "latitude", "-90..90", target.latitude) ||
        !number(col_lon, -180, 180, "longitude", "-180..180", target.longitude) ||
        !number(col_acc, 0, 20000, "accuracy_km", "0..20000", target.accuracy_km)) {
      return;
    }
    bool has_point = target.latitude && target.longitude;
    if (target.latitude.has_value() != target.longitude.has_value()) {
      diag.report(where, "incomplete point", "give both latitude and longitude", line);
      return;
    }
    if (target.district_code.empty() == !has_point) {
      diag.report(where, has_point ? "district and point" : "no target",
                  has_point ? "give a district or a point, not both"
                            : "give a district code or a latitude and longitude",
                  line);
      return;
    }
    if (out.size() >= kMaxEntries) {
      diag.report(where, "too many prefixes",
                  "more than " + std::to_string(kMaxEntries) + " lines; the rest is ignored");
      return;
    }
    out.emplace_back(*prefix, std::move(target));
  });
  if (!have_header && !text.empty()) {
    diag.report(source, "bad header", "the file has no header line");
  }
  return out;
}

}  // namespace citywatch::enrich
