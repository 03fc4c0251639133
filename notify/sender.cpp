#include "notify/sender.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "core/text.h"
#include "net/http_post.h"
#include "net/smtp_client.h"
#include "notify/signature.h"

namespace citywatch::notify {
namespace {

constexpr std::size_t kMaxSecretBytes = 4096;

AttemptResult dead(std::string why) {
  AttemptResult r;
  r.outcome = AttemptOutcome::kDead;
  r.error = std::move(why);
  return r;
}

std::shared_ptr<spdlog::logger> log() {
  auto l = spdlog::get("notify");
  return l ? l : spdlog::default_logger();
}

}  // namespace

core::Result<std::string> read_secret(const core::SecretRef& ref) {
  std::string value;
  if (!ref.file.empty()) {
    std::ifstream in(ref.file, std::ios::binary);
    if (!in) {
      return core::fail(core::ErrorCode::kConfig,
                        "cannot read the secret file (create it, readable only by the service "
                        "user)",
                        ref.file);
    }
    char buf[kMaxSecretBytes + 1];
    in.read(buf, sizeof buf);
    value.assign(buf, static_cast<std::size_t>(in.gcount()));
    if (value.size() > kMaxSecretBytes) {
      return core::fail(core::ErrorCode::kConfig, "secret file is larger than 4 KiB", ref.file);
    }
    struct stat st {};
    if (::stat(ref.file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      log()->warn("secret_file_readable_by_others file={} advice=\"chmod 600\"", ref.file);
    }
  } else if (!ref.env.empty()) {
    const char* v = std::getenv(ref.env.c_str());
    if (!v) {
      return core::fail(core::ErrorCode::kConfig, "environment variable is not set", "$" + ref.env);
    }
    value = v;
  } else {
    return core::fail(core::ErrorCode::kConfig, "no secret configured (secret_file or secret_env)");
  }
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  if (value.empty()) {
    return core::fail(core::ErrorCode::kConfig, "the secret is empty",
                      ref.file.empty() ? "$" + ref.env : ref.file);
  }
  return value;
}

core::Result<void> check_webhook_url(const core::Partner& partner) {
  const std::string& url = partner.webhook_url;
  if (core::istarts_with(url, "https://")) return core::ok();
  if (core::istarts_with(url, "http://")) {
    if (partner.allow_insecure) return core::ok();
    return core::fail(core::ErrorCode::kConfig,
                      "partner " + partner.name +
                          ": plain http:// would send residents' addresses unencrypted; use "
                          "https:// (or set allow_insecure for a test receiver)",
                      url);
  }
  return core::fail(core::ErrorCode::kConfig,
                    "partner " + partner.name + ": the webhook URL must start with https://", url);
}

AttemptResult Sender::send(const core::Partner& partner, const core::Batch& batch, int attempt,
                           core::UnixSeconds now) const {
  switch (partner.channel) {
    case core::DeliveryChannel::kWebhook:
      return send_webhook(partner, batch, attempt, now);
    case core::DeliveryChannel::kEmail:
      return send_email(partner, batch);
    case core::DeliveryChannel::kPull:
      return dead("partner " + partner.name + " pulls its batches; nothing to send");
  }
  return dead("unknown channel");
}

AttemptResult Sender::send_webhook(const core::Partner& partner, const core::Batch& batch,
                                   int attempt, core::UnixSeconds now) const {
  if (auto ok = check_webhook_url(partner); !ok) return dead(ok.error().to_string());
  auto secret = read_secret(partner.hmac_secret);
  if (!secret) {
    return dead("partner " + partner.name + ": HMAC secret: " + secret.error().to_string());
  }
  net::HttpRequest req;
  req.url = partner.webhook_url;
  req.body = render(batch, batch.format, options_.reporter);
  req.headers = {
      {"Content-Type", content_type(batch.format)},
      {"X-Citywatch-Batch-Id", batch.id},
      {"Idempotency-Key", batch.id},
      {"X-Citywatch-Attempt", std::to_string(attempt)},
      {"X-Citywatch-Format", std::string(core::to_string(batch.format))},
      {std::string(kSignatureHeader), sign(*secret, now, req.body)},
  };
  req.connect_timeout = options_.connect_timeout;
  req.timeout = options_.timeout;
  req.ca_file = partner.ca_file;
  req.max_response_bytes = options_.max_response_bytes;
  return classify_http(net::http_post(req), now);
}

AttemptResult Sender::send_email(const core::Partner& partner, const core::Batch& batch) const {
  if (partner.email_to.empty() || partner.smtp_url.empty()) {
    return dead("partner " + partner.name + ": email delivery needs an address and smtp_url");
  }
  net::SmtpServer server;
  server.url = partner.smtp_url;
  server.username = partner.smtp_user;
  if (!partner.smtp_user.empty()) {
    auto password = read_secret(partner.smtp_password);
    if (!password) {
      return dead("partner " + partner.name + ": SMTP password: " + password.error().to_string());
    }
    server.password = *password;
  }
  server.require_tls = !partner.allow_insecure;
  server.ca_file = partner.ca_file;
  server.connect_timeout = options_.connect_timeout;
  server.timeout = options_.timeout;
  net::MailMessage m;
  m.from = options_.mail_from;
  m.to = {partner.email_to};
  m.subject = "[citywatch] " + std::to_string(batch.items.size()) + " findings for " +
              partner.name + " (batch " + batch.id + ")";
  m.message_id = batch.id + "@citywatch";
  m.headers = {{"X-Citywatch-Batch-Id", batch.id}};
  m.text = render_summary(batch, options_.city);
  // The CSV always (what abuse desks ingest); JSON or X-ARF beside it when that is the format.
  m.attachments.push_back({"citywatch-" + batch.id + ".csv", "text/csv", render_csv(batch)});
  if (batch.format != core::BatchFormat::kCsv) {
    m.attachments.push_back({"citywatch-" + batch.id + ".json", "application/json",
                             render(batch, batch.format, options_.reporter)});
  }
  return classify_smtp(net::smtp_send(server, m));
}

}  // namespace citywatch::notify
