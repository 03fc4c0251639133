#include "app/api_query.h"

#include "core/text.h"

namespace citywatch::app {
namespace {

core::Failure bad(std::string message) {
  return core::fail(core::ErrorCode::kBadInput, std::move(message));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  if (out.find('\0') != std::string::npos || core::find_invalid_utf8(out)) return std::nullopt;
  return out;
}

core::Result<QueryParams> parse_query_string(std::string_view raw) {
  QueryParams params;
  std::size_t start = 0;
  while (start <= raw.size()) {
    std::size_t end = raw.find('&', start);
    std::string_view part =
        raw.substr(start, end == std::string_view::npos ? raw.size() - start : end - start);
    if (!part.empty()) {
      if (params.size() >= kMaxQueryParams) {
        return bad("more than " + std::to_string(kMaxQueryParams) + " query parameters");
      }
      std::size_t eq = part.find('=');
      auto key = percent_decode(part.substr(0, eq), true);
      auto value = percent_decode(eq == std::string_view::npos ? "" : part.substr(eq + 1), true);
      if (!key || !value) {
        return bad("query parameter '" + core::printable_excerpt(part, 60) +
                   "' has a broken %-escape or is not UTF-8");
      }
      if (key->empty()) return bad("query parameter without a name");
      if (key->size() > 64 || value->size() > kMaxQueryValueBytes) {
        return bad("query parameter '" + core::printable_excerpt(*key, 60) + "' is too long");
      }
      if (!params.emplace(std::move(*key), std::move(*value)).second) {
        return bad("query parameter '" + core::printable_excerpt(part.substr(0, eq), 60) +
                   "' given twice");
      }
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return params;
}

core::Result<void> QueryReader::only(const std::set<std::string, std::less<>>& allowed) const {
  for (const auto& [key, value] : params_) {
    if (!allowed.contains(key)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      return bad("unknown query parameter '" + core::printable_excerpt(key, 60) +
                 "'; this endpoint takes: " + (list.empty() ? "none" : list));
    }
  }
  return core::ok();
}

core::Result<std::optional<std::string>> QueryReader::text(std::string_view key,
                                                           std::size_t max_bytes) const {
  auto it = params_.find(key);
  if (it == params_.end()) return std::optional<std::string>();
  if (it->second.empty()) return bad(std::string(key) + " must not be empty");
  if (it->second.size() > max_bytes) {
    return bad(std::string(key) + " is longer than " + std::to_string(max_bytes) + " bytes");
  }
  return std::optional<std::string>(it->second);
}

core::Result<std::optional<std::int64_t>> QueryReader::integer(std::string_view key,
                                                               std::int64_t min,
                                                               std::int64_t max) const {
  auto it = params_.find(key);
  if (it == params_.end()) return std::optional<std::int64_t>();
  auto n = core::parse_int(it->second, min, max);
  if (!n) {
    return bad(std::string(key) + " must be an integer from " + std::to_string(min) + " to " +
               std::to_string(max));
  }
  return std::optional<std::int64_t>(*n);
}

core::Result<std::optional<core::UnixSeconds>> QueryReader::time(std::string_view key) const {
  auto it = params_.find(key);
  if (it == params_.end()) return std::optional<core::UnixSeconds>();
  auto t = core::parse_utc_timestamp(it->second);
  if (!t) t = core::parse_utc_date(it->second);
  if (!t) {
    return bad(std::string(key) +
               " must be a UTC time such as 2024-05-01T12:00:00Z or a date 2024-05-01");
  }
  return std::optional<core::UnixSeconds>(*t);
}

core::Result<std::optional<core::Prefix>> QueryReader::network(std::string_view key) const {
  auto it = params_.find(key);
  if (it == params_.end()) return std::optional<core::Prefix>();
  auto p = core::Prefix::parse(it->second);
  if (!p) return bad(std::string(key) + " must be an address or CIDR prefix (192.0.2.0/24)");
  return std::optional<core::Prefix>(*p);
}

core::Result<std::size_t> QueryReader::limit(std::size_t fallback, std::size_t max) const {
  auto n = integer("limit", 1, static_cast<std::int64_t>(max));
  if (!n) return core::fail(n.error());
  return *n ? static_cast<std::size_t>(**n) : fallback;
}

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buffer >> bits) & 63];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 63];
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '-') v = 62;
    if (c == '_') v = 63;
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  // Leftover bits must be zero padding, or the text was not made by encode.
  if (bits >= 6 || (buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string encode_cursor(std::string_view kind, std::string_view payload) {
  return base64url_encode(std::string(kind) + ":" + std::string(payload));
}

core::Result<std::string> decode_cursor(std::string_view cursor, std::string_view kind) {
  if (cursor.size() > 512) return bad("cursor is too long");
  auto raw = base64url_decode(cursor);
  if (!raw || raw->size() < kind.size() + 1 ||
      std::string_view(*raw).substr(0, kind.size()) != kind || (*raw)[kind.size()] != ':') {
    return bad("cursor is not one this listing gave out; start again without it");
  }
  return raw->substr(kind.size() + 1);
}

}  // namespace citywatch::app
