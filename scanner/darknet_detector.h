// scanner/darknet_detector.h: scanning sources seen in TCP SYNs. Mirai and its descendants
// set the SYN's sequence number to the destination IPv4 address (a stateless-scanner trick in
// the leaked source), which marks the sender as infected: the chance that an honest SYN does so
// is 2^-32. In darknet mode (a telescope: every packet is unsolicited) all other SYN senders
// are counted as scanners. Tables are bounded; sources past the bound are counted, not kept.
// Not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <unordered_map>

#include "core/ip_address.h"
#include "core/time.h"
#include "scanner/packet_decoder.h"

namespace citywatch::scanner {

struct ScanSource {
  core::IpAddress ip;
  std::uint64_t syns = 0;
  core::UnixSeconds first_seen = 0;
  core::UnixSeconds last_seen = 0;
  std::uint16_t first_src_port = 0;
  std::uint8_t port_count = 0;  // distinct destination ports kept (up to kMaxPorts)
  bool more_ports = false;      // more distinct ports than kept
  static constexpr std::size_t kMaxPorts = 16;
  std::array<std::uint16_t, kMaxPorts> ports{};
};

struct DarknetTotals {
  std::uint64_t mirai_syns = 0;
  std::uint64_t mirai_sources = 0;
  std::uint64_t scanner_syns = 0;    // darknet mode: SYNs from other sources
  std::uint64_t scanner_sources = 0;
  std::uint64_t untracked_syns = 0;  // sources beyond the table bound
};

class DarknetDetector {
 public:
  DarknetDetector(std::size_t max_sources, bool darknet_mode);

  // For every TCP packet with SYN set and ACK clear.
  void on_syn(const DecodedPacket& p, core::UnixSeconds now);

  const DarknetTotals& totals() const { return totals_; }
  void for_each_infected(const std::function<void(const ScanSource&)>& fn) const;
  bool darknet_mode() const { return darknet_mode_; }
  static bool is_mirai_syn(const DecodedPacket& p) { return p.v4 && p.seq == p.dst_v4; }

 private:
  using Table = std::unordered_map<core::IpAddress, ScanSource, core::IpAddressHash>;
  void record(Table& table, std::uint64_t& sources, const DecodedPacket& p,
              core::UnixSeconds now);
  std::size_t max_sources_;
  bool darknet_mode_;
  Table infected_;
  Table scanners_;
  DarknetTotals totals_;
};

}  // namespace citywatch::scanner
