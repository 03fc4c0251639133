#include "net/smtp_client.h"

#include <curl/curl.h>

#include <ctime>

#include "net/curl.h"

namespace citywatch::net {
namespace {

// Header values must not carry line breaks: a subject with "\r\nBcc: ..." would add a header.
std::string one_line(const std::string& value) {
  std::string out;
  for (char c : value) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

std::string rfc5322_date() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

}  // namespace

core::Result<void> smtp_send(const SmtpServer& server, const MailMessage& message) {
  if (message.to.empty()) {
    return core::fail(core::ErrorCode::kConfig, "a mail needs at least one recipient", server.url);
  }
  auto easy = make_easy();
  if (!easy) return core::fail(easy.error());
  CURL* h = easy->get();
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_URL, server.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(
      h, CURLOPT_USE_SSL,
      server.require_tls ? static_cast<long>(CURLUSESSL_ALL) : static_cast<long>(CURLUSESSL_TRY));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, server.verify_tls ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, server.verify_tls ? 2L : 0L);
  if (!server.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, server.ca_file.c_str());
  if (!server.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, server.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, server.password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(server.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(server.timeout.count()));
  std::string from = "<" + one_line(message.from) + ">";
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  HeaderList rcpt;
  for (const auto& to : message.to) CITYWATCH_TRY(rcpt.append("<" + one_line(to) + ">"));
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());

  HeaderList headers;
  std::string to_line;
  for (const auto& to : message.to) to_line += (to_line.empty() ? "" : ", ") + one_line(to);
  CITYWATCH_TRY(headers.append("Date: " + rfc5322_date()));
  CITYWATCH_TRY(headers.append("From: " + one_line(message.from)));
  CITYWATCH_TRY(headers.append("To: " + to_line));
  CITYWATCH_TRY(headers.append("Subject: " + one_line(message.subject)));
  if (!message.message_id.empty()) {
    CITYWATCH_TRY(headers.append("Message-ID: <" + one_line(message.message_id) + ">"));
  }
  for (const auto& [name, value] : message.headers) {
    CITYWATCH_TRY(headers.append(one_line(name) + ": " + one_line(value)));
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());

  MimeHandle mime(curl_mime_init(h));
  if (!mime) return core::fail(core::ErrorCode::kInternal, "curl_mime_init failed");
  curl_mimepart* text = curl_mime_addpart(mime.get());
  curl_mime_data(text, message.text.data(), message.text.size());
  curl_mime_type(text, "text/plain; charset=utf-8");
  curl_mime_encoder(text, "quoted-printable");
  for (const auto& a : message.attachments) {
    curl_mimepart* part = curl_mime_addpart(mime.get());
    curl_mime_data(part, a.data.data(), a.data.size());
    curl_mime_type(part, a.content_type.c_str());
    curl_mime_filename(part, one_line(a.filename).c_str());
    curl_mime_encoder(part, "base64");
  }
  curl_easy_setopt(h, CURLOPT_MIMEPOST, mime.get());
  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) return core::fail(curl_error(rc, error, server.url));
  return core::ok();
}

}  // namespace citywatch::net
