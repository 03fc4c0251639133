#include "core/partner.h"

#include <algorithm>
#include <array>
#include <utility>

namespace citywatch::core {
namespace {

constexpr std::array<std::pair<DeliveryChannel, std::string_view>, 3> kChannels{{
    {DeliveryChannel::kWebhook, "webhook"},
    {DeliveryChannel::kEmail, "email"},
    {DeliveryChannel::kPull, "pull"},
}};
constexpr std::array<std::pair<BatchFormat, std::string_view>, 3> kFormats{{
    {BatchFormat::kCsv, "csv"},
    {BatchFormat::kJson, "json"},
    {BatchFormat::kXarf, "xarf"},
}};

}  // namespace

std::string_view to_string(DeliveryChannel c) {
  for (const auto& [e, name] : kChannels) {
    if (e == c) return name;
  }
  return "unknown";
}

std::optional<DeliveryChannel> parse_delivery_channel(std::string_view text) {
  for (const auto& [e, name] : kChannels) {
    if (name == text) return e;
  }
  return std::nullopt;
}

std::string_view to_string(BatchFormat f) {
  for (const auto& [e, name] : kFormats) {
    if (e == f) return name;
  }
  return "unknown";
}

std::optional<BatchFormat> parse_batch_format(std::string_view text) {
  for (const auto& [e, name] : kFormats) {
    if (name == text) return e;
  }
  return std::nullopt;
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
