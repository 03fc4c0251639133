#include "scanner/packet_decoder.h"

#include <array>
#include <cstring>

namespace citywatch::scanner {
namespace {

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;
constexpr int kMaxVlanTags = 4;
constexpr int kMaxIpv6ExtensionHeaders = 8;

DecodeStatus decode_transport(Bytes l4, bool cut, DecodedPacket& out) {
  if (out.protocol == 6) {
    if (l4.size() < 20) return DecodeStatus::kTruncatedTransportHeader;
    const std::uint8_t* p = l4.data();
    std::size_t header = static_cast<std::size_t>(p[12] >> 4) * 4;
    if (header < 20) return DecodeStatus::kBadTransportHeader;
    if (header > l4.size()) {
      return cut ? DecodeStatus::kTruncatedTransportHeader : DecodeStatus::kBadTransportHeader;
    }
    out.src_port = be16(p);
    out.dst_port = be16(p + 2);
    out.seq = be32(p + 4);
    out.ack = be32(p + 8);
    out.tcp_flags = p[13];
    out.payload = l4.subspan(header);
    out.payload_cut = cut;
    return DecodeStatus::kOk;
  }
  if (out.protocol == 17) {
    if (l4.size() < 8) return DecodeStatus::kTruncatedTransportHeader;
    const std::uint8_t* p = l4.data();
    std::size_t length = be16(p + 4);
    out.src_port = be16(p);
    out.dst_port = be16(p + 2);
    if (length < 8) return DecodeStatus::kBadTransportHeader;
    if (length > l4.size()) {
      if (!cut) return DecodeStatus::kBadTransportHeader;
      length = l4.size();
    }
    out.payload = l4.subspan(8, length - 8);
    out.payload_cut = cut;
    return DecodeStatus::kOk;
  }
  return DecodeStatus::kOtherProtocol;
}

// cut: the capture holds fewer bytes than the frame had on the wire.
DecodeStatus decode_ipv4(Bytes ip, bool cut, DecodedPacket& out) {
  if (ip.size() < 20) return DecodeStatus::kTruncatedIpHeader;
  const std::uint8_t* p = ip.data();
  if ((p[0] >> 4) != 4) return DecodeStatus::kBadIpHeader;
  std::size_t header = static_cast<std::size_t>(p[0] & 0x0f) * 4;
  std::size_t total = be16(p + 2);
  if (header < 20 || total < header) return DecodeStatus::kBadIpHeader;
  if (header > ip.size()) return DecodeStatus::kTruncatedIpHeader;
  if (total > ip.size()) {
    // A length beyond the capture is a snaplen cut only if the frame was cut.
    if (!cut) return DecodeStatus::kBadIpHeader;
    total = ip.size();
  } else {
    cut = false;  // whatever is missing is Ethernet padding, not IP
  }
  out.v4 = true;
  out.src_v4 = be32(p + 12);
  out.dst_v4 = be32(p + 16);
  out.src = core::IpAddress::v4(out.src_v4);
  out.dst = core::IpAddress::v4(out.dst_v4);
  out.protocol = p[9];
  std::uint16_t fragment = be16(p + 6);
  if ((fragment & 0x1fff) != 0) return DecodeStatus::kFragment;
  return decode_transport(ip.subspan(header, total - header), cut, out);
}

DecodeStatus decode_ipv6(Bytes ip, bool cut, DecodedPacket& out) {
  if (ip.size() < 40) return DecodeStatus::kTruncatedIpHeader;
  const std::uint8_t* p = ip.data();
  if ((p[0] >> 4) != 6) return DecodeStatus::kBadIpHeader;
  std::size_t payload = be16(p + 4);
  std::size_t total = 40 + payload;
  if (payload == 0) {
    total = ip.size();  // jumbogram or unknown: take what is there
  } else if (total > ip.size()) {
    if (!cut) return DecodeStatus::kBadIpHeader;
    total = ip.size();
  } else {
    cut = false;
  }
  std::array<std::uint8_t, 16> a{}, b{};
  std::memcpy(a.data(), p + 8, 16);
  std::memcpy(b.data(), p + 24, 16);
  out.v4 = false;
  out.src = core::IpAddress::v6(a);
  out.dst = core::IpAddress::v6(b);
  std::uint8_t next = p[6];
  std::size_t offset = 40;
  for (int k = 0; k < kMaxIpv6ExtensionHeaders; ++k) {
    if (next == 0 || next == 43 || next == 60 || next == 51 || next == 44) {
      if (offset + 8 > total) return DecodeStatus::kTruncatedIpHeader;
      const std::uint8_t* h = p + offset;
      std::size_t len = next == 44   ? 8
                        : next == 51 ? (static_cast<std::size_t>(h[1]) + 2) * 4
                                     : (static_cast<std::size_t>(h[1]) + 1) * 8;
      if (next == 44 && (be16(h + 2) & 0xfff8) != 0) {
        out.protocol = h[0];
        return DecodeStatus::kFragment;
      }
      next = h[0];
      offset += len;
      if (offset > total) return DecodeStatus::kTruncatedIpHeader;
      continue;
    }
    break;
  }
  out.protocol = next;
  return decode_transport(ip.subspan(offset, total - offset), cut, out);
}

DecodeStatus decode_network(std::uint16_t ethertype, Bytes ip, bool cut, DecodedPacket& out) {
  if (ethertype == kEtherIpv4) return decode_ipv4(ip, cut, out);
  if (ethertype == kEtherIpv6) return decode_ipv6(ip, cut, out);
  return DecodeStatus::kNotIp;
}

// Raw IP: the version nibble says which.
DecodeStatus decode_raw(Bytes ip, bool cut, DecodedPacket& out) {
  if (ip.empty()) return DecodeStatus::kTruncatedIpHeader;
  switch (ip[0] >> 4) {
    case 4:
      return decode_ipv4(ip, cut, out);
    case 6:
      return decode_ipv6(ip, cut, out);
    default:
      return DecodeStatus::kBadIpHeader;
  }
}

}  // namespace

bool is_supported_link_type(int link_type) {
  switch (link_type) {
    case dlt::kNull:
    case dlt::kEthernet:
    case dlt::kRaw:
    case dlt::kRawOpenBsd:
    case dlt::kLoop:
    case dlt::kLinuxSll:
    case dlt::kIpv4:
    case dlt::kIpv6:
    case dlt::kLinuxSll2:
      return true;
    default:
      return false;
  }
}

std::string_view to_string(DecodeStatus s) {
  switch (s) {
    case DecodeStatus::kOk:
      return "ok";
    case DecodeStatus::kOtherProtocol:
      return "other protocol";
    case DecodeStatus::kFragment:
      return "fragment";
    case DecodeStatus::kNotIp:
      return "not IP";
    case DecodeStatus::kUnknownLinkType:
      return "unknown link type";
    case DecodeStatus::kTruncatedLinkHeader:
      return "truncated link header";
    case DecodeStatus::kTruncatedIpHeader:
      return "truncated IP header";
    case DecodeStatus::kBadIpHeader:
      return "bad IP header";
    case DecodeStatus::kTruncatedTransportHeader:
      return "truncated TCP/UDP header";
    case DecodeStatus::kBadTransportHeader:
      return "bad TCP/UDP header";
  }
  return "unknown";
}

DecodeStatus decode_packet(int link_type, Bytes frame, std::uint32_t wire_length,
                           DecodedPacket& out) {
  bool cut = wire_length > frame.size();
  const std::uint8_t* p = frame.data();
  switch (link_type) {
    case dlt::kEthernet: {
      if (frame.size() < 14) return DecodeStatus::kTruncatedLinkHeader;
      std::size_t offset = 12;
      std::uint16_t type = be16(p + offset);
      for (int k = 0; k < kMaxVlanTags && (type == 0x8100 || type == 0x88a8 || type == 0x9100);
           ++k) {
        offset += 4;
        if (offset + 2 > frame.size()) return DecodeStatus::kTruncatedLinkHeader;
        type = be16(p + offset);
      }
      return decode_network(type, frame.subspan(offset + 2), cut, out);
    }
    case dlt::kLinuxSll:
      if (frame.size() < 16) return DecodeStatus::kTruncatedLinkHeader;
      return decode_network(be16(p + 14), frame.subspan(16), cut, out);
    case dlt::kLinuxSll2:
      if (frame.size() < 20) return DecodeStatus::kTruncatedLinkHeader;
      return decode_network(be16(p), frame.subspan(20), cut, out);
    case dlt::kRaw:
    case dlt::kRawOpenBsd:
    case dlt::kIpv4:
    case dlt::kIpv6:
      return decode_raw(frame, cut, out);
    case dlt::kNull:
    case dlt::kLoop: {
      if (frame.size() < 4) return DecodeStatus::kTruncatedLinkHeader;
      // NULL stores the address family in the capturing host's byte order, LOOP in network
      // order; the values that matter are small, so whichever end is non-zero tells.
      std::uint32_t family = p[0] != 0 ? std::uint32_t{p[0]} : std::uint32_t{p[3]};
      if (family == 2) return decode_ipv4(frame.subspan(4), cut, out);
      if (family == 10 || family == 24 || family == 28 || family == 30) {
        return decode_ipv6(frame.subspan(4), cut, out);
      }
      return DecodeStatus::kNotIp;
    }
    default:
      return DecodeStatus::kUnknownLinkType;
  }
}

}  // namespace citywatch::scanner
