#include "scanner/feed.h"

#include "core/redact.h"
#include "core/text.h"

namespace citywatch::scanner {

void add_field(core::Observation& o, std::string_view name, std::string_view value) {
  value = core::trim(value);
  if (value.empty() || o.fields.size() >= kMaxFields) return;
  if (core::is_secret_field(name)) {
    o.fields.emplace_back(std::string(name), std::string(core::kRedacted));
    return;
  }
  o.fields.emplace_back(std::string(name),
                        core::printable_excerpt(core::redact_secrets(value), kMaxFieldBytes));
}

std::string make_excerpt(std::string_view raw) {
  return core::printable_excerpt(core::redact_secrets(raw), core::kMaxExcerptBytes);
}

std::string clean_value(std::string_view value) {
  return core::printable_excerpt(core::trim(value), kMaxFieldBytes);
}

std::uint32_t parse_asn(std::string_view text) {
  text = core::trim(text);
  if (core::istarts_with(text, "AS")) text.remove_prefix(2);
  auto n = core::parse_int(text, 1, 4294967295LL);
  return n ? static_cast<std::uint32_t>(*n) : 0;
}

}  // namespace citywatch::scanner
