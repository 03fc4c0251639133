// app/alerts.h: alerts to the city's own SOC, as RFC 5424 syslog messages (UDP, or TCP with
// RFC 6587 octet counting) and/or a JSON webhook (signed with HMAC-SHA256 when a secret is
// configured). Raised for failed jobs, feeds gone stale (and recovered) and new critical
// findings. raise() only queues: a slow SOC endpoint never holds up a job; one sender thread
// delivers in order. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/finding.h"
#include "core/result.h"
#include "core/time.h"
#include "net/http_client.h"

namespace citywatch::app {

class Metrics;

struct Alert {
  std::string kind;      // job_failed, feed_stale, feed_recovered, critical_finding
  std::string severity;  // critical, error, warning, notice, info
  std::string title;     // one line for people
  std::vector<std::pair<std::string, std::string>> fields;
  core::UnixSeconds at = 0;
};

// What the risk stage hands over for a new critical finding (a KEV-listed CVE, an exposed
// industrial controller, an infected device).
struct CriticalFinding {
  std::string device;  // address text: the SOC needs it to act
  std::string kind;    // kev_cve, exposed_ics, infected, ...
  std::string severity = "critical";
  std::vector<std::string> cves;
  bool kev = false;
  std::string detail;
  std::optional<std::int64_t> finding_id;
};

// The findings the SOC hears about at once: a CVE in CISA's KEV catalogue, an industrial
// controller reachable from the internet, an infected device. Anything else: nullopt.
std::optional<CriticalFinding> critical_of(const core::Finding& finding);

struct AlertOptions {
  std::string syslog_url;  // udp://host:port or tcp://host:port; empty: off
  std::string facility = "local0";
  std::string webhook_url;
  std::string webhook_secret;  // empty: unsigned
  std::string hostname;        // empty: gethostname()
  net::ClientOptions http;
};

// RFC 5424: <PRI>1 TIMESTAMP HOST citywatch PID KIND [citywatch@32473 k="v" ...] TITLE
// (32473 is the private enterprise number RFC 5612 sets aside for examples.)
std::string format_syslog(const Alert& alert, std::string_view facility, std::string_view host,
                          int pid);
std::string format_webhook(const Alert& alert, std::string_view host);

class Alerter {
 public:
  Alerter(AlertOptions options, Metrics* metrics);
  ~Alerter();
  Alerter(const Alerter&) = delete;
  Alerter& operator=(const Alerter&) = delete;

  void raise(Alert alert);
  // The hook the risk pipeline calls for each new critical finding.
  void critical_finding(const CriticalFinding& finding, core::UnixSeconds now);
  // Waits until every queued alert was attempted; false on timeout.
  bool flush(std::chrono::milliseconds timeout);
  bool enabled() const { return !options_.syslog_url.empty() || !options_.webhook_url.empty(); }

 private:
  void run();
  void deliver(const Alert& alert);
  core::Result<void> send_syslog(const std::string& message);

  AlertOptions options_;
  Metrics* metrics_;
  std::mutex mutex_;
  std::condition_variable wake_, idle_;
  std::deque<Alert> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread sender_;
};

}  // namespace citywatch::app
