// core/ip_address.h: an IPv4 or IPv6 address as a value, and a CIDR prefix.
// IPv4 is held as its IPv4-mapped IPv6 form so both families share one 16-byte layout; the
// family flag keeps "::ffff:1.2.3.4" typed by a user apart from "1.2.3.4". Thread-compatible.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace citywatch::core {

class IpAddress {
 public:
  IpAddress() = default;  // 0.0.0.0

  // Strict textual forms only: dotted quad without leading zeros, RFC 4291 IPv6 (with an
  // embedded dotted quad allowed). Returns nullopt for anything else, including zone ids.
  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress v4(std::uint32_t host_order);
  static IpAddress v6(const std::array<std::uint8_t, 16>& bytes);

  bool is_v4() const { return v4_; }
  std::uint32_t v4_value() const;  // host order; only meaningful when is_v4()
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }

  // RFC 5952 text for IPv6 (longest zero run compressed, lower case).
  std::string to_string() const;

  // Private, loopback, link-local, documentation, CGNAT, multicast and other special-purpose
  // ranges (RFC 6890): addresses no geolocation database can place.
  bool is_special_purpose() const;

  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;

 private:
  std::array<std::uint8_t, 16> bytes_{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0};
  bool v4_ = true;
};

struct IpAddressHash {
  std::size_t operator()(const IpAddress& ip) const;
};

// A CIDR prefix such as 192.0.2.0/24 or 2001:db8::/32. The base is stored with host bits
// cleared, so equal networks compare equal however they were written.
class Prefix {
 public:
  // Accepts "a.b.c.d/n", "v6/n" and a bare address (a host route).
  static std::optional<Prefix> parse(std::string_view text);
  Prefix(IpAddress base, int length);

  const IpAddress& base() const { return base_; }
  int length() const { return length_; }  // 0..32 for IPv4, 0..128 for IPv6
  bool contains(const IpAddress& ip) const;
  // Number of addresses as a power of two (32 - len or 128 - len).
  int host_bits() const { return (base_.is_v4() ? 32 : 128) - length_; }
  std::string to_string() const;

  friend auto operator<=>(const Prefix&, const Prefix&) = default;

 private:
  IpAddress base_;
  int length_ = 0;
};

}  // namespace citywatch::core
