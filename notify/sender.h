// notify/sender.h: one delivery attempt of one stored batch over its partner's channel.
// Webhook: HTTPS POST of the formatted batch, signed (notify/signature.h), with the batch id in
// X-Citywatch-Batch-Id and Idempotency-Key so the partner drops a retried duplicate; plain
// http:// is refused unless the partner allows it. Email: the summary as text and the CSV
// attached, through the partner's SMTP relay with STARTTLS. Secrets are read from their file or
// environment variable at each attempt and never logged. The caller records the attempt before
// calling send() and its result after (app/notify_service). Thread-compatible.
#pragma once

#include <chrono>
#include <string>

#include "core/batch.h"
#include "core/partner.h"
#include "core/result.h"
#include "notify/formats.h"
#include "notify/retry.h"

namespace citywatch::notify {

// Reads a secret: the file's content (trailing line breaks dropped, at most 4 KiB) or the
// variable's value. kConfig naming the file or variable (never the value) when absent or empty.
core::Result<std::string> read_secret(const core::SecretRef& ref);

struct SenderOptions {
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds timeout{30000};
  std::size_t max_response_bytes = 64 * 1024;
  std::string mail_from = "citywatch@localhost";
  std::string city = "'s-Gravenhage";
  Reporter reporter;
};

class Sender {
 public:
  explicit Sender(SenderOptions options) : options_(std::move(options)) {}
  // attempt: 1-based, sent along so the partner can see retries; now: the signing time.
  AttemptResult send(const core::Partner& partner, const core::Batch& batch, int attempt,
                     core::UnixSeconds now) const;

 private:
  AttemptResult send_webhook(const core::Partner& partner, const core::Batch& batch, int attempt,
                             core::UnixSeconds now) const;
  AttemptResult send_email(const core::Partner& partner, const core::Batch& batch) const;
  SenderOptions options_;
};

// Why a webhook URL may not be used (scheme, insecure http), or ok.
core::Result<void> check_webhook_url(const core::Partner& partner);

}  // namespace citywatch::notify
