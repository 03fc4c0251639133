#include "scanner/prober.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <queue>
#include <vector>

#include "scanner/feed.h"

namespace citywatch::scanner {
namespace {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;
using std::chrono::milliseconds;

// Refills at `rate` per second up to `burst` tokens. The per-network bucket has a burst of one,
// so a network sees at most `rate` new connections in any second.
class TokenBucket {
 public:
  TokenBucket() = default;
  TokenBucket(double rate, double burst, TimePoint now)
      : rate_(rate), burst_(burst), tokens_(std::min(1.0, burst)), last_(now) {}
  bool ready(TimePoint now) {
    refill(now);
    return tokens_ >= 1.0;
  }
  void take() { tokens_ -= 1.0; }
  // When the next token will be there.
  TimePoint next_at(TimePoint now) {
    refill(now);
    if (tokens_ >= 1.0) return now;
    auto wait = std::chrono::duration<double>((1.0 - tokens_) / rate_);
    return now + std::chrono::duration_cast<SteadyClock::duration>(wait) +
           std::chrono::microseconds(1);
  }

 private:
  void refill(TimePoint now) {
    if (now <= last_) return;
    tokens_ =
        std::min(burst_, tokens_ + std::chrono::duration<double>(now - last_).count() * rate_);
    last_ = now;
  }
  double rate_ = 1, burst_ = 1, tokens_ = 1;
  TimePoint last_{};
};

using NetKey = std::array<std::uint8_t, 17>;

NetKey network_of(const core::IpAddress& ip, int v4_bits, int v6_bits) {
  core::Prefix p(ip, ip.is_v4() ? v4_bits : v6_bits);
  NetKey k{};
  k[0] = ip.is_v4() ? 4 : 6;
  std::copy(p.base().bytes().begin(), p.base().bytes().end(), k.begin() + 1);
  return k;
}

struct NetQueue {
  std::deque<ProbeRequest> pending;
  std::deque<int> attempts;  // attempts already made for each pending request
  TokenBucket bucket;
  bool in_ring = false;
};

enum class Phase : std::uint8_t { kFree, kConnecting, kTls, kTalking };

struct Conn {
  Phase phase = Phase::kFree;
  std::uint32_t gen = 0;
  int fd = -1;
  SSL* ssl = nullptr;
  bool udp = false;
  ProbeRequest request;
  int attempt = 1;
  std::unique_ptr<Dialog> dialog;
  std::string tx;
  std::size_t tx_off = 0;
  bool closing = false;  // done: flush tx, then close
  std::uint64_t bytes = 0;
  bool truncated = false;
  TimePoint deadline{};  // the current phase's timeout
  TimePoint hard_end{};  // the conversation cap
  std::vector<std::pair<std::string, std::string>> tls_fields;
  std::uint32_t events = 0;
};

struct Timer {
  TimePoint at;
  std::uint32_t slot;
  std::uint32_t gen;
  bool operator>(const Timer& o) const { return at > o.at; }
};

std::string errno_text(int e) { return std::strerror(e); }

void add_name_fields(std::vector<std::pair<std::string, std::string>>& fields, X509_NAME* name,
                     const std::string& prefix) {
  if (!name) return;
  for (auto [nid, label] : {std::pair{NID_commonName, "CN"}, std::pair{NID_organizationName, "O"},
                            std::pair{NID_organizationalUnitName, "OU"}}) {
    char buf[256];
    int n = X509_NAME_get_text_by_NID(name, nid, buf, sizeof buf);
    if (n > 0) {
      fields.emplace_back(prefix + label,
                          clean_value(std::string_view(buf, static_cast<std::size_t>(n))));
    }
  }
}

}  // namespace

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::kAnswered:
      return "answered";
    case Outcome::kSilent:
      return "silent";
    case Outcome::kClosed:
      return "closed";
    case Outcome::kTimeout:
      return "timeout";
    case Outcome::kReset:
      return "reset";
    case Outcome::kUnreachable:
      return "unreachable";
    case Outcome::kRefused:
      return "refused";
    case Outcome::kError:
      return "error";
  }
  return "error";
}

struct Prober::Impl {
  ProberOptions opt;
  const core::Clock* clock;
  core::SystemClock system_clock;
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> tls{nullptr, &SSL_CTX_free};
  int ep = -1;

  // per run
  TargetSource* source = nullptr;
  const std::function<void(ProbeResult&&)>* on_result = nullptr;
  std::vector<Conn> conns;
  std::vector<std::uint32_t> free_slots;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers;
  std::map<NetKey, NetQueue> nets;
  std::deque<NetKey> ring;  // networks with pending requests
  TimePoint last_sweep{};
  std::size_t window_used = 0;
  bool source_done = false;
  TokenBucket global;
  ProberStats stats;

  explicit Impl(ProberOptions o, const core::Clock* c) : opt(std::move(o)), clock(c) {
    if (!clock) clock = &system_clock;
  }
  ~Impl() {
    if (ep >= 0) ::close(ep);
  }

  core::UnixSeconds now_seconds() const { return clock->now(); }

  // ------------------------------------------------------------------ scheduling
  void fill_window() {
    forget_idle_networks();
    while (!source_done && window_used < opt.window) {
      ProbeRequest r;
      if (!source->next(r)) {
        source_done = true;
        break;
      }
      ++stats.pulled;
      enqueue(std::move(r), 0);
    }
  }

  // The run is stopping: what has not started yet is delivered refused, unsent (a retry queued
  // later is dropped the same way on the next round).
  void drop_pending() {
    source_done = true;
    for (auto& [key, q] : nets) {
      while (!q.pending.empty()) {
        ProbeRequest r = std::move(q.pending.front());
        int attempts = q.attempts.front();
        q.pending.pop_front();
        q.attempts.pop_front();
        --window_used;
        deliver(std::move(r), Outcome::kRefused, attempts, {}, "not sent: the run is stopping");
      }
      q.in_ring = false;
    }
    ring.clear();
  }

  // Networks with nothing pending whose bucket has refilled are the same as new ones: drop them
  // so a scan of many networks keeps bounded state.
  void forget_idle_networks() {
    if (nets.size() < 2 * ring.size() + 4096) return;
    TimePoint now = SteadyClock::now();
    if (now - last_sweep < milliseconds(100)) return;
    last_sweep = now;
    for (auto it = nets.begin(); it != nets.end();) {
      if (!it->second.in_ring && it->second.bucket.ready(now)) {
        it = nets.erase(it);
      } else {
        ++it;
      }
    }
  }

  void enqueue(ProbeRequest r, int attempts) {
    NetKey key = network_of(r.ip, opt.v4_network_bits, opt.v6_network_bits);
    auto [it, inserted] = nets.try_emplace(key);
    if (inserted) it->second.bucket = TokenBucket(opt.network_rate, 1.0, SteadyClock::now());
    it->second.pending.push_back(std::move(r));
    it->second.attempts.push_back(attempts);
    ++window_used;
    if (!it->second.in_ring) {
      it->second.in_ring = true;
      ring.push_back(key);
    }
  }

  // Starts what the buckets allow; returns when the next start could happen (or max()).
  TimePoint start_ready() {
    TimePoint next = TimePoint::max();
    while (!ring.empty()) {
      if (in_flight() >= opt.max_in_flight) return TimePoint::max();
      TimePoint now = SteadyClock::now();
      if (!global.ready(now)) return global.next_at(now);
      bool started = false;
      TimePoint soonest = TimePoint::max();
      for (std::size_t i = 0, n = ring.size(); i < n; ++i) {
        NetKey key = ring.front();
        ring.pop_front();
        NetQueue& q = nets[key];
        if (q.bucket.ready(now)) {
          q.bucket.take();
          global.take();
          ProbeRequest r = std::move(q.pending.front());
          int attempts = q.attempts.front();
          q.pending.pop_front();
          q.attempts.pop_front();
          --window_used;
          if (q.pending.empty()) {
            // Kept with its bucket: a target for this network arriving a moment later must
            // still wait its turn. forget_idle_networks() drops it once the bucket is full.
            q.in_ring = false;
          } else {
            ring.push_back(key);
          }
          start(std::move(r), attempts + 1);
          started = true;
          break;
        }
        soonest = std::min(soonest, q.bucket.next_at(now));
        ring.push_back(key);
      }
      if (!started) {
        next = soonest;
        break;
      }
    }
    return next;
  }

  std::size_t in_flight() const { return conns.size() - free_slots.size(); }

  // ------------------------------------------------------------------ connections
  std::uint32_t alloc_slot() {
    if (!free_slots.empty()) {
      std::uint32_t s = free_slots.back();
      free_slots.pop_back();
      return s;
    }
    conns.emplace_back();
    return static_cast<std::uint32_t>(conns.size() - 1);
  }

  void arm(std::uint32_t slot, TimePoint at) {
    Conn& c = conns[slot];
    c.deadline = std::min(at, c.hard_end);
    timers.push({c.deadline, slot, c.gen});
  }

  void watch(std::uint32_t slot, std::uint32_t events) {
    Conn& c = conns[slot];
    if (c.events == events) return;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = (std::uint64_t{c.gen} << 32) | slot;
    ::epoll_ctl(ep, c.events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c.fd, &ev);
    c.events = events;
  }

  void start(ProbeRequest r, int attempt) {
    ++stats.started;
    if (!source->allows(r.ip)) {
      // Belt and braces: the plan never yields such an address, and nothing is sent if it did.
      deliver(std::move(r), Outcome::kRefused, attempt, {}, "outside the scope or excluded");
      return;
    }
    DialogTarget target{r.ip, r.port};
    std::unique_ptr<Dialog> dialog =
        r.credential ? make_login_dialog(r.protocol, target, opt.dialog, *r.credential)
                     : make_probe_dialog(r.protocol, target, opt.dialog);
    if (!dialog) {
      deliver(std::move(r), Outcome::kRefused, attempt, {}, "no probe for this protocol here");
      return;
    }
    bool udp = r.transport == core::Transport::kUdp;
    sockaddr_storage addr{};
    socklen_t len;
    if (r.ip.is_v4()) {
      auto* in = reinterpret_cast<sockaddr_in*>(&addr);
      in->sin_family = AF_INET;
      in->sin_port = htons(r.port);
      in->sin_addr.s_addr = htonl(r.ip.v4_value());
      len = sizeof(sockaddr_in);
    } else {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(r.port);
      std::memcpy(&in6->sin6_addr, r.ip.bytes().data(), 16);
      len = sizeof(sockaddr_in6);
    }
    int fd = ::socket(r.ip.is_v4() ? AF_INET : AF_INET6,
                      (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      deliver(std::move(r), Outcome::kError, attempt, {}, "socket: " + errno_text(errno));
      return;
    }
    if (!udp) {
      // RST on close instead of TIME_WAIT: thousands of probes must not exhaust local ports.
      linger lg{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), len);
    if (rc != 0 && errno != EINPROGRESS) {
      int e = errno;
      ::close(fd);
      Outcome o = e == ECONNREFUSED                         ? Outcome::kClosed
                  : (e == ENETUNREACH || e == EHOSTUNREACH) ? Outcome::kUnreachable
                                                            : Outcome::kError;
      if (o == Outcome::kUnreachable && attempt <= opt.retries) {
        enqueue(std::move(r), attempt);
        return;
      }
      deliver(std::move(r), o, attempt, {}, "connect: " + errno_text(e));
      return;
    }
    std::uint32_t slot = alloc_slot();
    Conn& c = conns[slot];
    c.phase = Phase::kConnecting;
    c.fd = fd;
    c.udp = udp;
    c.request = std::move(r);
    c.attempt = attempt;
    c.dialog = std::move(dialog);
    c.tx.clear();
    c.tx_off = 0;
    c.closing = false;
    c.bytes = 0;
    c.truncated = false;
    c.tls_fields.clear();
    c.events = 0;
    TimePoint now = SteadyClock::now();
    c.hard_end = now + milliseconds(opt.conversation_ms);
    if (udp) {
      // A connected UDP socket: the datagram goes to the target only, and an ICMP port
      // unreachable comes back as ECONNREFUSED.
      c.phase = Phase::kTalking;
      queue_send(slot, c.dialog->opening());
      watch(slot, EPOLLIN | (pending_tx(c) ? EPOLLOUT : 0u));
      arm(slot, now + milliseconds(answer_ms(c.request.protocol, opt.udp_timeout_ms)));
      flush(slot);
      return;
    }
    watch(slot, EPOLLOUT);
    arm(slot, now + milliseconds(opt.connect_timeout_ms));
  }

  static bool pending_tx(const Conn& c) { return c.tx_off < c.tx.size(); }

  int answer_ms(Protocol p, int general) const {
    int v = opt.answer_timeout_ms[static_cast<std::size_t>(p)];
    return v > 0 ? v : general;
  }

  void queue_send(std::uint32_t slot, std::string data) {
    Conn& c = conns[slot];
    if (data.empty()) return;
    if (c.tx_off >= c.tx.size()) {
      c.tx = std::move(data);
      c.tx_off = 0;
    } else {
      c.tx += data;
    }
  }

  // Writes what is queued; false when the connection failed (and was finished).
  bool flush(std::uint32_t slot) {
    Conn& c = conns[slot];
    while (pending_tx(c)) {
      const char* p = c.tx.data() + c.tx_off;
      std::size_t n = c.tx.size() - c.tx_off;
      ssize_t w;
      if (c.ssl) {
        int r = SSL_write(c.ssl, p, static_cast<int>(n));
        if (r <= 0) {
          int err = SSL_get_error(c.ssl, r);
          if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) break;
          finish(slot, Outcome::kReset, "TLS write failed");
          return false;
        }
        w = r;
      } else if (c.udp) {
        w = ::send(c.fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (w >= 0) w = static_cast<ssize_t>(n);  // one datagram
      } else {
        w = ::send(c.fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      }
      if (w < 0) {
        int e = errno;
        finish(slot, e == ECONNREFUSED ? Outcome::kClosed : Outcome::kReset,
               "send: " + errno_text(e));
        return false;
      }
      c.tx_off += static_cast<std::size_t>(w);
    }
    if (c.closing && !pending_tx(c)) {
      finish(slot, Outcome::kAnswered, {});
      return false;
    }
    std::uint32_t want = EPOLLIN | (pending_tx(c) ? EPOLLOUT : 0u);
    watch(slot, want);
    return true;
  }

  void apply(std::uint32_t slot, Step step) {
    Conn& c = conns[slot];
    switch (step.action) {
      case Step::Action::kWait:
        return;
      case Step::Action::kSend:
        queue_send(slot, std::move(step.data));
        if (flush(slot)) {
          arm(slot, SteadyClock::now() +
                        milliseconds(answer_ms(c.request.protocol, opt.read_timeout_ms)));
        }
        return;
      case Step::Action::kDone:
        c.closing = true;
        queue_send(slot, std::move(step.data));
        flush(slot);  // finishes once the goodbye is out (or at the deadline)
        return;
    }
  }

  void on_connected(std::uint32_t slot) {
    Conn& c = conns[slot];
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      connect_failed(slot, err);
      return;
    }
    if (uses_tls(c.request.protocol)) {
      c.ssl = SSL_new(tls.get());
      if (!c.ssl || SSL_set_fd(c.ssl, c.fd) != 1) {
        finish(slot, Outcome::kError, "TLS setup failed");
        return;
      }
      SSL_set_connect_state(c.ssl);
      c.phase = Phase::kTls;
      arm(slot,
          SteadyClock::now() + milliseconds(answer_ms(c.request.protocol, opt.read_timeout_ms)));
      handshake(slot);
      return;
    }
    begin_dialog(slot);
  }

  void connect_failed(std::uint32_t slot, int err) {
    Conn& c = conns[slot];
    if (err == ECONNREFUSED) {
      finish(slot, Outcome::kClosed, "connection refused");
      return;
    }
    bool unreachable = err == ENETUNREACH || err == EHOSTUNREACH;
    if (c.attempt <= opt.retries) {
      retry(slot);
      return;
    }
    finish(slot, unreachable ? Outcome::kUnreachable : Outcome::kTimeout, errno_text(err));
  }

  void handshake(std::uint32_t slot) {
    Conn& c = conns[slot];
    ERR_clear_error();
    int r = SSL_do_handshake(c.ssl);
    if (r == 1) {
      X509* cert = SSL_get1_peer_certificate(c.ssl);
      if (cert) {
        add_name_fields(c.tls_fields, X509_get_subject_name(cert), "ssl.cert.subject.");
        add_name_fields(c.tls_fields, X509_get_issuer_name(cert), "ssl.cert.issuer.");
        X509_free(cert);
      }
      begin_dialog(slot);
      return;
    }
    int err = SSL_get_error(c.ssl, r);
    if (err == SSL_ERROR_WANT_READ) {
      watch(slot, EPOLLIN);
    } else if (err == SSL_ERROR_WANT_WRITE) {
      watch(slot, EPOLLOUT);
    } else {
      finish(slot, Outcome::kSilent, "TLS handshake failed");
    }
  }

  void begin_dialog(std::uint32_t slot) {
    Conn& c = conns[slot];
    c.phase = Phase::kTalking;
    queue_send(slot, c.dialog->opening());
    if (flush(slot)) {
      arm(slot,
          SteadyClock::now() + milliseconds(answer_ms(c.request.protocol, opt.read_timeout_ms)));
    }
  }

  void on_readable(std::uint32_t slot) {
    char buf[16384];
    // Bounded work per wake-up, so one flooding server cannot starve the others.
    for (int round = 0; round < 4; ++round) {
      Conn& c = conns[slot];
      if (c.phase != Phase::kTalking) return;
      ssize_t n;
      if (c.ssl) {
        ERR_clear_error();
        int r = SSL_read(c.ssl, buf, sizeof buf);
        if (r <= 0) {
          int err = SSL_get_error(c.ssl, r);
          if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
          if (err == SSL_ERROR_ZERO_RETURN) {
            apply_eof(slot);
          } else {
            finish(slot, c.bytes > 0 ? Outcome::kAnswered : Outcome::kReset, "TLS read failed");
          }
          return;
        }
        n = r;
      } else {
        n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n < 0) {
          int e = errno;
          if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR) return;
          if (e == ECONNREFUSED) {
            finish(slot, Outcome::kClosed, "port unreachable");
          } else {
            finish(slot, Outcome::kReset, "recv: " + errno_text(e));
          }
          return;
        }
        if (n == 0 && !c.udp) {
          apply_eof(slot);
          return;
        }
      }
      c.bytes += static_cast<std::uint64_t>(n);
      if (c.bytes > opt.max_read_bytes) {
        c.truncated = true;
        finish(slot, Outcome::kAnswered, "more than max_read_bytes; stopped reading");
        return;
      }
      Step step = c.dialog->on_data(std::string_view(buf, static_cast<std::size_t>(n)));
      std::uint32_t gen = c.gen;
      apply(slot, std::move(step));
      if (conns[slot].gen != gen || conns[slot].phase != Phase::kTalking) return;
      if (!conns[slot].closing) {
        arm(slot, SteadyClock::now() + milliseconds(conns[slot].dialog->idle_ms()));
      }
      if (conns[slot].udp) return;
    }
  }

  void apply_eof(std::uint32_t slot) {
    Conn& c = conns[slot];
    Step step = c.dialog->on_eof();
    c.closing = true;
    finish(slot, c.bytes > 0 ? Outcome::kAnswered : Outcome::kSilent, {});
    (void)step;  // the peer is gone: nothing more can be sent
  }

  void on_timer(std::uint32_t slot) {
    Conn& c = conns[slot];
    TimePoint now = SteadyClock::now();
    if (now >= c.hard_end && c.phase == Phase::kTalking) {
      c.truncated = c.bytes > 0;
      finish(slot, c.bytes > 0 ? Outcome::kAnswered : Outcome::kSilent,
             "conversation took longer than the limit");
      return;
    }
    switch (c.phase) {
      case Phase::kConnecting:
        connect_failed(slot, ETIMEDOUT);
        return;
      case Phase::kTls:
        finish(slot, Outcome::kSilent, "TLS handshake timed out");
        return;
      case Phase::kTalking:
        if (c.closing) {
          finish(slot, Outcome::kAnswered, {});
          return;
        }
        if (c.udp && c.bytes == 0) {
          if (c.attempt <= opt.retries) {
            retry(slot);
          } else {
            finish(slot, Outcome::kTimeout, "no answer");
          }
          return;
        }
        {
          std::uint32_t gen = c.gen;
          Step step = c.dialog->on_idle();
          bool sends = step.action == Step::Action::kSend;
          apply(slot, std::move(step));
          if (conns[slot].gen == gen && conns[slot].phase == Phase::kTalking && !sends &&
              !conns[slot].closing) {
            arm(slot, now + milliseconds(conns[slot].dialog->idle_ms()));
          }
        }
        return;
      case Phase::kFree:
        return;
    }
  }

  void retry(std::uint32_t slot) {
    Conn& c = conns[slot];
    ProbeRequest r = std::move(c.request);
    int attempt = c.attempt;
    release(slot);
    enqueue(std::move(r), attempt);
  }

  void release(std::uint32_t slot) {
    Conn& c = conns[slot];
    if (c.ssl) {
      SSL_free(c.ssl);
      c.ssl = nullptr;
    }
    if (c.fd >= 0) ::close(c.fd);  // closing removes it from the epoll set
    c.fd = -1;
    c.phase = Phase::kFree;
    c.dialog.reset();
    ++c.gen;
    free_slots.push_back(slot);
  }

  void finish(std::uint32_t slot, Outcome outcome, std::string detail) {
    Conn& c = conns[slot];
    if (c.phase == Phase::kFree) return;
    DialogReport report = c.dialog ? c.dialog->report() : DialogReport{};
    if (outcome == Outcome::kAnswered && !report.identified && c.bytes == 0) {
      outcome = Outcome::kSilent;
    }
    for (auto& f : c.tls_fields) report.fields.push_back(std::move(f));
    ProbeRequest r = std::move(c.request);
    int attempt = c.attempt;
    std::uint64_t bytes = c.bytes;
    bool truncated = c.truncated;
    release(slot);
    ProbeResult result;
    result.request = std::move(r);
    result.outcome = outcome;
    result.report = std::move(report);
    result.attempts = attempt;
    result.bytes_read = bytes;
    result.truncated = truncated;
    result.detail = std::move(detail);
    result.at = now_seconds();
    emit(std::move(result));
  }

  void deliver(ProbeRequest r, Outcome outcome, int attempt, DialogReport report,
               std::string detail) {
    ProbeResult result;
    result.request = std::move(r);
    result.outcome = outcome;
    result.report = std::move(report);
    result.attempts = attempt;
    result.detail = std::move(detail);
    result.at = now_seconds();
    emit(std::move(result));
  }

  void emit(ProbeResult&& result) {
    ++stats.finished;
    ++stats.by_outcome[static_cast<int>(result.outcome)];
    (*on_result)(std::move(result));
  }

  void on_event(std::uint64_t data, std::uint32_t events) {
    std::uint32_t slot = static_cast<std::uint32_t>(data & 0xffffffffu);
    std::uint32_t gen = static_cast<std::uint32_t>(data >> 32);
    if (slot >= conns.size() || conns[slot].gen != gen || conns[slot].phase == Phase::kFree) {
      return;  // a connection already finished in this round
    }
    Conn& c = conns[slot];
    switch (c.phase) {
      case Phase::kConnecting:
        on_connected(slot);
        return;
      case Phase::kTls:
        handshake(slot);
        return;
      case Phase::kTalking:
        if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(slot);
        if (conns[slot].gen == gen && conns[slot].phase == Phase::kTalking && (events & EPOLLOUT)) {
          flush(slot);
        }
        return;
      case Phase::kFree:
        return;
    }
  }

  void expire_timers() {
    TimePoint now = SteadyClock::now();
    while (!timers.empty() && timers.top().at <= now) {
      Timer t = timers.top();
      timers.pop();
      if (t.slot >= conns.size()) continue;
      Conn& c = conns[t.slot];
      // Stale entries: the connection moved on (new deadline) or was freed and reused.
      if (c.gen != t.gen || c.phase == Phase::kFree || c.deadline != t.at) continue;
      on_timer(t.slot);
    }
  }
};

Prober::Prober(ProberOptions options, const core::Clock* clock)
    : impl_(std::make_unique<Impl>(std::move(options), clock)) {}
Prober::~Prober() = default;

core::Result<ProberStats> Prober::run(TargetSource& source,
                                      const std::function<void(ProbeResult&&)>& on_result,
                                      const std::function<void(const ProberStats&)>& on_progress) {
  Impl& m = *impl_;
  if (m.ep < 0) {
    m.ep = ::epoll_create1(EPOLL_CLOEXEC);
    if (m.ep < 0) {
      return core::fail(core::ErrorCode::kUnavailable, "epoll_create1: " + errno_text(errno));
    }
  }
  if (!m.tls) {
    m.tls.reset(SSL_CTX_new(TLS_client_method()));
    if (!m.tls) return core::fail(core::ErrorCode::kInternal, "OpenSSL: cannot create a context");
    // We read the certificate, we do not trust it: verification would hide what is there.
    SSL_CTX_set_verify(m.tls.get(), SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_security_level(m.tls.get(), 0);  // old devices speak old TLS
  }
  // Each connection is a descriptor: stay below the limit, raising the soft limit if allowed.
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    if (lim.rlim_cur < lim.rlim_max) {
      lim.rlim_cur = lim.rlim_max;
      ::setrlimit(RLIMIT_NOFILE, &lim);
      ::getrlimit(RLIMIT_NOFILE, &lim);
    }
    if (lim.rlim_cur > 128) {
      m.opt.max_in_flight =
          std::min<std::size_t>(m.opt.max_in_flight, static_cast<std::size_t>(lim.rlim_cur - 64));
    }
  }
  m.opt.max_in_flight = std::max<std::size_t>(1, m.opt.max_in_flight);
  m.source = &source;
  m.on_result = &on_result;
  m.source_done = false;
  m.window_used = 0;
  m.stats = {};
  auto began = SteadyClock::now();
  m.global = TokenBucket(m.opt.rate, std::max(1.0, m.opt.rate / 100.0), began);
  auto last_progress = began;

  std::vector<epoll_event> events(512);
  while (true) {
    if (source.stopping()) {
      m.drop_pending();
    } else {
      m.fill_window();
    }
    TimePoint next_start = m.start_ready();
    if (m.source_done && m.ring.empty() && m.in_flight() == 0) break;
    TimePoint wake = next_start;
    if (!m.timers.empty()) wake = std::min(wake, m.timers.top().at);
    int timeout_ms = 1000;
    if (wake != TimePoint::max()) {
      auto d = std::chrono::duration_cast<std::chrono::microseconds>(wake - SteadyClock::now());
      timeout_ms = d.count() <= 0
                       ? 0
                       : static_cast<int>(std::min<long long>((d.count() + 999) / 1000, 1000));
    }
    int n = ::epoll_wait(m.ep, events.data(), static_cast<int>(events.size()), timeout_ms);
    if (n < 0 && errno != EINTR) {
      return core::fail(core::ErrorCode::kInternal, "epoll_wait: " + errno_text(errno));
    }
    for (int i = 0; i < n; ++i)
      m.on_event(events[static_cast<std::size_t>(i)].data.u64,
                 events[static_cast<std::size_t>(i)].events);
    m.expire_timers();
    auto now = SteadyClock::now();
    if (on_progress && now - last_progress >= milliseconds(200)) {
      last_progress = now;
      m.stats.in_flight = m.in_flight();
      m.stats.seconds = std::chrono::duration<double>(now - began).count();
      on_progress(m.stats);
    }
  }
  m.stats.in_flight = 0;
  m.stats.seconds = std::chrono::duration<double>(SteadyClock::now() - began).count();
  return m.stats;
}

std::optional<core::Observation> to_observation(const ProbeResult& r) {
  if (r.outcome != Outcome::kAnswered && r.outcome != Outcome::kSilent &&
      r.outcome != Outcome::kReset) {
    return std::nullopt;
  }
  if (r.outcome == Outcome::kReset && r.bytes_read == 0) return std::nullopt;
  core::Observation o;
  o.source = core::Source::kActiveScan;
  o.kind = core::ObservationKind::kService;
  o.ip = r.request.ip;
  o.port = r.request.port;
  o.transport = r.request.transport;
  o.observed_at = r.at;
  o.protocol = r.report.protocol.empty() ? std::string(protocol_name(r.request.protocol))
                                         : r.report.protocol;
  if (o.protocol == "unknown") o.protocol.clear();
  o.report_type = "citywatch-scan";
  o.excerpt = r.report.excerpt;
  o.product = r.report.product;
  o.version = r.report.version;
  o.fields = r.report.fields;
  o.fields.emplace_back("scan.outcome", std::string(to_string(r.outcome)));
  if (r.truncated) o.fields.emplace_back("scan.truncated", "true");
  return o;
}

}  // namespace citywatch::scanner
