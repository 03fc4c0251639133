#include "notify/router.h"

namespace citywatch::notify {
namespace {

int bit_at(const core::IpAddress& ip, int i) {
  return (ip.bytes()[static_cast<std::size_t>(i / 8)] >> (7 - i % 8)) & 1;
}

// IPv4 prefixes live under ::ffff:0:0/96, so a /24 is 120 bits deep.
int depth_of(const core::Prefix& p) { return p.base().is_v4() ? 96 + p.length() : p.length(); }

}  // namespace

Router Router::build(const std::vector<core::Partner>& partners) {
  Router r;
  r.nodes_.emplace_back();
  for (std::size_t pi = 0; pi < partners.size(); ++pi) {
    const core::Partner& partner = partners[pi];
    for (const auto& pp : partner.prefixes) {
      int depth = depth_of(pp.prefix);
      std::int32_t node = 0;
      for (int i = 0; i < depth; ++i) {
        int b = bit_at(pp.prefix.base(), i);
        if (r.nodes_[static_cast<std::size_t>(node)].child[b] < 0) {
          r.nodes_[static_cast<std::size_t>(node)].child[b] =
              static_cast<std::int32_t>(r.nodes_.size());
          r.nodes_.emplace_back();
        }
        node = r.nodes_[static_cast<std::size_t>(node)].child[b];
      }
      Node& leaf = r.nodes_[static_cast<std::size_t>(node)];
      if (leaf.partner >= 0) {
        if (static_cast<std::size_t>(leaf.partner) != pi) {
          r.conflicts_.push_back(
              "prefix " + pp.prefix.to_string() + " claimed by " +
              partners[static_cast<std::size_t>(leaf.partner)].name + " and " + partner.name +
              "; " + partners[static_cast<std::size_t>(leaf.partner)].name + " keeps it");
        }
        continue;
      }
      leaf.partner = static_cast<std::int32_t>(pi);
      ++r.prefixes_;
    }
    for (std::uint32_t asn : partner.asns) {
      auto [it, inserted] = r.asns_.emplace(asn, pi);
      if (!inserted && it->second != pi) {
        r.conflicts_.push_back("AS" + std::to_string(asn) + " claimed by " +
                               partners[it->second].name + " and " + partner.name + "; " +
                               partners[it->second].name + " keeps it");
      }
    }
  }
  return r;
}

std::optional<Route> Router::route(const core::IpAddress& ip, std::uint32_t asn) const {
  std::optional<Route> best;
  std::int32_t node = 0;
  int depth = 0;
  const int min_depth = ip.is_v4() ? 96 : 0;  // an IPv4 address only matches IPv4 prefixes
  while (node >= 0) {
    const Node& n = nodes_[static_cast<std::size_t>(node)];
    if (n.partner >= 0 && depth >= min_depth) {
      best = Route{static_cast<std::size_t>(n.partner), true, ip.is_v4() ? depth - 96 : depth};
    }
    if (depth == 128) break;
    node = n.child[bit_at(ip, depth)];
    ++depth;
  }
  if (best) return best;
  if (asn != 0) {
    if (auto it = asns_.find(asn); it != asns_.end()) return Route{it->second, false, 0};
  }
  return std::nullopt;
}

}  // namespace citywatch::notify
