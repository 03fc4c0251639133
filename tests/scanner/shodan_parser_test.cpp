#include "scanner/shodan_parser.h"

#include <gtest/gtest.h>

#include "scanner/importer.h"
#include "tests/support/test_support.h"

namespace citywatch::scanner {
namespace {

struct Parsed {
  std::vector<core::Observation> obs;
  core::Diagnostics diag;
  std::size_t records = 0;
};

Parsed parse(std::string_view json) {
  Parsed p;
  ShodanParser parser;
  p.records = parser.parse(
      json, "test:1", [&](core::Observation&& o) { p.obs.push_back(o); }, p.diag);
  return p;
}

const std::string* field(const core::Observation& o, std::string_view name) {
  return o.field(name);
}

constexpr std::string_view kCamera = R"({"ip_str":"192.0.2.10","port":80,"transport":"tcp",
 "timestamp":"2024-05-01T10:11:12.123456","product":"Hikvision IP Camera","version":"V5.4.5",
 "devicetype":"webcam","cpe23":["cpe:2.3:h:hikvision:ds-2cd2032-i:-"],"cpe":["cpe:/h:hikvision"],
 "hostnames":["cam.example.nl"],"org":"Example BV","isp":"Example ISP","asn":"AS64500",
 "location":{"city":"The Hague","country_code":"NL","latitude":52.07,"longitude":4.3},
 "vulns":{"CVE-2021-36260":{"verified":true,"cvss":9.8},"CVE-2017-7921":{"verified":false}},
 "tags":["iot","webcam"],"_shodan":{"module":"http","id":"x"},
 "http":{"server":"App-webs/","title":"Login","status":200,"components":{"a":{}}},
 "data":"HTTP/1.1 200 OK\r\nServer: App-webs/\r\nAuthorization: Basic YWRtaW46MTIzNDU=\r\n"})";

TEST(ShodanParser, MapsEveryKeptField) {
  auto p = parse(kCamera);
  ASSERT_EQ(p.obs.size(), 1u);
  ASSERT_EQ(p.diag.count(), 0u);
  const auto& o = p.obs[0];
  EXPECT_EQ(o.ip.to_string(), "192.0.2.10");
  EXPECT_EQ(o.port, 80);
  EXPECT_EQ(o.transport, core::Transport::kTcp);
  EXPECT_EQ(o.observed_at, *core::parse_utc_timestamp("2024-05-01T10:11:12"));
  EXPECT_EQ(o.product, "Hikvision IP Camera");
  EXPECT_EQ(o.version, "V5.4.5");
  EXPECT_EQ(o.device_type, "webcam");
  EXPECT_EQ(o.cpes,
            (std::vector<std::string>{"cpe:2.3:h:hikvision:ds-2cd2032-i:-", "cpe:/h:hikvision"}));
  EXPECT_EQ(o.hostnames, std::vector<std::string>{"cam.example.nl"});
  EXPECT_EQ(o.asn, 64500u);
  EXPECT_EQ(o.org, "Example BV");
  EXPECT_EQ(o.geo.city, "The Hague");
  EXPECT_DOUBLE_EQ(*o.geo.latitude, 52.07);
  ASSERT_EQ(o.vulns.size(), 2u);
  EXPECT_EQ(o.vulns[0].cve, "CVE-2021-36260");
  EXPECT_TRUE(o.vulns[0].verified);
  EXPECT_FALSE(o.vulns[1].verified);  // unverified stays unverified
  EXPECT_EQ(o.tags, (std::vector<std::string>{"iot", "webcam"}));
  EXPECT_EQ(o.protocol, "http");
  ASSERT_TRUE(field(o, "http.server"));
  EXPECT_EQ(*field(o, "http.server"), "App-webs/");
  EXPECT_EQ(*field(o, "http.status"), "200");
}

TEST(ShodanParser, ExcerptNeverKeepsCredentials) {
  auto p = parse(kCamera);
  ASSERT_EQ(p.obs.size(), 1u);
  EXPECT_EQ(p.obs[0].excerpt.find("YWRtaW46MTIzNDU="), std::string::npos);
  EXPECT_NE(p.obs[0].excerpt.find("Authorization: Basic [redacted]"), std::string::npos);
}

TEST(ShodanParser, ReadsSearchPagesAndHostLookups) {
  std::string page =
      R"({"matches":[{"ip_str":"192.0.2.1","port":23,"timestamp":"2024-01-01T00:00:00"},
    {"ip_str":"bogus","port":23,"timestamp":"2024-01-01T00:00:00"},
    {"ip_str":"2001:db8::1","port":1883,"timestamp":"2024-01-02T00:00:00"}],"total":3})";
  auto p = parse(page);
  EXPECT_EQ(p.records, 3u);
  ASSERT_EQ(p.obs.size(), 2u);
  EXPECT_EQ(p.obs[1].ip.to_string(), "2001:db8::1");
  ASSERT_EQ(p.diag.count(), 1u);
  EXPECT_EQ(p.diag.samples()[0].where, "test:1 banner 2");
  EXPECT_EQ(p.diag.samples()[0].reason, "bad address");

  auto host = parse(R"({"ip_str":"192.0.2.1","data":[{"ip":3221225985,"port":80,
      "timestamp":"2024-01-01T00:00:00"}]})");
  ASSERT_EQ(host.obs.size(), 1u);
  EXPECT_EQ(host.obs[0].ip.to_string(), "192.0.2.1");
}

TEST(ShodanParser, ReportsBadBannersByReason) {
  EXPECT_EQ(parse(R"({"ip_str":"192.0.2.1","port":80,"timestamp":"20)")
                .diag.by_reason()
                .count("invalid JSON"),
            1u);
  EXPECT_EQ(
      parse("{\"ip_str\":\"192.0.2.1\",\"data\":\"\xff\"}").diag.by_reason().count("invalid UTF-8"),
      1u);
  EXPECT_EQ(parse(R"({"ip_str":"192.0.2.1","port":70000,"timestamp":"2024-01-01T00:00:00"})")
                .diag.by_reason()
                .count("bad port"),
            1u);
  EXPECT_EQ(parse(R"({"ip_str":"192.0.2.1","port":1,"timestamp":"yesterday"})")
                .diag.by_reason()
                .count("bad timestamp"),
            1u);
  EXPECT_EQ(parse(R"([1,2,3])").diag.by_reason().count("not a banner"), 1u);
}

TEST(ShodanParser, SharedSampleValues) {
  CITYWATCH_REQUIRE_DATA(path, "scan/shodan/intelmq_shodan_banners.jsonl");
  std::vector<core::Observation> obs;
  core::Diagnostics diag;
  auto result = import_file(
      FeedKind::kShodan, path, {}, [&](core::Observation&& o) { obs.push_back(std::move(o)); },
      diag, nullptr);
  ASSERT_FALSE(result.fatal);
  EXPECT_EQ(result.records, 5u);
  EXPECT_EQ(diag.count(), 0u);
  ASSERT_EQ(obs.size(), 5u);
  const auto& ftp = obs[0];
  EXPECT_EQ(ftp.ip.to_string(), "240.15.82.82");
  EXPECT_EQ(ftp.port, 21);
  EXPECT_EQ(ftp.protocol, "ftp");
  EXPECT_EQ(ftp.org, "Example Org 1");
  EXPECT_EQ(ftp.asn, 64496u);
  EXPECT_EQ(ftp.geo.country_code, "AT");
  EXPECT_EQ(ftp.hostnames, std::vector<std::string>{"mail.example.at"});
  EXPECT_EQ(core::format_utc(ftp.observed_at), "2018-06-19T13:02:37Z");
  ASSERT_TRUE(ftp.field("ftp.anonymous"));
  EXPECT_EQ(*ftp.field("ftp.anonymous"), "false");
  EXPECT_NE(ftp.excerpt.find("220-FileZilla Server version 0.9.41 beta"), std::string::npos);

  EXPECT_EQ(obs[1].report_type, "http-simple-new");
  EXPECT_EQ(obs[1].protocol, "http");
  const auto& ike = obs[2];
  EXPECT_EQ(ike.port, 500);
  EXPECT_EQ(ike.transport, core::Transport::kUdp);
  EXPECT_EQ(ike.tags, std::vector<std::string>{"vpn"});
  EXPECT_EQ(obs[4].report_type, "ldap-tcp");
  EXPECT_EQ(obs[4].asn, 64509u);
}

}  // namespace
}  // namespace citywatch::scanner
