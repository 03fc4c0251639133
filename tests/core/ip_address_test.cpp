#include "core/ip_address.h"

#include <gtest/gtest.h>

#include <unordered_set>

namespace citywatch::core {
namespace {

TEST(IpAddress, ParsesDottedQuad) {
  auto ip = IpAddress::parse("192.0.2.17");
  ASSERT_TRUE(ip);
  EXPECT_TRUE(ip->is_v4());
  EXPECT_EQ(ip->v4_value(), 0xc0000211u);
  EXPECT_EQ(ip->to_string(), "192.0.2.17");
}

TEST(IpAddress, RejectsMalformedIpv4) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", "1..2.3",
                          "a.b.c.d", "1.2.3.-4", "1.2.3.4/24"}) {
    EXPECT_FALSE(IpAddress::parse(bad)) << bad;
  }
}

TEST(IpAddress, FormatsIpv6ByRfc5952) {
  EXPECT_EQ(IpAddress::parse("2001:0db8:0000:0000:0000:ff00:0042:8329")->to_string(),
            "2001:db8::ff00:42:8329");
  EXPECT_EQ(IpAddress::parse("::1")->to_string(), "::1");
  EXPECT_EQ(IpAddress::parse("::")->to_string(), "::");
  EXPECT_EQ(IpAddress::parse("fe80::1:0:0:1")->to_string(), "fe80::1:0:0:1");
  // Equal runs: the first is compressed.
  EXPECT_EQ(IpAddress::parse("2001:db8:0:0:1:0:0:1")->to_string(), "2001:db8::1:0:0:1");
  // A single zero group is not compressed.
  EXPECT_EQ(IpAddress::parse("2001:db8:0:1:1:1:1:1")->to_string(), "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(IpAddress::parse("::ffff:192.0.2.1")->to_string(), "::ffff:c000:201");
}

TEST(IpAddress, RejectsMalformedIpv6) {
  for (const char* bad : {":", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "g::1",
                          "1:2:3:4:5:6:7:", "fe80::1%eth0", "::1.2.3"}) {
    EXPECT_FALSE(IpAddress::parse(bad)) << bad;
  }
}

TEST(IpAddress, MappedIpv6IsNotTheSameAsIpv4) {
  auto v4 = IpAddress::parse("192.0.2.1");
  auto mapped = IpAddress::parse("::ffff:192.0.2.1");
  EXPECT_NE(*v4, *mapped);
  EXPECT_EQ(v4->bytes(), mapped->bytes());
}

TEST(IpAddress, KnowsSpecialPurposeRanges) {
  for (const char* special : {"10.1.2.3", "192.168.1.1", "127.0.0.1", "100.64.0.1", "192.0.2.5",
                              "198.51.100.7", "203.0.113.9", "224.0.0.251", "169.254.1.1", "::1",
                              "fe80::1", "fd00::1", "2001:db8::5", "ff02::fb"}) {
    EXPECT_TRUE(IpAddress::parse(special)->is_special_purpose()) << special;
  }
  for (const char* routable : {"145.53.0.1", "8.8.8.8", "2a02:a400::1"}) {
    EXPECT_FALSE(IpAddress::parse(routable)->is_special_purpose()) << routable;
  }
}

TEST(IpAddress, HashSpreadsDenseIpv4Prefixes) {
  // Telescope traffic is dense in one prefix; the hash must not collapse it.
  std::unordered_set<std::size_t> buckets;
  IpAddressHash hash;
  for (std::uint32_t i = 0; i < 4096; ++i) {
    buckets.insert(hash(IpAddress::v4(0x0a000000u + i)) % 1024);
  }
  EXPECT_GT(buckets.size(), 900u);
}

TEST(Prefix, ContainsAndNormalises) {
  auto p = Prefix::parse("192.0.2.77/24");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->to_string(), "192.0.2.0/24");
  EXPECT_TRUE(p->contains(*IpAddress::parse("192.0.2.255")));
  EXPECT_FALSE(p->contains(*IpAddress::parse("192.0.3.0")));
  EXPECT_FALSE(p->contains(*IpAddress::parse("::ffff:192.0.2.1")));

  auto v6 = Prefix::parse("2001:db8:abcd::/36");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(*IpAddress::parse("2001:db8:abcf::1")));
  EXPECT_FALSE(v6->contains(*IpAddress::parse("2001:db8:b000::1")));

  EXPECT_EQ(Prefix::parse("0.0.0.0/0")->host_bits(), 32);
  EXPECT_TRUE(Prefix::parse("0.0.0.0/0")->contains(*IpAddress::parse("8.8.8.8")));
  EXPECT_EQ(Prefix::parse("198.51.100.1")->length(), 32);
}

TEST(Prefix, RejectsBadLengths) {
  for (const char* bad :
       {"192.0.2.0/33", "192.0.2.0/", "192.0.2.0/-1", "::/129", "x/8", "192.0.2.0/2a"}) {
    EXPECT_FALSE(Prefix::parse(bad)) << bad;
  }
}

}  // namespace
}  // namespace citywatch::core
