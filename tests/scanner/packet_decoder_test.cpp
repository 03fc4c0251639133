// The link/network/transport decoder on frames built here: every link layer, VLAN stacks,
// IPv6 extension headers, and every kind of damage reported as a reason, never a crash.
#include "scanner/packet_decoder.h"

#include <gtest/gtest.h>

#include "tests/support/pcap_builder.h"

namespace citywatch::scanner {
namespace {

using testing::Frame;

DecodeStatus decode(int link, const Frame& f, DecodedPacket& p, std::uint32_t wire = 0) {
  return decode_packet(link, Bytes(f.data(), f.size()),
                       wire == 0 ? static_cast<std::uint32_t>(f.size()) : wire, p);
}

Frame http_frame() {
  return testing::ipv4_tcp(testing::ipv4("192.0.2.1"), testing::ipv4("198.51.100.7"), 40000, 80,
                           {7, 9, 0x18}, "GET / HTTP/1.1\r\n\r\n");
}

TEST(PacketDecoder, EthernetIpv4Tcp) {
  DecodedPacket p;
  Frame f = http_frame();  // the decoded views point into it
  ASSERT_EQ(decode(dlt::kEthernet, f, p), DecodeStatus::kOk);
  EXPECT_EQ(p.src.to_string(), "192.0.2.1");
  EXPECT_EQ(p.dst.to_string(), "198.51.100.7");
  EXPECT_EQ(p.src_port, 40000);
  EXPECT_EQ(p.dst_port, 80);
  EXPECT_EQ(p.seq, 7u);
  EXPECT_EQ(p.protocol, 6);
  EXPECT_EQ(as_text(p.payload), "GET / HTTP/1.1\r\n\r\n");
}

TEST(PacketDecoder, VlanAndQinQTags) {
  Frame f = http_frame();
  Frame tagged(f.begin(), f.begin() + 12);
  const Frame tags = {0x88, 0xa8, 0x00, 0x2a,   // 802.1ad outer tag
                      0x81, 0x00, 0x00, 0x2b};  // 802.1Q inner tag
  tagged.insert(tagged.end(), tags.begin(), tags.end());
  tagged.insert(tagged.end(), f.begin() + 12, f.end());
  DecodedPacket p;
  ASSERT_EQ(decode(dlt::kEthernet, tagged, p), DecodeStatus::kOk);
  EXPECT_EQ(p.dst_port, 80);
}

TEST(PacketDecoder, CookedRawAndLoopbackLinks) {
  Frame f = http_frame();
  Frame ip(f.begin() + 14, f.end());
  DecodedPacket p;
  ASSERT_EQ(decode(dlt::kRaw, ip, p), DecodeStatus::kOk);
  EXPECT_EQ(p.dst_port, 80);
  Frame sll(14, 0);
  sll.push_back(0x08);
  sll.push_back(0x00);
  sll.insert(sll.end(), ip.begin(), ip.end());
  ASSERT_EQ(decode(dlt::kLinuxSll, sll, p), DecodeStatus::kOk);
  Frame sll2 = {0x08, 0x00};
  sll2.resize(20, 0);
  sll2.insert(sll2.end(), ip.begin(), ip.end());
  ASSERT_EQ(decode(dlt::kLinuxSll2, sll2, p), DecodeStatus::kOk);
  Frame null_le = {2, 0, 0, 0};
  null_le.insert(null_le.end(), ip.begin(), ip.end());
  ASSERT_EQ(decode(dlt::kNull, null_le, p), DecodeStatus::kOk);
  Frame loop_be = {0, 0, 0, 2};
  loop_be.insert(loop_be.end(), ip.begin(), ip.end());
  ASSERT_EQ(decode(dlt::kLoop, loop_be, p), DecodeStatus::kOk);
}

TEST(PacketDecoder, Ipv6WithExtensionHeader) {
  std::string a(16, '\0'), b(16, '\0');
  a[0] = b[0] = 0x20;
  a[1] = b[1] = 0x01;
  a[15] = 1;
  b[15] = 2;
  Frame f = testing::ipv6_udp(a, b, 5353, 5353, "x");
  // Insert a hop-by-hop header (8 bytes) before UDP.
  Frame g(f.begin(), f.begin() + 54);
  g[20] = 0;  // next header: hop-by-hop
  g[19] = static_cast<std::uint8_t>(g[19] + 8);
  Frame hop = {17, 0, 1, 4, 0, 0, 0, 0};
  g.insert(g.end(), hop.begin(), hop.end());
  g.insert(g.end(), f.begin() + 54, f.end());
  DecodedPacket p;
  ASSERT_EQ(decode(dlt::kEthernet, g, p), DecodeStatus::kOk);
  EXPECT_FALSE(p.v4);
  EXPECT_EQ(p.src.to_string(), "2001::1");
  EXPECT_EQ(p.protocol, 17);
  EXPECT_EQ(as_text(p.payload), "x");
}

TEST(PacketDecoder, DamageIsAReason) {
  Frame f = http_frame();
  DecodedPacket p;
  EXPECT_EQ(decode(dlt::kEthernet, Frame(f.begin(), f.begin() + 10), p),
            DecodeStatus::kTruncatedLinkHeader);
  EXPECT_EQ(decode(dlt::kEthernet, Frame(f.begin(), f.begin() + 30), p),
            DecodeStatus::kTruncatedIpHeader);
  Frame lying = f;
  lying[16] = 0x05;  // total length 1300+ but nothing was cut
  EXPECT_EQ(decode(dlt::kEthernet, lying, p), DecodeStatus::kBadIpHeader);
  // The same length with a snaplen cut is fine: decoded as far as it goes.
  EXPECT_EQ(decode(dlt::kEthernet, lying, p, 2000), DecodeStatus::kOk);
  EXPECT_TRUE(p.payload_cut);
  Frame short_ihl = f;
  short_ihl[14] = 0x44;
  EXPECT_EQ(decode(dlt::kEthernet, short_ihl, p), DecodeStatus::kBadIpHeader);
  Frame bad_offset = f;
  bad_offset[14 + 20 + 12] = 0x20;  // TCP data offset 8 bytes
  EXPECT_EQ(decode(dlt::kEthernet, bad_offset, p), DecodeStatus::kBadTransportHeader);
  EXPECT_EQ(decode(dlt::kEthernet, Frame(f.begin(), f.begin() + 40), p, 80),
            DecodeStatus::kTruncatedTransportHeader);
  EXPECT_EQ(decode(147, f, p), DecodeStatus::kUnknownLinkType);
  Frame arp = f;
  arp[12] = 0x08;
  arp[13] = 0x06;
  EXPECT_EQ(decode(dlt::kEthernet, arp, p), DecodeStatus::kNotIp);
  Frame fragment = f;
  fragment[14 + 7] = 0x10;  // offset != 0
  EXPECT_EQ(decode(dlt::kEthernet, fragment, p), DecodeStatus::kFragment);
}

}  // namespace
}  // namespace citywatch::scanner
