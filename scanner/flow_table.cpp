#include "scanner/flow_table.h"

#include <cstring>

#include "core/check.h"

namespace citywatch::scanner {
namespace {

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

bool endpoint_less(const core::IpAddress& a, std::uint16_t pa, const core::IpAddress& b,
                   std::uint16_t pb) {
  int c = std::memcmp(a.bytes().data(), b.bytes().data(), 16);
  return c < 0 || (c == 0 && pa < pb);
}

}  // namespace

FlowKey make_flow_key(const DecodedPacket& p, int& sender) {
  FlowKey k;
  if (endpoint_less(p.src, p.src_port, p.dst, p.dst_port)) {
    k.ip[0] = p.src;
    k.ip[1] = p.dst;
    k.port[0] = p.src_port;
    k.port[1] = p.dst_port;
    sender = 0;
  } else {
    k.ip[0] = p.dst;
    k.ip[1] = p.src;
    k.port[0] = p.dst_port;
    k.port[1] = p.src_port;
    sender = 1;
  }
  return k;
}

std::uint64_t hash_flow_key(const FlowKey& key) {
  std::uint64_t words[4];
  std::memcpy(&words[0], key.ip[0].bytes().data(), 8);
  std::memcpy(&words[1], key.ip[0].bytes().data() + 8, 8);
  std::memcpy(&words[2], key.ip[1].bytes().data(), 8);
  std::memcpy(&words[3], key.ip[1].bytes().data() + 8, 8);
  std::uint64_t h = mix(words[0] ^ 0x9e3779b97f4a7c15ULL);
  h = mix(h ^ words[1]);
  h = mix(h ^ words[2]);
  h = mix(h ^ words[3] ^ (std::uint64_t{key.port[0]} << 16 | key.port[1]));
  return h;
}

FlowTable::FlowTable(std::size_t max_flows) : flows_(max_flows == 0 ? 1 : max_flows) {
  std::size_t buckets = 1;
  while (buckets < flows_.size() * 2) buckets <<= 1;
  index_.assign(buckets, 0);
  mask_ = buckets - 1;
  free_.reserve(flows_.size());
  for (std::size_t i = flows_.size(); i > 0; --i)
    free_.push_back(static_cast<std::uint32_t>(i - 1));
}

Flow* FlowTable::find(const FlowKey& key, std::uint64_t hash) {
  for (std::size_t b = hash & mask_;; b = (b + 1) & mask_) {
    std::uint32_t entry = index_[b];
    if (entry == 0) return nullptr;
    Flow& f = flows_[entry - 1];
    if (f.hash == hash && f.key == key) return &f;
  }
}

Flow& FlowTable::insert(const FlowKey& key, std::uint64_t hash, core::UnixSeconds now) {
  CITYWATCH_CHECK(!free_.empty());
  std::uint32_t slot = free_.back();
  free_.pop_back();
  Flow& f = flows_[slot];
  f.key = key;
  f.hash = hash;
  f.first_seen = f.last_seen = now;
  f.server = -1;
  f.server_confirmed = false;
  f.app = AppProtocol::kUnknown;
  f.done = false;
  for (auto& side : f.side) {
    side.data.clear();
    side.next_seq = 0;
    side.cap = 0;
    side.seq_known = side.closed = side.fin = false;
  }
  std::size_t b = hash & mask_;
  while (index_[b] != 0) b = (b + 1) & mask_;
  index_[b] = slot + 1;
  push_front(slot);
  ++size_;
  return f;
}

void FlowTable::touch(Flow& flow) {
  std::uint32_t slot = slot_of(flow);
  if (head_ == slot) return;
  unlink(slot);
  push_front(slot);
}

void FlowTable::erase(Flow& flow) {
  std::uint32_t slot = slot_of(flow);
  std::size_t i = flow.hash & mask_;
  while (index_[i] != slot + 1) i = (i + 1) & mask_;
  // Backward-shift deletion keeps every probe chain unbroken without tombstones.
  for (std::size_t j = (i + 1) & mask_; index_[j] != 0; j = (j + 1) & mask_) {
    std::size_t ideal = flows_[index_[j] - 1].hash & mask_;
    bool stays = i <= j ? (i < ideal && ideal <= j) : (i < ideal || ideal <= j);
    if (!stays) {
      index_[i] = index_[j];
      i = j;
    }
  }
  index_[i] = 0;
  unlink(slot);
  for (auto& side : flow.side) side.release();
  free_.push_back(slot);
  --size_;
}

Flow* FlowTable::oldest() { return tail_ == kNone ? nullptr : &flows_[tail_]; }

void FlowTable::unlink(std::uint32_t slot) {
  Flow& f = flows_[slot];
  if (f.lru_prev != kNone) {
    flows_[f.lru_prev].lru_next = f.lru_next;
  } else {
    head_ = f.lru_next;
  }
  if (f.lru_next != kNone) {
    flows_[f.lru_next].lru_prev = f.lru_prev;
  } else {
    tail_ = f.lru_prev;
  }
}

void FlowTable::push_front(std::uint32_t slot) {
  Flow& f = flows_[slot];
  f.lru_prev = kNone;
  f.lru_next = head_;
  if (head_ != kNone) flows_[head_].lru_prev = slot;
  head_ = slot;
  if (tail_ == kNone) tail_ = slot;
}

}  // namespace citywatch::scanner
