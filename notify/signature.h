// notify/signature.h: the webhook signature. The body is signed with HMAC-SHA256 over
// "<unix seconds>.<body>" and sent as
//   X-Citywatch-Signature: t=<unix seconds>,v1=<64 lower-case hex digits>
// so a receiver can check the sender and refuse replays older than it tolerates. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace citywatch::notify {

inline constexpr std::string_view kSignatureHeader = "X-Citywatch-Signature";

std::string hmac_sha256_hex(std::string_view key, std::string_view data);
// The header value for a body signed at time t.
std::string sign(std::string_view key, core::UnixSeconds t, std::string_view body);

struct ParsedSignature {
  core::UnixSeconds t = 0;
  std::string v1;
};
// Reads a header value; nullopt when malformed.
std::optional<ParsedSignature> parse_signature(std::string_view header);
// Constant-time comparison of the expected and the given signature.
bool verify(std::string_view key, std::string_view header, std::string_view body);

}  // namespace citywatch::notify
