#include "app/auth.h"

#include <gtest/gtest.h>

#include "db/store.h"
#include "tests/support/test_support.h"

namespace citywatch::app {
namespace {

TEST(Auth, PasswordsAreArgon2idAndVerify) {
  auto hash = hash_password("correct horse battery");
  ASSERT_TRUE(hash);
  EXPECT_TRUE(hash->starts_with("$argon2id$"));
  EXPECT_TRUE(verify_password(*hash, "correct horse battery"));
  EXPECT_FALSE(verify_password(*hash, "correct horse batterY"));
  EXPECT_FALSE(verify_password("", "x"));
  EXPECT_FALSE(hash_password("short"));
  EXPECT_NE(*hash_password("correct horse battery"), *hash);  // salted
}

TEST(Auth, TokensAreRandomAndOnlyTheirHashIsKept) {
  auto a = issue_token(1, "api", "ci", 100);
  auto b = issue_token(1, "api", "ci", 100);
  EXPECT_NE(a.secret, b.secret);
  EXPECT_TRUE(a.secret.starts_with("cwt_"));
  EXPECT_EQ(a.secret.size(), 4u + 43u);
  EXPECT_EQ(a.row.hash, token_hash(a.secret));
  EXPECT_EQ(a.row.hash.size(), 64u);
  EXPECT_EQ(a.row.hash.find(a.secret), std::string::npos);
  EXPECT_TRUE(a.secret.starts_with(a.row.prefix));
}

TEST(Auth, AuthenticateChecksExpiryRevocationAndUser) {
  testing::TempDir dir;
  auto store = db::Store::open(dir.file("a.db"), true);
  ASSERT_TRUE(store);
  db::UserStore users(store->connection());
  auto uid = users.create_user({0, "pat", "partner", 3, "", "", "", false, 0, 0}, 1);
  ASSERT_TRUE(uid);
  auto live = issue_token(*uid, "api", "", 1000);
  auto old = issue_token(*uid, "api", "", 50);
  auto gone = issue_token(*uid, "api", "", 1000);
  ASSERT_TRUE(users.add_token(live.row, 1));
  ASSERT_TRUE(users.add_token(old.row, 1));
  auto gone_id = users.add_token(gone.row, 1);
  ASSERT_TRUE(users.revoke_token(*gone_id, 2));

  auto ok = authenticate(users, live.secret, 100);
  ASSERT_TRUE(ok && ok->principal);
  EXPECT_EQ(ok->principal->name, "pat");
  EXPECT_EQ(ok->principal->role, Role::kPartner);
  EXPECT_EQ(*ok->principal->partner_id, 3);
  EXPECT_EQ(authenticate(users, old.secret, 100)->failure, AuthFailure::kExpired);
  EXPECT_EQ(authenticate(users, gone.secret, 100)->failure, AuthFailure::kRevoked);
  EXPECT_EQ(authenticate(users, "cwt_nothing", 100)->failure, AuthFailure::kUnknown);
  EXPECT_EQ(authenticate(users, "Basic abc", 100)->failure, AuthFailure::kMalformed);
  ASSERT_TRUE(users.set_disabled("pat", true, 200));
  EXPECT_EQ(authenticate(users, live.secret, 300)->failure, AuthFailure::kDisabled);
}

TEST(Auth, Durations) {
  EXPECT_EQ(*parse_duration("90d"), 90 * 86400);
  EXPECT_EQ(*parse_duration("12h"), 12 * 3600);
  EXPECT_EQ(*parse_duration("30m"), 1800);
  EXPECT_FALSE(parse_duration("90"));
  EXPECT_FALSE(parse_duration("0d"));
  EXPECT_FALSE(parse_duration("4000d"));
  EXPECT_FALSE(parse_duration("d"));
}

}  // namespace
}  // namespace citywatch::app
