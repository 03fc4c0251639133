// net::HttpClient against a real HTTP server on 127.0.0.1 started by the test.
#include "net/http_client.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "tests/support/test_support.h"

namespace citywatch::net {
namespace {

class LocalServer {
 public:
  LocalServer() {
    server_.Get("/hello", [](const httplib::Request& req, httplib::Response& res) {
      res.set_header("X-Agent", req.get_header_value("User-Agent"));
      res.set_content("hello " + req.get_header_value("X-Who"), "text/plain");
    });
    server_.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.status = 201;
      res.set_content(req.body, "application/json");
    });
    server_.Get("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(100000, 'x'), "text/plain");
    });
    server_.Get("/status/503", [](const httplib::Request&, httplib::Response& res) {
      res.status = 503;
      res.set_content("busy", "text/plain");
    });
    server_.Get("/redirect", [](const httplib::Request&, httplib::Response& res) {
      res.set_redirect("/hello");
    });
    server_.Get("/slow", [this](const httplib::Request&, httplib::Response& res) {
      // Holds the answer until the test lets it go (or 10 s pass).
      std::unique_lock lock(mutex_);
      release_.wait_for(lock, std::chrono::seconds(10), [this] { return released_; });
      res.set_content("late", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~LocalServer() {
    release();
    server_.stop();
    thread_.join();
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    release_.notify_all();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable release_;
  bool released_ = false;
};

TEST(HttpClient, GetSendsHeadersAndUserAgent) {
  LocalServer server;
  ClientOptions options;
  options.user_agent = "citywatch-test/1";
  HttpClient client(options);
  Request r;
  r.url = server.url("/hello");
  r.headers = {{"X-Who", "city"}};
  auto response = client.send(r);
  ASSERT_TRUE(response) << response.error().to_string();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello city");
  ASSERT_NE(response->header("x-agent"), nullptr);
  EXPECT_EQ(*response->header("X-Agent"), "citywatch-test/1");
}

TEST(HttpClient, PostBodyAndEveryStatusIsAResponse) {
  LocalServer server;
  HttpClient client;
  Request r;
  r.method = "POST";
  r.url = server.url("/echo");
  r.body = R"({"a":1})";
  auto posted = client.send(r);
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 201);
  EXPECT_EQ(posted->body, r.body);
  Request busy;
  busy.url = server.url("/status/503");
  auto answer = client.send(busy);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 503);
  EXPECT_EQ(answer->body, "busy");
}

TEST(HttpClient, FollowsRedirects) {
  LocalServer server;
  HttpClient client;
  Request r;
  r.url = server.url("/redirect");
  auto response = client.send(r);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello ");
}

TEST(HttpClient, ResponsesOverTheCapAreRefused) {
  LocalServer server;
  ClientOptions options;
  options.max_response_bytes = 1000;
  HttpClient client(options);
  Request r;
  r.url = server.url("/big");
  auto response = client.send(r);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, core::ErrorCode::kBadInput);
  EXPECT_NE(response.error().message.find("larger than 1000 bytes"), std::string::npos);
}

TEST(HttpClient, DownloadWritesTheFileOrNothing) {
  LocalServer server;
  testing::TempDir dir;
  HttpClient client;
  Request r;
  r.url = server.url("/big");
  auto ok = client.download(r, dir.file("big.txt"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->bytes, 100000u);
  EXPECT_EQ(std::filesystem::file_size(dir.file("big.txt")), 100000u);
  r.max_response_bytes = 10;
  auto refused = client.download(r, dir.file("cut.txt"));
  ASSERT_FALSE(refused);
  EXPECT_FALSE(std::filesystem::exists(dir.file("cut.txt")));
}

TEST(HttpClient, TimeoutAndCancelAreErrors) {
  LocalServer server;
  ClientOptions options;
  options.timeout = std::chrono::seconds(1);
  HttpClient client(options);
  Request r;
  r.url = server.url("/slow");
  auto timed_out = client.send(r);
  ASSERT_FALSE(timed_out);
  EXPECT_EQ(timed_out.error().code, core::ErrorCode::kUnavailable);

  HttpClient patient;
  std::atomic<bool> stop{true};
  auto cancelled = patient.send(r, [&] { return stop.load(); });
  ASSERT_FALSE(cancelled);
  EXPECT_NE(cancelled.error().message.find("cancelled"), std::string::npos);
}

TEST(HttpClient, ConnectionRefusedIsUnavailable) {
  HttpClient client;
  Request r;
  r.url = "http://127.0.0.1:1/nothing";
  auto response = client.send(r);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, core::ErrorCode::kUnavailable);
  EXPECT_EQ(response.error().where, "http://127.0.0.1:1/nothing");
}

TEST(HttpClient, OnlyHttpAndHttpsAreSpoken) {
  HttpClient client;
  Request r;
  r.url = "file:///etc/passwd";
  auto response = client.send(r);
  ASSERT_FALSE(response);
}

TEST(HttpClient, LogUrlsLoseQueryAndUserInfo) {
  EXPECT_EQ(url_for_log("https://user:pw@api.shodan.io/shodan/host/search?key=SECRET&page=2"),
            "https://api.shodan.io/shodan/host/search");
  EXPECT_EQ(url_for_log("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
  EXPECT_EQ(url_encode("net:192.0.2.0/24 port:23"), "net%3A192.0.2.0%2F24%20port%3A23");
}

}  // namespace
}  // namespace citywatch::net
