// The feed jobs against fake Shodan and Shadowserver servers on 127.0.0.1, and the drop
// directory, through the real import path into a real database.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "app/jobs.h"
#include "db/jobs.h"
#include "db/queries.h"
#include "tests/support/fake_feeds.h"
#include "tests/support/test_support.h"

namespace citywatch::app {
namespace {

namespace fs = std::filesystem;

class FeedJobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.database_path = dir_.file("f.db");
    auto s = db::Store::open(config_.database_path, true);
    ASSERT_TRUE(s);
    store_.emplace(std::move(*s));
    secret("shodan.key", "SHODAN-KEY");
    secret("ss.key", "SS-KEY");
    secret("ss.secret", "SS-SECRET");
    config_.shodan.api_key_file = dir_.file("shodan.key");
    config_.shadowserver.api_key_file = dir_.file("ss.key");
    config_.shadowserver.secret_file = dir_.file("ss.secret");
    row_.name = "test";
    row_.id = 1;
  }
  void secret(const std::string& name, const std::string& value) {
    testing::write_file(dir_.file(name), value + "\n");
    ::chmod(dir_.file(name).c_str(), 0600);
  }
  // A JobContext as the scheduler builds it; stop_after makes stopping() turn true after that
  // many checkpoints (to test resuming).
  JobContext context(int stop_after = -1) {
    return JobContext{row_,
                      config_,
                      *store_,
                      clock_,
                      nullptr,
                      nullptr,
                      [this, stop_after] { return stop_after >= 0 && saves_ >= stop_after; },
                      [](std::chrono::milliseconds d) {
                        std::this_thread::sleep_for(d);  // the gate's spacing, 10 ms here
                        return true;
                      },
                      [this](const std::string& cp) -> core::Result<void> {
                        ++saves_;
                        row_.checkpoint = cp;
                        return core::ok();
                      }};
  }
  std::int64_t count(const char* table) { return *store_->count(table); }

  testing::TempDir dir_;
  Config config_;
  std::optional<db::Store> store_;
  db::JobRow row_;
  core::ManualClock clock_{1795000000};
  int saves_ = 0;
};

TEST_F(FeedJobsTest, ShodanFetchesEveryNetworkAndImportsIt) {
  testing::FakeShodan shodan("SHODAN-KEY", std::chrono::milliseconds(5));
  shodan.set_results("192.0.2.0/24", 250);
  shodan.set_results("198.51.100.0/24", 30);
  config_.shodan.base_url = shodan.url();
  config_.shodan.networks = {"192.0.2.0/24", "198.51.100.0/24"};
  config_.shodan.min_interval_ms = 10;
  auto ctx = context();
  auto result = run_shodan_fetch(ctx);
  ASSERT_TRUE(result) << result.error().to_string();
  EXPECT_FALSE(result->interrupted);
  auto summary = nlohmann::json::parse(result->summary_json);
  EXPECT_EQ(summary["pages"], 4);
  EXPECT_EQ(summary["banners"], 280);
  EXPECT_EQ(summary["imported"], 280);
  EXPECT_EQ(count("observations"), 280);
  EXPECT_EQ(count("devices"), 250 + 30);
  EXPECT_EQ(shodan.rate_limited(), 0);
  EXPECT_TRUE(row_.checkpoint.empty());
  // The spool is cleaned up; the import records name the query, never the key.
  EXPECT_TRUE(fs::is_empty(config_.spool_dir()));
  auto imports = db::list_imports(store_->connection(), std::nullopt, 10);
  ASSERT_EQ(imports->size(), 2u);
  EXPECT_EQ((*imports)[1].path, "shodan-api net:192.0.2.0/24");
}

TEST_F(FeedJobsTest, AnInterruptedShodanRunResumesWithoutFetchingPagesAgain) {
  testing::FakeShodan shodan("SHODAN-KEY", std::chrono::milliseconds(0));
  shodan.set_results("192.0.2.0/24", 250);
  config_.shodan.base_url = shodan.url();
  config_.shodan.networks = {"192.0.2.0/24"};
  config_.shodan.min_interval_ms = 1;
  auto first = context(2);  // stop once page 1 is saved (the spool file is saved first)
  auto r1 = run_shodan_fetch(first);
  ASSERT_TRUE(r1) << r1.error().to_string();
  EXPECT_TRUE(r1->interrupted);
  EXPECT_EQ(shodan.calls().size(), 1u);
  auto cp = nlohmann::json::parse(row_.checkpoint);
  EXPECT_EQ(cp["page"], 2);
  auto second = context();
  auto r2 = run_shodan_fetch(second);
  ASSERT_TRUE(r2) << r2.error().to_string();
  EXPECT_FALSE(r2->interrupted);
  auto calls = shodan.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[1].page, 2);
  EXPECT_EQ(calls[2].page, 3);
  EXPECT_EQ(count("observations"), 250);
}

TEST_F(FeedJobsTest, ShodanKeyProblemsFailTheRunClearly) {
  testing::FakeShodan shodan("OTHER", std::chrono::milliseconds(0));
  config_.shodan.base_url = shodan.url();
  config_.shodan.networks = {"192.0.2.0/24"};
  auto ctx = context();
  auto r = run_shodan_fetch(ctx);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, core::ErrorCode::kConfig);
  ::chmod(dir_.file("shodan.key").c_str(), 0644);
  auto open = run_shodan_fetch(ctx);
  ASSERT_FALSE(open);
  EXPECT_NE(open.error().message.find("readable by other users"), std::string::npos);
}

TEST_F(FeedJobsTest, ShadowserverDownloadsEachNewReportOnce) {
  testing::FakeShadowserver ss("SS-KEY", "SS-SECRET");
  std::string csv =
      "\"timestamp\",\"ip\",\"protocol\",\"port\",\"hostname\",\"tag\",\"asn\",\"geo\"\n"
      "\"2026-11-20 01:02:03\",\"192.0.2.7\",\"tcp\",23,,\"telnet\",64498,\"NL\"\n"
      "\"2026-11-20 01:02:04\",\"192.0.2.8\",\"tcp\",23,,\"telnet\",64498,\"NL\"\n";
  ss.add_report(
      {"r1", "netherlands", "scan_telnet", "2026-11-20-scan_telnet-nl-geo.csv", "2026-11-20", csv});
  ss.add_report({"r2", "netherlands", "scan_telnet", "2026-11-21-scan_telnet-nl-geo.csv",
                 "2026-11-21", "\"timestamp\",\"ip\",\"port\"\nbroken\n"});
  config_.shadowserver.api_url = ss.api_url();
  config_.shadowserver.download_url = ss.download_url();
  config_.shadowserver.lookback_days = 2;
  auto ctx = context();
  auto r = run_shadowserver_fetch(ctx);
  ASSERT_TRUE(r) << r.error().to_string();
  auto summary = nlohmann::json::parse(r->summary_json);
  EXPECT_EQ(summary["listed"], 2);
  EXPECT_EQ(summary["imported"], 2);
  EXPECT_EQ(summary["rejected"], 1);
  EXPECT_EQ(summary["from"], "2026-11-16");
  EXPECT_EQ(count("observations"), 2);
  EXPECT_NE(ss.last_list_body().find(R"("date":"2026-11-16:2026-11-18")"), std::string::npos);
  auto again = run_shadowserver_fetch(ctx);
  ASSERT_TRUE(again);
  EXPECT_EQ(nlohmann::json::parse(again->summary_json)["already_imported"], 2);
  EXPECT_EQ(ss.downloads().size(), 2u);
  auto imports = db::list_imports(store_->connection(), std::nullopt, 10);
  EXPECT_EQ((*imports)[1].report_type, "scan_telnet");
}

TEST_F(FeedJobsTest, DropDirectoryImportsFinishedFilesAndMovesThem) {
  config_.dropdir.path = dir_.file("drop");
  fs::create_directories(dir_.file("drop/shodan"));
  fs::create_directories(dir_.file("drop/nmap"));
  testing::write_file(dir_.file("drop/shodan/a.json"),
                      testing::fake_shodan_banner("192.0.2.0/24", 1) + "\n" +
                          testing::fake_shodan_banner("192.0.2.0/24", 2) + "\n");
  testing::write_file(dir_.file("drop/shodan/b.json.part"), "{}");  // still being written
  testing::write_file(dir_.file("drop/nmap/bad.xml"), "<nmaprun><host>");
  auto ctx = context();
  auto r = run_dropdir_import(ctx);
  ASSERT_TRUE(r) << r.error().to_string();
  auto summary = nlohmann::json::parse(r->summary_json);
  EXPECT_EQ(summary["files"], 2);
  EXPECT_EQ(summary["imported"], 2);
  EXPECT_EQ(summary["failed_files"], 1);
  EXPECT_TRUE(fs::exists(dir_.file("drop/done/shodan/a.json")));
  EXPECT_TRUE(fs::exists(dir_.file("drop/failed/nmap/bad.xml")));
  EXPECT_TRUE(fs::exists(dir_.file("drop/shodan/b.json.part")));
  EXPECT_FALSE(fs::exists(dir_.file("drop/shodan/a.json")));
  EXPECT_NE(row_.checkpoint.find("last_import_at"), std::string::npos);
  // The same file dropped again adds nothing and does not overwrite the first copy.
  testing::write_file(dir_.file("drop/shodan/a.json"),
                      testing::fake_shodan_banner("192.0.2.0/24", 1) + "\n");
  auto again = run_dropdir_import(ctx);
  ASSERT_TRUE(again);
  EXPECT_EQ(nlohmann::json::parse(again->summary_json)["duplicates"], 1);
  EXPECT_TRUE(fs::exists(dir_.file("drop/done/shodan/a.json.1")));
  EXPECT_EQ(count("observations"), 2);
}

}  // namespace
}  // namespace citywatch::app
