#include "notify/router.h"

#include <gtest/gtest.h>

namespace citywatch::notify {
namespace {

core::Partner partner(std::string name, std::vector<std::string> prefixes,
                      std::vector<std::uint32_t> asns = {}) {
  core::Partner p;
  p.name = std::move(name);
  for (const auto& t : prefixes) p.prefixes.push_back({*core::Prefix::parse(t), 0, {}});
  p.asns = std::move(asns);
  return p;
}

core::IpAddress ip(const char* text) { return *core::IpAddress::parse(text); }

TEST(Router, LongestPrefixWins) {
  auto r =
      Router::build({partner("big", {"198.51.0.0/16"}), partner("small", {"198.51.100.0/24"})});
  EXPECT_EQ(r.route(ip("198.51.100.7"), 0)->partner, 1u);
  EXPECT_EQ(r.route(ip("198.51.100.7"), 0)->prefix_length, 24);
  EXPECT_EQ(r.route(ip("198.51.7.1"), 0)->partner, 0u);
  EXPECT_FALSE(r.route(ip("203.0.113.1"), 0));
}

TEST(Router, AsnIsTheFallbackOnly) {
  auto r = Router::build({partner("a", {"192.0.2.0/24"}, {64496}), partner("b", {}, {64497})});
  auto by_prefix = r.route(ip("192.0.2.1"), 64497);
  EXPECT_EQ(by_prefix->partner, 0u);
  EXPECT_TRUE(by_prefix->by_prefix);
  auto by_asn = r.route(ip("203.0.113.5"), 64497);
  EXPECT_EQ(by_asn->partner, 1u);
  EXPECT_FALSE(by_asn->by_prefix);
  EXPECT_FALSE(r.route(ip("203.0.113.5"), 0));
}

TEST(Router, Ipv6AndIpv4StayApart) {
  auto r = Router::build({partner("v6", {"2001:db8::/32", "::/0"}), partner("v4", {"0.0.0.0/0"})});
  EXPECT_EQ(r.route(ip("2001:db8::1"), 0)->partner, 0u);
  EXPECT_EQ(r.route(ip("2001:db9::1"), 0)->partner, 0u);
  EXPECT_EQ(r.route(ip("192.0.2.1"), 0)->partner, 1u);
}

TEST(Router, ConflictsAreReportedAndTheFirstPartnerKeepsThePrefix) {
  auto r = Router::build(
      {partner("kpn", {"192.0.2.0/24"}, {64496}), partner("ziggo", {"192.0.2.0/24"}, {64496})});
  ASSERT_EQ(r.conflicts().size(), 2u);
  EXPECT_NE(r.conflicts()[0].find("kpn keeps it"), std::string::npos);
  EXPECT_EQ(r.route(ip("192.0.2.9"), 0)->partner, 0u);
}

TEST(Router, HostRoutes) {
  auto r = Router::build({partner("a", {"192.0.2.0/24"}), partner("b", {"192.0.2.5"})});
  EXPECT_EQ(r.route(ip("192.0.2.5"), 0)->partner, 1u);
  EXPECT_EQ(r.route(ip("192.0.2.6"), 0)->partner, 0u);
}

}  // namespace
}  // namespace citywatch::notify
