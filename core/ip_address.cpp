#include "core/ip_address.h"

#include <cstring>

namespace citywatch::core {
namespace {

std::optional<std::uint32_t> parse_dotted_quad(std::string_view text) {
  std::uint32_t value = 0;
  int octets = 0;
  std::size_t i = 0;
  while (octets < 4) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') {
      return std::nullopt;
    }
    std::size_t start = i;
    std::uint32_t octet = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 4) {
      octet = octet * 10 + static_cast<std::uint32_t>(text[i] - '0');
      ++i;
    }
    std::size_t digits = i - start;
    if (digits > 3 || octet > 255 || (digits > 1 && text[start] == '0')) {
      return std::nullopt;
    }
    value = (value << 8) | octet;
    ++octets;
    if (octets < 4) {
      if (i >= text.size() || text[i] != '.') {
        return std::nullopt;
      }
      ++i;
    }
  }
  if (i != text.size()) {
    return std::nullopt;
  }
  return value;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::array<std::uint8_t, 16>> parse_v6(std::string_view text) {
  if (text.size() < 2 || text.size() > 45) {
    return std::nullopt;
  }
  std::array<std::uint16_t, 8> groups{};
  int count = 0;
  int gap = -1;  // index in groups where "::" stands
  std::size_t i = 0;
  if (text.substr(0, 2) == "::") {
    gap = 0;
    i = 2;
  } else if (text[0] == ':') {
    return std::nullopt;
  }
  while (i < text.size()) {
    if (count >= 8) {
      return std::nullopt;
    }
    // An embedded IPv4 tail takes the last two groups.
    std::size_t next_colon = text.find(':', i);
    std::string_view part = text.substr(
        i, next_colon == std::string_view::npos ? std::string_view::npos : next_colon - i);
    if (part.find('.') != std::string_view::npos) {
      if (next_colon != std::string_view::npos || count > 6) {
        return std::nullopt;
      }
      auto quad = parse_dotted_quad(part);
      if (!quad) {
        return std::nullopt;
      }
      groups[static_cast<std::size_t>(count++)] = static_cast<std::uint16_t>(*quad >> 16);
      groups[static_cast<std::size_t>(count++)] = static_cast<std::uint16_t>(*quad & 0xffff);
      i = text.size();
      break;
    }
    if (part.empty() || part.size() > 4) {
      return std::nullopt;
    }
    std::uint16_t group = 0;
    for (char c : part) {
      int d = hex_digit(c);
      if (d < 0) {
        return std::nullopt;
      }
      group = static_cast<std::uint16_t>((group << 4) | d);
    }
    groups[static_cast<std::size_t>(count++)] = group;
    i += part.size();
    if (i == text.size()) {
      break;
    }
    // i points at ':'
    if (i + 1 < text.size() && text[i + 1] == ':') {
      if (gap >= 0) {
        return std::nullopt;  // a second "::"
      }
      gap = count;
      i += 2;
    } else {
      ++i;
      if (i == text.size()) {
        return std::nullopt;  // trailing single ':'
      }
    }
  }
  std::array<std::uint16_t, 8> full{};
  if (gap >= 0) {
    if (count > 7) {
      return std::nullopt;
    }
    int tail = count - gap;
    for (int k = 0; k < gap; ++k)
      full[static_cast<std::size_t>(k)] = groups[static_cast<std::size_t>(k)];
    for (int k = 0; k < tail; ++k) {
      full[static_cast<std::size_t>(8 - tail + k)] = groups[static_cast<std::size_t>(gap + k)];
    }
  } else {
    if (count != 8) {
      return std::nullopt;
    }
    full = groups;
  }
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t k = 0; k < 8; ++k) {
    bytes[2 * k] = static_cast<std::uint8_t>(full[k] >> 8);
    bytes[2 * k + 1] = static_cast<std::uint8_t>(full[k] & 0xff);
  }
  return bytes;
}

bool in_v4(std::uint32_t ip, std::uint32_t net, int len) {
  std::uint32_t mask = len == 0 ? 0 : ~std::uint32_t{0} << (32 - len);
  return (ip & mask) == net;
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.find(':') == std::string_view::npos) {
    auto quad = parse_dotted_quad(text);
    if (!quad) {
      return std::nullopt;
    }
    return v4(*quad);
  }
  auto bytes = parse_v6(text);
  if (!bytes) {
    return std::nullopt;
  }
  return v6(*bytes);
}

IpAddress IpAddress::v4(std::uint32_t host_order) {
  IpAddress ip;
  ip.bytes_[12] = static_cast<std::uint8_t>(host_order >> 24);
  ip.bytes_[13] = static_cast<std::uint8_t>(host_order >> 16);
  ip.bytes_[14] = static_cast<std::uint8_t>(host_order >> 8);
  ip.bytes_[15] = static_cast<std::uint8_t>(host_order);
  return ip;
}

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& bytes) {
  IpAddress ip;
  ip.bytes_ = bytes;
  ip.v4_ = false;
  return ip;
}

std::uint32_t IpAddress::v4_value() const {
  return (std::uint32_t{bytes_[12]} << 24) | (std::uint32_t{bytes_[13]} << 16) |
         (std::uint32_t{bytes_[14]} << 8) | std::uint32_t{bytes_[15]};
}

std::string IpAddress::to_string() const {
  if (v4_) {
    std::uint32_t v = v4_value();
    return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 0xff) + "." +
           std::to_string((v >> 8) & 0xff) + "." + std::to_string(v & 0xff);
  }
  std::array<std::uint16_t, 8> groups{};
  for (std::size_t k = 0; k < 8; ++k) {
    groups[k] = static_cast<std::uint16_t>((bytes_[2 * k] << 8) | bytes_[2 * k + 1]);
  }
  // Longest run of two or more zero groups; the first one wins a tie (RFC 5952 4.2.3).
  int best_start = -1, best_len = 0;
  for (int k = 0; k < 8;) {
    if (groups[static_cast<std::size_t>(k)] != 0) {
      ++k;
      continue;
    }
    int start = k;
    while (k < 8 && groups[static_cast<std::size_t>(k)] == 0) ++k;
    if (k - start > best_len && k - start >= 2) {
      best_start = start;
      best_len = k - start;
    }
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(40);
  for (int k = 0; k < 8; ++k) {
    if (k == best_start) {
      out += "::";
      k += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') {
      out += ':';
    }
    std::uint16_t g = groups[static_cast<std::size_t>(k)];
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      int d = (g >> shift) & 0xf;
      if (d != 0 || started || shift == 0) {
        out += kHex[d];
        started = true;
      }
    }
  }
  return out;
}

bool IpAddress::is_special_purpose() const {
  if (v4_) {
    std::uint32_t v = v4_value();
    static constexpr struct {
      std::uint32_t net;
      int len;
    } kRanges[] = {
        {0x00000000, 8},  {0x0a000000, 8},  {0x64400000, 10}, {0x7f000000, 8},  {0xa9fe0000, 16},
        {0xac100000, 12}, {0xc0000000, 24}, {0xc0000200, 24}, {0xc0586300, 24}, {0xc0a80000, 16},
        {0xc6120000, 15}, {0xc6336400, 24}, {0xcb007100, 24}, {0xe0000000, 4},  {0xf0000000, 4},
    };
    for (const auto& r : kRanges) {
      if (in_v4(v, r.net, r.len)) return true;
    }
    return false;
  }
  const auto& b = bytes_;
  bool all_zero_but_last = true;
  for (std::size_t k = 0; k < 15; ++k) all_zero_but_last &= b[k] == 0;
  if (all_zero_but_last && (b[15] == 0 || b[15] == 1)) return true;               // :: and ::1
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;                         // fe80::/10
  if ((b[0] & 0xfe) == 0xfc) return true;                                         // fc00::/7
  if (b[0] == 0xff) return true;                                                  // multicast
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return true;  // 2001:db8::/32
  return false;
}

std::size_t IpAddressHash::operator()(const IpAddress& ip) const {
  // splitmix64 over both halves: address sets from telescopes are dense in a few prefixes,
  // so an identity hash would pile them into few buckets.
  std::uint64_t hi = 0, lo = 0;
  std::memcpy(&hi, ip.bytes().data(), 8);
  std::memcpy(&lo, ip.bytes().data() + 8, 8);
  std::uint64_t x = hi ^ (lo * 0x9e3779b97f4a7c15ULL) ^ (ip.is_v4() ? 0x5bd1e995 : 0);
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return static_cast<std::size_t>(x);
}

Prefix::Prefix(IpAddress base, int length) : length_(length) {
  auto bytes = base.bytes();
  int total = base.is_v4() ? 32 : 128;
  int keep = (base.is_v4() ? 96 : 0) + length;  // bit index where host bits start
  if (length < 0 || length > total) {
    length_ = total;
    keep = 128;
  }
  for (int bit = keep; bit < 128; ++bit) {
    bytes[static_cast<std::size_t>(bit / 8)] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
  }
  base_ = base.is_v4()
              ? IpAddress::v4((std::uint32_t{bytes[12]} << 24) | (std::uint32_t{bytes[13]} << 16) |
                              (std::uint32_t{bytes[14]} << 8) | bytes[15])
              : IpAddress::v6(bytes);
}

std::optional<Prefix> Prefix::parse(std::string_view text) {
  auto slash = text.find('/');
  auto ip = IpAddress::parse(text.substr(0, slash));
  if (!ip) {
    return std::nullopt;
  }
  int max = ip->is_v4() ? 32 : 128;
  if (slash == std::string_view::npos) {
    return Prefix(*ip, max);
  }
  std::string_view len_text = text.substr(slash + 1);
  if (len_text.empty() || len_text.size() > 3) {
    return std::nullopt;
  }
  int len = 0;
  for (char c : len_text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    len = len * 10 + (c - '0');
  }
  if (len > max) {
    return std::nullopt;
  }
  return Prefix(*ip, len);
}

bool Prefix::contains(const IpAddress& ip) const {
  if (ip.is_v4() != base_.is_v4()) {
    return false;
  }
  int start = base_.is_v4() ? 96 : 0;
  int end = start + length_;
  const auto& a = ip.bytes();
  const auto& b = base_.bytes();
  int bit = start;
  for (; bit + 8 <= end; bit += 8) {
    if (a[static_cast<std::size_t>(bit / 8)] != b[static_cast<std::size_t>(bit / 8)]) {
      return false;
    }
  }
  if (bit < end) {
    auto mask = static_cast<std::uint8_t>(0xff << (8 - (end - bit)));
    std::size_t k = static_cast<std::size_t>(bit / 8);
    return (a[k] & mask) == (b[k] & mask);
  }
  return true;
}

std::string Prefix::to_string() const { return base_.to_string() + "/" + std::to_string(length_); }

}  // namespace citywatch::core
