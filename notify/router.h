// notify/router.h: which partner serves an address. Built once from the partners' prefixes and
// AS numbers: a binary trie over the 128-bit address (IPv4 as its mapped form) gives the longest
// matching prefix; the device's AS number is the fallback when no prefix matches. Two partners
// claiming the same prefix or AS number is a conflict: the partner listed first keeps it and
// the conflict is reported, never silently resolved. Immutable after build(); route() is safe
// from many threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/ip_address.h"
#include "core/partner.h"

namespace citywatch::notify {

struct Route {
  std::size_t partner = 0;  // index into the partners given to build()
  bool by_prefix = true;    // false: by AS number
  int prefix_length = 0;
};

class Router {
 public:
  // Paused partners route too (their findings are held, not unrouted).
  static Router build(const std::vector<core::Partner>& partners);

  std::optional<Route> route(const core::IpAddress& ip, std::uint32_t asn) const;
  // "prefix 198.51.100.0/24 claimed by kpn and ziggo; kpn keeps it"
  const std::vector<std::string>& conflicts() const { return conflicts_; }
  std::size_t prefix_count() const { return prefixes_; }

 private:
  struct Node {
    std::int32_t child[2] = {-1, -1};
    std::int32_t partner = -1;
  };
  std::vector<Node> nodes_;
  std::unordered_map<std::uint32_t, std::size_t> asns_;
  std::vector<std::string> conflicts_;
  std::size_t prefixes_ = 0;
};

}  // namespace citywatch::notify
