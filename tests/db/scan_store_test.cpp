#include "db/scan_store.h"

#include <gtest/gtest.h>

#include "db/store.h"
#include "tests/support/test_support.h"

namespace citywatch::db {
namespace {

RunService svc(const std::string& ip, std::uint16_t port, std::uint64_t digest) {
  RunService r;
  r.ip = *core::IpAddress::parse(ip);
  r.port = port;
  r.protocol = "http";
  r.summary = "http " + std::to_string(digest);
  r.digest = digest;
  return r;
}

TEST(ScanStore, DeltaAgainstThePreviousDoneRunOfTheSameScope) {
  testing::TempDir dir;
  auto store = Store::open(dir.file("s.db"), true);
  ASSERT_TRUE(store);
  ScanStore runs(store->connection());
  auto first = runs.begin_run("zoo", "zoo|", "observe", "zoo.scope", 1000);
  ASSERT_TRUE(first);
  ASSERT_TRUE(runs.add_services(
      *first, {svc("192.0.2.1", 80, 1), svc("192.0.2.2", 23, 2), svc("192.0.2.3", 22, 3)}));
  auto d1 = runs.finish_run(*first, "done", {}, 1010);
  ASSERT_TRUE(d1);
  EXPECT_FALSE(d1->previous_run);
  EXPECT_EQ(d1->added.size(), 3u);

  // A failed run in between is never a baseline.
  auto failed = runs.begin_run("zoo", "zoo|", "observe", "zoo.scope", 1100);
  ASSERT_TRUE(failed);
  ASSERT_TRUE(runs.finish_run(*failed, "failed", {}, 1101));
  // Another scope's run neither.
  auto other = runs.begin_run("parks", "parks|", "observe", "parks.scope", 1150);
  ASSERT_TRUE(other && runs.add_services(*other, {svc("198.51.100.1", 80, 9)}));
  ASSERT_TRUE(runs.finish_run(*other, "done", {}, 1151));

  auto second = runs.begin_run("zoo", "zoo|", "observe", "zoo.scope", 1200);
  ASSERT_TRUE(second);
  ASSERT_TRUE(runs.add_services(
      *second, {svc("192.0.2.1", 80, 1), svc("192.0.2.2", 23, 7), svc("192.0.2.4", 554, 4)}));
  auto d2 = runs.finish_run(*second, "done", {}, 1210);
  ASSERT_TRUE(d2);
  ASSERT_TRUE(d2->previous_run);
  EXPECT_EQ(*d2->previous_run, *first);
  ASSERT_EQ(d2->added.size(), 1u);
  EXPECT_EQ(d2->added[0].ip.to_string(), "192.0.2.4");
  ASSERT_EQ(d2->changed.size(), 1u);
  EXPECT_EQ(d2->changed[0].before.digest, 2u);
  EXPECT_EQ(d2->changed[0].after.digest, 7u);
  ASSERT_EQ(d2->gone.size(), 1u);
  EXPECT_EQ(d2->gone[0].ip.to_string(), "192.0.2.3");

  auto listed = runs.runs("zoo", 10);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[0].new_services, 1);
  EXPECT_EQ((*listed)[0].gone_services, 1);
  EXPECT_EQ((*listed)[1].status, "failed");
}

TEST(ScanStore, RunsOfDeadProcessesAreMarkedInterrupted) {
  testing::TempDir dir;
  auto store = Store::open(dir.file("s.db"), true);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->connection().exec(
      "INSERT INTO scan_runs (scope, scope_key, mode, pid, started_at, status) "
      "VALUES ('zoo', 'zoo|', 'observe', 0, 5, 'running')"));
  ScanStore runs(store->connection());
  ASSERT_TRUE(runs.begin_run("zoo", "zoo|", "observe", "", 10));
  auto listed = runs.runs("zoo", 10);
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->back().status, "interrupted");
}

}  // namespace
}  // namespace citywatch::db
