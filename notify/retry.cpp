#include "notify/retry.h"

#include <algorithm>
#include <cmath>

#include "core/text.h"

namespace citywatch::notify {

std::string_view to_string(AttemptOutcome o) {
  switch (o) {
    case AttemptOutcome::kDelivered:
      return "delivered";
    case AttemptOutcome::kRetry:
      return "retry";
    case AttemptOutcome::kDead:
      return "dead";
  }
  return "retry";
}

AttemptResult classify_http(const core::Result<net::HttpResponse>& response,
                            core::UnixSeconds now) {
  AttemptResult r;
  if (!response) {
    r.error = response.error().to_string();
    r.outcome = response.error().code == core::ErrorCode::kConfig ? AttemptOutcome::kDead
                                                                  : AttemptOutcome::kRetry;
    return r;
  }
  r.http_status = response->status;
  r.response = core::printable_excerpt(response->body, kMaxRecordedResponse);
  long s = response->status;
  if (s >= 200 && s < 300) {
    r.outcome = AttemptOutcome::kDelivered;
  } else if (s == 429 || s >= 500 || s == 408) {
    r.outcome = AttemptOutcome::kRetry;
    r.error = "HTTP " + std::to_string(s);
    if (response->retry_after) r.retry_after = net::parse_retry_after(*response->retry_after, now);
  } else {
    r.outcome = AttemptOutcome::kDead;
    r.error = "HTTP " + std::to_string(s) + ": the partner refused the batch";
  }
  return r;
}

AttemptResult classify_smtp(const core::Result<void>& sent) {
  AttemptResult r;
  if (sent) {
    r.outcome = AttemptOutcome::kDelivered;
    return r;
  }
  r.error = sent.error().to_string();
  r.outcome = sent.error().code == core::ErrorCode::kConfig ? AttemptOutcome::kDead
                                                            : AttemptOutcome::kRetry;
  return r;
}

core::UnixSeconds backoff_delay(const RetryPolicy& policy, int failed,
                                std::optional<core::UnixSeconds> retry_after,
                                std::mt19937_64& rng) {
  double base = static_cast<double>(policy.initial_delay) *
                std::pow(policy.multiplier, std::max(0, failed - 1));
  base = std::min(base, static_cast<double>(policy.max_delay));
  double j = std::clamp(policy.jitter, 0.0, 1.0);
  std::uniform_real_distribution<double> factor(1.0 - j, 1.0 + j);
  auto delay = static_cast<core::UnixSeconds>(std::llround(base * factor(rng)));
  delay = std::max<core::UnixSeconds>(delay, 1);
  if (retry_after) delay = std::max(delay, *retry_after);
  return delay;
}

}  // namespace citywatch::notify
