// enrich/prefix_map.h: longest-prefix match over CIDR prefixes (PrefixTable), and the operator's
// prefix map file: CSV with a header naming the columns
//   prefix,district,latitude,longitude,accuracy_km,label
// where each line gives a district code or a point (accuracy_km and label are optional), e.g.
//   192.0.2.0/28,WK051828,,,,Centrum office block
//   198.51.100.0/28,,52.0116,4.3571,0.5,Delft science park
// Lines starting with '#' and blank lines are skipped. Bad lines go to Diagnostics with
// file:line and are left out. PrefixTable is immutable once filled; safe to share for reading.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/diagnostics.h"
#include "core/ip_address.h"

namespace citywatch::enrich {

template <typename T>
class PrefixTable {
 public:
  // false when the same prefix is already there (the first one stays).
  bool insert(const core::Prefix& prefix, T value) {
    int len = mapped_length(prefix);
    auto [it, added] = by_length_[static_cast<std::size_t>(len)].emplace(
        masked(prefix.base().bytes(), len), std::move(value));
    (void)it;
    if (added) {
      lengths_.insert(len);
      ++size_;
    }
    return added;
  }

  // The value of the longest prefix containing ip, or nullptr.
  const T* find(const core::IpAddress& ip) const {
    for (int len : lengths_) {
      const auto& table = by_length_[static_cast<std::size_t>(len)];
      auto it = table.find(masked(ip.bytes(), len));
      if (it != table.end()) return &it->second;
    }
    return nullptr;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  using Key = std::array<std::uint8_t, 16>;
  // IPv4 lives in ::ffff:0:0/96, so an IPv4 /n is a /96+n over the 16 bytes.
  static int mapped_length(const core::Prefix& p) {
    return p.base().is_v4() ? 96 + p.length() : p.length();
  }
  static Key masked(const Key& bytes, int len) {
    Key out{};
    for (int i = 0; i < 16; ++i) {
      int bits = std::clamp(len - 8 * i, 0, 8);
      out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(
          bytes[static_cast<std::size_t>(i)] & (bits == 0 ? 0 : 0xff << (8 - bits)));
    }
    return out;
  }

  std::array<std::map<Key, T>, 129> by_length_;
  std::set<int, std::greater<int>> lengths_;  // longest first
  std::size_t size_ = 0;
};

struct PrefixTarget {
  std::string district_code;                  // either this ...
  std::optional<double> latitude, longitude;  // ... or a point
  std::optional<double> accuracy_km;
  std::string label;
  std::string where;  // file:line, for messages
};

// Parses a prefix map. source names the file in diagnostics ("file:line").
std::vector<std::pair<core::Prefix, PrefixTarget>> parse_prefix_map(std::string_view text,
                                                                    const std::string& source,
                                                                    core::Diagnostics& diag);

}  // namespace citywatch::enrich
