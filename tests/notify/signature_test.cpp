#include "notify/signature.h"

#include <gtest/gtest.h>

namespace citywatch::notify {
namespace {

// RFC 4231 test case 2.
TEST(Signature, HmacSha256KnownAnswer) {
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Signature, SignsTimestampDotBody) {
  std::string header = sign("k", 1700000000, "{}");
  EXPECT_EQ(header, "t=1700000000,v1=" + hmac_sha256_hex("k", "1700000000.{}"));
  EXPECT_TRUE(verify("k", header, "{}"));
  EXPECT_FALSE(verify("k", header, "{ }"));
  EXPECT_FALSE(verify("other", header, "{}"));
  EXPECT_FALSE(verify("k", "t=1700000001,v1=" + header.substr(16), "{}"));
  EXPECT_FALSE(verify("k", "garbage", "{}"));
  auto parsed = parse_signature(header);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->t, 1700000000);
}

}  // namespace
}  // namespace citywatch::notify
