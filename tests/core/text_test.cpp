#include "core/text.h"

#include <gtest/gtest.h>

namespace citywatch::core {
namespace {

TEST(Text, FindsInvalidUtf8) {
  EXPECT_FALSE(find_invalid_utf8("plain ascii"));
  EXPECT_FALSE(find_invalid_utf8("Den Haag \xe2\x80\x93 caf\xc3\xa9"));
  EXPECT_EQ(find_invalid_utf8("ab\xff"), 2u);
  EXPECT_EQ(find_invalid_utf8("\xc0\xaf"), 0u);          // overlong '/'
  EXPECT_EQ(find_invalid_utf8("x\xed\xa0\x80"), 1u);     // surrogate
  EXPECT_EQ(find_invalid_utf8("\xf4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("\xe2\x80"), 0u);          // cut short
}

TEST(Text, PrintableExcerptEscapesAndBounds) {
  EXPECT_EQ(printable_excerpt("a\x01"
                              "b\xff",
                              100),
            "a\\x01b\\xff");
  EXPECT_EQ(printable_excerpt("line1\nline2\tend", 100), "line1\nline2\tend");
  EXPECT_EQ(printable_excerpt("abcdef", 3), "abc...");
  EXPECT_EQ(printable_excerpt("caf\xc3\xa9", 100), "caf\xc3\xa9");
}

TEST(Text, ParsesIntegersStrictly) {
  EXPECT_EQ(parse_int("8080", 0, 65535), 8080);
  EXPECT_EQ(parse_int("-5", -10, 10), -5);
  EXPECT_FALSE(parse_int("65536", 0, 65535));
  EXPECT_FALSE(parse_int(" 80", 0, 65535));
  EXPECT_FALSE(parse_int("80x", 0, 65535));
  EXPECT_FALSE(parse_int("99999999999999999999999", 0, 65535));
  EXPECT_FALSE(parse_int("", 0, 1));
}

TEST(Text, ParsesDoublesWithoutSurprises) {
  EXPECT_DOUBLE_EQ(*parse_double("52.0799"), 52.0799);
  EXPECT_FALSE(parse_double("nan"));
  EXPECT_FALSE(parse_double("inf"));
  EXPECT_FALSE(parse_double("0x10"));
  EXPECT_FALSE(parse_double("1e999"));
}

TEST(Text, CaseInsensitiveHelpers) {
  EXPECT_EQ(ifind("Server: Hikvision-Webs", "hikvision"), 8u);
  EXPECT_TRUE(istarts_with("HTTP/1.1 401", "http/"));
  EXPECT_EQ(split_trimmed(" a, b ,,c ", ','), (std::vector<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace citywatch::core
