#include "scanner/shadowserver_parser.h"

#include <gtest/gtest.h>

#include "scanner/importer.h"
#include "tests/support/test_support.h"

namespace citywatch::scanner {
namespace {

struct Imported {
  FileImport result;
  std::vector<core::Observation> obs;
  core::Diagnostics diag;
};

Imported import(const std::string& path, const std::string& report_type = {}) {
  Imported r;
  r.result = import_file(
      FeedKind::kShadowserver, path, {report_type},
      [&](core::Observation&& o) { r.obs.push_back(std::move(o)); }, r.diag, nullptr);
  return r;
}

std::string field(const core::Observation& o, std::string_view name) {
  const std::string* v = o.field(name);
  return v ? *v : "<absent>";
}

TEST(Shadowserver, ReportTypeFromFileName) {
  EXPECT_EQ(ShadowserverParser::report_type_from_filename("/x/2024-05-01-scan_mqtt-nl-geo.csv"),
            "scan_mqtt");
  EXPECT_EQ(ShadowserverParser::report_type_from_filename("2019-09-04-event4_honeypot_darknet-"
                                                          "asn.csv.gz"),
            "event4_honeypot_darknet");
  EXPECT_EQ(ShadowserverParser::report_type_from_filename("scan_telnet.csv"), "scan_telnet");
  EXPECT_EQ(ShadowserverParser::report_type_from_filename("My Report.csv"), "");
}

TEST(Shadowserver, EverySharedSampleImports) {
  for (const char* name : {"device_id",
                           "event4_honeypot_brute_force",
                           "event4_honeypot_darknet",
                           "scan_coap",
                           "scan_cwmp",
                           "scan_dvr_dhcpdiscover",
                           "scan_ftp",
                           "scan_http",
                           "scan_ics",
                           "scan_mdns",
                           "scan_mqtt",
                           "scan_mqtt_anon",
                           "scan_nat_pmp",
                           "scan_rdp",
                           "scan_snmp",
                           "scan_ssdp",
                           "scan_ssh",
                           "scan_telnet",
                           "scan_tftp",
                           "scan_ubiquiti",
                           "scan_vnc"}) {
    CITYWATCH_REQUIRE_DATA(path, std::string("scan/shadowserver/") + name + ".csv");
    auto r = import(path);
    EXPECT_FALSE(r.result.fatal) << name << ": " << r.result.fatal->to_string();
    EXPECT_EQ(r.diag.count(), 0u) << name << ": "
                                  << (r.diag.samples().empty() ? "" : r.diag.samples()[0].detail);
    EXPECT_EQ(r.obs.size(), r.result.records) << name;
    EXPECT_GT(r.obs.size(), 0u) << name;
    EXPECT_EQ(r.result.report_type, name);
  }
}

TEST(Shadowserver, MqttAnonymousAccessIsKeptByName) {
  CITYWATCH_REQUIRE_DATA(path, "scan/shadowserver/scan_mqtt.csv");
  auto r = import(path);
  ASSERT_EQ(r.obs.size(), 1u);
  const auto& o = r.obs[0];
  EXPECT_EQ(o.ip.to_string(), "18.220.0.0");
  EXPECT_EQ(o.port, 8883);
  EXPECT_EQ(o.protocol, "mqtt");
  EXPECT_EQ(field(o, "anonymous_access"), "N");
  EXPECT_EQ(field(o, "code"), "Connection Refused, not authorized");
  EXPECT_EQ(field(o, "subject_common_name"), "*.tracesafe.io");
  EXPECT_EQ(core::format_utc(o.observed_at), "2022-02-07T12:56:53Z");

  CITYWATCH_REQUIRE_DATA(anon, "scan/shadowserver/scan_mqtt_anon.csv");
  auto a = import(anon);
  ASSERT_EQ(a.obs.size(), 3u);
  EXPECT_EQ(field(a.obs[0], "code"), "Connection Accepted");
  EXPECT_EQ(a.obs[0].tags, (std::vector<std::string>{"mqtt", "mqtt-anon"}));
}

TEST(Shadowserver, DeviceColumnsFillTheFingerprint) {
  CITYWATCH_REQUIRE_DATA(dvr, "scan/shadowserver/scan_dvr_dhcpdiscover.csv");
  auto r = import(dvr);
  ASSERT_EQ(r.obs.size(), 3u);
  EXPECT_EQ(r.obs[0].vendor, "General");
  EXPECT_EQ(r.obs[0].device_type, "IPC");
  EXPECT_EQ(r.obs[0].model, "BCS-TIP3401IR-E-V");
  EXPECT_EQ(r.obs[0].firmware, "2.800.106F004.0.R");
  EXPECT_EQ(r.obs[0].transport, core::Transport::kUdp);
  EXPECT_EQ(field(r.obs[0], "device_serial"), "6J0E022PAG35073");

  CITYWATCH_REQUIRE_DATA(ubnt, "scan/shadowserver/scan_ubiquiti.csv");
  auto u = import(ubnt);
  ASSERT_EQ(u.obs.size(), 3u);
  EXPECT_EQ(u.obs[1].model, "NanoStation Loco M5");
  EXPECT_EQ(u.obs[1].firmware, "XM.ar7240.v5.6.3.28591.151130.1749");

  CITYWATCH_REQUIRE_DATA(telnet, "scan/shadowserver/scan_telnet.csv");
  auto t = import(telnet);
  ASSERT_EQ(t.obs.size(), 2u);
  EXPECT_EQ(t.obs[1].excerpt, "|MikroTik v6.45.3 (stable)|Login:");
  EXPECT_EQ(t.obs[1].protocol, "telnet-alt");
}

TEST(Shadowserver, SnmpCommunityIsRedactedButItsDefaultnessKept) {
  CITYWATCH_REQUIRE_DATA(path, "scan/shadowserver/scan_snmp.csv");
  auto r = import(path);
  ASSERT_EQ(r.obs.size(), 3u);
  const auto& o = r.obs[1];
  EXPECT_EQ(field(o, "community"), "[redacted]");
  EXPECT_EQ(field(o, "default_snmp_access"), "true");
  EXPECT_EQ(o.vendor, "MikroTik");
  EXPECT_EQ(o.excerpt, "RouterOS CCR1009-8G-1S-1S+");
  for (const auto& obs : r.obs) {
    for (const auto& [k, v] : obs.fields) EXPECT_NE(v, "public") << k;
  }
}

TEST(Shadowserver, EventReportsTakeTheDeviceFromSrcIp) {
  CITYWATCH_REQUIRE_DATA(path, "scan/shadowserver/event4_honeypot_darknet.csv");
  auto r = import(path);
  ASSERT_EQ(r.obs.size(), 8u);
  const auto& o = r.obs[0];
  EXPECT_EQ(o.kind, core::ObservationKind::kEvent);
  EXPECT_EQ(o.ip.to_string(), "61.3.1.2");
  EXPECT_EQ(o.port, 4717);
  ASSERT_TRUE(o.src_port);
  EXPECT_EQ(*o.src_port, 4717);
  EXPECT_EQ(o.asn, 9829u);
  EXPECT_EQ(o.geo.city, "CHENGANNUR");
  EXPECT_EQ(field(o, "infection"), "mirai");
  EXPECT_EQ(field(o, "dst_port"), "23");
}

TEST(Shadowserver, ShortRowsOfOneLayoutReadTrailingColumnsAsEmpty) {
  CITYWATCH_REQUIRE_DATA(path, "scan/shadowserver/scan_rdp.csv");
  auto r = import(path);
  ASSERT_EQ(r.obs.size(), 2u);
  ASSERT_EQ(r.result.notes.size(), 1u);
  EXPECT_NE(r.result.notes[0].find("jarm"), std::string::npos);
  EXPECT_EQ(field(r.obs[0], "bluekeep_vulnerable"), "N");
  EXPECT_EQ(r.obs[0].transport, core::Transport::kTcp);  // no protocol column: tcp
}

TEST(Shadowserver, BadRowsAreReportedWithLineAndTheRestLands) {
  testing::TempDir dir;
  std::string path = dir.file("2024-01-01-scan_telnet-test.csv");
  testing::write_file(path,
                      "\"timestamp\",\"ip\",\"protocol\",\"port\",\"banner\"\n"
                      "\"2024-01-01 00:00:00\",\"192.0.2.1\",\"tcp\",23,\"BusyBox login:\"\n"
                      "\"2024-01-01 00:00:01\",\"192.0.2.2\",\"tcp\",23\n"
                      "\"2024-01-01 00:00:02\",\"192.0.2.3\",\"tcp\",23,\"caf\xff\"\n"
                      "\"2024-01-01 00:00:03\",\"not-an-ip\",\"tcp\",23,\"x\"\n"
                      "\"yesterday\",\"192.0.2.5\",\"tcp\",23,\"x\"\n"
                      "\"2024-01-01 00:00:05\",\"192.0.2.6\",\"tcp\",99999,\"x\"\n"
                      "\"2024-01-01 00:00:06\",\"2001:db8::7\",\"tcp\",2323,\"ok\"\n");
  auto r = import(path);
  EXPECT_FALSE(r.result.fatal);
  EXPECT_EQ(r.result.records, 7u);
  ASSERT_EQ(r.obs.size(), 2u);
  EXPECT_EQ(r.obs[1].ip.to_string(), "2001:db8::7");
  EXPECT_EQ(r.diag.count(), 5u);
  const auto& reasons = r.diag.by_reason();
  EXPECT_EQ(reasons.at("wrong column count"), 1u);
  EXPECT_EQ(reasons.at("invalid UTF-8"), 1u);
  EXPECT_EQ(reasons.at("bad address"), 1u);
  EXPECT_EQ(reasons.at("bad timestamp"), 1u);
  EXPECT_EQ(reasons.at("bad port"), 1u);
  EXPECT_EQ(r.diag.samples()[0].where, path + ":3");
  EXPECT_EQ(r.diag.samples()[1].where, path + ":4");
}

TEST(Shadowserver, AFileWithoutAnAddressColumnIsRefused) {
  testing::TempDir dir;
  std::string path = dir.file("other.csv");
  testing::write_file(path, "name,value\na,1\n");
  auto r = import(path);
  ASSERT_TRUE(r.result.fatal);
  EXPECT_EQ(r.result.fatal->code, core::ErrorCode::kBadInput);
  EXPECT_NE(r.result.fatal->message.find("no address column"), std::string::npos);
}

}  // namespace
}  // namespace citywatch::scanner
