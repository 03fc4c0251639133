#include "enrich/prefix_map.h"

#include <gtest/gtest.h>

namespace citywatch::enrich {
namespace {

core::Prefix P(const char* text) { return *core::Prefix::parse(text); }
core::IpAddress A(const char* text) { return *core::IpAddress::parse(text); }

TEST(PrefixTable, LongestPrefixWins) {
  PrefixTable<int> t;
  EXPECT_TRUE(t.insert(P("192.0.2.0/24"), 24));
  EXPECT_TRUE(t.insert(P("192.0.2.128/25"), 25));
  EXPECT_TRUE(t.insert(P("192.0.2.200/32"), 32));
  EXPECT_TRUE(t.insert(P("2001:db8::/32"), 632));
  EXPECT_TRUE(t.insert(P("2001:db8:4a0::/48"), 648));
  EXPECT_FALSE(t.insert(P("192.0.2.0/24"), 99));  // the first stays
  EXPECT_EQ(*t.find(A("192.0.2.1")), 24);
  EXPECT_EQ(*t.find(A("192.0.2.129")), 25);
  EXPECT_EQ(*t.find(A("192.0.2.200")), 32);
  EXPECT_EQ(t.find(A("192.0.3.1")), nullptr);
  EXPECT_EQ(*t.find(A("2001:db8:4a0:1::5")), 648);
  EXPECT_EQ(*t.find(A("2001:db8:ffff::1")), 632);
  EXPECT_EQ(t.find(A("2001:db9::1")), nullptr);
  EXPECT_EQ(t.size(), 5u);
}

TEST(PrefixMap, ReadsDistrictsAndPoints) {
  core::Diagnostics diag;
  auto entries = parse_prefix_map(
      "# demo\n"
      "prefix,district,latitude,longitude,accuracy_km,label\n"
      "192.0.2.0/28,WK051828,,,,\"Centrum, block A\"\n"
      "\n"
      "198.51.100.0/28,,52.0116,4.3571,0.5,Delft\r\n",
      "map.csv", diag);
  EXPECT_EQ(diag.count(), 0u);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].first, P("192.0.2.0/28"));
  EXPECT_EQ(entries[0].second.district_code, "WK051828");
  EXPECT_EQ(entries[0].second.label, "Centrum, block A");
  EXPECT_EQ(entries[0].second.where, "map.csv:3");
  EXPECT_FALSE(entries[0].second.latitude);
  EXPECT_DOUBLE_EQ(*entries[1].second.latitude, 52.0116);
  EXPECT_DOUBLE_EQ(*entries[1].second.accuracy_km, 0.5);
}

TEST(PrefixMap, ReportsBadLinesWithFileAndLineAndKeepsTheRest) {
  core::Diagnostics diag;
  auto entries = parse_prefix_map(
      "prefix,district,latitude,longitude\n"
      "192.0.2.0/33,WK051828,,\n"          // 2: bad prefix
      "192.0.2.16/28,,91,4.3\n"            // 3: bad latitude
      "192.0.2.32/28,,52.0\n"              // 4: incomplete point
      "192.0.2.48/28,WK051828,52.0,4.3\n"  // 5: both
      "192.0.2.64/28,,,\n"                 // 6: neither
      "\"192.0.2.80/28,WK1\n"              // 7: unclosed quote
      "192.0.2.96/28,WK051829\n",          // 8: fine
      "m.csv", diag);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].second.district_code, "WK051829");
  EXPECT_EQ(diag.count(), 6u);
  EXPECT_EQ(diag.samples()[0].where, "m.csv:2");
  EXPECT_EQ(diag.samples()[0].reason, "bad prefix");
  EXPECT_EQ(diag.samples()[1].reason, "bad latitude");
  EXPECT_EQ(diag.samples()[2].reason, "incomplete point");
  EXPECT_EQ(diag.samples()[3].reason, "district and point");
  EXPECT_EQ(diag.samples()[4].reason, "no target");
  EXPECT_EQ(diag.samples()[5].reason, "malformed CSV");
}

TEST(PrefixMap, NeedsAHeader) {
  core::Diagnostics diag;
  auto entries = parse_prefix_map("192.0.2.0/24,WK051828\n", "m.csv", diag);
  EXPECT_TRUE(entries.empty());
  ASSERT_EQ(diag.count(), 1u);
  EXPECT_EQ(diag.samples()[0].reason, "bad header");
}

}  // namespace
}  // namespace citywatch::enrich
