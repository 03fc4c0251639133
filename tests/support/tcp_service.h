// tests/support/tcp_service.h: a real TCP service on 127.x.y.z:port for scan tests, answering
// every connection with fixed bytes (a banner, an HTTP answer); with read_request it first reads
// the request to its blank line, as an HTTP server does. One connection at a time, on its own
// thread; the destructor stops it (a pipe wakes the poll, no timeout involved).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

namespace citywatch::testing {

class Service {
 public:
  Service(const std::string& ip, std::uint16_t port, std::string reply, bool read_request)
      : reply_(std::move(reply)), read_request_(read_request) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 64) != 0 ||
        ::pipe2(stop_, O_CLOEXEC) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    thread_ = std::thread([this] { serve(); });
  }
  ~Service() {
    if (fd_ < 0) return;
    (void)!::write(stop_[1], "x", 1);
    thread_.join();
    ::close(fd_);
    ::close(stop_[0]);
    ::close(stop_[1]);
  }
  bool up() const { return fd_ >= 0; }

 private:
  void serve() {
    while (true) {
      pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents) return;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      std::string request;
      while (read_request_ && request.find("\r\n\r\n") == std::string::npos) {
        pollfd p{c, POLLIN, 0};
        if (::poll(&p, 1, 5000) <= 0) break;  // a client that sends nothing: answer anyway
        char buf[1024];
        ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        request.append(buf, static_cast<std::size_t>(n));
      }
      (void)!::write(c, reply_.data(), reply_.size());
      ::shutdown(c, SHUT_WR);
      ::close(c);
    }
  }
  std::string reply_;
  bool read_request_;
  int fd_ = -1;
  int stop_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace citywatch::testing
