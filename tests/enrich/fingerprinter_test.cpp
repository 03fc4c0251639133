#include "enrich/fingerprinter.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/text.h"
#include "scanner/importer.h"
#include "tests/support/test_support.h"

namespace citywatch::enrich {
namespace {

std::string rules_dir() { return testing::source_path("data/fingerprints"); }

const Fingerprinter& shipped() {
  static Fingerprinter f = [] {
    auto loaded = Fingerprinter::load_dir(rules_dir());
    if (!loaded) {
      ADD_FAILURE() << loaded.error().to_string();
      std::abort();
    }
    return std::move(*loaded);
  }();
  return f;
}

TEST(Fingerprinter, ShipsAtLeastHundredRulesFromThirtyVendorsCoveringEveryType) {
  const auto& f = shipped();
  EXPECT_GE(f.rules().size(), 100u);
  EXPECT_GE(f.vendor_count(), 30u);
  std::set<std::string> types;
  for (const auto& r : f.rules()) types.insert(r.device_type);
  for (std::string_view t : {"camera", "dvr", "router", "nas", "printer", "smart-home",
                             "building-controller", "plc", "solar-inverter", "mqtt-broker"}) {
    EXPECT_TRUE(types.count(std::string(t))) << t;
  }
}

// Every rule's own test case, through the whole engine (all rules competing), gives what the
// rule promises. A new rule is a line of data with its test case; this test covers it.
TEST(Fingerprinter, EveryRuleTestCaseGivesItsExpectedFingerprint) {
  const auto& f = shipped();
  for (const auto& rule : f.rules()) {
    core::Fingerprint got = f.identify(rule.test);
    SCOPED_TRACE(rule.where);
    auto check = [&](const std::string& want, const std::string& have, const char* what) {
      if (!want.empty()) {
        EXPECT_TRUE(core::iequals(want, have)) << what << ": " << have;
      }
    };
    check(rule.expect.vendor, got.vendor, "vendor");
    check(rule.expect.device_type, got.device_type, "type");
    check(rule.expect.model, got.model, "model");
    check(rule.expect.version, got.version, "version");
    check(rule.expect.cpe, got.cpe, "cpe");
  }
}

TEST(Fingerprinter, BrokenRuleNamesFileLineAndProblem) {
  struct Case {
    std::string text, message;
  };
  std::vector<Case> cases = {
      {"{\"id\":\"a\",\"type\":\"camera\",\"match\":{\"http.server\":\"x\"}}", "missing \"test\""},
      {"{\"id\":\"a\",\"type\":\"toaster\",\"match\":{\"http.server\":\"x\"},\"test\":{}}",
       "unknown type"},
      {"{\"id\":\"a\",\"type\":\"camera\",\"match\":{\"http.srv\":\"x\"},\"test\":{}}",
       "unknown match field"},
      {"{\"id\":\"a\",\"type\":\"camera\",\"match\":{\"http.server\":\"{serial}\"},\"test\":{}}",
       "unknown capture"},
      {"{\"id\":\"a\",\"type\":\"camera\",\"match\":{\"http.server\":\"abc\"},"
       "\"test\":{\"http.server\":\"xyz\"}}",
       "does not match its own test case"},
      {"{\"id\":\"a\",\"type\":\"camera\",\"match\":{\"http.server\":\"abc\"},"
       "\"test\":{\"http.server\":\"abc\"},\"colour\":1}",
       "unknown key"},
      {"{\"id\":\"a\",\"vendor\":\"X\",\"match\":{\"http.server\":\"v{version}\"},"
       "\"test\":{\"http.server\":\"v1.2\"},\"expect\":{\"version\":\"1.3\"}}",
       "expected \"1.3\""},
      {"not json", "not valid JSON"},
  };
  for (const auto& c : cases) {
    std::string text = "# comment\n\n" + c.text + "\n";
    auto f = Fingerprinter::from_text(text, "rules.jsonl");
    ASSERT_FALSE(f.has_value()) << c.text;
    EXPECT_EQ(f.error().code, core::ErrorCode::kConfig);
    EXPECT_TRUE(f.error().where.starts_with("rules.jsonl:3")) << f.error().where;
    EXPECT_NE(f.error().message.find(c.message), std::string::npos) << f.error().message;
  }
  std::string dup =
      "{\"id\":\"a\",\"type\":\"camera\",\"match\":{\"port\":\"^80$\"},\"test\":{\"port\":\"80\"}}"
      "\n";
  auto f = Fingerprinter::from_text(dup + dup, "d.jsonl");
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().where, "d.jsonl:2");
}

TEST(Fingerprinter, MissingRuleFolderIsAConfigError) {
  testing::TempDir dir;
  auto f = Fingerprinter::load_dir(dir.path());
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().code, core::ErrorCode::kConfig);
}

TEST(Fingerprinter, RendersCpeWithVersionOrAny) {
  EXPECT_EQ(render_cpe("cpe:2.3:o:mikrotik:routeros:{version}", "6.42", ""),
            "cpe:2.3:o:mikrotik:routeros:6.42:*:*:*:*:*:*:*");
  EXPECT_EQ(render_cpe("cpe:2.3:o:mikrotik:routeros", "", ""),
            "cpe:2.3:o:mikrotik:routeros:*:*:*:*:*:*:*:*");
  EXPECT_EQ(render_cpe("cpe:2.3:o:tp-link:archer_{model}_firmware:{version}", "1.1.2", "AX21"),
            "cpe:2.3:o:tp-link:archer_ax21_firmware:1.1.2:*:*:*:*:*:*:*");
}

std::vector<core::Observation> import_all(scanner::FeedKind kind, const std::string& path) {
  std::vector<core::Observation> out;
  core::Diagnostics diag;
  auto r = scanner::import_file(
      kind, path, {}, [&](core::Observation&& o) { out.push_back(std::move(o)); }, diag, nullptr);
  EXPECT_FALSE(r.fatal.has_value());
  return out;
}

// Real banners from the shared Shadowserver reports.
TEST(Fingerprinter, IdentifiesRealShadowserverBanners) {
  CITYWATCH_REQUIRE_DATA(telnet, "scan/shadowserver/scan_telnet.csv");
  CITYWATCH_REQUIRE_DATA(ssh, "scan/shadowserver/scan_ssh.csv");
  CITYWATCH_REQUIRE_DATA(snmp, "scan/shadowserver/scan_snmp.csv");
  CITYWATCH_REQUIRE_DATA(mqtt, "scan/shadowserver/scan_mqtt_anon.csv");
  CITYWATCH_REQUIRE_DATA(ubnt, "scan/shadowserver/scan_ubiquiti.csv");
  CITYWATCH_REQUIRE_DATA(dvr, "scan/shadowserver/scan_dvr_dhcpdiscover.csv");
  CITYWATCH_REQUIRE_DATA(cwmp, "scan/shadowserver/scan_cwmp.csv");
  const auto& f = shipped();
  auto t = import_all(scanner::FeedKind::kShadowserver, telnet);
  ASSERT_EQ(t.size(), 2u);
  auto fp = f.identify(t[0]);
  EXPECT_EQ(fp.vendor, "MikroTik");
  EXPECT_EQ(fp.device_type, "router");
  EXPECT_EQ(fp.version, "6.5");
  EXPECT_EQ(fp.cpe, "cpe:2.3:o:mikrotik:routeros:6.5:*:*:*:*:*:*:*");

  auto s = import_all(scanner::FeedKind::kShadowserver, ssh);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(f.identify(s[0]).cpe, "cpe:2.3:a:openbsd:openssh:7.4:*:*:*:*:*:*:*");
  EXPECT_EQ(f.identify(s[1]).vendor, "ARRIS");
  EXPECT_EQ(f.identify(s[2]).vendor, "Cisco");

  auto n = import_all(scanner::FeedKind::kShadowserver, snmp);
  EXPECT_EQ(f.identify(n[1]).model, "CCR1009-8G-1S-1S+");

  auto m = import_all(scanner::FeedKind::kShadowserver, mqtt);
  EXPECT_EQ(f.identify(m[0]).vendor, "EMQ");
  EXPECT_EQ(f.identify(m[1]).device_type, "mqtt-broker");

  auto u = import_all(scanner::FeedKind::kShadowserver, ubnt);
  auto ufp = f.identify(u[1]);
  EXPECT_EQ(ufp.vendor, "Ubiquiti");
  EXPECT_EQ(ufp.model, "NanoStation Loco M5");
  EXPECT_EQ(ufp.cpe, "cpe:2.3:o:ui:airos:5.6.3.28591.151130.1749:*:*:*:*:*:*:*");

  auto d = import_all(scanner::FeedKind::kShadowserver, dvr);
  EXPECT_EQ(f.identify(d[0]).device_type, "camera");
  EXPECT_EQ(f.identify(d[1]).device_type, "dvr");

  auto c = import_all(scanner::FeedKind::kShadowserver, cwmp);
  EXPECT_EQ(f.identify(c[0]).vendor, "Hikvision");
  EXPECT_EQ(f.identify(c[1]).cpe, "cpe:2.3:a:allegrosoft:rompager:4.07:*:*:*:*:*:*:*");
}

TEST(Fingerprinter, IdentifiesTheRealShodanFtpBanner) {
  CITYWATCH_REQUIRE_DATA(path, "scan/shodan/intelmq_shodan_banners.jsonl");
  auto banners = import_all(scanner::FeedKind::kShodan, path);
  ASSERT_FALSE(banners.empty());
  auto fp = shipped().identify(banners[0]);
  EXPECT_EQ(fp.rule_id, "filezilla-server");
  EXPECT_EQ(fp.version, "0.9.41");
}

TEST(Fingerprinter, HeaderValueReadsRawResponses) {
  EXPECT_EQ(header_value("HTTP/1.1 200 OK\r\nserver: App-webs/\r\n\r\n", "Server"), "App-webs/");
  EXPECT_EQ(header_value("RTSP/1.0 401|WWW-Authenticate: Digest realm=\"x\"|", "WWW-Authenticate"),
            "Digest realm=\"x\"");
  EXPECT_EQ(header_value("no headers", "Server"), "");
}

}  // namespace
}  // namespace citywatch::enrich
