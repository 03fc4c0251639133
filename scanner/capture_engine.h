// scanner/capture_engine.h: packets in, observations out. Decodes each frame, follows TCP flows
// in a bounded table far enough to read banners and first requests, parses single UDP
// datagrams, runs the darknet (Mirai) detector, matches clear-text credentials against the
// default-credential list and emits core::Observations (source capture, packet time in UTC
// seconds). Identical facts about the same service are emitted once per hour, so a busy link
// does not flood the store. Bad packets are counted per reason with their first packet numbers.
// Memory is bounded by CaptureOptions, never by the packet count. Not thread-safe: one engine
// per capture.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/observation.h"
#include "scanner/credential_matcher.h"
#include "scanner/darknet_detector.h"
#include "scanner/feed.h"
#include "scanner/flow_table.h"
#include "scanner/packet_decoder.h"
#include "scanner/pcap_handle.h"
#include "scanner/protocol_facts.h"
#include "scanner/tls_certificate.h"

namespace citywatch::scanner {

struct CaptureOptions {
  std::size_t max_flows = 65536;
  std::uint32_t stream_bytes = 4096;            // kept per direction of a flow
  std::uint32_t tls_stream_bytes = 16384;       // a TLS server's first flight carries certificates
  std::size_t buffer_budget_bytes = 64u << 20;  // all flows together; LRU flows close past it
  core::UnixSeconds flow_idle_seconds = 120;
  bool darknet = false;  // every SYN is unsolicited: count scanners, not only Mirai
  std::size_t max_scan_sources = 1u << 20;
  std::size_t dedup_slots = 1u << 20;
  const CredentialMatcher* credentials = nullptr;  // null: credentials are noted, not matched
  // Also emit what clients say about themselves (HTTP User-Agent, SSH client version) as
  // events of the client address. Off by default: clients are mostly residents' own devices.
  bool client_fingerprints = false;
};

// Why a packet was bad; the counters keep the first packet numbers of each.
enum class PacketIssue : std::uint8_t {
  kUnknownLinkType,
  kTruncatedLinkHeader,
  kTruncatedIpHeader,
  kBadIpHeader,
  kTruncatedTransportHeader,
  kBadTransportHeader,
  kSnaplenCut,  // fewer bytes captured than sent: decoded as far as they go
  kCount,
};
std::string_view to_string(PacketIssue issue);

struct IssueCount {
  static constexpr std::size_t kKeep = 5;
  std::uint64_t count = 0;
  std::vector<std::string> first;  // "file.pcap packet 17"
};

struct CaptureCounters {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;  // on the wire
  std::uint64_t tcp = 0;
  std::uint64_t udp = 0;
  std::uint64_t other_ip = 0;  // ICMP, GRE, ...
  std::uint64_t not_ip = 0;    // ARP, LLDP, ...
  std::uint64_t fragments = 0;
  std::uint64_t flows = 0;
  std::uint64_t flows_evicted = 0;  // closed early: table full or buffer budget reached
  std::uint64_t stream_gaps = 0;    // a direction stopped at a hole (lost or reordered segment)
  std::uint64_t observations = 0;
  std::uint64_t repeats_suppressed = 0;
  std::uint64_t credentials_seen = 0;
  std::uint64_t credentials_matched = 0;
  std::uint64_t bad_packets = 0;
};

class CaptureEngine {
 public:
  CaptureEngine(CaptureOptions options, ObservationSink sink);
  ~CaptureEngine();

  // Each file (or interface) in turn: `where` names it in issue reports.
  void begin_source(std::string where, int link_type);
  // number: 1-based within the current source.
  void on_packet(const RawPacket& packet, std::uint64_t number);
  // Closes flows idle for flow_idle_seconds before `now` (packet time).
  void expire(core::UnixSeconds now);
  // Everything still open is judged and emitted, and report_infections() runs. Call at the
  // end (or on a stop); the engine can go on afterwards.
  void flush();
  // One event per infected source that scanned since the last report, stamped with its last
  // SYN's time and source port. A file run reports once, at its end; a live capture also at
  // every periodic flush, so a long capture stores infections as it goes.
  void report_infections();

  const CaptureCounters& counters() const { return counters_; }
  const std::array<IssueCount, static_cast<std::size_t>(PacketIssue::kCount)>& issues() const {
    return issues_;
  }
  DarknetTotals darknet() const { return darknet_.totals(); }
  std::size_t open_flows() const { return flows_.size(); }

 private:
  void issue(PacketIssue kind, std::uint64_t number);
  void handle_tcp(const DecodedPacket& p, core::UnixSeconds now);
  void handle_udp(const DecodedPacket& p, core::UnixSeconds now);
  void append(HalfStream& side, const DecodedPacket& p);
  void analyze(Flow& flow, core::UnixSeconds now, bool final);
  void close(Flow& flow, core::UnixSeconds now);
  void emit(ProtocolFacts&& facts, const core::IpAddress& ip, std::uint16_t port,
            core::Transport transport, core::ObservationKind kind,
            std::optional<std::uint16_t> src_port, core::UnixSeconds now);
  bool seen_recently(std::uint64_t hash, core::UnixSeconds now);

  CaptureOptions options_;
  ObservationSink sink_;
  FlowTable flows_;
  DarknetDetector darknet_;
  std::vector<std::uint64_t> recent_;  // direct-mapped cache of emitted-fact hashes
  CertificateCache certificates_;
  std::string where_;
  int link_type_ = 1;
  std::size_t buffered_ = 0;
  core::UnixSeconds last_expire_ = 0;
  CaptureCounters counters_;
  std::array<IssueCount, static_cast<std::size_t>(PacketIssue::kCount)> issues_;
};

}  // namespace citywatch::scanner
