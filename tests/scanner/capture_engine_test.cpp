// The capture engine on the third-party captures in shared data: concrete results per
// protocol, default credentials matched without keeping the secret, darknet rules.
#include "scanner/capture_engine.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/diagnostics.h"
#include "scanner/pcap_handle.h"
#include "tests/support/pcap_builder.h"
#include "tests/support/test_support.h"

namespace citywatch::scanner {
namespace {

struct CaptureRun {
  std::vector<core::Observation> observations;
  CaptureCounters counters;
  DarknetTotals darknet;
  std::vector<std::string> errors;
  std::array<IssueCount, static_cast<std::size_t>(PacketIssue::kCount)> issues;

  // The service observation at ip:port with the given protocol, or nullptr.
  const core::Observation* find(const std::string& ip, std::uint16_t port,
                                const std::string& protocol = {}) const {
    for (const auto& o : observations) {
      if (o.ip.to_string() == ip && o.port == port &&
          (protocol.empty() || o.protocol == protocol)) {
        return &o;
      }
    }
    return nullptr;
  }
  std::size_t count(const std::string& protocol) const {
    return static_cast<std::size_t>(
        std::count_if(observations.begin(), observations.end(),
                      [&](const core::Observation& o) { return o.protocol == protocol; }));
  }
};

CaptureRun capture(const std::vector<std::string>& files, CaptureOptions options = {}) {
  CaptureRun run;
  CaptureEngine engine(options,
                       [&](core::Observation&& o) { run.observations.push_back(std::move(o)); });
  for (const auto& file : files) {
    auto handle = PcapHandle::open_file(file);
    if (!handle) {
      run.errors.push_back(handle.error().to_string());
      continue;
    }
    engine.begin_source(file, handle->link_type());
    RawPacket packet;
    core::Error error;
    std::uint64_t n = 0;
    while (true) {
      auto next = handle->next(packet, error);
      if (next != PcapHandle::Next::kPacket) {
        if (next == PcapHandle::Next::kError) run.errors.push_back(error.to_string());
        break;
      }
      engine.on_packet(packet, ++n);
    }
  }
  engine.flush();
  run.counters = engine.counters();
  run.darknet = engine.darknet();
  run.issues = engine.issues();
  return run;
}

std::string field(const core::Observation* o, const std::string& name) {
  if (o == nullptr) return "<no observation>";
  const std::string* v = o->field(name);
  return v ? *v : "<absent>";
}

// Everything an observation stores, as text, to look for secrets in.
std::string stored_text(const CaptureRun& run) {
  std::string all;
  for (const auto& o : run.observations) {
    all += o.excerpt + "\n" + o.product + o.version;
    for (const auto& [k, v] : o.fields) all += k + "=" + v + "\n";
    for (const auto& h : o.hostnames) all += h + "\n";
  }
  return all;
}

CredentialMatcher matcher(const std::string& csv) {
  core::Diagnostics diag;
  return CredentialMatcher::parse(csv, "test.csv", diag);
}

TEST(CaptureEngine, MqttAnonymousBrokerIsFlagged) {
  CITYWATCH_REQUIRE_DATA(pcap, "pcap/mqtt/mqtt_zeek.pcap");
  CaptureRun run = capture({pcap});
  const auto* broker = run.find("198.41.30.241", 1883, "mqtt");
  ASSERT_NE(broker, nullptr);
  EXPECT_EQ(field(broker, "mqtt.anonymous"), "true");
  EXPECT_EQ(field(broker, "mqtt.code"), "0");
  EXPECT_EQ(broker->source, core::Source::kCapture);
  EXPECT_EQ(run.counters.credentials_seen, 0u);
}

TEST(CaptureEngine, MqttUserPassMatchesTheListWithoutKeepingThePassword) {
  CITYWATCH_REQUIRE_DATA(v311, "pcap/mqtt/mqtt311_connect_userpass.pcap");
  CITYWATCH_REQUIRE_DATA(v5, "pcap/mqtt/mqtt5_connect_userpass.pcap");
  CredentialMatcher list =
      matcher("productvendor,username,password\nAcme,root,root\nMosquitto,user,pass\n");
  CaptureOptions options;
  options.credentials = &list;
  for (const auto& file : {v311, v5}) {
    CaptureRun run = capture({file}, options);
    const auto* broker = run.find("::1", 1883, "mqtt");
    ASSERT_NE(broker, nullptr) << file;
    EXPECT_EQ(field(broker, "mqtt.anonymous"), "false");
    EXPECT_EQ(field(broker, "default_credential"), "Mosquitto user");
    EXPECT_EQ(field(broker, "default_credential.line"), "3");
    EXPECT_EQ(field(broker, "login"), "accepted");
    for (const auto& [k, v] : broker->fields) EXPECT_NE(v, "pass") << k;
    EXPECT_EQ(broker->excerpt.find("pass"), std::string::npos);
  }
}

TEST(CaptureEngine, MqttTokenIsNeverKept) {
  CITYWATCH_REQUIRE_DATA(pcap, "pcap/mqtt/mqtt_ndpi.pcap");
  CaptureRun run = capture({pcap});
  const auto* hub = run.find("51.137.28.239", 1883, "mqtt");
  ASSERT_NE(hub, nullptr);
  EXPECT_EQ(field(hub, "cleartext_credentials"), "true");
  EXPECT_EQ(stored_text(run).find("SharedAccessSignature"), std::string::npos);
}

TEST(CaptureEngine, TelnetLoginBannerPromptsAndCredentialMatch) {
  CITYWATCH_REQUIRE_DATA(pcap, "pcap/telnet/telnet_openbsd_login.pcap");
  CredentialMatcher list = matcher("productvendor,username,password\nOpenBSD,fake,user\n");
  CaptureOptions options;
  options.credentials = &list;
  CaptureRun run = capture({pcap}, options);
  const auto* host = run.find("192.168.0.1", 23, "telnet");
  ASSERT_NE(host, nullptr);
  EXPECT_EQ(field(host, "telnet.banner"), "OpenBSD/i386 (oof) (ttyp2)");
  EXPECT_EQ(field(host, "telnet.prompts"), "login,password");
  EXPECT_EQ(field(host, "default_credential"), "OpenBSD fake");
  EXPECT_EQ(field(host, "login"), "accepted");  // "Last login: ..." followed
  EXPECT_NE(host->excerpt.find("OpenBSD/i386 (oof)"), std::string::npos);
  // Five packets of this capture claim more IP bytes than were captured: counted, numbered.
  const auto& bad = run.issues[static_cast<std::size_t>(PacketIssue::kBadIpHeader)];
  EXPECT_EQ(bad.count, 5u);
  ASSERT_FALSE(bad.first.empty());
  EXPECT_EQ(bad.first[0], pcap + " packet 18");
}

TEST(CaptureEngine, SsdpNotifyFromMiniUpnpd) {
  CITYWATCH_REQUIRE_DATA(pcap, "pcap/ssdp/ssdp_single.pcap");
  CaptureRun run = capture({pcap});
  const auto* router = run.find("192.168.1.1", 1900, "ssdp");
  ASSERT_NE(router, nullptr);
  EXPECT_EQ(router->transport, core::Transport::kUdp);
  EXPECT_EQ(router->product, "MiniUPnPd");
  EXPECT_EQ(router->version, "1.6");
  EXPECT_EQ(field(router, "ssdp.location"), "http://192.168.1.1:7406/rootDesc.xml");
  EXPECT_EQ(field(router, "ssdp.nt"), "upnp:rootdevice");
  ASSERT_TRUE(router->src_port.has_value());
  EXPECT_EQ(*router->src_port, 9489);
}

TEST(CaptureEngine, PlexDiscoveryIsNotSsdp) {
  CITYWATCH_REQUIRE_DATA(pcap, "pcap/ssdp/plex_gdm_m_search_port32412.pcap");
  CITYWATCH_REQUIRE_DATA(ws, "pcap/ssdp/wsdiscovery_resolve.pcap");
  CaptureRun run = capture({pcap, ws});
  EXPECT_EQ(run.count("ssdp"), 0u);
  EXPECT_TRUE(run.errors.empty());
}

TEST(CaptureEngine, RtspServerOnLinuxCookedCapture) {
  CITYWATCH_REQUIRE_DATA(pcap, "pcap/rtsp/rtsp_vlc_describe.pcap");
  CaptureRun run = capture({pcap});
  const core::Observation* server = nullptr;
  for (const auto& o : run.observations) {
    if (o.protocol == "rtsp" && o.product == "VLC") server = &o;
  }
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->ip.to_string(), "10.2.2.2");
  EXPECT_EQ(server->port, 8554);
  EXPECT_EQ(server->version, "3.0.12");
  EXPECT_EQ(field(server, "rtsp.server"), "VLC/3.0.12");
}

TEST(CaptureEngine, SshBannersOfServersNotClients) {
  CITYWATCH_REQUIRE_DATA(both, "pcap/ssh/ssh1_ssh2_banners.pcap");
  CITYWATCH_REQUIRE_DATA(only, "pcap/ssh/ssh_banner_only.pcap");
  CITYWATCH_REQUIRE_DATA(guess, "pcap/ssh/ssh_password_guessing.pcap");
  CaptureRun run = capture({both, only, guess});
  const auto* ubuntu = run.find("127.0.0.1", 22, "ssh");
  ASSERT_NE(ubuntu, nullptr);
  EXPECT_EQ(ubuntu->product, "OpenSSH");
  EXPECT_EQ(ubuntu->version, "8.2p1");
  EXPECT_EQ(field(ubuntu, "ssh.comments"), "Ubuntu-4ubuntu0.1");
  const auto* old = run.find("127.0.0.1", 2222, "ssh");
  ASSERT_NE(old, nullptr);
  EXPECT_EQ(field(old, "ssh.protocol"), "1.5");
  const auto* debian = run.find("192.168.56.103", 22, "ssh");
  ASSERT_NE(debian, nullptr);
  EXPECT_EQ(field(debian, "ssh.software"), "OpenSSH_6.7p1");
  for (const auto& o : run.observations) {
    // Clients (ephemeral ports) are not services.
    EXPECT_TRUE(o.kind == core::ObservationKind::kEvent || o.port == 22 || o.port == 2222)
        << o.ip.to_string() << ":" << o.port;
  }
}

TEST(CaptureEngine, FtpBannerAnonymousAndRejectedLogins) {
  CITYWATCH_REQUIRE_DATA(session, "pcap/ftp/ftp_ipv4_session.pcap");
  CITYWATCH_REQUIRE_DATA(brute, "pcap/ftp/ftp_bruteforce.pcap");
  CaptureRun run = capture({session, brute});
  const auto* netbsd = run.find("199.233.217.249", 21, "ftp");
  ASSERT_NE(netbsd, nullptr);
  EXPECT_EQ(field(netbsd, "ftp.banner"), "ftp.NetBSD.org FTP server (NetBSD-ftpd 20100320) ready.");
  EXPECT_EQ(field(netbsd, "ftp.anonymous"), "true");
  const auto* target = run.find("192.168.56.101", 21, "ftp");
  ASSERT_NE(target, nullptr);
  EXPECT_EQ(field(target, "login"), "rejected");
  EXPECT_EQ(field(target, "default_credential"), "unchecked");
}

TEST(CaptureEngine, SelfSignedCertificateOnLoopbackCapture) {
  CITYWATCH_REQUIRE_DATA(pcap, "pcap/tls/tls_selfsigned_cert.pcap");
  CaptureRun run = capture({pcap});
  const auto* server = run.find("127.0.0.1", 3001, "ssl");
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(field(server, "ssl.cert.self_signed"), "true");
  EXPECT_EQ(field(server, "ssl.cert.subject.O"), "ntop.org");
  EXPECT_EQ(field(server, "ssl.cert.issuer.O"), "ntop.org");
  EXPECT_EQ(field(server, "ssl.cert.subject.C"), "IT");
  EXPECT_EQ(field(server, "ssl.cert.expires"), "2016-10-09T15:55:47Z");
}

TEST(CaptureEngine, CertificateWithoutCommonName) {
  CITYWATCH_REQUIRE_DATA(pcap, "pcap/tls/tls_cert_no_cn.pcap");
  CaptureRun run = capture({pcap});
  const auto* server = run.find("192.150.187.39", 8888, "ssl");
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(field(server, "ssl.cert.subject.O"), "TestCorp");
  EXPECT_EQ(field(server, "ssl.cert.subject.CN"), "<absent>");
  EXPECT_EQ(field(server, "ssl.version"), "TLSv1");
}

TEST(CaptureEngine, SnmpCommunitiesJudgedNeverStored) {
  CITYWATCH_REQUIRE_DATA(v1, "pcap/snmp/snmpv1_get.pcap");
  CITYWATCH_REQUIRE_DATA(v2, "pcap/snmp/snmpv2c_get_public.pcap");
  CITYWATCH_REQUIRE_DATA(v3, "pcap/snmp/snmpv3_get_next.pcap");
  CredentialMatcher list = matcher("productvendor,username,password\nAcme,<blank>,public\n");
  CaptureOptions options;
  options.credentials = &list;
  CaptureRun run = capture({v1, v2, v3}, options);
  const auto* printer = run.find("172.31.19.73", 161, "snmp");
  ASSERT_NE(printer, nullptr);
  EXPECT_EQ(field(printer, "snmp.version"), "1");
  EXPECT_EQ(field(printer, "default_snmp_access"), "true");
  EXPECT_EQ(field(printer, "default_credential"), "Acme <blank>");
  const auto* custom = run.find("10.144.246.161", 161, "snmp");
  ASSERT_NE(custom, nullptr);
  EXPECT_EQ(field(custom, "snmp.version"), "2c");
  EXPECT_EQ(field(custom, "default_snmp_access"), "false");
  EXPECT_EQ(field(custom, "default_credential"), "<absent>");
  EXPECT_EQ(stored_text(run).find("R0_C@cti"), std::string::npos);
  bool v3_user = false;
  for (const auto& o : run.observations) v3_user |= field(&o, "snmp.user") == "username";
  EXPECT_TRUE(v3_user);
}

TEST(CaptureEngine, SnmpSysNameAndLocation) {
  CITYWATCH_REQUIRE_DATA(v1, "pcap/snmp/snmpv1_get.pcap");
  CaptureRun run = capture({v1});
  bool name = false, location = false;
  for (const auto& o : run.observations) {
    name |= field(&o, "snmp.name") == "B6300";
    location |= field(&o, "snmp.location") == "Chandra's cube";
  }
  EXPECT_TRUE(name);
  EXPECT_TRUE(location);
}

TEST(CaptureEngine, DhcpFingerprints) {
  CITYWATCH_REQUIRE_DATA(msft, "pcap/dhcp/dhcp_option60_vendor_class.pcap");
  CITYWATCH_REQUIRE_DATA(opt55, "pcap/dhcp/dhcp_discover_opt55_clientid.pcap");
  CITYWATCH_REQUIRE_DATA(zeek, "pcap/dhcp/dhcp_zeek.pcap");
  CaptureRun run = capture({msft, opt55, zeek});
  const auto* mac = run.find("192.168.1.111", 68, "dhcp");
  ASSERT_NE(mac, nullptr);
  EXPECT_EQ(mac->kind, core::ObservationKind::kEvent);
  EXPECT_EQ(field(mac, "dhcp.vendor_class"), "MSFT 5.0");
  EXPECT_EQ(field(mac, "dhcp.hostname"), "NicksMacBook");
  EXPECT_EQ(field(mac, "dhcp.fingerprint"), "1,15,3,6,44,46,47,31,33,121,249,43");
  bool short_list = false, btest = false;
  for (const auto& o : run.observations) {
    short_list |= field(&o, "dhcp.fingerprint") == "1,3,6,42";
    btest |= o.ip.to_string() == "192.168.211.194" && field(&o, "dhcp.hostname") == "btest.is.cool";
  }
  EXPECT_TRUE(short_list);
  EXPECT_TRUE(btest);
}

TEST(CaptureEngine, MdnsHostNamesOverIpv4AndIpv6) {
  CITYWATCH_REQUIRE_DATA(pcap, "pcap/mdns/mdns_zeek.pcap");
  CaptureRun run = capture({pcap});
  int families = 0;
  for (const auto& o : run.observations) {
    if (o.protocol == "mdns" &&
        field(&o, "mdns.hostnames").find("johanna-QEMU-Virtual-Machine.local") !=
            std::string::npos) {
      families |= o.ip.is_v4() ? 1 : 2;
    }
  }
  EXPECT_EQ(families, 3);
}

TEST(CaptureEngine, IndustrialProtocolsPresence) {
  CITYWATCH_REQUIRE_DATA(modbus, "pcap/ics/modbus_ndpi.pcap");
  CITYWATCH_REQUIRE_DATA(bacnet, "pcap/ics/bacnet_ip.pcap");
  CITYWATCH_REQUIRE_DATA(s7, "pcap/ics/s7comm.pcap");
  CITYWATCH_REQUIRE_DATA(small, "pcap/ics/modbus_small.pcap");
  CaptureRun run = capture({modbus, bacnet, s7, small});
  const auto* plc = run.find("192.168.1.40", 102, "s7");
  ASSERT_NE(plc, nullptr);
  EXPECT_EQ(plc->device_type, "industrial control");
  EXPECT_GE(run.count("modbus"), 2u);
  for (const auto& o : run.observations) {
    if (o.protocol == "modbus") {
      EXPECT_EQ(o.port, 502);
      EXPECT_EQ(field(&o, "modbus.unit_id").empty(), false);
    }
  }
  const auto* controller = run.find("90.147.69.219", 47808, "bacnet");
  ASSERT_NE(controller, nullptr);
  EXPECT_EQ(controller->transport, core::Transport::kUdp);
  bool instance = false;
  for (const auto& o : run.observations) instance |= field(&o, "bacnet.vendor_id") == "260";
  EXPECT_TRUE(instance);
}

TEST(CaptureEngine, TplinkSmartPlug) {
  CITYWATCH_REQUIRE_DATA(pcap, "pcap/iot/tplink_smarthome.pcap");
  CaptureRun run = capture({pcap});
  const auto* plug = run.find("192.168.242.99", 9999, "tplink-smarthome");
  ASSERT_NE(plug, nullptr);
  EXPECT_EQ(plug->vendor, "TP-Link");
  EXPECT_EQ(plug->transport, core::Transport::kUdp);
  EXPECT_EQ(field(plug, "tplink.message"), "get_sysinfo query");
  EXPECT_EQ(run.count("tplink-smarthome"), 8u);  // the eight plugs, each once
}

TEST(CaptureEngine, HttpServerTitleAndBasicCredentialNeverKept) {
  CITYWATCH_REQUIRE_DATA(get, "pcap/http/http_get.pcap");
  CITYWATCH_REQUIRE_DATA(basic, "pcap/http/http_basic_auth.pcap");
  CaptureRun run = capture({get, basic});
  const auto* apache = run.find("192.150.187.43", 80, "http");
  ASSERT_NE(apache, nullptr);
  EXPECT_EQ(apache->product, "Apache");
  EXPECT_EQ(apache->version, "2.4.3");
  EXPECT_EQ(field(apache, "http.server"), "Apache/2.4.3 (Fedora)");
  const auto* spy = run.find("192.254.189.169", 80, "http");
  ASSERT_NE(spy, nullptr);
  EXPECT_NE(field(spy, "http.www_authenticate").find("Basic realm="), std::string::npos);
  EXPECT_EQ(field(spy, "http.title"), "HTTP Password Information - Failure - BrowserSpy.dk");
  EXPECT_EQ(field(spy, "login"), "rejected");
  std::string all = stored_text(run);
  EXPECT_EQ(all.find("dGVzdDpmYWlsMg"), std::string::npos);
  EXPECT_EQ(all.find("fail2"), std::string::npos);
}

TEST(CaptureEngine, VncGreeting) {
  CITYWATCH_REQUIRE_DATA(pcap, "pcap/vnc/vnc_scanner.pcap");
  CaptureRun run = capture({pcap});
  ASSERT_GE(run.count("vnc"), 1u);
  for (const auto& o : run.observations) {
    if (o.protocol != "vnc") continue;
    EXPECT_EQ(o.port, 5900);
    EXPECT_EQ(field(&o, "vnc.version"), "3.8");
  }
}

TEST(CaptureEngine, EveryCaptureInSharedDataIsRead) {
  CITYWATCH_REQUIRE_DATA(root, "pcap");
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 40u);
  CaptureRun run = capture(files);
  EXPECT_TRUE(run.errors.empty()) << run.errors.front();
  EXPECT_EQ(run.counters.packets, 7011u);
  // The only bad packets are the five lying IPv4 lengths of the telnet capture.
  EXPECT_EQ(run.counters.bad_packets, 5u);
  // The nmap captures hold SYN scans, none Mirai-style: no false positive.
  EXPECT_EQ(run.darknet.mirai_sources, 0u);
  for (const auto& o : run.observations) EXPECT_TRUE(o.field("infection") == nullptr);
}

TEST(CaptureEngine, NmapScansRaiseNoInfectionEvenInDarknetMode) {
  CITYWATCH_REQUIRE_DATA(syn, "pcap/scan/tcp_synscan_nmap.pcap");
  CITYWATCH_REQUIRE_DATA(vsn, "pcap/scan/nmap_version_scan.pcap");
  CaptureOptions options;
  options.darknet = true;
  CaptureRun run = capture({syn, vsn}, options);
  EXPECT_EQ(run.darknet.mirai_sources, 0u);
  EXPECT_EQ(run.darknet.mirai_syns, 0u);
  EXPECT_GT(run.darknet.scanner_syns, 1900u);
  EXPECT_GE(run.darknet.scanner_sources, 1u);
}

}  // namespace
}  // namespace citywatch::scanner
