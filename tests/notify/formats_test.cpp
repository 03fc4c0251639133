#include "notify/formats.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace citywatch::notify {
namespace {

core::Batch sample_batch() {
  core::Batch b;
  b.id = "kpn-20261123T120000Z-7";
  b.partner_name = "kpn";
  b.created_at = 1795435200;
  core::BatchItem mqtt;
  mqtt.item = 1;
  mqtt.finding_id = 41;
  mqtt.ip = *core::IpAddress::parse("192.0.2.17");
  mqtt.port = 1883;
  mqtt.protocol = "mqtt";
  mqtt.asn = 64496;
  mqtt.kind = core::FindingKind::kNoAuth;
  mqtt.code = "mqtt-anonymous";
  mqtt.severity = core::Severity::kHigh;
  mqtt.summary = "MQTT broker accepts anonymous clients, \"anyone\" can read";
  mqtt.district_code = "WK051828";
  mqtt.district_name = "Centrum";
  mqtt.observed_at = {1795400000, 1795400042};
  mqtt.first_seen = 1795400000;
  mqtt.last_seen = 1795400042;
  core::BatchItem cve = mqtt;
  cve.item = 2;
  cve.finding_id = 42;
  cve.port = 8291;
  cve.kind = core::FindingKind::kVulnerable;
  cve.code = "cve";
  cve.severity = core::Severity::kCritical;
  cve.vendor = "MikroTik";
  cve.model = "=cmd|' /C calc'!A0";  // a banner trying spreadsheet formula injection
  cve.version = "6.40";
  cve.cves = {{"CVE-2018-14847", 9.1, true, true}};
  cve.src_port = 40123;
  core::BatchItem bot = mqtt;
  bot.item = 3;
  bot.finding_id = 43;
  bot.port = 0;
  bot.kind = core::FindingKind::kInfected;
  bot.code = "mirai";
  bot.severity = core::Severity::kCritical;
  bot.src_port = 51234;
  core::BatchItem open = mqtt;
  open.item = 4;
  open.finding_id = 44;
  open.port = 23;
  open.kind = core::FindingKind::kExposedService;
  open.code = "telnet";
  open.notice = core::Notice::kRecheck;
  open.status = core::FindingStatus::kFixed;
  b.items = {mqtt, cve, bot, open};
  return b;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(Formats, CsvHasOneRowPerFindingWithShadowserverNames) {
  std::string csv = render_csv(sample_batch());
  auto rows = lines(csv);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].rfind("\"timestamp\",\"ip\",\"port\",\"src_port\",\"transport\",\"protocol\","
                          "\"asn\",\"kind\"",
                          0),
            0u);
  // The newest observation time, as Shadowserver writes it, then every observation in UTC.
  EXPECT_EQ(
      rows[1].rfind("\"2026-11-23 02:14:02\",\"192.0.2.17\",1883,,\"tcp\",\"mqtt\",64496,", 0), 0u);
  EXPECT_NE(rows[1].find("\"2026-11-23T02:13:20Z 2026-11-23T02:14:02Z\""), std::string::npos);
  EXPECT_NE(rows[1].find("\"\"anyone\"\""), std::string::npos);  // quotes doubled
  EXPECT_NE(rows[2].find(",8291,40123,"), std::string::npos);
  EXPECT_NE(rows[2].find("\"CVE-2018-14847\",Y,"), std::string::npos);
  EXPECT_NE(rows[2].find("\"'=cmd|"), std::string::npos);  // formula neutralised
  EXPECT_NE(rows[4].find("\"recheck\",\"fixed\""), std::string::npos);
  EXPECT_NE(rows[1].find("\"kpn-20261123T120000Z-7\",1,41"), std::string::npos);
}

TEST(Formats, JsonEnvelopeAndItems) {
  auto j = nlohmann::json::parse(render_json(sample_batch()));
  EXPECT_EQ(j["batch_id"], "kpn-20261123T120000Z-7");
  EXPECT_EQ(j["item_count"], 4);
  const auto& cve = j["items"][1];
  EXPECT_EQ(cve["src_port"], 40123);
  EXPECT_EQ(cve["cves"][0]["id"], "CVE-2018-14847");
  EXPECT_EQ(cve["cves"][0]["kev"], true);
  EXPECT_TRUE(j["items"][0]["src_port"].is_null());
  EXPECT_EQ(j["items"][0]["observed_at"][1], "2026-11-23T02:14:02Z");
}

TEST(Formats, XarfReportsFollowTheSchemaRules) {
  Reporter reporter{"Gemeente Den Haag CISO", "ciso@city.example", "city.example"};
  auto j = nlohmann::json::parse(render_xarf(sample_batch(), reporter));
  ASSERT_EQ(j["reports"].size(), 4u);
  for (const auto& r : j["reports"]) {
    auto ok = validate_xarf_report(r.dump());
    EXPECT_TRUE(ok) << ok.error().message << "\n" << r.dump(2);
  }
  EXPECT_EQ(j["reports"][0]["category"], "vulnerability");
  EXPECT_EQ(j["reports"][0]["type"], "misconfiguration");
  EXPECT_EQ(j["reports"][1]["type"], "cve");
  EXPECT_EQ(j["reports"][1]["cve_id"], "CVE-2018-14847");
  EXPECT_EQ(j["reports"][1]["source_port"], 40123);
  EXPECT_EQ(j["reports"][2]["category"], "infrastructure");
  EXPECT_EQ(j["reports"][2]["type"], "bot");
  EXPECT_EQ(j["reports"][3]["type"], "open");
  // Report ids are UUIDs derived from batch and item: the same on every retry, distinct per item.
  auto again = nlohmann::json::parse(render_xarf(sample_batch(), reporter));
  EXPECT_EQ(j["reports"][0]["report_id"], again["reports"][0]["report_id"]);
  EXPECT_NE(j["reports"][0]["report_id"], j["reports"][1]["report_id"]);
}

TEST(Formats, XarfValidatorRejectsBrokenReports) {
  Reporter reporter{"CISO", "ciso@city.example", "city.example"};
  auto j = nlohmann::json::parse(render_xarf(sample_batch(), reporter));
  auto report = j["reports"][1];
  auto broken = [&](auto mutate) {
    auto r = report;
    mutate(r);
    return !validate_xarf_report(r.dump());
  };
  EXPECT_TRUE(broken([](auto& r) { r.erase("source_identifier"); }));
  EXPECT_TRUE(broken([](auto& r) { r["xarf_version"] = "3"; }));
  EXPECT_TRUE(broken([](auto& r) { r["report_id"] = "not-a-uuid"; }));
  EXPECT_TRUE(broken([](auto& r) { r["timestamp"] = "yesterday"; }));
  EXPECT_TRUE(broken([](auto& r) { r["reporter"]["contact"] = "nobody"; }));
  EXPECT_TRUE(broken([](auto& r) { r["cve_id"] = "CVE-18"; }));
  EXPECT_TRUE(broken([](auto& r) { r["service_port"] = 70000; }));
  EXPECT_TRUE(broken([](auto& r) { r["tags"] = {"Bad Tag"}; }));
  EXPECT_TRUE(broken([](auto& r) { r["category"] = "weather"; }));
  EXPECT_FALSE(broken([](auto&) {}));
}

TEST(Formats, SummaryCountsBySeverity) {
  std::string s = render_summary(sample_batch(), "'s-Gravenhage");
  EXPECT_NE(s.find("3 findings and 1 re-check outcomes"), std::string::npos);
  EXPECT_NE(s.find("critical: 2"), std::string::npos);
  EXPECT_NE(s.find("kpn-20261123T120000Z-7"), std::string::npos);
}

TEST(Formats, Base64AndSha256KnownAnswers) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace citywatch::notify
