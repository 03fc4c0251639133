// scanner/packet_decoder.h: one captured frame -> addresses, ports, TCP state and payload.
// Link layers: Ethernet (with 802.1Q/802.1ad VLAN and QinQ tags), Linux cooked v1 and v2, raw
// IP, BSD loopback/NULL. Network: IPv4 (options, fragments) and IPv6 (extension headers).
// Every length is checked against what was captured; a bad frame comes back as a reason, never
// a read past the end. Stateless and allocation-free, so it runs at line rate and fuzzes alone.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/ip_address.h"
#include "scanner/byte_reader.h"

namespace citywatch::scanner {

// libpcap DLT_ values of the link layers we decode (numbers from pcap/dlt.h).
namespace dlt {
inline constexpr int kNull = 0;
inline constexpr int kEthernet = 1;
inline constexpr int kRaw = 12;  // Linux; LINKTYPE_RAW (101) in files maps here
inline constexpr int kRawOpenBsd = 14;
inline constexpr int kLoop = 108;
inline constexpr int kLinuxSll = 113;
inline constexpr int kIpv4 = 228;
inline constexpr int kIpv6 = 229;
inline constexpr int kLinuxSll2 = 276;
}  // namespace dlt
bool is_supported_link_type(int link_type);

namespace tcp_flag {
inline constexpr std::uint8_t kFin = 0x01;
inline constexpr std::uint8_t kSyn = 0x02;
inline constexpr std::uint8_t kRst = 0x04;
inline constexpr std::uint8_t kAck = 0x10;
}  // namespace tcp_flag

enum class DecodeStatus : std::uint8_t {
  kOk,             // TCP or UDP with ports (payload may be empty)
  kOtherProtocol,  // IP but neither TCP nor UDP (ICMP, GRE, ...): addresses only
  kFragment,       // a non-first IP fragment: no transport header in it
  kNotIp,          // ARP, LLDP, STP, ...: nothing for us, not an error
  // Problems, counted as bad packets:
  kUnknownLinkType,
  kTruncatedLinkHeader,
  kTruncatedIpHeader,
  kBadIpHeader,  // wrong version, header length or total length
  kTruncatedTransportHeader,
  kBadTransportHeader,  // TCP data offset or UDP length inconsistent
};
inline bool is_problem(DecodeStatus s) { return s >= DecodeStatus::kUnknownLinkType; }
std::string_view to_string(DecodeStatus s);

struct DecodedPacket {
  core::IpAddress src;
  core::IpAddress dst;
  bool v4 = true;
  std::uint32_t src_v4 = 0;  // host order, when v4
  std::uint32_t dst_v4 = 0;
  std::uint8_t protocol = 0;  // IP protocol number: 6 TCP, 17 UDP
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint8_t tcp_flags = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  Bytes payload;
  bool payload_cut = false;  // the snapshot length cut the payload short
};

// wire_length is the frame's length on the wire (to tell snaplen cuts from lying headers).
DecodeStatus decode_packet(int link_type, Bytes frame, std::uint32_t wire_length,
                           DecodedPacket& out);

}  // namespace citywatch::scanner
