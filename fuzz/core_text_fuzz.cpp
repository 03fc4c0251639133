// fuzz/core_text_fuzz.cpp: libFuzzer target for the text functions of core/ that every parser
// runs on feed data: addresses, prefixes, timestamps, redaction, UTF-8 checks and excerpts. Each
// gets the whole input, and each has a property checked that a crash alone would not show.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/ip_address.h"
#include "core/redact.h"
#include "core/text.h"
#include "core/time.h"

namespace {

namespace core = citywatch::core;

// The last second format_utc writes with a four-digit year (9999-12-31T23:59:59Z).
constexpr core::UnixSeconds kLastFourDigitYear = 253402300799;

// A plain abort: libFuzzer saves the input, and the replay test fails in every build type.
void check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

std::string without(std::string_view text, std::string_view bytes) {
  std::string out;
  for (char c : text) {
    if (bytes.find(c) == std::string_view::npos) {
      out += c;
    }
  }
  return out;
}

void addresses(std::string_view text) {
  if (auto ip = core::IpAddress::parse(text)) {
    auto again = core::IpAddress::parse(ip->to_string());
    check(again && *again == *ip);
  }
  if (auto prefix = core::Prefix::parse(text)) {
    auto again = core::Prefix::parse(prefix->to_string());
    check(again && *again == *prefix && prefix->contains(prefix->base()));
  }
}

void timestamps(std::string_view text) {
  if (auto t = core::parse_utc_timestamp(text)) {
    std::string formatted = core::format_utc(*t);
    // A zone offset can move a time just outside the years the parser accepts; format_utc
    // writes those, and the parser rightly refuses them.
    if (*t >= 0 && *t <= kLastFourDigitYear) {
      check(core::parse_utc_timestamp(formatted) == t);
    }
  }
  if (auto day = core::parse_utc_date(text)) {
    check(core::format_utc(*day).substr(0, 10) == text);
  }
}

// Whatever surrounds it, the credential in an Authorization header must not reach the output.
// The credential is fenced by a byte the surrounding text is stripped of, so a fence byte in the
// output is part of the credential, never a coincidence.
void redaction(std::string_view text) {
  static_cast<void>(core::redact_secrets(text));
  std::size_t third = text.size() / 3;
  std::string header = without(text.substr(0, third), "\x01") + "\nAuthorization: Basic \x01" +
                       without(text.substr(third, third), "\x01\n\r") + "\x01\n" +
                       without(text.substr(2 * third), "\x01");
  check(core::redact_secrets(header).find('\x01') == std::string::npos);
}

void excerpts(std::string_view text, std::size_t max_bytes) {
  if (auto bad = core::find_invalid_utf8(text)) {
    check(*bad < text.size());
  }
  std::string excerpt = core::printable_excerpt(text, max_bytes);
  check(!core::find_invalid_utf8(excerpt));
  // The last character or \xNN escape may pass the limit before "..." is appended.
  check(excerpt.size() <= max_bytes + 6);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  addresses(text);
  timestamps(text);
  redaction(text);
  excerpts(text, size);
  excerpts(text, size == 0 ? 0 : data[0]);  // cut somewhere inside
  return 0;
}
