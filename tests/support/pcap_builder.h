// tests/support/pcap_builder.h: frames and pcap files made by tests (Ethernet/IPv4/IPv6 with
// TCP or UDP), so the capture code can be fed exact cases: Mirai-style SYNs, cut or lying
// headers, unknown link types, truncated files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace citywatch::testing {

using Frame = std::vector<std::uint8_t>;

struct Tcp {
  std::uint32_t seq = 1000;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0x18;  // PSH ACK
};

// Ethernet + IPv4 + TCP/UDP. Addresses in host order.
Frame ipv4_tcp(std::uint32_t src, std::uint32_t dst, std::uint16_t sport, std::uint16_t dport,
               const Tcp& tcp, const std::string& payload = {});
Frame ipv4_udp(std::uint32_t src, std::uint32_t dst, std::uint16_t sport, std::uint16_t dport,
               const std::string& payload);
// Ethernet + IPv6 + UDP (addresses as 16 raw bytes).
Frame ipv6_udp(const std::string& src16, const std::string& dst16, std::uint16_t sport,
               std::uint16_t dport, const std::string& payload);

struct PcapRecord {
  Frame frame;
  std::uint32_t seconds = 1700000000;
  std::uint32_t wire_length = 0;  // 0: the frame's size
};

// A classic little-endian microsecond pcap file.
std::string pcap_file(const std::vector<PcapRecord>& records, std::uint32_t link_type = 1,
                      std::uint32_t snaplen = 65535);
std::string pcap_file(const std::vector<Frame>& frames, std::uint32_t link_type = 1);

// A whole TCP conversation (handshake, payloads, teardown) as frames.
struct Say {
  bool from_client;
  std::string data;
};
std::vector<Frame> tcp_conversation(std::uint32_t client, std::uint16_t cport, std::uint32_t server,
                                    std::uint16_t sport, const std::vector<Say>& says);

std::uint32_t ipv4(const std::string& dotted);

}  // namespace citywatch::testing
