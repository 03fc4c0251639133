// net/smtp_client.h: sends one mail through an SMTP relay with libcurl: STARTTLS required on
// smtp:// (unless the caller explicitly allows plain text), implicit TLS on smtps://, optional
// AUTH, a plain-text body and attachments as a MIME multipart message. No state between calls.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/result.h"

namespace citywatch::net {

struct SmtpServer {
  std::string url;       // smtp://relay.example.net:587 or smtps://relay.example.net:465
  std::string username;  // empty: no AUTH
  std::string password;
  bool require_tls = true;  // STARTTLS must succeed on smtp://; false only for tests/local relays
  bool verify_tls = true;
  std::string ca_file;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds timeout{60000};
};

struct MailAttachment {
  std::string filename;      // "citywatch-kpn-20261123T113000Z-7.csv"
  std::string content_type;  // "text/csv"
  std::string data;
};

struct MailMessage {
  std::string from;  // bare addresses: "citywatch@city.example"
  std::vector<std::string> to;
  std::string subject;
  std::string message_id;  // without the angle brackets; empty: none
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. X-Batch-Id
  std::string text;                                          // UTF-8 plain text
  std::vector<MailAttachment> attachments;
};

// Hands the message to the relay. Errors as http_post: kUnavailable for network/TLS trouble and
// refusals worth a retry, kConfig for a bad URL, CA file or login.
core::Result<void> smtp_send(const SmtpServer& server, const MailMessage& message);

}  // namespace citywatch::net
