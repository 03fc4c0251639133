// scanner/darknet_detector.h: scanning sources seen in TCP SYNs. Mirai and its descendants
// set the SYN's sequence number to the destination IPv4 address (a stateless-scanner trick in
// the leaked source), which marks the sender as infected: the chance that an honest SYN does so
// is 2^-32. In darknet mode (a telescope: every packet is unsolicited) all other SYN senders
// are counted as scanners, in fixed memory. The infected-source table is bounded; sources past
// the bound are counted, not kept.
// Not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

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
  std::uint16_t last_src_port = 0;  // the port used at last_seen: ISPs need the pair
  std::uint64_t reported_syns = 0;  // syns when last reported; see take_changed()
  std::uint8_t port_count = 0;      // distinct destination ports kept (up to kMaxPorts)
  bool more_ports = false;          // more distinct ports than kept
  static constexpr std::size_t kMaxPorts = 16;
  std::array<std::uint16_t, kMaxPorts> ports{};
};

struct DarknetTotals {
  std::uint64_t mirai_syns = 0;
  std::uint64_t mirai_sources = 0;
  std::uint64_t scanner_syns = 0;     // darknet mode: SYNs from other sources
  std::uint64_t scanner_sources = 0;  // distinct other sources, estimated (about 1% error)
  std::uint64_t untracked_syns = 0;   // Mirai-style SYNs from sources beyond the table bound
};

// Distinct-count estimate in fixed memory (HyperLogLog, 2^14 one-byte registers): a telescope
// sees millions of scanner addresses, and counting them must not grow with them.
class DistinctCounter {
 public:
  void add(std::uint64_t hash);
  std::uint64_t estimate() const;

 private:
  static constexpr int kBits = 14;
  std::array<std::uint8_t, 1u << kBits> registers_{};
};

class DarknetDetector {
 public:
  DarknetDetector(std::size_t max_sources, bool darknet_mode);

  // For every TCP packet with SYN set and ACK clear.
  void on_syn(const DecodedPacket& p, core::UnixSeconds now);

  DarknetTotals totals() const;
  void for_each_infected(const std::function<void(const ScanSource&)>& fn) const;
  // The infected sources that sent SYNs since the last call, each marked as reported.
  void take_changed(const std::function<void(const ScanSource&)>& fn);
  bool darknet_mode() const { return darknet_mode_; }
  static bool is_mirai_syn(const DecodedPacket& p) { return p.v4 && p.seq == p.dst_v4; }

 private:
  // Open addressing with the entries inline (one cache miss per SYN, not a node chase);
  // doubles up to max_sources.
  ScanSource* find_or_add(const core::IpAddress& ip, core::UnixSeconds now, std::uint16_t port);
  void grow();
  void record(const DecodedPacket& p, core::UnixSeconds now);
  std::size_t max_sources_;
  bool darknet_mode_;
  std::vector<ScanSource> slots_;
  std::vector<std::uint8_t> used_;
  std::size_t count_ = 0;
  DistinctCounter scanners_;
  DarknetTotals totals_;
};

}  // namespace citywatch::scanner
