// The default-credential list: matching by user and password, blanks, SNMP communities, bad
// rows reported without echoing a password.
#include "scanner/credential_matcher.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace citywatch::scanner {
namespace {

TEST(CredentialMatcher, MatchesUserCaseInsensitivelyAndPasswordExactly) {
  core::Diagnostics diag;
  auto m = CredentialMatcher::parse(
      "productvendor,username,password\nHikvision,admin,12345\nDahua,admin,admin\n"
      "Acme,ADMIN,admin\n\"Quoted, Inc\",root,\"pa,ss\"\n",
      "list.csv", diag);
  EXPECT_EQ(m.size(), 4u);
  auto hit = m.match("Admin", "12345");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->identity(), "Hikvision admin");
  EXPECT_EQ(hit->line, 2u);
  EXPECT_FALSE(m.match("admin", "ADMIN"));
  auto shared = m.match("admin", "admin");
  ASSERT_TRUE(shared);
  EXPECT_EQ(shared->vendor, "Dahua");  // the first line wins
  EXPECT_EQ(shared->entries, 2u);
  ASSERT_TRUE(m.match("root", "pa,ss"));
  EXPECT_EQ(m.match("root", "pa,ss")->vendor, "Quoted, Inc");
}

TEST(CredentialMatcher, BlanksAndCommunities) {
  core::Diagnostics diag;
  auto m = CredentialMatcher::parse(
      "productvendor,username,password\n3COM,admin,<blank>\nApple,admin,public\n"
      "Apple,<blank>,public\n",
      "list.csv", diag);
  ASSERT_TRUE(m.match("admin", ""));
  EXPECT_EQ(m.match("admin", "")->identity(), "3COM admin");
  auto community = m.match_secret("public");
  ASSERT_TRUE(community);
  EXPECT_EQ(community->identity(), "Apple <blank>");
  EXPECT_EQ(community->line, 4u);
  EXPECT_FALSE(m.match_secret("s3cret"));
}

TEST(CredentialMatcher, BadRowsAreReportedWithoutThePassword) {
  core::Diagnostics diag;
  auto m = CredentialMatcher::parse("productvendor,username,password\nX,y\nA,b,hunter2,extra\n",
                                    "list.csv", diag);
  EXPECT_EQ(m.size(), 0u);
  ASSERT_EQ(diag.count(), 2u);
  EXPECT_EQ(diag.samples()[0].where, "list.csv:2");
  for (const auto& d : diag.samples()) {
    EXPECT_EQ(d.excerpt.find("hunter2"), std::string::npos);
    EXPECT_EQ(d.detail.find("hunter2"), std::string::npos);
  }
}

TEST(CredentialMatcher, LoadsTheSharedCheatSheet) {
  CITYWATCH_REQUIRE_DATA(csv, "credentials/defaultcreds-cheat-sheet.csv");
  core::Diagnostics diag;
  auto m = CredentialMatcher::load(csv, diag);
  ASSERT_TRUE(m) << m.error().to_string();
  EXPECT_GT(m->size(), 3000u);
  auto hit = m->match("admin", "12345");
  ASSERT_TRUE(hit);
  EXPECT_FALSE(hit->vendor.empty());
  EXPECT_FALSE(CredentialMatcher::load("/nonexistent/list.csv", diag));
}

}  // namespace
}  // namespace citywatch::scanner
