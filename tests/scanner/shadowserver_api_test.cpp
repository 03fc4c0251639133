// The Shadowserver Reports API client against a fake on 127.0.0.1.
#include "scanner/shadowserver_api.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/fake_feeds.h"
#include "tests/support/test_support.h"

namespace citywatch::scanner {
namespace {

constexpr const char* kCsv =
    "\"timestamp\",\"ip\",\"protocol\",\"port\",\"hostname\",\"tag\",\"asn\",\"geo\"\n"
    "\"2026-11-20 01:02:03\",\"192.0.2.7\",\"tcp\",23,,\"telnet\",64498,\"NL\"\n";

ShadowserverApiOptions options_for(const testing::FakeShadowserver& fake, std::string secret) {
  ShadowserverApiOptions o;
  o.api_url = fake.api_url();
  o.download_url = fake.download_url();
  o.api_key = "KEY";
  o.secret = std::move(secret);
  return o;
}

TEST(ShadowserverApi, SignsTheExactBodyWithHmacSha256) {
  // RFC 4231 test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  net::HttpClient http;
  testing::FakeShadowserver fake("KEY", "SECRET");
  ShadowserverApi api(options_for(fake, "SECRET"), http);
  net::Request r = api.list_request("2026-11-18", "2026-11-21");
  EXPECT_NE(r.body.find(R"("apikey":"KEY")"), std::string::npos);
  EXPECT_NE(r.body.find(R"("date":"2026-11-18:2026-11-21")"), std::string::npos);
  bool signed_ok = false;
  for (const auto& [k, v] : r.headers) {
    if (k == "HMAC2") signed_ok = v == testing::hmac_sha256_hex_for_test("SECRET", r.body);
  }
  EXPECT_TRUE(signed_ok);
}

TEST(ShadowserverApi, ListsFiltersAndDownloadsReports) {
  testing::FakeShadowserver fake("KEY", "SECRET");
  fake.add_report({"a1", "netherlands", "scan_telnet", "2026-11-20-scan_telnet-nl-geo.csv",
                   "2026-11-20", kCsv});
  fake.add_report(
      {"b2", "netherlands", "scan_ftp", "2026-11-20-scan_ftp-nl-geo.csv", "2026-11-20", kCsv});
  net::HttpClient http;
  auto options = options_for(fake, "SECRET");
  options.types = {"scan_telnet"};
  ShadowserverApi api(options, http);
  auto list = api.list("2026-11-18", "2026-11-21");
  ASSERT_TRUE(list) << list.error().to_string();
  ASSERT_EQ(list->reports.size(), 1u);
  EXPECT_EQ(list->reports[0].id, "a1");
  EXPECT_EQ(list->reports[0].file, "2026-11-20-scan_telnet-nl-geo.csv");
  testing::TempDir dir;
  auto got = api.download(list->reports[0], dir.file("r.csv"));
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(testing::read_file(dir.file("r.csv")), kCsv);
  EXPECT_EQ(fake.downloads(), std::vector<std::string>{"a1"});
}

TEST(ShadowserverApi, WrongSecretIsAConfigurationError) {
  testing::FakeShadowserver fake("KEY", "SECRET");
  net::HttpClient http;
  ShadowserverApi api(options_for(fake, "NOT-IT"), http);
  auto list = api.list("2026-11-18", "2026-11-21");
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().code, core::ErrorCode::kConfig);
  EXPECT_NE(list.error().message.find("HMAC2"), std::string::npos);
}

TEST(ShadowserverApi, UnsafeIdsAndNamesNeverReachThePath) {
  auto list = parse_report_list(
      R"([{"id":"../../etc","file":"x.csv"},{"id":"ok_1","file":"../../../etc/passwd"},
          {"id":"ok_2"},7,{"id":"with space"}])");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->reports.size(), 2u);
  EXPECT_EQ(list->reports[0].file, "passwd");
  EXPECT_EQ(list->reports[1].file, "ok_2.csv");
  EXPECT_EQ(list->skipped, 3u);
  EXPECT_EQ(safe_file_name(".hidden"), "hidden");
  EXPECT_EQ(safe_file_name("a b;c.csv"), "a_b_c.csv");
  EXPECT_EQ(safe_file_name(""), "report.csv");
  auto error = parse_report_list(R"({"error":"quota exceeded"})");
  ASSERT_FALSE(error);
  EXPECT_EQ(error.error().code, core::ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace citywatch::scanner
