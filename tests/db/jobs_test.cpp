#include "db/jobs.h"

#include "tests/db/db_fixture.h"

namespace citywatch::db {
namespace {

class JobsTest : public DbTest {
 protected:
  JobStore jobs() { return JobStore(conn()); }
  void sync(std::vector<JobDefinition> defs, core::UnixSeconds now) {
    auto r = jobs().sync(defs, "config", now, [&](const JobDefinition&) { return now; });
    ASSERT_TRUE(r) << r.error().to_string();
  }
};

TEST_F(JobsTest, SyncAddsUpdatesAndDisables) {
  sync({{"shodan", "shodan-fetch", "every 6h"}, {"retention", "retention", "0 3 * * *"}}, 100);
  auto all = jobs().list();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].name, "shodan");
  EXPECT_EQ((*all)[1].next_due, 100);
  // A new schedule restarts the due time; a job no longer configured is disabled, not deleted.
  sync({{"shodan", "shodan-fetch", "every 12h"}}, 500);
  auto shodan = jobs().get("shodan");
  ASSERT_TRUE(shodan && *shodan);
  EXPECT_EQ((*shodan)->schedule, "every 12h");
  EXPECT_EQ((*shodan)->next_due, 500);
  auto retention = jobs().get("retention");
  ASSERT_TRUE(retention && *retention);
  EXPECT_FALSE((*retention)->enabled);
}

TEST_F(JobsTest, ConfigCannotTakeOverAnApiJobName) {
  ASSERT_TRUE(jobs().create({"scan-centre", "scan", "every 1d"}, 10, 1));
  auto r = jobs().sync({{"scan-centre", "scan", "every 1d"}}, "config", 2,
                       [](const JobDefinition&) { return 2; });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, core::ErrorCode::kConfig);
}

TEST_F(JobsTest, OnlyOneOwnerGetsTheLease) {
  sync({{"dropdir", "dropdir-import", "every 1m"}}, 100);
  auto due = jobs().due(100);
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 1u);
  std::int64_t id = due->front().id;
  auto a = jobs().claim(id, "host:1:a", 100, 220);
  auto b = jobs().claim(id, "host:2:b", 100, 220);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(*a);
  EXPECT_FALSE(*b);
  auto due_again = jobs().due(150);
  ASSERT_TRUE(due_again);
  EXPECT_TRUE(due_again->empty());
  // A lease that was not renewed expires and can be taken.
  auto late = jobs().claim(id, "host:2:b", 221, 340);
  ASSERT_TRUE(late);
  EXPECT_TRUE(*late);
}

TEST_F(JobsTest, FinishReleasesAndSetsTheNextDueTime) {
  sync({{"feed-check", "feed-check", "every 15m"}}, 100);
  auto job = *jobs().get("feed-check");
  ASSERT_TRUE(*jobs().claim(job->id, "h:1:x", 100, 200));
  auto run = jobs().start_run(job->id, "h:1:x", "schedule", 100);
  ASSERT_TRUE(run);
  ASSERT_TRUE(jobs().finish(job->id, *run, "h:1:x", {"ok", "{\"n\":1}", "", 1000}, 110));
  auto after = *jobs().get("feed-check");
  EXPECT_TRUE(after->lease_owner.empty());
  EXPECT_EQ(after->next_due, 1000);
  EXPECT_EQ(after->last_status, "ok");
  auto runs = jobs().runs(job->id, std::nullopt, 10);
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].status, "ok");
  EXPECT_EQ((*runs)[0].summary, "{\"n\":1}");
  EXPECT_EQ((*runs)[0].job_name, "feed-check");
}

TEST_F(JobsTest, DeadOwnersLoseTheirLeasesAndRunsAreMarkedInterrupted) {
  sync({{"shodan", "shodan-fetch", "every 6h"}}, 100);
  auto job = *jobs().get("shodan");
  ASSERT_TRUE(*jobs().claim(job->id, "h:999:dead", 100, 100000));
  auto run = jobs().start_run(job->id, "h:999:dead", "schedule", 100);
  ASSERT_TRUE(run);
  auto freed = jobs().release_dead_leases([](const std::string& o) { return o == "h:999:dead"; });
  ASSERT_TRUE(freed);
  EXPECT_EQ(*freed, 1);
  auto after = *jobs().get("shodan");
  EXPECT_TRUE(after->lease_owner.empty());
  EXPECT_EQ(after->next_due, 100);  // still due: it runs again
  auto runs = *jobs().runs(job->id, std::nullopt, 10);
  EXPECT_EQ(runs[0].status, "interrupted");
}

TEST_F(JobsTest, RunNowAndFeedItems) {
  sync({{"shodan", "shodan-fetch", "every 6h"}}, 100);
  auto job = *jobs().get("shodan");
  ASSERT_TRUE(*jobs().claim(job->id, "o", 100, 200));
  ASSERT_TRUE(jobs().finish(job->id, 0, "o", {"ok", "", "", 100000}, 101));
  EXPECT_TRUE(jobs().due(200)->empty());
  ASSERT_TRUE(*jobs().request_run("shodan"));
  EXPECT_FALSE(*jobs().request_run("nope"));
  ASSERT_EQ(jobs().due(200)->size(), 1u);
  EXPECT_FALSE(*jobs().has_feed_item("shadowserver", "abc"));
  ASSERT_TRUE(jobs().add_feed_item("shadowserver", "abc", 5, 1));
  ASSERT_TRUE(jobs().add_feed_item("shadowserver", "abc", 6, 2));  // idempotent
  EXPECT_TRUE(*jobs().has_feed_item("shadowserver", "abc"));
}

}  // namespace
}  // namespace citywatch::db
