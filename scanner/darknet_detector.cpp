#include "scanner/darknet_detector.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace citywatch::scanner {

DarknetDetector::DarknetDetector(std::size_t max_sources, bool darknet_mode)
    : max_sources_(max_sources), darknet_mode_(darknet_mode) {
  slots_.resize(1024);
  used_.assign(1024, 0);
}

void DistinctCounter::add(std::uint64_t hash) {
  std::size_t index = hash >> (64 - kBits);
  std::uint64_t rest = (hash << kBits) | (1ULL << (kBits - 1));  // never all zero
  auto rank = static_cast<std::uint8_t>(std::countl_zero(rest) + 1);
  if (rank > registers_[index]) registers_[index] = rank;
}

std::uint64_t DistinctCounter::estimate() const {
  constexpr double m = 1u << kBits;
  double sum = 0;
  int zeros = 0;
  for (std::uint8_t r : registers_) {
    sum += std::ldexp(1.0, -r);
    zeros += r == 0;
  }
  double e = 0.7213 / (1 + 1.079 / m) * m * m / sum;
  if (e <= 2.5 * m && zeros > 0) e = m * std::log(m / zeros);  // small-range correction
  return static_cast<std::uint64_t>(std::llround(e));
}

ScanSource* DarknetDetector::find_or_add(const core::IpAddress& ip, core::UnixSeconds now,
                                         std::uint16_t port) {
  std::size_t mask = slots_.size() - 1;
  for (std::size_t i = core::IpAddressHash{}(ip)&mask;; i = (i + 1) & mask) {
    if (!used_[i]) {
      if (count_ >= max_sources_) return nullptr;
      if ((count_ + 1) * 2 > slots_.size()) {
        grow();
        return find_or_add(ip, now, port);
      }
      used_[i] = 1;
      ++count_;
      ++totals_.mirai_sources;
      ScanSource& s = slots_[i];
      s = ScanSource{};
      s.ip = ip;
      s.first_seen = s.last_seen = now;
      s.first_src_port = s.last_src_port = port;
      return &s;
    }
    if (slots_[i].ip == ip) return &slots_[i];
  }
}

void DarknetDetector::grow() {
  std::vector<ScanSource> old_slots(slots_.size() * 2);
  std::vector<std::uint8_t> old_used(used_.size() * 2, 0);
  old_slots.swap(slots_);
  old_used.swap(used_);
  std::size_t mask = slots_.size() - 1;
  for (std::size_t k = 0; k < old_slots.size(); ++k) {
    if (!old_used[k]) continue;
    std::size_t i = core::IpAddressHash{}(old_slots[k].ip) & mask;
    while (used_[i]) i = (i + 1) & mask;
    slots_[i] = old_slots[k];
    used_[i] = 1;
  }
}

void DarknetDetector::record(const DecodedPacket& p, core::UnixSeconds now) {
  ScanSource* found = find_or_add(p.src, now, p.src_port);
  if (found == nullptr) {
    ++totals_.untracked_syns;
    return;
  }
  ScanSource& s = *found;
  ++s.syns;
  if (now >= s.last_seen) {
    s.last_seen = now;
    s.last_src_port = p.src_port;
  }
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
    record(p, now);
  } else if (darknet_mode_) {
    ++totals_.scanner_syns;
    scanners_.add(core::IpAddressHash{}(p.src));
  }
}

DarknetTotals DarknetDetector::totals() const {
  DarknetTotals t = totals_;
  t.scanner_sources = darknet_mode_ ? scanners_.estimate() : 0;
  return t;
}

void DarknetDetector::take_changed(const std::function<void(const ScanSource&)>& fn) {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (!used_[i] || slots_[i].syns == slots_[i].reported_syns) continue;
    slots_[i].reported_syns = slots_[i].syns;
    fn(slots_[i]);
  }
}

void DarknetDetector::for_each_infected(const std::function<void(const ScanSource&)>& fn) const {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (used_[i]) fn(slots_[i]);
  }
}

}  // namespace citywatch::scanner
