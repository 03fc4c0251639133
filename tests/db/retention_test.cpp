// Retention with explicit cut-offs: whole days of observations go, their counts stay, and the
// trends read the same before and after the purge.
#include "db/retention.h"

#include "db/queries.h"
#include "db/users.h"
#include "tests/db/db_fixture.h"

namespace citywatch::db {
namespace {

constexpr core::UnixSeconds kDay = 86400;

class RetentionTest : public DbTest {};

TEST_F(RetentionTest, OldDaysAreRolledUpThenDeletedAndTrendsDoNotChange) {
  // Day 10: three observations of two devices; day 11: one; day 20: two.
  write({seen("192.0.2.1", 80, 10 * kDay + 5), seen("192.0.2.1", 443, 10 * kDay + 6),
         seen("192.0.2.2", 80, 10 * kDay + 7, core::Source::kShadowserver),
         seen("192.0.2.3", 80, 11 * kDay + 1), seen("192.0.2.4", 80, 20 * kDay),
         seen("192.0.2.1", 80, 20 * kDay + 9)});
  auto before = trends(conn(), 9, 22);
  ASSERT_TRUE(before);

  RetentionCutoffs c;
  c.now = 21 * kDay;
  c.observations_before = 12 * kDay + 3600;  // mid-day: day 12 is kept whole
  c.devices_before = 0;
  c.audit_before = 0;
  c.job_runs_before = 0;
  auto purged = apply_retention(conn(), c);
  ASSERT_TRUE(purged) << purged.error().to_string();
  EXPECT_EQ(purged->observations, 4);
  EXPECT_EQ(purged->days, 2);
  EXPECT_EQ(count("observations"), 2);
  EXPECT_EQ(count("devices"), 4);  // devices stay for their own, longer period

  auto after = trends(conn(), 9, 22);
  ASSERT_TRUE(after);
  ASSERT_EQ(before->size(), after->size());
  for (std::size_t i = 0; i < before->size(); ++i) {
    EXPECT_EQ((*before)[i].observations, (*after)[i].observations) << "day " << (*before)[i].day;
    EXPECT_EQ((*before)[i].devices_seen, (*after)[i].devices_seen) << "day " << (*before)[i].day;
    EXPECT_EQ((*before)[i].new_devices, (*after)[i].new_devices) << "day " << (*before)[i].day;
  }
  EXPECT_EQ(scalar("SELECT value FROM daily_counts WHERE day = 10 AND metric = 'observations' "
                   "AND dimension = '1'"),
            2);
  EXPECT_EQ(scalar("SELECT value FROM daily_counts WHERE day = 10 AND metric = 'devices_seen'"), 2);

  // Running again changes nothing.
  auto again = apply_retention(conn(), c);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->observations, 0);
  EXPECT_EQ(scalar("SELECT sum(value) FROM daily_counts WHERE metric = 'observations'"), 4);
}

TEST_F(RetentionTest, DevicesNotSeenForTheirPeriodGoWithTheirServices) {
  write({seen("192.0.2.1", 80, 10 * kDay), seen("192.0.2.2", 80, 30 * kDay)});
  auto before = trends(conn(), 9, 32);
  RetentionCutoffs c;
  c.now = 40 * kDay;
  c.observations_before = 20 * kDay;
  c.devices_before = 25 * kDay;
  auto purged = apply_retention(conn(), c);
  ASSERT_TRUE(purged);
  EXPECT_EQ(purged->devices, 1);
  EXPECT_EQ(purged->services, 1);
  EXPECT_EQ(count("devices"), 1);
  auto after = trends(conn(), 9, 32);
  for (std::size_t i = 0; i < before->size(); ++i) {
    EXPECT_EQ((*before)[i].new_devices, (*after)[i].new_devices);
  }
}

TEST_F(RetentionTest, APurgedDeviceTakesItsFindingsButTheirCountsStay) {
  write({seen("192.0.2.1", 23, 10 * kDay, core::Source::kShodan, "telnet"),
         seen("192.0.2.2", 23, 30 * kDay, core::Source::kShodan, "telnet")});
  finding("192.0.2.1", 23, 10 * kDay + 5);
  finding("192.0.2.2", 23, 30 * kDay + 5);
  RetentionCutoffs c;
  c.now = 40 * kDay;
  c.observations_before = 20 * kDay;
  c.devices_before = 25 * kDay;
  auto purged = apply_retention(conn(), c);
  ASSERT_TRUE(purged) << purged.error().to_string();
  EXPECT_EQ(purged->findings, 1);
  EXPECT_EQ(count("findings"), 1);
  EXPECT_EQ(count("finding_events"), 1);
  EXPECT_EQ(scalar("SELECT value FROM daily_counts WHERE day = 10 AND metric = 'findings_opened'"),
            1);
}

TEST_F(RetentionTest, AuditRunsAndDeadTokensHaveTheirOwnPeriods) {
  ASSERT_TRUE(append_audit(
      conn(), {{0, 5, "a", "admin", "x", "", "", ""}, {0, 500, "a", "admin", "y", "", "", ""}}));
  UserStore users(conn());
  auto uid = users.create_user({0, "s", "screen", std::nullopt, "", "", "", false, 0, 0}, 1);
  ASSERT_TRUE(users.add_token({*uid, "session", "", "h-old", "p", 50}, 1));
  ASSERT_TRUE(users.add_token({*uid, "api", "", "h-live", "p", 100000}, 1));
  RetentionCutoffs c;
  c.now = 1000;
  c.observations_before = 0;
  c.devices_before = 0;
  c.audit_before = 100;
  c.job_runs_before = 0;
  auto purged = apply_retention(conn(), c);
  ASSERT_TRUE(purged);
  EXPECT_EQ(purged->audit_entries, 1);
  EXPECT_EQ(purged->tokens, 1);
  EXPECT_TRUE(*users.find_token("h-live"));
}

TEST_F(RetentionTest, StopsBetweenDaysWhenAsked) {
  write({seen("192.0.2.1", 80, 1 * kDay), seen("192.0.2.1", 80, 2 * kDay)});
  RetentionCutoffs c;
  c.now = 10 * kDay;
  c.observations_before = 5 * kDay;
  int asked = 0;
  auto purged = apply_retention(conn(), c, [&] { return ++asked > 1; });
  ASSERT_TRUE(purged);
  EXPECT_TRUE(purged->cancelled);
  EXPECT_EQ(purged->days, 1);
  EXPECT_EQ(count("observations"), 1);
}

}  // namespace
}  // namespace citywatch::db
