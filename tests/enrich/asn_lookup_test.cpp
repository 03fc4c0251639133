#include "enrich/asn_lookup.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace citywatch::enrich {
namespace {

core::IpAddress A(const char* text) { return *core::IpAddress::parse(text); }

TEST(AsnRanges, FindsRangesOfBothFamilies) {
  core::Diagnostics diag;
  AsnRanges r = AsnRanges::parse(
      "# from ip-location-db\n"
      "start,end,asn,organisation\n"
      "145.53.0.0,145.53.255.255,1136,KPN B.V.\n"
      "1.0.0.0,1.0.0.255,AS13335,\"Cloudflare, Inc.\"\n"
      "2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,64496,Documentation\n",
      "asn.csv", diag);
  EXPECT_EQ(diag.count(), 0u);
  EXPECT_EQ(r.size(), 3u);
  auto kpn = r.find(A("145.53.0.1"));
  ASSERT_TRUE(kpn);
  EXPECT_EQ(kpn->asn, 1136u);
  EXPECT_EQ(kpn->organisation, "KPN B.V.");
  EXPECT_EQ(r.find(A("1.0.0.255"))->organisation, "Cloudflare, Inc.");
  EXPECT_EQ(r.find(A("2001:db8:1::1"))->asn, 64496u);
  EXPECT_FALSE(r.find(A("145.54.0.0")));
  EXPECT_FALSE(r.find(A("0.255.255.255")));
  EXPECT_FALSE(r.find(A("2001:db9::1")));
}

TEST(AsnRanges, ReportsBadAndOverlappingLines) {
  core::Diagnostics diag;
  AsnRanges r = AsnRanges::parse(
      "10.0.0.0,10.0.0.255,1,One\n"
      "10.0.0.128,10.0.1.255,2,Overlaps\n"
      "10.0.2.0,10.0.1.0,3,Backwards\n"
      "10.0.3.0,10.0.3.255,ASX,Bad number\n"
      "10.0.4.0,2001:db8::,4,Mixed\n"
      "10.0.5.0\n"
      "10.0.6.0,10.0.6.255,6,Six\n",
      "a.csv", diag);
  EXPECT_EQ(r.size(), 2u);
  EXPECT_EQ(r.find(A("10.0.0.200"))->asn, 1u);
  EXPECT_EQ(r.find(A("10.0.6.1"))->asn, 6u);
  EXPECT_EQ(diag.count(), 5u);
  EXPECT_EQ(diag.by_reason().at("bad range"), 2u);
  EXPECT_EQ(diag.by_reason().at("bad AS number"), 1u);
  EXPECT_EQ(diag.by_reason().at("too few columns"), 1u);
  EXPECT_EQ(diag.by_reason().at("overlapping range"), 1u);
}

TEST(AsnRanges, MissingFileIsAConfigError) {
  core::Diagnostics diag;
  auto r = AsnRanges::read_file("/nonexistent/asn.csv", diag);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, core::ErrorCode::kConfig);
}

}  // namespace
}  // namespace citywatch::enrich
