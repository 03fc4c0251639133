// risk/eol_list.h: end-of-life baselines (data/vulns/end-of-life.csv): products whose versions
// below a bound get no more security updates. Format after a header line:
// vendor,product,end_excluding,eol_date,note,source — vendor and product as in CPE names,
// end_excluding empty for "every version". Immutable once loaded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/vuln.h"

namespace citywatch::risk {

struct EolEntry {
  std::string vendor, product, end_excluding, eol_date, note, source;
};

class EolList {
 public:
  static core::Result<EolList> load(const std::string& path);
  static core::Result<EolList> parse(std::string_view text, const std::string& name);
  // The entry saying this CPE's version is end of life, or nullptr.
  const EolEntry* find(const core::Cpe& cpe) const;
  std::size_t size() const { return entries_.size(); }

 private:
  std::vector<EolEntry> entries_;
};

}  // namespace citywatch::risk
