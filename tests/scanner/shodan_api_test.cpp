// The Shodan API client against a fake Shodan on 127.0.0.1 (tests/support/fake_feeds.h).
#include "scanner/shodan_api.h"

#include <gtest/gtest.h>

#include "tests/support/fake_feeds.h"

namespace citywatch::scanner {
namespace {

using namespace std::chrono_literals;

// A RateGate on a fake clock: waiting advances the clock and is recorded, so the spacing the
// client keeps is checked without any real waiting.
struct FakeTime {
  RateGate::Clock::time_point now{std::chrono::seconds(1000)};
  std::vector<RateGate::Clock::duration> waits;
  RateGate gate(std::chrono::milliseconds interval) {
    return RateGate(
        interval, [this] { return now; },
        [this](RateGate::Clock::duration d) {
          waits.push_back(d);
          now += d;
          return true;
        });
  }
};

TEST(RateGate, SpacesCallsByTheInterval) {
  FakeTime t;
  RateGate gate = t.gate(1000ms);
  ASSERT_TRUE(gate.wait());  // the first call goes at once
  EXPECT_TRUE(t.waits.empty());
  t.now += 300ms;
  ASSERT_TRUE(gate.wait());
  ASSERT_EQ(t.waits.size(), 1u);
  EXPECT_EQ(t.waits[0], 700ms);
  t.now += 5s;  // long after: no wait
  ASSERT_TRUE(gate.wait());
  EXPECT_EQ(t.waits.size(), 1u);
  gate.back_off(2s);
  ASSERT_TRUE(gate.wait());
  EXPECT_EQ(t.waits.back(), 3s);
}

TEST(RateGate, CancelledWaitReturnsFalse) {
  RateGate gate(
      1000ms, [] { return RateGate::Clock::time_point{}; },
      [](RateGate::Clock::duration) { return false; });
  ASSERT_TRUE(gate.wait());
  EXPECT_FALSE(gate.wait());
}

TEST(ShodanApi, ParsesSearchPagesAndErrors) {
  auto page = parse_shodan_search_page(R"({"matches":[{"ip_str":"192.0.2.1"},{}],"total":250})");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->matches, 2u);
  EXPECT_EQ(page->total, 250u);
  auto error = parse_shodan_search_page(R"({"error": "Invalid search query"})");
  ASSERT_FALSE(error);
  EXPECT_NE(error.error().message.find("Invalid search query"), std::string::npos);
  EXPECT_FALSE(parse_shodan_search_page("[]"));
  EXPECT_FALSE(parse_shodan_search_page("{\"total\": 3}"));
  EXPECT_FALSE(parse_shodan_search_page("not json"));
}

TEST(ShodanApi, FetchesEveryPageOfANetworkWithinTheRateLimit) {
  testing::FakeShodan shodan("KEY", 40ms);
  shodan.set_results("192.0.2.0/24", 250);
  net::HttpClient http;
  RateGate gate(50ms);  // real time here: the fake refuses calls closer than 40 ms
  ShodanApi api({shodan.url(), "KEY", 100, 3}, http, gate);
  std::vector<int> pages;
  std::size_t banners = 0;
  auto totals = api.search_all(shodan_net_query(*core::Prefix::parse("192.0.2.0/24"), ""), 1,
                               [&](const ShodanPage& p) -> core::Result<void> {
                                 pages.push_back(p.number);
                                 banners += p.summary.matches;
                                 EXPECT_EQ(p.json_line.find('\n'), std::string::npos);
                                 return core::ok();
                               });
  ASSERT_TRUE(totals) << totals.error().to_string();
  EXPECT_EQ(pages, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(banners, 250u);
  EXPECT_EQ(totals->total, 250u);
  EXPECT_FALSE(totals->truncated);
  EXPECT_EQ(shodan.rate_limited(), 0);
  for (const auto& call : shodan.calls()) EXPECT_EQ(call.query, "net:192.0.2.0/24");
}

TEST(ShodanApi, RetriesAfter429And5xxThenSucceeds) {
  testing::FakeShodan shodan("KEY", 0ms);
  shodan.set_results("198.51.100.0/24", 5);
  shodan.fail_next({429, 503});
  net::HttpClient http;
  FakeTime t;
  RateGate gate = t.gate(1000ms);
  ShodanApi api({shodan.url(), "KEY", 100, 3}, http, gate);
  auto page = api.search_page("net:198.51.100.0/24", 1);
  ASSERT_TRUE(page) << page.error().to_string();
  EXPECT_EQ(page->summary.matches, 5u);
  ASSERT_EQ(shodan.calls().size(), 3u);
  // Back-off grows: one interval after the first failure, two after the second.
  ASSERT_EQ(t.waits.size(), 2u);
  EXPECT_EQ(t.waits[0], 2000ms);
  EXPECT_EQ(t.waits[1], 3000ms);
}

TEST(ShodanApi, GivesUpAfterRetriesWithTheLastStatus) {
  testing::FakeShodan shodan("KEY", 0ms);
  shodan.fail_next({503, 503, 503, 503, 503});
  net::HttpClient http;
  FakeTime t;
  RateGate gate = t.gate(10ms);
  ShodanApi api({shodan.url(), "KEY", 100, 2}, http, gate);
  auto page = api.search_page("net:198.51.100.0/24", 1);
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().code, core::ErrorCode::kUnavailable);
  EXPECT_NE(page.error().message.find("HTTP 503"), std::string::npos);
  EXPECT_NE(page.error().message.find("gave up after 3 attempts"), std::string::npos);
}

TEST(ShodanApi, BadKeyIsAConfigurationErrorWithoutTheKeyInIt) {
  testing::FakeShodan shodan("KEY", 0ms);
  net::HttpClient http;
  FakeTime t;
  RateGate gate = t.gate(10ms);
  ShodanApi api({shodan.url(), "WRONG-SECRET", 100, 3}, http, gate);
  auto page = api.search_page("net:192.0.2.0/24", 1);
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().code, core::ErrorCode::kConfig);
  EXPECT_NE(page.error().message.find("401"), std::string::npos);
  EXPECT_EQ(page.error().to_string().find("WRONG-SECRET"), std::string::npos);
  EXPECT_EQ(shodan.calls().size(), 1u);  // no retry of a refused key
}

TEST(ShodanApi, StopsAtMaxPagesAndSaysSo) {
  testing::FakeShodan shodan("KEY", 0ms);
  shodan.set_results("192.0.2.0/24", 450);
  net::HttpClient http;
  FakeTime t;
  RateGate gate = t.gate(1ms);
  ShodanApi api({shodan.url(), "KEY", 2, 3}, http, gate);
  int pages = 0;
  auto totals = api.search_all("net:192.0.2.0/24", 1, [&](const ShodanPage&) -> core::Result<void> {
    ++pages;
    return core::ok();
  });
  ASSERT_TRUE(totals);
  EXPECT_EQ(pages, 2);
  EXPECT_TRUE(totals->truncated);
}

TEST(ShodanApi, ResumesFromAGivenPage) {
  testing::FakeShodan shodan("KEY", 0ms);
  shodan.set_results("192.0.2.0/24", 250);
  net::HttpClient http;
  FakeTime t;
  RateGate gate = t.gate(1ms);
  ShodanApi api({shodan.url(), "KEY", 100, 3}, http, gate);
  std::vector<int> pages;
  auto totals =
      api.search_all("net:192.0.2.0/24", 3, [&](const ShodanPage& p) -> core::Result<void> {
        pages.push_back(p.number);
        return core::ok();
      });
  ASSERT_TRUE(totals);
  EXPECT_EQ(pages, std::vector<int>{3});
}

}  // namespace
}  // namespace citywatch::scanner
