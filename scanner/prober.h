// scanner/prober.h: the active prober. One thread, one epoll loop, thousands of non-blocking
// connections (TCP connect, TLS via OpenSSL, connected UDP sockets) in flight, each driven by
// its protocol's Dialog (scanner/probe_dialogs.h). New probes are paced by two token buckets:
// a global rate and a rate per target network (/24 for IPv4, /48 for IPv6, configurable), so no
// network ever sees more than its rate. Every connection has a connect timeout, a read timeout,
// an idle timeout after data and a hard deadline for the whole conversation, and reads at most
// max_read_bytes: a server that stalls, trickles, floods or resets costs bounded time and
// memory and gets a recorded outcome. Timeouts and unreachable hosts are retried a bounded
// number of times; refusals are not. Before every connect the target source is asked again
// whether the address is allowed (scope, blocklist, opt-out); a refusal sends nothing.
// A Prober is used by one thread; run() may be called again for another batch.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/ip_address.h"
#include "core/observation.h"
#include "core/result.h"
#include "core/time.h"
#include "scanner/probe_dialogs.h"

namespace citywatch::scanner {

struct ProbeRequest {
  core::IpAddress ip;
  std::uint16_t port = 0;
  core::Transport transport = core::Transport::kTcp;
  Protocol protocol = Protocol::kBanner;
  std::optional<LoginCredential> credential;  // set: a login check instead of a probe
  std::uint64_t tag = 0;                      // the caller's own reference
};

enum class Outcome : std::uint8_t {
  kAnswered,     // the service answered (possibly cut at the byte cap: see truncated)
  kSilent,       // connected, but it said nothing useful before the timeouts
  kClosed,       // refused (TCP RST, ICMP port unreachable)
  kTimeout,      // no answer to any attempt: filtered, down, or a UDP service that ignores us
  kReset,        // the connection was reset mid-conversation
  kUnreachable,  // no route, host unreachable
  kRefused,      // not sent: outside the scope, blocklisted, opted out, or the run is stopping
  kError,        // a local error (out of sockets, ...)
};
std::string_view to_string(Outcome o);
inline constexpr int kOutcomeCount = 8;

struct ProbeResult {
  ProbeRequest request;
  Outcome outcome = Outcome::kTimeout;
  DialogReport report;
  core::UnixSeconds at = 0;
  int attempts = 0;
  std::uint64_t bytes_read = 0;
  bool truncated = false;  // stopped reading at max_read_bytes or the conversation deadline
  std::string detail;      // why it failed (errno text), for the run record
  // TLS certificate of an HTTPS service, already in report.fields as ssl.cert.*.
};

struct ProberOptions {
  double rate = 1000;         // new connections per second over all targets
  double network_rate = 100;  // new connections per second into one target network
  int v4_network_bits = 24;
  int v6_network_bits = 48;
  std::size_t max_in_flight = 2048;
  int connect_timeout_ms = 3000;
  int read_timeout_ms = 5000;   // connected, waiting for the first byte
  int udp_timeout_ms = 2000;    // per UDP attempt
  int conversation_ms = 15000;  // hard cap from connect to close
  // Per protocol (index: Protocol), the wait for an answer instead of read_timeout_ms (TCP) or
  // udp_timeout_ms (UDP); 0: the general one. Slow embedded telnet daemons, fast HTTP.
  std::array<int, kProtocolCount> answer_timeout_ms{};
  int retries = 1;  // extra attempts after a timeout or an unreachable host
  std::uint64_t max_read_bytes = 256 * 1024;
  std::size_t window = 65536;  // targets held ahead, spread over their networks
  DialogOptions dialog;
};

class TargetSource {
 public:
  virtual ~TargetSource() = default;
  virtual bool next(ProbeRequest& out) = 0;
  virtual bool allows(const core::IpAddress& ip) const = 0;
  // True once the caller wants the run to end early (a daemon shutting down): nothing more is
  // taken from the source or started; what waits its turn is delivered kRefused without a
  // packet, and the connections in flight finish as usual.
  virtual bool stopping() const { return false; }
};

struct ProberStats {
  std::uint64_t pulled = 0;    // requests taken from the source
  std::uint64_t started = 0;   // connection attempts (retries included)
  std::uint64_t finished = 0;  // results delivered
  std::uint64_t in_flight = 0;
  std::uint64_t by_outcome[kOutcomeCount] = {};
  double seconds = 0;
};

class Prober {
 public:
  explicit Prober(ProberOptions options, const core::Clock* clock = nullptr);
  ~Prober();
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  // Probes everything the source gives; on_result is called from this thread for each request
  // exactly once. Fails only when the loop itself cannot run (epoll, OpenSSL setup).
  core::Result<ProberStats> run(TargetSource& source,
                                const std::function<void(ProbeResult&&)>& on_result,
                                const std::function<void(const ProberStats&)>& on_progress = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The observation a result becomes (source kActiveScan), or nullopt when nothing answered.
std::optional<core::Observation> to_observation(const ProbeResult& result);

}  // namespace citywatch::scanner
