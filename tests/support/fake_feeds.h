// tests/support/fake_feeds.h: local stand-ins for the Shodan REST API and the Shadowserver
// Reports API, real HTTP servers on 127.0.0.1 that speak the documented requests and answers:
// Shodan's /shodan/host/search (key, query, 100 results a page, "total", 401 for a bad key,
// 429 when called faster than its limit); Shadowserver's POST reports/list (apikey in the JSON
// body, HMAC2 header = HMAC-SHA256 of the body under the secret) and report downloads by id.
// Also a webhook receiver. Tests never talk to the real services.
#pragma once

#include <httplib.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace citywatch::testing {

class FakeServer {
 public:
  FakeServer();
  virtual ~FakeServer();
  int port() const { return port_; }
  std::string url(const std::string& path = "") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 protected:
  void start();
  httplib::Server server_;
  std::mutex mutex_;

 private:
  int port_ = 0;
  std::thread thread_;
};

class FakeShodan : public FakeServer {
 public:
  // min_interval: requests closer together than this get HTTP 429, as Shodan's do.
  FakeShodan(std::string key, std::chrono::milliseconds min_interval);
  // Results for "net:<cidr>" queries: `count` banners on addresses of the network.
  void set_results(const std::string& cidr, int count);
  // The next requests get these statuses (e.g. 503) before answering normally.
  void fail_next(std::vector<int> statuses);

  struct Call {
    std::string query;
    int page = 0;
    int status = 0;
    std::chrono::steady_clock::time_point at;
  };
  std::vector<Call> calls();
  int rate_limited();

 private:
  std::string key_;
  std::chrono::milliseconds min_interval_;
  std::map<std::string, int> results_;
  std::vector<int> fail_;
  std::vector<Call> calls_;
  std::chrono::steady_clock::time_point last_{};
};

// One banner line as the fake serves it (for tests that count what landed).
std::string fake_shodan_banner(const std::string& cidr, int index);

class FakeShadowserver : public FakeServer {
 public:
  FakeShadowserver(std::string key, std::string secret);
  struct Report {
    std::string id, report, type, file, timestamp, csv;
  };
  void add_report(Report r);
  std::string api_url() const { return url("/api2/"); }
  std::string download_url() const { return url("/dl/"); }
  int list_calls();
  std::vector<std::string> downloads();
  std::string last_list_body();

 private:
  std::string key_, secret_;
  std::vector<Report> reports_;
  int list_calls_ = 0;
  std::vector<std::string> downloads_;
  std::string last_body_;
};

class WebhookReceiver : public FakeServer {
 public:
  WebhookReceiver();
  struct Delivery {
    std::string body, signature;
  };
  std::vector<Delivery> deliveries();

 private:
  std::vector<Delivery> deliveries_;
};

std::string hmac_sha256_hex_for_test(const std::string& key, const std::string& data);

}  // namespace citywatch::testing
