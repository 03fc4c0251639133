// core/partner.h: a notification partner: a telecom operator, hosting provider or the city's own
// IT, who can reach the owners behind the prefixes and AS numbers it serves. Holds where and how
// batches go (channel, format, schedule) but never a secret: only the file or environment
// variable a secret is read from at send time. Plain value type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding.h"
#include "core/ip_address.h"
#include "core/time.h"

namespace citywatch::core {

// How a partner receives its batches. Pull: it fetches them over the HTTP API with its token.
enum class DeliveryChannel : std::uint8_t { kWebhook, kEmail, kPull };
std::string_view to_string(DeliveryChannel c);
std::optional<DeliveryChannel> parse_delivery_channel(std::string_view text);

enum class BatchFormat : std::uint8_t { kCsv, kJson, kXarf };
std::string_view to_string(BatchFormat f);
std::optional<BatchFormat> parse_batch_format(std::string_view text);

// Where a secret comes from: a file (readable only by the service user) or an environment
// variable. Never the secret itself.
struct SecretRef {
  std::string file;
  std::string env;
  bool empty() const { return file.empty() && env.empty(); }
  friend bool operator==(const SecretRef&, const SecretRef&) = default;
};

struct PartnerPrefix {
  Prefix prefix;
  std::uint32_t asn = 0;     // as the partner's list gives it; 0 when not given
  std::string organisation;  // the customer or network the prefix belongs to, when given
  friend bool operator==(const PartnerPrefix&, const PartnerPrefix&) = default;
};

struct Partner {
  std::int64_t id = 0;  // database id; 0 before it is stored
  std::string name;     // short and unique: "kpn", "ziggo", "city-it" (letters, digits, - _ .)
  std::string organisation;
  std::string contact;  // the abuse desk's address, for people
  std::vector<PartnerPrefix> prefixes;
  std::vector<std::uint32_t> asns;  // fallback when no prefix of any partner matches

  DeliveryChannel channel = DeliveryChannel::kPull;
  BatchFormat format = BatchFormat::kCsv;
  // Webhook: an https:// URL; http:// only with allow_insecure (a test or a private network).
  std::string webhook_url;
  SecretRef hmac_secret;
  std::string ca_file;  // extra CA bundle for the webhook or SMTP server; empty: the system's
  bool allow_insecure = false;
  // Email: the abuse desk's address and the SMTP relay (smtp://host:587 with STARTTLS, or
  // smtps://host:465).
  std::string email_to;
  std::string smtp_url;
  std::string smtp_user;
  SecretRef smtp_password;

  UnixSeconds interval = 7 * 86400;  // a finding already sent is not sent again within this
  std::vector<FindingKind> opt_out_kinds;
  bool paused = false;  // the partner opted out of everything for now
  std::string source;   // "cli" or "config": where the definition lives

  bool opted_out(FindingKind kind) const;
};

// Partner names appear in batch ids, file names and URLs.
bool is_valid_partner_name(std::string_view name);

}  // namespace citywatch::core
