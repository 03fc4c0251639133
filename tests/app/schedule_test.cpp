#include "app/schedule.h"

#include <gtest/gtest.h>

namespace citywatch::app {
namespace {

core::UnixSeconds at(const char* text) { return *core::parse_utc_timestamp(text); }
std::string next(const char* schedule, const char* from) {
  return core::format_utc(Schedule::parse(schedule)->next_after(at(from)));
}

TEST(Schedule, Intervals) {
  auto s = Schedule::parse("every 6h");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s->interval(), 6 * 3600);
  EXPECT_EQ(s->next_after(100), 100 + 6 * 3600);
  EXPECT_EQ(*Schedule::parse("every 30s")->interval(), 30);
  EXPECT_EQ(*Schedule::parse("EVERY 15m")->interval(), 900);
  EXPECT_EQ(*Schedule::parse("every 2d")->interval(), 2 * 86400);
  for (const char* bad :
       {"every", "every 0h", "every 6", "every 6w", "every -1h", "every 367d", "every 1.5h"}) {
    EXPECT_FALSE(Schedule::parse(bad)) << bad;
  }
}

TEST(Schedule, CronFields) {
  EXPECT_EQ(next("30 3 * * *", "2026-11-20T12:00:00Z"), "2026-11-21T03:30:00Z");
  EXPECT_EQ(next("30 3 * * *", "2026-11-21T03:29:59Z"), "2026-11-21T03:30:00Z");
  EXPECT_EQ(next("30 3 * * *", "2026-11-21T03:30:00Z"), "2026-11-22T03:30:00Z");
  EXPECT_EQ(next("*/15 * * * *", "2026-11-20T12:07:00Z"), "2026-11-20T12:15:00Z");
  EXPECT_EQ(next("0 9-17/4 * * 1-5", "2026-11-20T18:00:00Z"), "2026-11-23T09:00:00Z");  // Fri->Mon
  EXPECT_EQ(next("0 0 29 2 *", "2026-03-01T00:00:00Z"), "2028-02-29T00:00:00Z");
  EXPECT_EQ(next("0 0 * * 7", "2026-11-20T00:00:00Z"), "2026-11-22T00:00:00Z");  // 7 = Sunday
  // dom and dow both restricted: either matches (the 1st, or any Monday).
  EXPECT_EQ(next("0 0 1 * 1", "2026-11-24T00:00:00Z"), "2026-11-30T00:00:00Z");
  EXPECT_EQ(next("5,10 1 * * *", "2026-11-20T01:06:00Z"), "2026-11-20T01:10:00Z");
  EXPECT_EQ(next("@daily", "2026-11-20T01:06:00Z"), "2026-11-21T00:00:00Z");
  EXPECT_EQ(next("@hourly", "2026-11-20T01:06:00Z"), "2026-11-20T02:00:00Z");
}

TEST(Schedule, BadCronSaysWhy) {
  auto bad = Schedule::parse("61 * * * *");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("minute"), std::string::npos);
  EXPECT_FALSE(Schedule::parse("* * * *"));
  EXPECT_FALSE(Schedule::parse("0 0 31 2 *"));  // never a real date
  EXPECT_FALSE(Schedule::parse("*/0 * * * *"));
  EXPECT_FALSE(Schedule::parse("5-1 * * * *"));
  EXPECT_FALSE(Schedule::parse("a b c d e"));
  EXPECT_FALSE(Schedule::parse(std::string(300, '*')));
}

TEST(Schedule, MissedSlotsAreNotMadeUp) {
  auto s = *Schedule::parse("every 1h");
  // Ran at 0, finished quickly: next at 1h.
  EXPECT_EQ(s.next_due(0, 10), 3600);
  // Ran at 0 and took 5 h: next one hour after it ended, not four catch-up runs.
  EXPECT_EQ(s.next_due(0, 5 * 3600), 6 * 3600);
  auto daily = *Schedule::parse("0 3 * * *");
  EXPECT_EQ(
      core::format_utc(daily.next_due(at("2026-11-20T03:00:00Z"), at("2026-11-20T03:05:00Z"))),
      "2026-11-21T03:00:00Z");
}

}  // namespace
}  // namespace citywatch::app
