#include "scanner/darknet_detector.h"

#include <algorithm>

namespace citywatch::scanner {

DarknetDetector::DarknetDetector(std::size_t max_sources, bool darknet_mode)
    : max_sources_(max_sources), darknet_mode_(darknet_mode) {
  infected_.reserve(std::min<std::size_t>(max_sources_, 4096));
  if (darknet_mode_) scanners_.reserve(std::min<std::size_t>(max_sources_, 65536));
}

void DarknetDetector::record(Table& table, std::uint64_t& sources, const DecodedPacket& p,
                             core::UnixSeconds now) {
  auto it = table.find(p.src);
  if (it == table.end()) {
    if (table.size() >= max_sources_) {
      ++totals_.untracked_syns;
      return;
    }
    ScanSource s;
    s.ip = p.src;
    s.first_seen = now;
    s.first_src_port = p.src_port;
    it = table.emplace(p.src, s).first;
    ++sources;
  }
  ScanSource& s = it->second;
  ++s.syns;
  s.last_seen = std::max(s.last_seen, now);
  s.first_seen = std::min(s.first_seen, now);
  auto end = s.ports.begin() + s.port_count;
  if (std::find(s.ports.begin(), end, p.dst_port) == end) {
    if (s.port_count < ScanSource::kMaxPorts) {
      s.ports[s.port_count++] = p.dst_port;
    } else {
      s.more_ports = true;
    }
  }
}

void DarknetDetector::on_syn(const DecodedPacket& p, core::UnixSeconds now) {
  if (is_mirai_syn(p)) {
    ++totals_.mirai_syns;
    record(infected_, totals_.mirai_sources, p, now);
  } else if (darknet_mode_) {
    ++totals_.scanner_syns;
    // Scanner details are not reported per source; counting distinct sources needs the table.
    record(scanners_, totals_.scanner_sources, p, now);
  }
}

void DarknetDetector::for_each_infected(const std::function<void(const ScanSource&)>& fn) const {
  for (const auto& [ip, s] : infected_) fn(s);
}

}  // namespace citywatch::scanner
