// app/api_query.h: the untrusted parts of an API request line: the query string (percent
// decoding, one value per key, bounded counts and lengths), typed parameter readers with
// messages a client can act on, and opaque page cursors. Pure functions over text: no
// sockets, no database; they fuzz directly (fuzz/api_query_fuzz.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/ip_address.h"
#include "core/result.h"
#include "core/time.h"

namespace citywatch::app {

inline constexpr std::size_t kMaxQueryParams = 32;
inline constexpr std::size_t kMaxQueryValueBytes = 1024;

using QueryParams = std::map<std::string, std::string, std::less<>>;

// RFC 3986 percent-decoding; '+' is a space in query strings. nullopt for a broken escape or
// a result that is not valid UTF-8 or holds a NUL.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// "a=1&b=x%20y" -> {a: 1, b: "x y"}. kBadInput for a repeated key, a bad escape, too many
// parameters or an oversized value. An empty string gives no parameters.
core::Result<QueryParams> parse_query_string(std::string_view raw);

// Typed access that names the parameter in every error (kBadInput).
class QueryReader {
 public:
  explicit QueryReader(const QueryParams& params) : params_(params) {}

  // kBadInput naming the first parameter not in `allowed`.
  core::Result<void> only(const std::set<std::string, std::less<>>& allowed) const;
  core::Result<std::optional<std::string>> text(std::string_view key,
                                                std::size_t max_bytes = 200) const;
  core::Result<std::optional<std::int64_t>> integer(std::string_view key, std::int64_t min,
                                                    std::int64_t max) const;
  // RFC 3339 / "YYYY-MM-DD HH:MM:SS" / "YYYY-MM-DD".
  core::Result<std::optional<core::UnixSeconds>> time(std::string_view key) const;
  core::Result<std::optional<core::Prefix>> network(std::string_view key) const;
  core::Result<std::size_t> limit(std::size_t fallback, std::size_t max) const;

 private:
  const QueryParams& params_;
};

// Cursors are opaque to clients: base64url of "<kind>:<payload>". decode_cursor checks the
// kind, so a cursor from one listing cannot be replayed on another.
std::string encode_cursor(std::string_view kind, std::string_view payload);
core::Result<std::string> decode_cursor(std::string_view cursor, std::string_view kind);

std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace citywatch::app
