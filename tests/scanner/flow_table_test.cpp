// The bounded flow table: lookups from both directions, LRU eviction order, and keys dense in
// one prefix (telescope traffic) spread over the index.
#include "scanner/flow_table.h"

#include <gtest/gtest.h>

#include <set>

namespace citywatch::scanner {
namespace {

DecodedPacket packet(std::uint32_t src, std::uint16_t sport, std::uint32_t dst,
                     std::uint16_t dport) {
  DecodedPacket p;
  p.src = core::IpAddress::v4(src);
  p.dst = core::IpAddress::v4(dst);
  p.src_port = sport;
  p.dst_port = dport;
  return p;
}

TEST(FlowTable, BothDirectionsFindTheSameFlow) {
  FlowTable table(8);
  int sender = -1;
  FlowKey key = make_flow_key(packet(0xc0000201, 40000, 0xc0000202, 80), sender);
  Flow& f = table.insert(key, hash_flow_key(key), 100);
  int back_sender = -1;
  FlowKey back = make_flow_key(packet(0xc0000202, 80, 0xc0000201, 40000), back_sender);
  EXPECT_EQ(table.find(back, hash_flow_key(back)), &f);
  EXPECT_NE(sender, back_sender);
}

TEST(FlowTable, EvictsLeastRecentlyUsedAndStaysBounded) {
  FlowTable table(4);
  std::vector<FlowKey> keys;
  for (std::uint16_t i = 0; i < 4; ++i) {
    int s;
    keys.push_back(
        make_flow_key(packet(0x0a000001, static_cast<std::uint16_t>(1000 + i), 0x0a000002, 23), s));
    table.insert(keys.back(), hash_flow_key(keys.back()), i);
  }
  EXPECT_TRUE(table.full());
  table.touch(*table.find(keys[0], hash_flow_key(keys[0])));
  Flow* oldest = table.oldest();
  ASSERT_NE(oldest, nullptr);
  EXPECT_EQ(oldest->key, keys[1]);
  table.erase(*oldest);
  EXPECT_EQ(table.find(keys[1], hash_flow_key(keys[1])), nullptr);
  for (std::size_t k : {0u, 2u, 3u}) {
    EXPECT_NE(table.find(keys[k], hash_flow_key(keys[k])), nullptr) << k;
  }
  EXPECT_EQ(table.size(), 3u);
}

TEST(FlowTable, ChurnInOnePrefixKeepsEveryFlowFindable) {
  // A /15 of darknet addresses: only the low 17 bits differ.
  FlowTable table(4096);
  std::vector<FlowKey> live;
  for (std::uint32_t i = 0; i < 50000; ++i) {
    int s;
    FlowKey k = make_flow_key(packet(0x20000000 + (i % 97), 1024, 0xc6120000 + i, 23), s);
    if (table.full()) table.erase(*table.oldest());
    table.insert(k, hash_flow_key(k), i);
    live.push_back(k);
    if (live.size() > 4096) live.erase(live.begin());
  }
  for (const auto& k : live) ASSERT_NE(table.find(k, hash_flow_key(k)), nullptr);
  EXPECT_EQ(table.size(), 4096u);
}

TEST(FlowTable, DenseKeysSpreadOverBuckets) {
  std::set<std::uint64_t> low_bits;
  for (std::uint32_t i = 0; i < 4096; ++i) {
    int s;
    FlowKey k = make_flow_key(packet(0x20000001, 1024, 0xc6120000 + i, 23), s);
    low_bits.insert(hash_flow_key(k) & 0xffff);
  }
  EXPECT_GT(low_bits.size(), 3900u);  // a weak hash would collapse these
}

}  // namespace
}  // namespace citywatch::scanner
