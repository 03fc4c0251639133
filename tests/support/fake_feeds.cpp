#include "tests/support/fake_feeds.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>

namespace citywatch::testing {

FakeServer::FakeServer() = default;

FakeServer::~FakeServer() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

void FakeServer::start() {
  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // stop() before the accept loop runs would be lost; wait until it runs.
  while (!server_.is_running()) std::this_thread::yield();
}

std::string hmac_sha256_hex_for_test(const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  std::string hex;
  static const char* digits = "0123456789abcdef";
  for (unsigned int i = 0; i < len; ++i) {
    hex += digits[mac[i] >> 4];
    hex += digits[mac[i] & 15];
  }
  return hex;
}

std::string fake_shodan_banner(const std::string& cidr, int index) {
  // Addresses inside the network's /24; more than 254 results spill onto further ports.
  std::string base = cidr.substr(0, cidr.rfind('.'));
  int host = index % 254 + 1;
  int port = 80 + index / 254;
  nlohmann::json b = {{"ip_str", base + "." + std::to_string(host)},
                      {"port", port},
                      {"transport", "tcp"},
                      {"timestamp", "2026-11-20T10:00:00.000000"},
                      {"product", "Hikvision IP camera httpd"},
                      {"data", "HTTP/1.1 200 OK\r\nServer: Hikvision-Webs\r\n"},
                      {"org", "Demo Fibre Haaglanden"},
                      {"asn", "AS64498"},
                      {"_shodan", {{"module", "http"}}}};
  return b.dump();
}

FakeShodan::FakeShodan(std::string key, std::chrono::milliseconds min_interval)
    : key_(std::move(key)), min_interval_(min_interval) {
  server_.Get("/shodan/host/search", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    Call call{req.get_param_value("query"), std::atoi(req.get_param_value("page").c_str()), 200,
              now};
    auto answer = [&](int status, const std::string& body) {
      call.status = status;
      calls_.push_back(call);
      res.status = status;
      res.set_content(body, "application/json");
    };
    bool too_soon = last_.time_since_epoch().count() != 0 && now - last_ < min_interval_;
    last_ = now;
    if (req.get_param_value("key") != key_) {
      return answer(401, R"({"error": "Please provide a valid API key"})");
    }
    if (too_soon) {
      return answer(
          429,
          R"({"error": "Request rate limit reached (1/ second). Please wait a second before trying again and slow down your API calls."})");
    }
    if (!fail_.empty()) {
      int status = fail_.front();
      fail_.erase(fail_.begin());
      return answer(status,
                    R"({"error": "The search request has timed out or your query was invalid."})");
    }
    std::string query = call.query;
    if (!query.starts_with("net:")) return answer(400, R"({"error": "Invalid search query"})");
    std::string cidr = query.substr(
        4, query.find(' ') == std::string::npos ? std::string::npos : query.find(' ') - 4);
    int total = results_.count(cidr) ? results_[cidr] : 0;
    int page = std::max(1, call.page);
    std::string body = "{\"matches\": [";
    for (int i = (page - 1) * 100; i < std::min(total, page * 100); ++i) {
      if (i > (page - 1) * 100) body += ",\n  ";
      body += fake_shodan_banner(cidr, i);
    }
    body += "],\n \"total\": " + std::to_string(total) + "}";
    answer(200, body);
  });
  start();
}

void FakeShodan::set_results(const std::string& cidr, int count) {
  std::lock_guard lock(mutex_);
  results_[cidr] = count;
}

void FakeShodan::fail_next(std::vector<int> statuses) {
  std::lock_guard lock(mutex_);
  fail_ = std::move(statuses);
}

std::vector<FakeShodan::Call> FakeShodan::calls() {
  std::lock_guard lock(mutex_);
  return calls_;
}

int FakeShodan::rate_limited() {
  std::lock_guard lock(mutex_);
  int n = 0;
  for (const auto& c : calls_) n += c.status == 429;
  return n;
}

FakeShadowserver::FakeShadowserver(std::string key, std::string secret)
    : key_(std::move(key)), secret_(std::move(secret)) {
  server_.Post("/api2/reports/list", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    ++list_calls_;
    last_body_ = req.body;
    res.set_header("Content-Type", "application/json");
    if (req.get_header_value("HMAC2") != hmac_sha256_hex_for_test(secret_, req.body)) {
      res.set_content(R"({"error":"Invalid HMAC2 signature"})", "application/json");
      return;
    }
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (!body.is_object() || body.value("apikey", "") != key_) {
      res.status = 401;
      res.set_content(R"({"error":"Invalid API key"})", "application/json");
      return;
    }
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : reports_) {
      list.push_back({{"timestamp", r.timestamp},
                      {"report", r.report},
                      {"type", r.type},
                      {"id", r.id},
                      {"file", r.file}});
    }
    res.set_content(list.dump(), "application/json");
  });
  server_.Get(R"(/dl/([A-Za-z0-9_\-]+))",
              [this](const httplib::Request& req, httplib::Response& res) {
                std::lock_guard lock(mutex_);
                std::string id = req.matches[1];
                downloads_.push_back(id);
                for (const auto& r : reports_) {
                  if (r.id == id) {
                    res.set_content(r.csv, "text/csv");
                    return;
                  }
                }
                res.status = 404;
              });
  start();
}

void FakeShadowserver::add_report(Report r) {
  std::lock_guard lock(mutex_);
  reports_.push_back(std::move(r));
}

int FakeShadowserver::list_calls() {
  std::lock_guard lock(mutex_);
  return list_calls_;
}

std::vector<std::string> FakeShadowserver::downloads() {
  std::lock_guard lock(mutex_);
  return downloads_;
}

std::string FakeShadowserver::last_list_body() {
  std::lock_guard lock(mutex_);
  return last_body_;
}

WebhookReceiver::WebhookReceiver() {
  server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    deliveries_.push_back({req.body, req.get_header_value("X-Citywatch-Signature")});
    res.status = 204;
  });
  start();
}

std::vector<WebhookReceiver::Delivery> WebhookReceiver::deliveries() {
  std::lock_guard lock(mutex_);
  return deliveries_;
}

}  // namespace citywatch::testing
