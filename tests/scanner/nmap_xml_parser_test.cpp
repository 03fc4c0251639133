#include "scanner/nmap_xml_parser.h"

#include <gtest/gtest.h>

#include "scanner/importer.h"
#include "tests/support/test_support.h"

namespace citywatch::scanner {
namespace {

struct Fed {
  std::vector<core::Observation> obs;
  core::Diagnostics diag;
  core::Result<void> status = core::ok();
};

Fed feed(std::string_view xml) {
  Fed f;
  NmapXmlParser parser(
      "scan.xml", [&](core::Observation&& o) { f.obs.push_back(std::move(o)); }, f.diag);
  f.status = parser.feed(xml, true);
  return f;
}

constexpr std::string_view kTwoHosts = R"(<?xml version="1.0"?>
<nmaprun scanner="nmap" start="1700000000">
<host starttime="1700000001" endtime="1700000009"><status state="up"/>
<address addr="192.0.2.20" addrtype="ipv4"/><address addr="00:11:22:33:44:55" addrtype="mac"/>
<hostnames><hostname name="dvr.example.nl" type="PTR"/></hostnames>
<ports>
<port protocol="tcp" portid="23"><state state="open"/><service name="telnet" product="BusyBox telnetd" method="probed" conf="10"><cpe>cpe:/a:busybox:busybox</cpe></service></port>
<port protocol="tcp" portid="80"><state state="closed"/><service name="http"/></port>
<port protocol="tcp" portid="554"><state state="open"/><service name="rtsp" product="Hikvision 7513 POE IP camera rtspd" version="1.0"/><script id="rtsp-methods" output="OPTIONS, DESCRIBE"/></port>
</ports></host>
<host><address addr="2001:db8::9" addrtype="ipv6"/><ports>
<port protocol="udp" portid="161"><state state="open"/><service name="snmp"/></port>
</ports></host>
</nmaprun>
)";

TEST(NmapXml, OpenPortsBecomeObservations) {
  auto f = feed(kTwoHosts);
  ASSERT_TRUE(f.status) << f.status.error().to_string();
  ASSERT_EQ(f.obs.size(), 3u);
  const auto& telnet = f.obs[0];
  EXPECT_EQ(telnet.ip.to_string(), "192.0.2.20");
  EXPECT_EQ(telnet.port, 23);
  EXPECT_EQ(telnet.protocol, "telnet");
  EXPECT_EQ(telnet.product, "BusyBox telnetd");
  EXPECT_EQ(telnet.cpes, std::vector<std::string>{"cpe:/a:busybox:busybox"});
  EXPECT_EQ(telnet.observed_at, 1700000009);
  EXPECT_EQ(telnet.hostnames, std::vector<std::string>{"dvr.example.nl"});
  EXPECT_EQ(*f.obs[1].field("script.rtsp-methods"), "OPTIONS, DESCRIBE");
  EXPECT_EQ(f.obs[1].version, "1.0");
  const auto& snmp = f.obs[2];
  EXPECT_EQ(snmp.ip.to_string(), "2001:db8::9");
  EXPECT_EQ(snmp.transport, core::Transport::kUdp);
  EXPECT_EQ(snmp.observed_at, 1700000000);  // no host times: the run's start
}

TEST(NmapXml, AFileThatEndsEarlyKeepsWhatCameBefore) {
  std::string_view cut =
      kTwoHosts.substr(0, kTwoHosts.find("<port protocol=\"tcp\" portid=\"554\">") + 20);
  auto f = feed(cut);
  ASSERT_FALSE(f.status);
  EXPECT_EQ(f.status.error().code, core::ErrorCode::kBadInput);
  EXPECT_NE(f.status.error().message.find("ends early"), std::string::npos)
      << f.status.error().message;
  EXPECT_EQ(f.status.error().where.rfind("scan.xml:", 0), 0u);
  ASSERT_EQ(f.obs.size(), 1u);  // the telnet port was complete
}

TEST(NmapXml, RefusesEntityExpansion) {
  auto f = feed(R"(<?xml version="1.0"?><!DOCTYPE nmaprun [<!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><nmaprun>&b;</nmaprun>)");
  ASSERT_FALSE(f.status);
  EXPECT_NE(f.status.error().message.find("entity"), std::string::npos);
}

TEST(NmapXml, SharedSampleCpe) {
  CITYWATCH_REQUIRE_DATA(path, "scan/nmap/changeme_tomcat_nmap_sV.xml");
  std::vector<core::Observation> obs;
  core::Diagnostics diag;
  auto r = import_file(
      FeedKind::kNmap, path, {}, [&](core::Observation&& o) { obs.push_back(std::move(o)); }, diag,
      nullptr);
  ASSERT_FALSE(r.fatal);
  ASSERT_EQ(obs.size(), 1u);
  EXPECT_EQ(obs[0].ip.to_string(), "127.0.0.1");
  EXPECT_EQ(obs[0].port, 8080);
  EXPECT_EQ(obs[0].product, "Apache Tomcat/Coyote JSP engine");
  EXPECT_EQ(obs[0].version, "1.1");
  EXPECT_EQ(obs[0].cpes, std::vector<std::string>{"cpe:/a:apache:coyote_http_connector:1.1"});
  EXPECT_EQ(obs[0].observed_at, 1484709990);
}

}  // namespace
}  // namespace citywatch::scanner
