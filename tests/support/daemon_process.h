// tests/support/daemon_process.h: the real `citywatch serve` started by a test on 127.0.0.1
// port 0; the port is read back from its "listening on" line. stdout is drained by a thread,
// stderr (the log) goes to a file tests can wait on. Plus a small HTTP client for the tests
// (cpp-httplib) and helpers to wait for conditions with a deadline instead of sleeping.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace citywatch::testing {

// Polls cond until it holds or the deadline passes; returns the last result. Each poll waits
// on nothing but the condition itself (a short pause between polls is the deadline's share,
// not a timing assumption).
// An API token made with `citywatch tokens create` (the user is created when new); db_args
// name the database ({"--db", DB}, with "--config", FILE in front where needed). A failure is
// a test failure and gives "".
std::string create_token(std::vector<std::string> db_args, const std::string& user,
                         const std::string& role, const std::vector<std::string>& extra = {});

bool wait_for(const std::function<bool()>& cond,
              std::chrono::milliseconds deadline = std::chrono::seconds(30));

struct HttpResult {
  int status = 0;  // 0: no answer
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

class DaemonProcess {
 public:
  // args go after the binary: {"--db", db, "serve", "--listen", "127.0.0.1:0"} is typical;
  // env entries "K=V" are added to the environment.
  explicit DaemonProcess(std::vector<std::string> args, std::vector<std::string> env = {});
  ~DaemonProcess();  // SIGKILL if still running
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  bool started() const { return port_ > 0; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string log() const;  // stderr so far
  const std::string& startup_error() const { return startup_error_; }
  bool wait_log(const std::string& needle,
                std::chrono::milliseconds deadline = std::chrono::seconds(30)) const;

  void signal(int sig) const;
  // Waits for the process to end; returns its exit code, -signal when killed, or -1000 on
  // timeout.
  int wait_exit(std::chrono::milliseconds deadline = std::chrono::seconds(60));

  HttpResult get(const std::string& path, const std::string& token = {},
                 std::vector<std::pair<std::string, std::string>> headers = {}) const;
  HttpResult send(const std::string& method, const std::string& path, const std::string& body,
                  const std::string& token = {},
                  std::vector<std::pair<std::string, std::string>> headers = {},
                  const std::string& content_type = "application/json") const;
  // Sends bytes as they are on a fresh connection and returns what comes back until the
  // server closes it (or 10 s pass): for requests a normal client would not send.
  std::string raw(const std::string& bytes) const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_path_;
  std::string startup_error_;
  int out_fd_ = -1;
  std::thread drain_;
  bool exited_ = false;
};

}  // namespace citywatch::testing
