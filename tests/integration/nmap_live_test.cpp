// Runs Debian's nmap -sV against a service this test starts on 127.0.0.1 and imports the XML it
// writes, so the importer is checked against what nmap really produces today.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "tests/support/test_support.h"

namespace citywatch {
namespace {

// Answers every connection with an OpenSSH banner (as seen in the shared SSH captures), then
// closes it.
class BannerServer {
 public:
  explicit BannerServer(std::string banner) : banner_(std::move(banner)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 64)) {
      std::abort();
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::pipe2(stop_, O_CLOEXEC);
    thread_ = std::thread([this] { serve(); });
  }
  ~BannerServer() {
    (void)::write(stop_[1], "x", 1);
    thread_.join();
    ::close(fd_);
    ::close(stop_[0]);
    ::close(stop_[1]);
  }
  int port() const { return port_; }

 private:
  void serve() {
    while (true) {
      pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents) return;
      int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      (void)::write(client, banner_.data(), banner_.size());
      ::shutdown(client, SHUT_WR);
      char buf[512];
      pollfd c{client, POLLIN, 0};
      // Give the scanner its chance to send a probe before the close.
      if (::poll(&c, 1, 2000) > 0) (void)::read(client, buf, sizeof buf);
      ::close(client);
    }
  }
  std::string banner_;
  int fd_ = -1;
  int port_ = 0;
  int stop_[2] = {-1, -1};
  std::thread thread_;
};

TEST(NmapLive, ImportsFreshNmapXml) {
  if (testing::run({"nmap", "--version"}).exit_code != 0) {
    GTEST_SKIP() << "nmap is not installed (apt-get install nmap)";
  }
  BannerServer server("SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1\r\n");
  auto scan = testing::run({"nmap", "-sT", "-sV", "-Pn", "-n", "-p", std::to_string(server.port()),
                            "-oX", "-", "127.0.0.1"});
  ASSERT_EQ(scan.exit_code, 0) << scan.err;
  ASSERT_NE(scan.out.find("<nmaprun"), std::string::npos);

  testing::TempDir dir;
  std::string db = dir.file("city.db");
  ASSERT_EQ(testing::citywatch({"--db", db, "init"}).exit_code, 0);
  auto imported = testing::citywatch({"--db", db, "import", "nmap", "-"}, scan.out);
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  auto services = testing::citywatch({"--db", db, "services", "--format", "json"});
  EXPECT_NE(services.out.find("\"port\":" + std::to_string(server.port())), std::string::npos)
      << services.out;
  EXPECT_NE(services.out.find("\"protocol\":\"ssh\""), std::string::npos) << services.out;
  EXPECT_NE(services.out.find("\"product\":\"OpenSSH\""), std::string::npos) << services.out;
  EXPECT_NE(services.out.find("\"version\":\"8.2p1"), std::string::npos) << services.out;
  EXPECT_NE(services.out.find("cpe:/a:openbsd:openssh:8.2p1"), std::string::npos) << services.out;
}

}  // namespace
}  // namespace citywatch
