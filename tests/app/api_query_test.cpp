#include "app/api_query.h"

#include <gtest/gtest.h>

#include "app/api_json.h"

namespace citywatch::app {
namespace {

TEST(ApiQuery, ParsesAndDecodes) {
  auto q = parse_query_string("vendor=Hik%20vision&limit=5&device_type=smart+plug&empty=");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->at("vendor"), "Hik vision");
  EXPECT_EQ(q->at("device_type"), "smart plug");
  EXPECT_EQ(q->at("empty"), "");
  EXPECT_TRUE(parse_query_string("")->empty());
  EXPECT_TRUE(parse_query_string("&&")->empty());
}

TEST(ApiQuery, RefusesWhatItCannotTrust) {
  EXPECT_FALSE(parse_query_string("a=1&a=2"));   // repeated
  EXPECT_FALSE(parse_query_string("a=%zz"));     // broken escape
  EXPECT_FALSE(parse_query_string("a=%"));       // cut escape
  EXPECT_FALSE(parse_query_string("a=%00"));     // NUL
  EXPECT_FALSE(parse_query_string("a=%ff%fe"));  // not UTF-8
  EXPECT_FALSE(parse_query_string("=1"));        // no name
  EXPECT_FALSE(parse_query_string("a=" + std::string(2000, 'x')));
  std::string many;
  for (int i = 0; i < 40; ++i) many += "k" + std::to_string(i) + "=1&";
  EXPECT_FALSE(parse_query_string(many));
}

TEST(ApiQuery, TypedReadersNameTheParameter) {
  auto q = *parse_query_string("limit=5000&port=80&seen_after=2026-11-20&network=192.0.2.0/24&x=1");
  QueryReader r(q);
  auto only = r.only({"limit", "port", "seen_after", "network"});
  ASSERT_FALSE(only);
  EXPECT_NE(only.error().message.find("'x'"), std::string::npos);
  auto limit = r.limit(100, 1000);
  ASSERT_FALSE(limit);
  EXPECT_NE(limit.error().message.find("limit must be an integer from 1 to 1000"),
            std::string::npos);
  EXPECT_EQ(**r.integer("port", 0, 65535), 80);
  EXPECT_EQ(core::format_utc(**r.time("seen_after")), "2026-11-20T00:00:00Z");
  EXPECT_EQ((*r.network("network"))->to_string(), "192.0.2.0/24");
  EXPECT_FALSE(r.integer("missing", 0, 1)->has_value());
}

TEST(ApiQuery, CursorsRoundTripAndAreBoundToTheirListing) {
  std::string c = encode_cursor("dev", "2001:db8::1");
  EXPECT_EQ(*decode_cursor(c, "dev"), "2001:db8::1");
  EXPECT_FALSE(decode_cursor(c, "svc"));
  EXPECT_FALSE(decode_cursor("!!!", "dev"));
  EXPECT_FALSE(decode_cursor(c + "A", "dev"));
  EXPECT_FALSE(decode_cursor(std::string(600, 'A'), "dev"));
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba",
                                                       "foobar", std::string("\0\xff", 2)}) {
    EXPECT_EQ(*base64url_decode(base64url_encode(s)), s);
  }
}

TEST(JsonBody, StrictFieldsAndBounds) {
  auto b = JsonBody::parse(R"({"name":"a","n":5,"flag":true,"params":{"x":[1,2]}})");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->only({"name", "n", "flag", "params"}));
  EXPECT_FALSE(b->only({"name"}));
  EXPECT_EQ(**b->text("name", 10, true), "a");
  EXPECT_FALSE(b->text("name", 0, true));
  EXPECT_FALSE(b->text("missing", 10, true));
  EXPECT_EQ(**b->integer("n", 0, 10, true), 5);
  EXPECT_FALSE(b->integer("n", 6, 10, true));
  EXPECT_FALSE(b->integer("name", 0, 10, true));
  EXPECT_TRUE(**b->flag("flag"));
  EXPECT_EQ(*b->object_text("params", 100), R"({"x":[1,2]})");
  EXPECT_EQ(*b->object_text("nothing", 100), "{}");
  EXPECT_FALSE(JsonBody::parse("[1]"));
  EXPECT_FALSE(JsonBody::parse("{"));
  EXPECT_FALSE(JsonBody::parse(std::string(100, '[') + std::string(100, ']')));
  EXPECT_EQ(json_depth(R"({"a":"[[[[["})", 16), 1u);
  EXPECT_FALSE(JsonBody::parse(R"({"n": 18446744073709551615})")->integer("n", 0, 10, true));
}

}  // namespace
}  // namespace citywatch::app
