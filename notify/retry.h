// notify/retry.h: what a delivery attempt's outcome means and when to try again. Timeouts,
// dropped connections, 5xx and 429 are retried with exponential backoff and jitter, never
// sooner than the partner's Retry-After; other 4xx (and 3xx: a webhook does not move) go to the
// dead letters with the response kept; after max_attempts a batch is dead too. Pure functions;
// the random generator is the caller's (seeded in tests).
#pragma once

#include <optional>
#include <random>
#include <string>

#include "core/result.h"
#include "core/time.h"
#include "net/http_post.h"

namespace citywatch::notify {

struct RetryPolicy {
  core::UnixSeconds initial_delay = 60;
  core::UnixSeconds max_delay = 6 * 3600;
  double multiplier = 2.0;
  int max_attempts = 12;  // then dead
  double jitter = 0.2;    // each delay is scaled by a random factor in [1 - j, 1 + j]
};

enum class AttemptOutcome { kDelivered, kRetry, kDead };
std::string_view to_string(AttemptOutcome o);

struct AttemptResult {
  AttemptOutcome outcome = AttemptOutcome::kRetry;
  long http_status = 0;  // 0: no HTTP answer (or not HTTP)
  std::string response;  // bounded, printable excerpt of the answer
  std::string error;     // what went wrong, for the log and the deliveries table
  std::optional<core::UnixSeconds> retry_after;  // seconds the partner asked us to wait
};

inline constexpr std::size_t kMaxRecordedResponse = 2048;

// Maps an HTTP exchange (or its failure) to an outcome.
AttemptResult classify_http(const core::Result<net::HttpResponse>& response, core::UnixSeconds now);
// Maps a mail hand-over to an outcome: kConfig errors (bad URL, login refused) are dead.
AttemptResult classify_smtp(const core::Result<void>& sent);

// Delay before attempt number `failed + 1`, after `failed` failed attempts (1-based).
core::UnixSeconds backoff_delay(const RetryPolicy& policy, int failed,
                                std::optional<core::UnixSeconds> retry_after, std::mt19937_64& rng);

}  // namespace citywatch::notify
