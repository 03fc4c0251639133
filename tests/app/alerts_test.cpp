// Alerts to the SOC: RFC 5424 syslog over a real UDP and TCP socket, and the signed webhook.
#include "app/alerts.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include "app/metrics.h"
#include "tests/support/fake_feeds.h"

namespace citywatch::app {
namespace {

Alert sample() {
  Alert a;
  a.kind = "job_failed";
  a.severity = "error";
  a.title = "job shodan failed: HTTP 503";
  a.fields = {{"job", "shodan"}, {"detail", "a \"quoted\" ] value\\"}};
  a.at = *core::parse_utc_timestamp("2026-11-20T10:00:00Z");
  return a;
}

// A socket on 127.0.0.1 port 0 that the test reads from.
struct Socket {
  int fd = -1;
  int port = 0;
  explicit Socket(int type) {
    fd = ::socket(AF_INET, type, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    if (type == SOCK_STREAM) ::listen(fd, 4);
  }
  ~Socket() { ::close(fd); }
  // Waits up to 10 s for data (or a connection) on fd.
  static bool ready(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 10000) == 1;
  }
};

TEST(Alerts, SyslogMessagesFollowRfc5424) {
  std::string m = format_syslog(sample(), "local0", "cityhall-01", 4242);
  // <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD SP MSG
  std::regex rfc5424(
      R"(^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) (\S+) (\S+) (\d+) (\S+) (\[.*\]) (.*)$)");
  std::smatch parts;
  ASSERT_TRUE(std::regex_match(m, parts, rfc5424)) << m;
  EXPECT_EQ(parts[1], "131");  // local0 (16) * 8 + error (3)
  EXPECT_EQ(parts[2], "2026-11-20T10:00:00Z");
  EXPECT_EQ(parts[3], "cityhall-01");
  EXPECT_EQ(parts[4], "citywatch");
  EXPECT_EQ(parts[5], "4242");
  EXPECT_EQ(parts[6], "job_failed");
  EXPECT_EQ(parts[7],
            R"([citywatch@32473 severity="error" job="shodan" detail="a \"quoted\" \] value\\"])");
  EXPECT_EQ(parts[8], "job shodan failed: HTTP 503");
  Alert critical = sample();
  critical.severity = "critical";
  EXPECT_TRUE(format_syslog(critical, "daemon", "h", 1).starts_with("<26>1 "));  // 3 * 8 + 2
}

TEST(Alerts, SyslogOverUdp) {
  Socket receiver(SOCK_DGRAM);
  AlertOptions o;
  o.syslog_url = "udp://127.0.0.1:" + std::to_string(receiver.port);
  o.hostname = "cityhall-01";
  Metrics metrics;
  Alerter alerter(o, &metrics);
  alerter.raise(sample());
  ASSERT_TRUE(Socket::ready(receiver.fd));
  char buf[4096];
  ssize_t n = ::recv(receiver.fd, buf, sizeof buf, 0);
  ASSERT_GT(n, 0);
  std::string got(buf, static_cast<std::size_t>(n));
  EXPECT_TRUE(got.starts_with("<131>1 2026-11-20T10:00:00Z cityhall-01 citywatch ")) << got;
  EXPECT_TRUE(alerter.flush(std::chrono::seconds(10)));
  EXPECT_NE(metrics.render().find(
                R"(citywatch_alerts_total{kind="job_failed",channel="syslog",outcome="sent"} 1)"),
            std::string::npos);
}

TEST(Alerts, SyslogOverTcpUsesOctetCounting) {
  Socket listener(SOCK_STREAM);
  AlertOptions o;
  o.syslog_url = "tcp://127.0.0.1:" + std::to_string(listener.port);
  Alerter alerter(o, nullptr);
  CriticalFinding f;
  f.device = "192.0.2.7";
  f.kind = "kev_cve";
  f.cves = {"CVE-2021-36260"};
  f.kev = true;
  alerter.critical_finding(f, *core::parse_utc_timestamp("2026-11-20T11:00:00Z"));
  ASSERT_TRUE(Socket::ready(listener.fd));
  int conn = ::accept(listener.fd, nullptr, nullptr);
  std::string got;
  char buf[4096];
  while (Socket::ready(conn)) {
    ssize_t n = ::recv(conn, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(conn);
  auto space = got.find(' ');
  ASSERT_NE(space, std::string::npos);
  std::size_t length = std::stoul(got.substr(0, space));
  EXPECT_EQ(length, got.size() - space - 1);
  std::string message = got.substr(space + 1);
  EXPECT_TRUE(message.starts_with("<130>1 ")) << message;  // local0 * 8 + critical (2)
  EXPECT_NE(message.find(" critical_finding [citywatch@32473 "), std::string::npos);
  EXPECT_NE(message.find(R"(device="192.0.2.7")"), std::string::npos);
  EXPECT_NE(message.find(R"(cves="CVE-2021-36260")"), std::string::npos);
  EXPECT_NE(message.find(R"(kev="true")"), std::string::npos);
}

TEST(Alerts, WebhookIsSignedWithTheSecret) {
  testing::WebhookReceiver hook;
  AlertOptions o;
  o.webhook_url = hook.url("/hook");
  o.webhook_secret = "s3cret";
  Alerter alerter(o, nullptr);
  alerter.raise(sample());
  ASSERT_TRUE(alerter.flush(std::chrono::seconds(10)));
  auto got = hook.deliveries();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].signature, "sha256=" + testing::hmac_sha256_hex_for_test("s3cret", got[0].body));
  EXPECT_NE(got[0].body.find(R"("title":"job shodan failed: HTTP 503")"), std::string::npos);
  EXPECT_NE(got[0].body.find(R"("time":"2026-11-20T10:00:00Z")"), std::string::npos);
}

TEST(Alerts, NothingConfiguredNothingSent) {
  Alerter alerter(AlertOptions{}, nullptr);
  EXPECT_FALSE(alerter.enabled());
  alerter.raise(sample());
  EXPECT_TRUE(alerter.flush(std::chrono::seconds(1)));
}

}  // namespace
}  // namespace citywatch::app
