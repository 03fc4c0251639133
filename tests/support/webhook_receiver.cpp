#include "tests/support/webhook_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "notify/signature.h"

namespace citywatch::testing {
namespace {

constexpr std::size_t kMaxRequest = 16 << 20;

std::string header_value(const std::string& head, const std::string& name) {
  std::string lower_head;
  for (char c : head) lower_head += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string key = "\r\n";
  for (char c : name) key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  key += ":";
  auto at = lower_head.find(key);
  if (at == std::string::npos) return {};
  at += key.size();
  auto end = head.find("\r\n", at);
  std::string v = head.substr(at, end - at);
  while (!v.empty() && v.front() == ' ') v.erase(v.begin());
  return v;
}

// Waits until fd is readable or the peer hung up (true), or `wake` fires (false).
bool wait_readable(int fd, int wake) {
  pollfd p[2] = {{fd, POLLIN, 0}, {wake, POLLIN, 0}};
  while (true) {
    int n = ::poll(p, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (p[1].revents) return false;
    return (p[0].revents & POLLIN) != 0 || (p[0].revents & (POLLHUP | POLLERR)) == 0;
  }
}

}  // namespace

WebhookReceiver::WebhookReceiver(const std::string& host, const std::string& cert_file,
                                 const std::string& key_file)
    : host_(host) {
  // A client that gives up (timeout, kill -9) must not take the test process down with SIGPIPE
  // when the receiver answers or shuts TLS down on the dead connection.
  ::signal(SIGPIPE, SIG_IGN);
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    throw std::runtime_error("webhook receiver: cannot listen on " + host);
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  if (::pipe(wake_) != 0 || ::pipe(release_) != 0) throw std::runtime_error("pipe");
  if (!cert_file.empty()) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      SSL_CTX_free(ctx);
      throw std::runtime_error("webhook receiver: cannot load " + cert_file);
    }
    ssl_ctx_ = ctx;
  }
  thread_ = std::thread([this] { serve(); });
}

WebhookReceiver::~WebhookReceiver() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  char c = 'x';
  (void)!::write(wake_[1], &c, 1);
  release();  // a stalled connection must not keep the thread
  thread_.join();
  ::close(listen_fd_);
  ::close(wake_[0]);
  ::close(wake_[1]);
  ::close(release_[0]);
  ::close(release_[1]);
  if (ssl_ctx_) SSL_CTX_free(static_cast<SSL_CTX*>(ssl_ctx_));
}

std::string WebhookReceiver::url(const std::string& path) const {
  return std::string(ssl_ctx_ ? "https://" : "http://") + host_ + ":" + std::to_string(port_) +
         path;
}

void WebhookReceiver::set_secret(const std::string& path, const std::string& key) {
  std::lock_guard lock(mu_);
  secrets_[path] = key;
}

void WebhookReceiver::script(std::vector<Answer> answers, Answer fallback) {
  std::lock_guard lock(mu_);
  script_.assign(answers.begin(), answers.end());
  fallback_ = fallback;
}

WebhookReceiver::Answer WebhookReceiver::next_answer() {
  std::lock_guard lock(mu_);
  if (script_.empty()) return fallback_;
  Answer a = script_.front();
  script_.pop_front();
  return a;
}

std::vector<WebhookReceiver::Request> WebhookReceiver::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

std::string WebhookReceiver::raw_log() const {
  std::lock_guard lock(mu_);
  return raw_;
}

bool WebhookReceiver::wait_for(std::size_t n, std::chrono::milliseconds deadline) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, deadline, [&] { return requests_.size() >= n; });
}

void WebhookReceiver::release() {
  char c = 'r';
  (void)!::write(release_[1], &c, 1);
}

void WebhookReceiver::serve() {
  while (true) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) continue;
    if (p[1].revents) {
      char c;
      (void)!::read(wake_[0], &c, 1);
      std::lock_guard lock(mu_);
      if (stop_) return;
      continue;
    }
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    handle(fd);
    ::close(fd);
  }
}

void WebhookReceiver::handle(int fd) {
  SSL* ssl = nullptr;
  if (ssl_ctx_) {
    ssl = SSL_new(static_cast<SSL_CTX*>(ssl_ctx_));
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) {  // e.g. the client refused our certificate
      SSL_free(ssl);
      return;
    }
  }
  auto read_some = [&](char* buf, int n) -> int {
    if (!wait_readable(fd, wake_[0])) return -1;
    return ssl ? SSL_read(ssl, buf, n) : static_cast<int>(::read(fd, buf, static_cast<size_t>(n)));
  };
  auto write_all = [&](const std::string& s) {
    if (ssl) {
      SSL_write(ssl, s.data(), static_cast<int>(s.size()));
    } else {
      (void)!::write(fd, s.data(), s.size());
    }
  };
  std::string data;
  char buf[16384];
  std::size_t head_end = std::string::npos;
  std::size_t need = 0;
  while (true) {
    if (head_end == std::string::npos) {
      head_end = data.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        std::string len = header_value(data.substr(0, head_end + 2), "Content-Length");
        need = head_end + 4 + (len.empty() ? 0 : std::stoul(len));
      }
    }
    if (head_end != std::string::npos && data.size() >= need) break;
    int n = read_some(buf, sizeof buf);
    if (n <= 0 || data.size() > kMaxRequest) {
      if (ssl) SSL_free(ssl);
      return;
    }
    data.append(buf, static_cast<std::size_t>(n));
  }
  Request r;
  r.head = data.substr(0, head_end + 2);
  r.body = data.substr(head_end + 4, need - head_end - 4);
  auto sp1 = r.head.find(' ');
  auto sp2 = r.head.find(' ', sp1 + 1);
  r.path = r.head.substr(sp1 + 1, sp2 - sp1 - 1);
  r.batch_id = header_value(r.head, "X-Citywatch-Batch-Id");
  r.attempt = header_value(r.head, "X-Citywatch-Attempt");
  r.answer = next_answer();
  {
    std::lock_guard lock(mu_);
    auto key = secrets_.find(r.path);
    r.signature_ok =
        key != secrets_.end() &&
        notify::verify(key->second, header_value(r.head, "X-Citywatch-Signature"), r.body);
    raw_ += "=== request " + std::to_string(requests_.size() + 1) + "\n" + r.head + "\r\n" +
            r.body + "\n";
    requests_.push_back(r);
  }
  cv_.notify_all();
  auto respond = [&](int status, const std::string& reason, const std::string& extra,
                     const std::string& body) {
    write_all("HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n" + extra +
              "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
              body);
  };
  switch (r.answer) {
    case Answer::kOk:
      respond(r.signature_ok ? 200 : 401, r.signature_ok ? "OK" : "Unauthorized", "",
              r.signature_ok ? "{\"received\":true}" : "bad signature");
      break;
    case Answer::kServerError:
      respond(500, "Internal Server Error", "", "try later");
      break;
    case Answer::kTooMany:
      respond(429, "Too Many Requests", "Retry-After: " + retry_after_ + "\r\n", "slow down");
      break;
    case Answer::kRefuse:
      respond(403, "Forbidden", "", "unknown sender; contact abuse@partner.example");
      break;
    case Answer::kStall: {
      // No answer: wait until the client gives up (closes) or the test releases us.
      while (wait_readable(fd, release_[0])) {
        int n =
            ssl ? SSL_read(ssl, buf, sizeof buf) : static_cast<int>(::read(fd, buf, sizeof buf));
        if (n <= 0) break;
      }
      pollfd rel{release_[0], POLLIN, 0};
      if (::poll(&rel, 1, 0) == 1) {
        char c;
        (void)!::read(release_[0], &c, 1);  // used up: the next stall waits again
      }
      break;
    }
    case Answer::kDrop:
      break;  // closed without a byte
  }
  if (ssl) {
    if (r.answer != Answer::kDrop && r.answer != Answer::kStall) SSL_shutdown(ssl);
    SSL_free(ssl);
  }
}

}  // namespace citywatch::testing
