#include "risk/eol_list.h"

#include <fstream>
#include <sstream>

#include "core/text.h"
#include "core/time.h"
#include "risk/csv_line.h"
#include "risk/version_compare.h"

namespace citywatch::risk {

core::Result<EolList> EolList::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return core::fail(core::ErrorCode::kConfig,
                      "cannot read the end-of-life list; set CITYWATCH_DATA_DIR to the folder "
                      "holding vulns/",
                      path);
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse(buf.str(), path);
}

core::Result<EolList> EolList::parse(std::string_view text, const std::string& name) {
  EolList list;
  std::size_t line_no = 0, pos = 0;
  bool header = false;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    std::string where = name + ":" + std::to_string(line_no);
    if (core::trim(line).empty() || line[0] == '#') continue;
    auto cells = split_csv_line(line);
    if (!cells || cells->size() != 6) {
      return core::fail(core::ErrorCode::kConfig,
                        "expected 6 columns: vendor,product,end_excluding,eol_date,note,source",
                        where);
    }
    if (!header) {
      header = true;
      if ((*cells)[0] != "vendor") {
        return core::fail(core::ErrorCode::kConfig, "the first line must be the header", where);
      }
      continue;
    }
    EolEntry e{(*cells)[0], (*cells)[1], (*cells)[2], (*cells)[3], (*cells)[4], (*cells)[5]};
    if (e.vendor.empty() || e.product.empty()) {
      return core::fail(core::ErrorCode::kConfig, "vendor and product are required", where);
    }
    if (!e.end_excluding.empty() && !is_comparable_version(e.end_excluding)) {
      return core::fail(core::ErrorCode::kConfig, "end_excluding is not a version", where);
    }
    if (!core::parse_utc_date(e.eol_date)) {
      return core::fail(core::ErrorCode::kConfig, "eol_date must be YYYY-MM-DD", where);
    }
    list.entries_.push_back(std::move(e));
  }
  return list;
}

const EolEntry* EolList::find(const core::Cpe& cpe) const {
  if (!is_comparable_version(cpe.version)) return nullptr;
  for (const auto& e : entries_) {
    if (e.vendor != cpe.vendor || e.product != cpe.product) continue;
    if (e.end_excluding.empty() || compare_versions(cpe.version, e.end_excluding) < 0) return &e;
  }
  return nullptr;
}

}  // namespace citywatch::risk
