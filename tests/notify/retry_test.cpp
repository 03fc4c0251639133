#include "notify/retry.h"

#include <gtest/gtest.h>

namespace citywatch::notify {
namespace {

net::HttpResponse answer(long status, std::optional<std::string> retry_after = {}) {
  net::HttpResponse r;
  r.status = status;
  r.body = "body";
  r.retry_after = std::move(retry_after);
  return r;
}

TEST(Retry, ClassifiesAnswers) {
  EXPECT_EQ(classify_http(answer(200), 0).outcome, AttemptOutcome::kDelivered);
  EXPECT_EQ(classify_http(answer(204), 0).outcome, AttemptOutcome::kDelivered);
  EXPECT_EQ(classify_http(answer(500), 0).outcome, AttemptOutcome::kRetry);
  EXPECT_EQ(classify_http(answer(503), 0).outcome, AttemptOutcome::kRetry);
  auto limited = classify_http(answer(429, "120"), 0);
  EXPECT_EQ(limited.outcome, AttemptOutcome::kRetry);
  EXPECT_EQ(limited.retry_after, 120);
  auto refused = classify_http(answer(403), 0);
  EXPECT_EQ(refused.outcome, AttemptOutcome::kDead);
  EXPECT_EQ(refused.http_status, 403);
  EXPECT_EQ(refused.response, "body");
  EXPECT_EQ(classify_http(answer(301), 0).outcome, AttemptOutcome::kDead);
  core::Result<net::HttpResponse> timeout =
      core::fail(core::ErrorCode::kUnavailable, "Timeout was reached", "https://x");
  EXPECT_EQ(classify_http(timeout, 0).outcome, AttemptOutcome::kRetry);
  core::Result<net::HttpResponse> bad_url =
      core::fail(core::ErrorCode::kConfig, "URL using bad/illegal format", "x");
  EXPECT_EQ(classify_http(bad_url, 0).outcome, AttemptOutcome::kDead);
}

TEST(Retry, ExponentialBackoffWithBoundedJitter) {
  RetryPolicy p;
  p.initial_delay = 60;
  p.max_delay = 3600;
  p.jitter = 0.2;
  std::mt19937_64 rng(42);
  for (int failed = 1; failed <= 10; ++failed) {
    double base = std::min(3600.0, 60.0 * (1 << (failed - 1)));
    auto d = backoff_delay(p, failed, std::nullopt, rng);
    EXPECT_GE(d, static_cast<core::UnixSeconds>(base * 0.8) - 1) << failed;
    EXPECT_LE(d, static_cast<core::UnixSeconds>(base * 1.2) + 1) << failed;
  }
  // Seeded: the same sequence every run.
  std::mt19937_64 a(7), b(7);
  EXPECT_EQ(backoff_delay(p, 3, std::nullopt, a), backoff_delay(p, 3, std::nullopt, b));
}

TEST(Retry, RetryAfterIsNeverUndercut) {
  RetryPolicy p;
  p.initial_delay = 10;
  std::mt19937_64 rng(1);
  EXPECT_GE(backoff_delay(p, 1, 900, rng), 900);
}

TEST(Retry, ParsesRetryAfter) {
  EXPECT_EQ(net::parse_retry_after("120", 0), 120);
  EXPECT_EQ(net::parse_retry_after(" 5 ", 0), 5);
  // Sun, 06 Nov 1994 08:49:37 GMT = 784111777
  EXPECT_EQ(net::parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 30), 30);
  EXPECT_EQ(net::parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 30), 0);
  EXPECT_FALSE(net::parse_retry_after("soon", 0));
  EXPECT_FALSE(net::parse_retry_after("-5", 0));
  EXPECT_EQ(net::parse_retry_after("99999999999", 0), 30 * 86400);
}

}  // namespace
}  // namespace citywatch::notify
