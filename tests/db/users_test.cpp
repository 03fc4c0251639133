#include "db/users.h"

#include "tests/db/db_fixture.h"

namespace citywatch::db {
namespace {

class UsersTest : public DbTest {};

TEST_F(UsersTest, UsersAreUniqueIgnoringCaseAndPartnersNeedAnId) {
  UserStore users(conn());
  UserRow alice{0, "alice", "admin", std::nullopt, "hash", "", "", false, 0, 0};
  ASSERT_TRUE(users.create_user(alice, 1));
  UserRow shout = alice;
  shout.name = "ALICE";
  auto again = users.create_user(shout, 2);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, core::ErrorCode::kBadInput);
  UserRow partner{0, "isp", "partner", std::nullopt, "", "", "", false, 0, 0};
  EXPECT_FALSE(users.create_user(partner, 3));  // the schema's CHECK
  partner.partner_id = 7;
  EXPECT_TRUE(users.create_user(partner, 3));
  EXPECT_EQ(*users.count_admins(), 1);
}

TEST_F(UsersTest, TokensAreFoundByHashWithTheirUser) {
  UserStore users(conn());
  auto uid = users.create_user({0, "bob", "analyst", std::nullopt, "", "", "", false, 0, 0}, 1);
  ASSERT_TRUE(uid);
  auto tid = users.add_token({*uid, "api", "ci", "h1", "cwt_abc", 1000}, 10);
  ASSERT_TRUE(tid);
  auto found = users.find_token("h1");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->user.name, "bob");
  EXPECT_EQ((*found)->token.id, *tid);
  EXPECT_FALSE(*users.find_token("other"));
  ASSERT_TRUE(*users.revoke_token(*tid, 20));
  EXPECT_FALSE(*users.revoke_token(*tid, 21));
  EXPECT_TRUE(users.list_tokens(*uid, false, 30)->empty());
  EXPECT_EQ(users.list_tokens(*uid, true, 30)->size(), 1u);
  // Deleting the user deletes its tokens.
  ASSERT_TRUE(*users.delete_user("bob"));
  EXPECT_FALSE(*users.find_token("h1"));
}

TEST_F(UsersTest, AuditLogPagesNewestFirstAndFilters) {
  std::vector<AuditEntry> entries;
  for (int i = 0; i < 5; ++i) {
    entries.push_back({0, 100 + i, i % 2 ? "alice" : "bob", "analyst", "device.read",
                       "192.0.2." + std::to_string(i), "", "127.0.0.1"});
  }
  ASSERT_TRUE(append_audit(conn(), entries));
  AuditFilter page;
  page.limit = 2;
  auto first = list_audit(conn(), page);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].object, "192.0.2.4");
  page.before_id = first->back().id;
  auto second = list_audit(conn(), page);
  EXPECT_EQ((*second)[0].object, "192.0.2.2");
  AuditFilter alice;
  alice.actor = "alice";
  EXPECT_EQ(list_audit(conn(), alice)->size(), 2u);
  EXPECT_EQ(*purge_audit(conn(), 103), 3);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log"), 2);
}

}  // namespace
}  // namespace citywatch::db
