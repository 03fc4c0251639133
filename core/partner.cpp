#include "core/partner.h"

#include <algorithm>

#include "core/enum_names.h"

namespace citywatch::core {
namespace {

constexpr NameTable<DeliveryChannel, 3> kChannels{{
    {DeliveryChannel::kWebhook, "webhook"},
    {DeliveryChannel::kEmail, "email"},
    {DeliveryChannel::kPull, "pull"},
}};
constexpr NameTable<BatchFormat, 3> kFormats{{
    {BatchFormat::kCsv, "csv"},
    {BatchFormat::kJson, "json"},
    {BatchFormat::kXarf, "xarf"},
}};

}  // namespace

std::string_view to_string(DeliveryChannel c) { return name_of(kChannels, c); }

std::optional<DeliveryChannel> parse_delivery_channel(std::string_view text) {
  return parse_name(kChannels, text);
}

std::string_view to_string(BatchFormat f) { return name_of(kFormats, f); }

std::optional<BatchFormat> parse_batch_format(std::string_view text) {
  return parse_name(kFormats, text);
}

bool Partner::opted_out(FindingKind kind) const {
  return paused ||
         std::find(opt_out_kinds.begin(), opt_out_kinds.end(), kind) != opt_out_kinds.end();
}

bool is_valid_partner_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return name.front() != '.' && name.front() != '-';
}

}  // namespace citywatch::core
