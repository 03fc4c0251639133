// The dashboard's files and the public City Hall screen, through the real `citywatch serve`:
// the pages come with their types and security headers, nothing outside the fixed list is
// served, and with server.screen_public the aggregate routes answer without a token (as the
// screen role, small counts hidden) while everything else still needs one.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/daemon_process.h"
#include "tests/support/test_support.h"

namespace citywatch {
namespace {

using nlohmann::json;
using testing::DaemonProcess;

class DaemonWeb : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("city.db");
    config_ = dir_.file("citywatch.toml");
    testing::write_file(config_,
                        "[server]\nscreen_public = true\nscreen_min_count = 1000\n"
                        "aggregate_cache_seconds = 0\nweb_dir = \"" +
                            testing::source_path("web") + "\"\n");
    ASSERT_EQ(testing::citywatch({"--db", db_, "init"}).exit_code, 0);
    auto imported = testing::citywatch({"--db", db_, "import", "shodan",
                                        testing::source_path("data/demo/shodan-hague-demo.jsonl")});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    daemon_ = std::make_unique<DaemonProcess>(std::vector<std::string>{
        "--config", config_, "--db", db_, "serve", "--listen", "127.0.0.1:0"});
    ASSERT_TRUE(daemon_->started()) << daemon_->startup_error();
  }
  testing::TempDir dir_;
  std::string db_, config_;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(DaemonWeb, ServesThePagesWithTypesAndSecurityHeaders) {
  auto page = daemon_->get("/");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(page.headers["content-security-policy"].find("default-src 'self'"), std::string::npos);
  EXPECT_EQ(page.headers["cache-control"], "no-cache");  // not the API's no-store, and once
  EXPECT_NE(page.body.find("/assets/js/dashboard.js"), std::string::npos);
  auto screen = daemon_->get("/screen");
  ASSERT_EQ(screen.status, 200);
  EXPECT_NE(screen.body.find("/assets/js/screen.js"), std::string::npos);
  auto js = daemon_->get("/assets/js/map.js");
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.headers["content-type"], "text/javascript; charset=utf-8");
  auto again = daemon_->get("/assets/js/map.js", {}, {{"If-None-Match", js.headers["etag"]}});
  EXPECT_EQ(again.status, 304);
}

TEST_F(DaemonWeb, NothingOutsideTheListIsServed) {
  for (const char* path : {"/CMakeLists.txt", "/../CMakeLists.txt", "/assets/../index.html",
                           "/%2e%2e/CMakeLists.txt", "/web/index.html", "/package.json",
                           "/node_modules/uplot/package.json", "/assets/js/", "/assets/js/x.js"}) {
    auto r = daemon_->get(path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body.find("<html"), std::string::npos) << path;
  }
  EXPECT_EQ(daemon_->send("POST", "/", "{}").status, 404);
}

TEST_F(DaemonWeb, APublicScreenReadsAggregatesWithoutATokenAndNothingElse) {
  auto summary = daemon_->get("/api/v1/stats/summary");
  ASSERT_EQ(summary.status, 200) << summary.body;
  auto body = json::parse(summary.body);
  EXPECT_EQ(body["suppressed_below"], 1000);
  EXPECT_TRUE(body["devices"].is_null());  // fewer than 1000: hidden from the public
  EXPECT_EQ(daemon_->get("/api/v1/trends?days=7").status, 200);
  for (const char* path : {"/api/v1/devices", "/api/v1/devices/192.0.2.1", "/api/v1/services",
                           "/api/v1/me", "/api/v1/jobs", "/api/v1/audit"}) {
    EXPECT_EQ(daemon_->get(path).status, 401) << path;
  }
}

}  // namespace
}  // namespace citywatch
