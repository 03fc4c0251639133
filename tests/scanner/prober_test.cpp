// The prober against real sockets on 127.0.0.0/8: servers that answer, stall, flood, reset or
// stay silent, closed TCP and UDP ports, refused targets, and the per-network rate measured on
// the servers' side.
#include "scanner/prober.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace citywatch::scanner {
namespace {

using Clock = std::chrono::steady_clock;

// A TCP server on one 127.x address: `on_accept` runs per connection on the server thread.
class TestServer {
 public:
  TestServer(const std::string& ip, std::function<void(int)> on_accept, bool udp = false)
      : on_accept_(std::move(on_accept)), udp_(udp) {
    fd_ = ::socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) std::abort();
    if (!udp && ::listen(fd_, 512) != 0) std::abort();
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    if (::pipe2(stop_, O_CLOEXEC) != 0) std::abort();
    thread_ = std::thread([this] { serve(); });
  }
  ~TestServer() {
    (void)!::write(stop_[1], "x", 1);
    thread_.join();
    for (int c : clients_) ::close(c);
    ::close(fd_);
    ::close(stop_[0]);
    ::close(stop_[1]);
  }
  std::uint16_t port() const { return port_; }
  std::vector<Clock::time_point> arrivals() {
    std::lock_guard<std::mutex> lock(mu_);
    return arrivals_;
  }

 private:
  void serve() {
    while (true) {
      pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents) return;
      if (udp_) {
        char buf[512];
        (void)::recv(fd_, buf, sizeof buf, 0);  // a UDP service that never answers
        std::lock_guard<std::mutex> lock(mu_);
        arrivals_.push_back(Clock::now());
        continue;
      }
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      {
        std::lock_guard<std::mutex> lock(mu_);
        arrivals_.push_back(Clock::now());
      }
      clients_.push_back(c);
      on_accept_(c);
    }
  }
  std::function<void(int)> on_accept_;
  bool udp_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  int stop_[2] = {-1, -1};
  std::thread thread_;
  std::mutex mu_;
  std::vector<Clock::time_point> arrivals_;
  std::vector<int> clients_;
};

class ListSource final : public TargetSource {
 public:
  explicit ListSource(std::vector<ProbeRequest> r, bool allow = true)
      : requests_(std::move(r)), allow_(allow) {}
  bool next(ProbeRequest& out) override {
    if (i_ >= requests_.size()) return false;
    out = requests_[i_++];
    return true;
  }
  bool allows(const core::IpAddress&) const override { return allow_; }

 private:
  std::vector<ProbeRequest> requests_;
  std::size_t i_ = 0;
  bool allow_;
};

ProbeRequest req(const std::string& ip, std::uint16_t port, Protocol p,
                 core::Transport t = core::Transport::kTcp) {
  return ProbeRequest{*core::IpAddress::parse(ip), port, t, p, std::nullopt, 0};
}

ProberOptions fast() {
  ProberOptions o;
  o.rate = 10000;
  o.network_rate = 10000;
  o.connect_timeout_ms = 1000;
  o.read_timeout_ms = 400;
  o.udp_timeout_ms = 200;
  o.conversation_ms = 1500;
  o.retries = 1;
  o.max_read_bytes = 64 * 1024;
  return o;
}

std::vector<ProbeResult> run(Prober& p, std::vector<ProbeRequest> r, bool allow = true) {
  ListSource src(std::move(r), allow);
  std::vector<ProbeResult> out;
  auto stats = p.run(src, [&](ProbeResult&& x) { out.push_back(std::move(x)); });
  EXPECT_TRUE(stats);
  return out;
}

TEST(Prober, ReadsABannerAndMakesAnObservation) {
  TestServer ssh("127.91.0.1", [](int c) {
    std::string b = "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1\r\n";
    (void)!::write(c, b.data(), b.size());
  });
  Prober p(fast());
  auto r = run(p, {req("127.91.0.1", ssh.port(), Protocol::kBanner)});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].outcome, Outcome::kAnswered);
  auto o = to_observation(r[0]);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->source, core::Source::kActiveScan);
  EXPECT_EQ(o->protocol, "ssh");
  EXPECT_EQ(o->product, "OpenSSH");
  EXPECT_EQ(o->version, "8.2p1");
  ASSERT_NE(o->field("ssh.banner"), nullptr);
  EXPECT_EQ(*o->field("ssh.banner"), "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1");
}

TEST(Prober, BadServersCostBoundedTimeAndMemoryAndTheRestGoesOn) {
  TestServer staller("127.91.0.2", [](int c) {
    (void)!::write(c,
                   "\xff\xfb\x01"
                   "Busy",
                   7);  // half a banner, then nothing
  });
  std::atomic<bool> stop{false};
  std::vector<std::thread> floods;
  TestServer flooder("127.91.0.3", [&](int c) {
    floods.emplace_back([c, &stop] {
      std::string chunk(65536, 'A');
      for (int i = 0; i < 80 && !stop; ++i) {  // 5 MiB unless the reader goes away
        if (::send(c, chunk.data(), chunk.size(), MSG_NOSIGNAL) < 0) return;
      }
    });
  });
  TestServer resetter("127.91.0.4", [](int c) {
    linger lg{1, 0};
    ::setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    ::shutdown(c, SHUT_RDWR);
  });
  TestServer silent("127.91.0.5", [](int) {});
  TestServer good("127.91.0.6", [](int c) { (void)!::write(c, "220 FTP ready\r\n", 15); });
  // Every server is cut off by the conversation cap or the byte caps: the run ends whatever
  // they do (ctest's timeout is the backstop), and each gets its outcome.
  Prober p(fast());
  auto r = run(
      p, {req("127.91.0.2", staller.port(), Protocol::kTelnet),
          req("127.91.0.3", flooder.port(), Protocol::kBanner),
          req("127.91.0.4", resetter.port(), Protocol::kHttp),
          req("127.91.0.5", silent.port(), Protocol::kSsh),
          req("127.91.0.6", good.port(), Protocol::kFtp), req("127.91.0.7", 9, Protocol::kBanner)});
  stop = true;
  for (auto& t : floods) t.join();
  ASSERT_EQ(r.size(), 6u);
  std::map<std::string, const ProbeResult*> by_ip;
  for (const auto& x : r) by_ip[x.request.ip.to_string()] = &x;
  EXPECT_EQ(by_ip["127.91.0.2"]->outcome, Outcome::kAnswered);  // what it sent is kept
  // The flood stops at the dialog's or the connection's byte cap, not at 5 MiB.
  EXPECT_EQ(by_ip["127.91.0.3"]->outcome, Outcome::kAnswered);
  EXPECT_LE(by_ip["127.91.0.3"]->bytes_read, 64u * 1024 + 16384);
  EXPECT_NE(by_ip["127.91.0.4"]->outcome, Outcome::kAnswered);
  EXPECT_EQ(by_ip["127.91.0.5"]->outcome, Outcome::kSilent);
  EXPECT_EQ(by_ip["127.91.0.6"]->outcome, Outcome::kAnswered);
  EXPECT_EQ(by_ip["127.91.0.6"]->report.protocol, "ftp");
  EXPECT_EQ(by_ip["127.91.0.7"]->outcome, Outcome::kClosed);
}

TEST(Prober, UdpClosedPortAndSilentServiceAreRecordedWithRetries) {
  TestServer quiet(
      "127.91.1.1", [](int) {}, /*udp=*/true);
  Prober p(fast());
  auto r = run(p, {req("127.91.1.1", quiet.port(), Protocol::kCoap, core::Transport::kUdp),
                   req("127.91.1.2", 5683, Protocol::kCoap, core::Transport::kUdp)});
  ASSERT_EQ(r.size(), 2u);
  for (const auto& x : r) {
    if (x.request.ip.to_string() == "127.91.1.1") {
      EXPECT_EQ(x.outcome, Outcome::kTimeout);
      EXPECT_EQ(x.attempts, 2);  // one retry
    } else {
      EXPECT_EQ(x.outcome, Outcome::kClosed);
    }
  }
  EXPECT_EQ(quiet.arrivals().size(), 2u);
}

TEST(Prober, RefusedTargetsGetNoPacket) {
  TestServer s("127.91.2.1", [](int c) { (void)!::write(c, "hi\r\n", 4); });
  Prober p(fast());
  auto r = run(p, {req("127.91.2.1", s.port(), Protocol::kBanner)}, /*allow=*/false);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].outcome, Outcome::kRefused);
  EXPECT_TRUE(s.arrivals().empty());
}

// A daemon shutting down mid-scan: once the source says it is stopping, what waits its turn is
// delivered refused without a packet, so the run ends without sending the rest.
TEST(Prober, AStoppingSourceEndsTheRunWithoutSendingTheRest) {
  TestServer s("127.91.2.2", [](int c) { (void)!::write(c, "SSH-2.0-x\r\n", 11); });
  class StoppingSource final : public TargetSource {
   public:
    explicit StoppingSource(std::vector<ProbeRequest> r) : list_(std::move(r)) {}
    bool next(ProbeRequest& out) override { return list_.next(out); }
    bool allows(const core::IpAddress& ip) const override { return list_.allows(ip); }
    bool stopping() const override { return stop; }
    bool stop = false;

   private:
    ListSource list_;
  };
  ProberOptions o = fast();
  o.rate = 5;  // forty targets would take eight seconds
  o.network_rate = 5;
  Prober p(o);
  StoppingSource src(std::vector<ProbeRequest>(40, req("127.91.2.2", s.port(), Protocol::kSsh)));
  std::vector<ProbeResult> out;
  auto stats = p.run(src, [&](ProbeResult&& x) {
    out.push_back(std::move(x));
    src.stop = true;
  });
  ASSERT_TRUE(stats);
  ASSERT_EQ(out.size(), 40u);  // every request still gets its one result
  std::size_t refused = 0;
  for (const auto& r : out) {
    if (r.outcome == Outcome::kRefused) {
      ++refused;
      EXPECT_EQ(r.detail, "not sent: the run is stopping");
    }
  }
  EXPECT_EQ(s.arrivals().size(), 40u - refused);
  EXPECT_GE(refused, 37u);  // at most the first probe and the one or two the rate let start
}

TEST(Prober, NoNetworkSeesMoreThanItsRate) {
  // Two networks, 24 connections each, 12 per second per network: measured where it counts,
  // on the servers, as the most arrivals in any one-second window.
  TestServer a("127.92.1.1", [](int c) { (void)!::write(c, "SSH-2.0-x\r\n", 11); });
  TestServer b("127.92.2.1", [](int c) { (void)!::write(c, "SSH-2.0-x\r\n", 11); });
  ProberOptions o = fast();
  o.network_rate = 12;
  Prober p(o);
  std::vector<ProbeRequest> r;
  for (int i = 0; i < 24; ++i) {
    r.push_back(req("127.92.1.1", a.port(), Protocol::kSsh));
    r.push_back(req("127.92.2.1", b.port(), Protocol::kSsh));
  }
  auto results = run(p, r);
  EXPECT_EQ(results.size(), 48u);
  for (auto* s : {&a, &b}) {
    auto t = s->arrivals();
    ASSERT_EQ(t.size(), 24u);
    std::size_t worst = 0, lo = 0;
    for (std::size_t hi = 0; hi < t.size(); ++hi) {
      while (t[hi] - t[lo] >= std::chrono::seconds(1)) ++lo;
      worst = std::max(worst, hi - lo + 1);
    }
    EXPECT_LE(worst, 13u);  // the rate, plus the one token a bucket starts with
  }
}

// A self-signed certificate made for the test, served by an OpenSSL server thread.
TEST(Prober, HttpsReadsTheCertificateAndTheHeaders) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  ASSERT_NE(key, nullptr);
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  auto add = [name](const char* field, const char* value) {
    X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(value), -1, -1, 0);
  };
  add("CN", "IPC");
  add("O", "Hikvision");
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_use_certificate(ctx, cert);
  SSL_CTX_use_PrivateKey(ctx, key);
  TestServer tls("127.91.3.1", [ctx](int c) {
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, c);
    if (SSL_accept(ssl) == 1) {
      char buf[1024];
      (void)SSL_read(ssl, buf, sizeof buf);
      std::string r = "HTTP/1.1 200 OK\r\nServer: App-webs/\r\nContent-Length: 0\r\n\r\n";
      SSL_write(ssl, r.data(), static_cast<int>(r.size()));
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
  });
  Prober p(fast());
  auto r = run(p, {req("127.91.3.1", tls.port(), Protocol::kHttps)});
  SSL_CTX_free(ctx);
  X509_free(cert);
  EVP_PKEY_free(key);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].outcome, Outcome::kAnswered) << r[0].detail;
  auto o = to_observation(r[0]);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->protocol, "https");
  ASSERT_NE(o->field("ssl.cert.subject.O"), nullptr);
  EXPECT_EQ(*o->field("ssl.cert.subject.O"), "Hikvision");
  EXPECT_EQ(*o->field("ssl.cert.issuer.CN"), "IPC");
  EXPECT_EQ(*o->field("http.server"), "App-webs/");
}

TEST(Prober, Ipv6Targets) {
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    GTEST_SKIP() << "no IPv6 loopback on this machine (::1 cannot be bound)";
  }
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  std::thread server([fd] {
    int c = ::accept(fd, nullptr, nullptr);
    (void)!::write(c, "SSH-2.0-dropbear_2019.78\r\n", 26);
    char buf[64];
    pollfd p{c, POLLIN, 0};
    if (::poll(&p, 1, 2000) > 0) (void)!::read(c, buf, sizeof buf);
    ::close(c);
  });
  Prober p(fast());
  auto r = run(p, {req("::1", ntohs(a.sin6_port), Protocol::kSsh)});
  server.join();
  ::close(fd);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].outcome, Outcome::kAnswered);
  EXPECT_EQ(r[0].report.product, "dropbear");
}

}  // namespace
}  // namespace citywatch::scanner
