#include "core/time.h"

#include <gtest/gtest.h>

namespace citywatch::core {
namespace {

TEST(Time, ParsesTheFormsFeedsUse) {
  // Shadowserver
  EXPECT_EQ(parse_utc_timestamp("2022-01-10 00:01:42"), 1641772902);
  // Shodan: fraction, no zone (UTC)
  EXPECT_EQ(parse_utc_timestamp("2018-06-19T13:02:37.371273"), 1529413357);
  // RFC 3339 with Z and with an offset
  EXPECT_EQ(parse_utc_timestamp("2021-03-27T00:00:00.521730Z"), 1616803200);
  EXPECT_EQ(parse_utc_timestamp("2021-03-27T02:00:00+02:00"), 1616803200);
  EXPECT_EQ(parse_utc_timestamp("2021-03-26T19:00:00-0500"), 1616803200);
  EXPECT_EQ(parse_utc_timestamp("2024-02-29 12:00:00 UTC"), 1709208000);
}

TEST(Time, RejectsImpossibleDates) {
  for (const char* bad : {"", "2022-13-01 00:00:00", "2023-02-29 00:00:00", "2022-01-10",
                          "2022-01-10 24:00:00", "2022-01-10T00:00:00+25:00", "1969-12-31 23:59:59",
                          "2022-01-10 00:01:42 junk", "22-01-10 00:01:42"}) {
    EXPECT_FALSE(parse_utc_timestamp(bad)) << bad;
  }
}

TEST(Time, FormatsUtcWithSeconds) {
  EXPECT_EQ(format_utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_utc(1641772902), "2022-01-10T00:01:42Z");
  EXPECT_EQ(format_utc(951782400), "2000-02-29T00:00:00Z");
  EXPECT_EQ(parse_utc_timestamp(format_utc(4102444799)), 4102444799);
}

TEST(Time, ParsesDates) {
  EXPECT_EQ(parse_utc_date("2026-11-23"), 1795392000);
  EXPECT_FALSE(parse_utc_date("2026-11-31"));
}

TEST(Time, ManualClockMovesOnlyWhenTold) {
  ManualClock clock(1000);
  EXPECT_EQ(clock.now(), 1000);
  clock.advance(60);
  EXPECT_EQ(clock.now(), 1060);
}

}  // namespace
}  // namespace citywatch::core
