// scanner/flow_table.h: the bounded table of TCP flows the capture engine follows. Fixed
// capacity chosen at construction (memory stays flat however long a capture runs): flows live
// in a slab, an open-addressing index (linear probing, backward-shift deletion) finds them by
// a mixed hash of both endpoints, and an intrusive LRU list says which flow to evict when the
// table is full or idle. Each flow keeps, per direction, only the first bytes that side sent
// (bounded), reassembled in sequence order as far as they are contiguous. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/ip_address.h"
#include "core/time.h"
#include "scanner/packet_decoder.h"

namespace citywatch::scanner {

// Endpoints in a fixed order (lower address, then lower port, first), so both directions of a
// connection find the same flow.
struct FlowKey {
  core::IpAddress ip[2];
  std::uint16_t port[2] = {0, 0};
  friend bool operator==(const FlowKey&, const FlowKey&) = default;
};

// The key of p's connection and which endpoint (0 or 1) sent p.
FlowKey make_flow_key(const DecodedPacket& p, int& sender);
// splitmix64 over both endpoints: telescope traffic concentrated in one prefix must still
// spread over the whole index.
std::uint64_t hash_flow_key(const FlowKey& key);

// Buffers up to this capacity stay with their slot for the next flow (no allocation per
// flow); larger ones go back to the allocator, so idle slots hold at most this much.
inline constexpr std::size_t kKeptBufferCapacity = 512;

struct HalfStream {
  std::string data;  // the first bytes this side sent, contiguous from its first byte seen
  std::uint32_t next_seq = 0;
  std::uint32_t cap = 0;
  bool seq_known = false;
  bool closed = false;  // a hole, the byte cap, FIN or RST: nothing more is appended
  bool fin = false;
  void release() {
    if (data.capacity() > kKeptBufferCapacity) {
      std::string().swap(data);
    } else {
      data.clear();
    }
  }
};

enum class AppProtocol : std::uint8_t {
  kUnknown,
  kHttp,
  kRtsp,
  kSsh,
  kTelnet,
  kFtp,
  kMqtt,
  kTls,
  kModbus,
  kS7,
  kDnp3,
  kTplink,
  kVnc,
  kUnrecognised,  // looked at enough bytes without recognising anything
};

struct Flow {
  FlowKey key;
  std::uint64_t hash = 0;
  core::UnixSeconds first_seen = 0;
  core::UnixSeconds last_seen = 0;
  HalfStream side[2];
  std::int8_t server = -1;        // endpoint index of the server; -1 until known
  bool server_confirmed = false;  // from the SYN-ACK, not guessed from ports
  AppProtocol app = AppProtocol::kUnknown;
  bool done = false;  // facts emitted (or given up): later packets only keep it alive
  std::uint32_t lru_prev = 0;
  std::uint32_t lru_next = 0;
};

class FlowTable {
 public:
  explicit FlowTable(std::size_t max_flows);

  Flow* find(const FlowKey& key, std::uint64_t hash);
  // Precondition: !full(). The caller evicts oldest() first when it is.
  Flow& insert(const FlowKey& key, std::uint64_t hash, core::UnixSeconds now);
  void touch(Flow& flow);  // most recently used
  void erase(Flow& flow);  // the flow's buffers are released
  Flow* oldest();          // nullptr when empty

  bool full() const { return size_ == flows_.size(); }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return flows_.size(); }

  template <typename Fn>
  void for_each(Fn&& fn) {
    for (std::uint32_t slot = head_; slot != kNone; slot = flows_[slot].lru_next) fn(flows_[slot]);
  }

 private:
  static constexpr std::uint32_t kNone = 0xffffffff;
  std::uint32_t slot_of(const Flow& f) const {
    return static_cast<std::uint32_t>(&f - flows_.data());
  }
  void unlink(std::uint32_t slot);
  void push_front(std::uint32_t slot);
  std::vector<Flow> flows_;
  std::vector<std::uint32_t> free_;
  std::vector<std::uint32_t> index_;  // slot + 1; 0 = empty
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
  std::uint32_t head_ = kNone;  // most recent
  std::uint32_t tail_ = kNone;  // least recent
};

}  // namespace citywatch::scanner
