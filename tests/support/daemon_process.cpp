#include "tests/support/daemon_process.h"
#include "tests/support/test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace citywatch::testing {
namespace {
// The HTTP client writes to sockets the server may close early (a 413 before the body is
// read); that must be an error for the test to see, not SIGPIPE.
const bool kIgnoreSigpipe = [] {
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}();
}  // namespace

std::string create_token(std::vector<std::string> db_args, const std::string& user,
                         const std::string& role, const std::vector<std::string>& extra) {
  for (const char* a : {"--format", "json", "tokens", "create", "--user"}) db_args.push_back(a);
  db_args.insert(db_args.end(), {user, "--role", role});
  db_args.insert(db_args.end(), extra.begin(), extra.end());
  auto r = citywatch(db_args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto body = nlohmann::json::parse(r.out, nullptr, false);
  return body.is_object() ? body.value("token", "") : "";
}

bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds deadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (true) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= end) return cond();
    // Between polls of an external process there is no event to block on; 20 ms keeps the
    // polling cheap without making any test depend on it.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

DaemonProcess::DaemonProcess(std::vector<std::string> args, std::vector<std::string> env) {
  char pattern[] = "/tmp/citywatch-daemon-log-XXXXXX";
  int log_fd = ::mkstemp(pattern);
  log_path_ = pattern;
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || log_fd < 0) {
    startup_error_ = "cannot make pipes";
    return;
  }
  std::vector<std::string> argv{CITYWATCH_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> c_argv;
  for (auto& a : argv) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e) envs.emplace_back(*e);
  for (auto& e : env) envs.push_back(e);
  std::vector<char*> c_env;
  for (auto& e : envs) c_env.push_back(e.data());
  c_env.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, log_fd, 2);
  int rc = posix_spawn(&pid_, c_argv[0], &actions, nullptr, c_argv.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  ::close(log_fd);
  if (rc != 0) {
    startup_error_ = "cannot start the binary";
    ::close(out[0]);
    pid_ = -1;
    return;
  }
  out_fd_ = out[0];
  // Read until the "listening on" line (or the process ends), with a deadline.
  std::string seen;
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (port_ == 0 && std::chrono::steady_clock::now() < end) {
    pollfd fd{out_fd_, POLLIN, 0};
    if (::poll(&fd, 1, 200) <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(out_fd_, buf, sizeof buf);
    if (n <= 0) break;
    seen.append(buf, static_cast<std::size_t>(n));
    auto pos = seen.find("listening on http://");
    auto eol = pos == std::string::npos ? std::string::npos : seen.find('\n', pos);
    if (eol != std::string::npos) {
      auto colon = seen.rfind(':', eol);
      port_ = std::atoi(seen.substr(colon + 1, eol - colon - 1).c_str());
    }
  }
  if (port_ == 0) startup_error_ = "no 'listening on' line; stdout: " + seen + "; log: " + log();
  drain_ = std::thread([fd = out_fd_] {
    char buf[4096];
    while (::read(fd, buf, sizeof buf) > 0) {
    }
  });
}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (drain_.joinable()) drain_.join();
  if (out_fd_ >= 0) ::close(out_fd_);
  std::error_code ec;
  std::filesystem::remove(log_path_, ec);
}

std::string DaemonProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool DaemonProcess::wait_log(const std::string& needle, std::chrono::milliseconds deadline) const {
  return wait_for([&] { return log().find(needle) != std::string::npos; }, deadline);
}

void DaemonProcess::signal(int sig) const {
  if (pid_ > 0 && !exited_) ::kill(pid_, sig);
}

int DaemonProcess::wait_exit(std::chrono::milliseconds deadline) {
  if (pid_ <= 0) return -1000;
  int status = 0;
  bool done = wait_for([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, deadline);
  if (!done) return -1000;
  exited_ = true;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return -WTERMSIG(status);
}

namespace {

HttpResult to_result(const httplib::Result& r) {
  HttpResult out;
  if (!r) return out;
  out.status = r->status;
  out.body = r->body;
  for (const auto& [k, v] : r->headers) {
    std::string lower;
    for (char c : k) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[lower] = v;
  }
  return out;
}

httplib::Headers make_headers(const std::string& token,
                              const std::vector<std::pair<std::string, std::string>>& extra) {
  httplib::Headers h;
  if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
  for (const auto& [k, v] : extra) h.emplace(k, v);
  return h;
}

}  // namespace

HttpResult DaemonProcess::get(const std::string& path, const std::string& token,
                              std::vector<std::pair<std::string, std::string>> headers) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(60);
  return to_result(client.Get(path, make_headers(token, headers)));
}

HttpResult DaemonProcess::send(const std::string& method, const std::string& path,
                               const std::string& body, const std::string& token,
                               std::vector<std::pair<std::string, std::string>> headers,
                               const std::string& content_type) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(120);
  auto h = make_headers(token, headers);
  if (method == "POST") return to_result(client.Post(path, h, body, content_type));
  if (method == "PATCH") return to_result(client.Patch(path, h, body, content_type));
  if (method == "PUT") return to_result(client.Put(path, h, body, content_type));
  if (method == "DELETE") return to_result(client.Delete(path, h, body, content_type));
  return to_result(client.Get(path, h));
}

std::string DaemonProcess::raw(const std::string& bytes) const {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string got;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size())) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
      // One response is enough: stop once the announced body has arrived.
      auto head_end = got.find("\r\n\r\n");
      auto cl = got.find("Content-Length: ");
      if (head_end != std::string::npos && cl != std::string::npos && cl < head_end) {
        std::size_t length = std::strtoul(got.c_str() + cl + 16, nullptr, 10);
        if (got.size() >= head_end + 4 + length) break;
      }
    }
  }
  ::close(fd);
  return got;
}

}  // namespace citywatch::testing
