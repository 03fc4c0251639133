#include "scanner/dhcp.h"

#include "core/text.h"

namespace citywatch::scanner {
namespace {
constexpr std::size_t kFixedBytes = 236;
constexpr std::uint32_t kMagicCookie = 0x63825363;
}  // namespace

std::optional<DhcpMessage> parse_dhcp(Bytes datagram) {
  if (datagram.size() < kFixedBytes + 4) return std::nullopt;
  const std::uint8_t* p = datagram.data();
  if ((p[0] != 1 && p[0] != 2) || p[1] != 1 || p[2] != 6) return std::nullopt;  // Ethernet only
  if (be32(p + kFixedBytes) != kMagicCookie) return std::nullopt;
  DhcpMessage m;
  m.from_client = p[0] == 1;
  m.client_address = be32(p + 12);
  m.your_address = be32(p + 16);
  ByteReader r(datagram.subspan(kFixedBytes + 4));
  while (r.remaining() > 0) {
    std::uint8_t code = r.u8();
    if (code == 0) continue;
    if (code == 255) break;
    std::uint8_t length = r.u8();
    Bytes value = r.bytes(length);
    if (!r.ok()) break;  // a cut option: keep what was read
    auto text = [&] { return core::printable_excerpt(as_text(value), 255); };
    switch (code) {
      case 53:
        if (length >= 1) m.message_type = value[0];
        break;
      case 50:
        if (length == 4) m.requested_address = be32(value.data());
        break;
      case 12:
        m.hostname = text();
        break;
      case 60:
        m.vendor_class = text();
        break;
      case 77:
        m.user_class = text();
        break;
      case 55:
        for (std::size_t i = 0; i < value.size(); ++i) {
          if (i > 0) m.parameter_list += ',';
          m.parameter_list += std::to_string(value[i]);
        }
        break;
      default:
        break;
    }
  }
  return m;
}

}  // namespace citywatch::scanner
