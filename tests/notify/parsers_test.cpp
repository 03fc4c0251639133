// The partner prefix CSV reader and the feedback body parser: external input.
#include <gtest/gtest.h>

#include "notify/feedback.h"
#include "notify/prefix_csv.h"

namespace citywatch::notify {
namespace {

TEST(PrefixCsv, ReadsHeaderCommentsQuotesAndReportsBadLines) {
  core::Diagnostics diag;
  auto list = parse_prefix_csv(
      "\xEF\xBB\xBFprefix,asn,organisation\n# comment\n198.51.100.0/24,AS64496,\"Fibre, BV\"\r\n"
      "2001:db8::/32,64497,\n\nnot-a-prefix,1,x\n192.0.2.0/24,ASX,y\n203.0.113.0/25\n",
      "kpn.csv", diag);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].prefix.to_string(), "198.51.100.0/24");
  EXPECT_EQ(list[0].asn, 64496u);
  EXPECT_EQ(list[0].organisation, "Fibre, BV");
  EXPECT_EQ(list[1].asn, 64497u);
  EXPECT_EQ(list[2].asn, 0u);
  EXPECT_EQ(diag.count(), 2u);
  EXPECT_EQ(diag.samples()[0].where, "kpn.csv:6");
  EXPECT_EQ(diag.samples()[1].where, "kpn.csv:7");
}

TEST(PrefixCsv, AsnForms) {
  EXPECT_EQ(parse_asn("AS64496"), 64496u);
  EXPECT_EQ(parse_asn("as1"), 1u);
  EXPECT_FALSE(parse_asn("0"));
  EXPECT_FALSE(parse_asn("4294967296"));
  EXPECT_FALSE(parse_asn("AS"));
}

TEST(Feedback, ParsesListAndSingleObject) {
  auto list = parse_feedback_json(
      R"({"feedback":[{"item":1,"status":"fixed","note":"replaced"},{"item":2,"status":"not our customer"}]})");
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].status, core::Feedback::kFixed);
  EXPECT_EQ((*list)[0].note, "replaced");
  EXPECT_EQ((*list)[1].status, core::Feedback::kNotOurCustomer);
  auto one = parse_feedback_json(R"({"item": 3, "status": "dispute"})");
  ASSERT_TRUE(one);
  EXPECT_EQ((*one)[0].status, core::Feedback::kDispute);
}

TEST(Feedback, RejectsMalformedBodies) {
  for (const char* bad : {"", "[", "{\"item\":\"1\",\"status\":\"fixed\"}",
                          "{\"item\":1,\"status\":\"happy\"}", "{\"item\":0,\"status\":\"fixed\"}",
                          "{\"feedback\":{}}", "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]",
                          "{\"item\":1,\"status\":\"fixed\",\"note\":5}"}) {
    auto r = parse_feedback_json(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().code, core::ErrorCode::kBadInput);
    }
  }
}

}  // namespace
}  // namespace citywatch::notify
