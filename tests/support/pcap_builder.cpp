#include "tests/support/pcap_builder.h"

#include <arpa/inet.h>

#include <cstring>

namespace citywatch::testing {
namespace {

void put16(Frame& f, std::uint16_t v) {
  f.push_back(static_cast<std::uint8_t>(v >> 8));
  f.push_back(static_cast<std::uint8_t>(v));
}
void put32(Frame& f, std::uint32_t v) {
  put16(f, static_cast<std::uint16_t>(v >> 16));
  put16(f, static_cast<std::uint16_t>(v));
}
void ethernet(Frame& f, std::uint16_t type) {
  static const std::uint8_t kMacs[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
  f.insert(f.end(), kMacs, kMacs + 12);
  put16(f, type);
}
void ipv4_header(Frame& f, std::uint32_t src, std::uint32_t dst, std::uint8_t proto,
                 std::size_t l4_bytes) {
  f.push_back(0x45);
  f.push_back(0);
  put16(f, static_cast<std::uint16_t>(20 + l4_bytes));
  put32(f, 0x00004000);
  f.push_back(64);
  f.push_back(proto);
  put16(f, 0);
  put32(f, src);
  put32(f, dst);
}
template <typename T>
void raw(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

}  // namespace

std::uint32_t ipv4(const std::string& dotted) {
  in_addr a{};
  inet_pton(AF_INET, dotted.c_str(), &a);
  return ntohl(a.s_addr);
}

Frame ipv4_tcp(std::uint32_t src, std::uint32_t dst, std::uint16_t sport, std::uint16_t dport,
               const Tcp& tcp, const std::string& payload) {
  Frame f;
  ethernet(f, 0x0800);
  ipv4_header(f, src, dst, 6, 20 + payload.size());
  put16(f, sport);
  put16(f, dport);
  put32(f, tcp.seq);
  put32(f, tcp.ack);
  f.push_back(0x50);
  f.push_back(tcp.flags);
  put16(f, 65535);
  put32(f, 0);
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

Frame ipv4_udp(std::uint32_t src, std::uint32_t dst, std::uint16_t sport, std::uint16_t dport,
               const std::string& payload) {
  Frame f;
  ethernet(f, 0x0800);
  ipv4_header(f, src, dst, 17, 8 + payload.size());
  put16(f, sport);
  put16(f, dport);
  put16(f, static_cast<std::uint16_t>(8 + payload.size()));
  put16(f, 0);
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

Frame ipv6_udp(const std::string& src16, const std::string& dst16, std::uint16_t sport,
               std::uint16_t dport, const std::string& payload) {
  Frame f;
  ethernet(f, 0x86dd);
  put32(f, 0x60000000);
  put16(f, static_cast<std::uint16_t>(8 + payload.size()));
  f.push_back(17);
  f.push_back(64);
  f.insert(f.end(), src16.begin(), src16.end());
  f.insert(f.end(), dst16.begin(), dst16.end());
  put16(f, sport);
  put16(f, dport);
  put16(f, static_cast<std::uint16_t>(8 + payload.size()));
  put16(f, 0);
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

std::string pcap_file(const std::vector<PcapRecord>& records, std::uint32_t link_type,
                      std::uint32_t snaplen) {
  std::string out;
  raw(out, std::uint32_t{0xa1b2c3d4});
  raw(out, std::uint16_t{2});
  raw(out, std::uint16_t{4});
  raw(out, std::uint32_t{0});
  raw(out, std::uint32_t{0});
  raw(out, snaplen);
  raw(out, link_type);
  for (const auto& r : records) {
    raw(out, r.seconds);
    raw(out, std::uint32_t{0});
    raw(out, static_cast<std::uint32_t>(r.frame.size()));
    raw(out, r.wire_length == 0 ? static_cast<std::uint32_t>(r.frame.size()) : r.wire_length);
    out.append(reinterpret_cast<const char*>(r.frame.data()), r.frame.size());
  }
  return out;
}

std::string pcap_file(const std::vector<Frame>& frames, std::uint32_t link_type) {
  std::vector<PcapRecord> records;
  for (const auto& f : frames) records.push_back({f, 1700000000, 0});
  return pcap_file(records, link_type);
}

std::vector<Frame> tcp_conversation(std::uint32_t client, std::uint16_t cport, std::uint32_t server,
                                    std::uint16_t sport, const std::vector<Say>& says) {
  std::vector<Frame> frames;
  std::uint32_t cseq = 1000, sseq = 5000;
  frames.push_back(ipv4_tcp(client, server, cport, sport, {cseq++, 0, 0x02}));
  frames.push_back(ipv4_tcp(server, client, sport, cport, {sseq++, cseq, 0x12}));
  frames.push_back(ipv4_tcp(client, server, cport, sport, {cseq, sseq, 0x10}));
  for (const auto& s : says) {
    if (s.from_client) {
      frames.push_back(ipv4_tcp(client, server, cport, sport, {cseq, sseq, 0x18}, s.data));
      cseq += static_cast<std::uint32_t>(s.data.size());
    } else {
      frames.push_back(ipv4_tcp(server, client, sport, cport, {sseq, cseq, 0x18}, s.data));
      sseq += static_cast<std::uint32_t>(s.data.size());
    }
  }
  frames.push_back(ipv4_tcp(client, server, cport, sport, {cseq, sseq, 0x11}));
  frames.push_back(ipv4_tcp(server, client, sport, cport, {sseq, cseq + 1, 0x11}));
  return frames;
}

}  // namespace citywatch::testing
