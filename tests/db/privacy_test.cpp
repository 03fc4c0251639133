#include "db/privacy.h"

#include "db/users.h"
#include "tests/db/db_fixture.h"

namespace citywatch::db {
namespace {

class PrivacyTest : public DbTest {};

TEST_F(PrivacyTest, ExportHoldsEverythingAboutTheAddressAndOnlyIt) {
  auto banner = seen("192.0.2.10", 23, 1000, core::Source::kShodan, "telnet");
  banner.excerpt = "login:";
  write({banner, seen("192.0.2.10", 80, 2000), seen("192.0.2.100", 80, 2000)});
  ASSERT_TRUE(append_audit(
      conn(), {{0, 3000, "alice", "analyst", "device.read", "192.0.2.10", "", "10.0.0.5"}}));
  auto json = export_address(conn(), *core::IpAddress::parse("192.0.2.10"), 4000);
  ASSERT_TRUE(json) << json.error().to_string();
  EXPECT_NE(json->find(R"("address":"192.0.2.10")"), std::string::npos);
  EXPECT_NE(json->find(R"("excerpt":"login:")"), std::string::npos);
  EXPECT_NE(json->find(R"("port":23)"), std::string::npos);
  EXPECT_NE(json->find(R"("action":"device.read","role":"analyst")"), std::string::npos);
  EXPECT_EQ(json->find("192.0.2.100"), std::string::npos);
  EXPECT_EQ(json->find("alice"), std::string::npos);  // staff names stay out
  auto none = export_address(conn(), *core::IpAddress::parse("203.0.113.1"), 4000);
  ASSERT_TRUE(none);
  EXPECT_NE(none->find(R"("device":null)"), std::string::npos);
}

TEST_F(PrivacyTest, ExportAndEraseCoverFindingsTheirHistoryAndExemptions) {
  write({seen("192.0.2.10", 23, 1000, core::Source::kShodan, "telnet"),
         seen("192.0.2.11", 23, 1000, core::Source::kShodan, "telnet")});
  std::int64_t id = finding("192.0.2.10", 23, 1000);
  std::int64_t other = finding("192.0.2.11", 23, 1000);
  FindingStore findings(conn());
  Exemption e;
  e.finding_id = id;
  e.reason = "accepted-risk";
  e.by = "ciso";
  e.until = 99999;
  ASSERT_TRUE(findings.exempt(e, 1500));

  auto json = export_address(conn(), *core::IpAddress::parse("192.0.2.10"), 2000);
  ASSERT_TRUE(json) << json.error().to_string();
  EXPECT_NE(json->find(R"("findings":[{"id":)" + std::to_string(id)), std::string::npos) << *json;
  EXPECT_NE(json->find(R"("event":"opened")"), std::string::npos);
  EXPECT_NE(json->find(R"("event":"exempted")"), std::string::npos);
  EXPECT_NE(json->find(R"("location":{"in_city":)"), std::string::npos);

  auto erased = erase_address(conn(), *core::IpAddress::parse("192.0.2.10"));
  ASSERT_TRUE(erased);
  EXPECT_EQ(scalar("SELECT count(*) FROM findings"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM findings WHERE id = " + std::to_string(other)), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM finding_events WHERE finding_id = " + std::to_string(id)),
            0);
  EXPECT_EQ(count("exemptions"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM finding_events"), 1);  // the other device's opening
}

TEST_F(PrivacyTest, EraseRemovesTheAddressFromEveryTable) {
  write({seen("192.0.2.10", 23, 1000), seen("192.0.2.10", 80, 2000), seen("2001:db8::10", 80, 2000),
         seen("192.0.2.11", 80, 2000)});
  auto erased = erase_address(conn(), *core::IpAddress::parse("192.0.2.10"));
  ASSERT_TRUE(erased);
  EXPECT_EQ(erased->total(), 5);  // 2 observations, 2 services, 1 device
  EXPECT_EQ(count("devices"), 2);
  EXPECT_EQ(count("observations"), 2);
  auto v6 = erase_address(conn(), *core::IpAddress::parse("2001:db8::10"));
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->total(), 3);
  EXPECT_EQ(count("devices"), 1);
}

}  // namespace
}  // namespace citywatch::db
