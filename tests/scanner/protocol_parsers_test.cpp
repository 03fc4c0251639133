// The per-protocol parsers on exact inputs: what they take, when they wait for more bytes, and
// that damaged input gives nothing rather than a wrong answer.
#include <gtest/gtest.h>

#include "scanner/dhcp.h"
#include "scanner/ftp.h"
#include "scanner/http_parser.h"
#include "scanner/ics_presence.h"
#include "scanner/mdns.h"
#include "scanner/mqtt.h"
#include "scanner/snmp.h"
#include "scanner/ssh_banner.h"
#include "scanner/telnet.h"
#include "scanner/tls_certificate.h"
#include "scanner/tplink_smarthome.h"

namespace citywatch::scanner {
namespace {

Bytes b(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string field(const ProtocolFacts& f, const std::string& name) {
  const std::string* v = f.field(name);
  return v ? *v : "<absent>";
}

TEST(HttpParser, ResponseServerAuthAndTitle) {
  std::string r =
      "HTTP/1.1 401 Unauthorized\r\nServer: GoAhead-Webs\r\nWWW-Authenticate: Digest "
      "realm=\"IPCAM\"\r\nContent-Type: text/html\r\n\r\n<html><head><title> Camera "
      "</title></head>";
  auto out = parse_http_response(b(r));
  EXPECT_TRUE(out.complete);
  EXPECT_EQ(out.facts.protocol, "http");
  EXPECT_EQ(out.facts.product, "GoAhead-Webs");
  EXPECT_EQ(field(out.facts, "http.status"), "401");
  EXPECT_EQ(field(out.facts, "http.www_authenticate"), "Digest realm=\"IPCAM\"");
  EXPECT_EQ(field(out.facts, "http.title"), "Camera");
  auto partial = parse_http_response(b(r.substr(0, 40)));
  EXPECT_FALSE(partial.complete);
  EXPECT_EQ(partial.facts.protocol, "http");
  // The title is waited for while the body may still bring it.
  auto no_title_yet = parse_http_response(b(r.substr(0, r.find("<title>"))));
  EXPECT_FALSE(no_title_yet.complete);
}

TEST(HttpParser, RequestBasicCredentialAndNonHttp) {
  auto out = parse_http_request(
      b("GET /cgi-bin HTTP/1.0\r\nAuthorization: Basic YWRtaW46MTIzNDU=\r\nUser-Agent: "
        "curl/8\r\n\r\n"));
  ASSERT_TRUE(out.facts.credential);
  EXPECT_EQ(out.facts.credential->username, "admin");
  EXPECT_EQ(out.facts.credential->password, "12345");
  EXPECT_EQ(field(out.facts, "http.user_agent"), "curl/8");
  EXPECT_TRUE(out.complete);
  EXPECT_TRUE(parse_http_request(b("\x16\x03\x01\x00")).facts.empty());
  EXPECT_FALSE(parse_http_head("SSH-2.0-OpenSSH\r\n"));
  EXPECT_EQ(decode_base64("dGVzdDpmYWlsMg=="), "test:fail2");
  EXPECT_FALSE(decode_base64("not base64!"));
}

TEST(HttpParser, SsdpNotifyAnswerAndSearch) {
  auto notify = parse_ssdp(
      b("NOTIFY * HTTP/1.1\r\nSERVER: Linux/2.6 UPnP/1.0 Hikvision-Webs/1.0\r\nLOCATION: "
        "http://10.0.0.2/desc.xml\r\nNT: upnp:rootdevice\r\n\r\n"));
  EXPECT_EQ(notify.protocol, "ssdp");
  EXPECT_EQ(notify.product, "Hikvision-Webs");
  EXPECT_EQ(field(notify, "ssdp.location"), "http://10.0.0.2/desc.xml");
  auto answer = parse_ssdp(b("HTTP/1.1 200 OK\r\nST: ssdp:all\r\nSERVER: x/1\r\n\r\n"));
  EXPECT_EQ(answer.protocol, "ssdp");
  EXPECT_TRUE(parse_ssdp(b("M-SEARCH * HTTP/1.1\r\nST: ssdp:all\r\n\r\n")).empty());
}

TEST(SshBanner, ServerLineAfterOtherLines) {
  auto out = parse_ssh_banner(b("hello\r\nSSH-2.0-dropbear_2019.78\r\n"));
  EXPECT_TRUE(out.complete);
  EXPECT_EQ(out.facts.product, "dropbear");
  EXPECT_EQ(out.facts.version, "2019.78");
  EXPECT_FALSE(parse_ssh_banner(b("SSH-2.0-Open")).complete);
  EXPECT_TRUE(parse_ssh_banner(b("HTTP/1.1 200 OK\r\n")).facts.empty());
}

TEST(Telnet, OptionsStrippedAndLoginJudged) {
  std::string server = "\xff\xfd\x18\xff\xfb\x01\r\nDVR Login\r\nlogin: root\r\nPassword: ";
  std::string client = "\xff\xfc\x18root\r\nxc3511\r\n";
  auto waiting = parse_telnet(b(server), b(client), false);
  EXPECT_FALSE(waiting.complete);  // the answer to the password has not come yet
  ASSERT_TRUE(waiting.facts.credential);
  EXPECT_EQ(waiting.facts.credential->username, "root");
  EXPECT_EQ(waiting.facts.credential->password, "xc3511");
  auto done = parse_telnet(b(server + "\r\nLogin incorrect\r\nlogin: "), b(client), false);
  EXPECT_TRUE(done.complete);
  EXPECT_EQ(done.facts.login_accepted, false);
  EXPECT_EQ(field(done.facts, "telnet.banner"), "DVR Login");
  EXPECT_EQ(field(done.facts, "telnet.options"), "24,1");
  EXPECT_EQ(done.facts.banner.find("xc3511"), std::string::npos);
}

TEST(Ftp, GreetingLoginAndSmtp) {
  std::string server = "220-Welcome\r\n220 ProFTPD ready\r\n331 Password required\r\n230 OK\r\n";
  auto out = parse_ftp(b(server), b("USER admin\r\nPASS admin\r\n"), false);
  EXPECT_TRUE(out.complete);
  EXPECT_EQ(out.facts.protocol, "ftp");
  ASSERT_TRUE(out.facts.credential);
  EXPECT_EQ(out.facts.credential->password, "admin");
  EXPECT_EQ(out.facts.login_accepted, true);
  EXPECT_EQ(field(out.facts, "ftp.banner"), "Welcome ProFTPD ready");
  auto smtp = parse_ftp(b("220 mail.example ESMTP Postfix\r\n"), b(""), false);
  EXPECT_EQ(smtp.facts.protocol, "smtp");
  EXPECT_TRUE(parse_ftp(b("SSH-2.0-x\r\n"), b(""), true).facts.empty());
}

TEST(Mqtt, ConnectWithCredentialsAndConnack) {
  std::string connect(
      "\x10\x20\x00\x04MQTT\x04\xc2\x00\x3c\x00\x03"
      "cam\x00\x05"
      "admin\x00\x08"
      "password",
      34);
  std::string connack("\x20\x02\x00\x05", 4);
  auto out = parse_mqtt(b(connect), b(connack), false);
  EXPECT_TRUE(out.complete);
  ASSERT_TRUE(out.facts.credential);
  EXPECT_EQ(out.facts.credential->username, "admin");
  EXPECT_EQ(out.facts.credential->password, "password");
  EXPECT_EQ(field(out.facts, "mqtt.code"), "5");
  EXPECT_EQ(out.facts.login_accepted, false);
  EXPECT_EQ(field(out.facts, "mqtt.anonymous"), "false");
  // Cut anywhere: waits, never misreads.
  for (std::size_t n = 0; n < connect.size(); ++n) {
    MqttConnect c;
    EXPECT_EQ(parse_mqtt_connect(b(connect.substr(0, n)), c), MqttParse::kNeedMore) << n;
  }
  MqttConnect c;
  EXPECT_EQ(
      parse_mqtt_connect(b(std::string("\x10\x0c\x00\x04HTTP\x04\x02\x00\x3c\x00\x00", 14)), c),
      MqttParse::kNotMqtt);
}

TEST(Snmp, V2cResponseWithSysDescr) {
  // SEQUENCE { version 1 (v2c), community "public", GetResponse { id 1, 0, 0, varbinds {
  //   { 1.3.6.1.2.1.1.1.0, "RouterOS CCR1009" } } } }
  std::string descr = "RouterOS CCR1009";
  std::string vb = std::string("\x06\x08\x2b\x06\x01\x02\x01\x01\x01\x00", 10) + "\x04" +
                   static_cast<char>(descr.size()) + descr;
  std::string vbs = "\x30" + std::string(1, static_cast<char>(vb.size())) + vb;
  std::string list = "\x30" + std::string(1, static_cast<char>(vbs.size())) + vbs;
  std::string pdu_body = std::string("\x02\x01\x01\x02\x01\x00\x02\x01\x00", 9) + list;
  std::string pdu = "\xa2" + std::string(1, static_cast<char>(pdu_body.size())) + pdu_body;
  std::string body = std::string("\x02\x01\x01\x04\x06public", 11) + pdu;
  std::string msg = "\x30" + std::string(1, static_cast<char>(body.size())) + body;
  auto m = parse_snmp(b(msg));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->version, 2);
  EXPECT_EQ(m->community, "public");
  EXPECT_EQ(m->pdu_type, 2);
  ASSERT_EQ(m->varbinds.size(), 1u);
  EXPECT_EQ(m->varbinds[0].first, "1.3.6.1.2.1.1.1.0");
  EXPECT_EQ(m->varbinds[0].second, descr);
  for (std::size_t n = 0; n + 1 < msg.size(); ++n) EXPECT_FALSE(parse_snmp(b(msg.substr(0, n))));
  EXPECT_FALSE(parse_snmp(b("\x30\x84\xff\xff\xff\xff")));
}

TEST(Dhcp, OptionsOfARequest) {
  std::string d(236, '\0');
  d[0] = 1;
  d[1] = 1;
  d[2] = 6;
  d += std::string("\x63\x82\x53\x63", 4);
  d += std::string("\x35\x01\x03", 3);
  d += std::string("\x32\x04\xc0\xa8\x01\x0a", 6);
  d += std::string(
      "\x0c\x05"
      "cam01",
      7);
  d += std::string(
      "\x3c\x07"
      "udhcp 1",
      9);
  d += std::string("\x37\x03\x01\x03\x06", 5);
  d += std::string("\xff", 1);
  auto m = parse_dhcp(b(d));
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->from_client);
  EXPECT_EQ(m->message_type, 3);
  EXPECT_EQ(m->requested_address, 0xc0a8010au);
  EXPECT_EQ(m->hostname, "cam01");
  EXPECT_EQ(m->vendor_class, "udhcp 1");
  EXPECT_EQ(m->parameter_list, "1,3,6");
  EXPECT_FALSE(parse_dhcp(b(d.substr(0, 200))));
}

TEST(Mdns, ServicesAndCompressionLoops) {
  // Response, 1 answer: PTR _ipp._tcp.local -> Printer._ipp._tcp.local (compressed).
  std::string m("\x00\x00\x84\x00\x00\x00\x00\x01\x00\x00\x00\x00", 12);
  m += std::string("\x04_ipp\x04_tcp\x05local\x00", 17);
  m += std::string("\x00\x0c\x00\x01\x00\x00\x00\x78\x00\x0a", 10);
  m += std::string("\x07Printer\xc0\x0c", 10);
  auto out = parse_mdns(b(m));
  ASSERT_TRUE(out);
  EXPECT_TRUE(out->response);
  ASSERT_EQ(out->services.size(), 1u);
  EXPECT_EQ(out->services[0], "_ipp._tcp.local");
  ASSERT_EQ(out->instances.size(), 1u);
  EXPECT_EQ(out->instances[0], "Printer._ipp._tcp.local");
  // A name that points at itself ends, without hanging.
  std::string loop("\x00\x00\x84\x00\x00\x00\x00\x01\x00\x00\x00\x00\xc0\x0c", 14);
  auto looped = parse_mdns(b(loop));
  ASSERT_TRUE(looped);
  EXPECT_TRUE(looped->services.empty());
}

TEST(IcsPresence, FramingDecides) {
  std::string modbus("\x00\x01\x00\x00\x00\x06\x11\x03\x00\x6b\x00\x03", 12);
  auto m = detect_modbus(b(modbus));
  EXPECT_EQ(m.protocol, "modbus");
  EXPECT_EQ(field(m, "modbus.unit_id"), "17");
  EXPECT_TRUE(detect_modbus(b("GET / HTTP/1.1\r\n")).empty());
  std::string cotp_cr(
      "\x03\x00\x00\x16\x11\xe0\x00\x00\x00\x01\x00\xc1\x02\x01\x00\xc2\x02\x01\x02\xc0\x01\x0a",
      22);
  EXPECT_EQ(detect_s7(b(cotp_cr)).protocol, "s7");
  EXPECT_TRUE(detect_s7(b("\x03\x00\x00\x07\x02\xf0\x80")).empty());  // COTP data, not S7comm
  // BACnet I-Am: device 1234, vendor 260.
  std::string iam(
      "\x81\x0b\x00\x14\x01\x00\x10\x00\xc4\x02\x00\x04\xd2\x22\x05\xc4\x91\x03\x22\x01\x04", 21);
  iam[3] = static_cast<char>(iam.size());
  BacnetRole role;
  auto bac = detect_bacnet(b(iam), role);
  EXPECT_EQ(bac.protocol, "bacnet");
  EXPECT_EQ(role, BacnetRole::kAnswer);
  EXPECT_EQ(field(bac, "bacnet.device_instance"), "1234");
  EXPECT_EQ(field(bac, "bacnet.vendor_id"), "260");
}

TEST(TplinkSmarthome, DecodesSysinfo) {
  std::string json =
      R"json({"system":{"get_sysinfo":{"sw_ver":"1.5.4 Build 180815","hw_ver":"2.0","model":"HS110(EU)","type":"IOT.SMARTPLUGSWITCH"}}})json";
  std::string enc;
  std::uint8_t key = 171;
  for (char c : json) {
    auto x = static_cast<std::uint8_t>(static_cast<std::uint8_t>(c) ^ key);
    enc += static_cast<char>(x);
    key = x;
  }
  EXPECT_EQ(tplink_decode(b(enc)), json);
  auto f = parse_tplink_smarthome(b(enc), false);
  EXPECT_EQ(f.vendor, "TP-Link");
  EXPECT_EQ(f.model, "HS110(EU)");
  EXPECT_EQ(f.firmware, "1.5.4 Build 180815");
  EXPECT_EQ(f.device_type, "smart plug");
  EXPECT_TRUE(parse_tplink_smarthome(b("random bytes"), false).empty());
}

TEST(TlsCertificate, NotTlsAndCutRecords) {
  EXPECT_TRUE(parse_tls_server(b("HTTP/1.1 200 OK"), 0, true).facts.empty());
  std::string record("\x16\x03\x03\x00\x40\x02\x00\x00\x3c\x03\x03", 11);
  auto cut = parse_tls_server(b(record), 0, false);
  EXPECT_EQ(cut.facts.protocol, "ssl");
  EXPECT_FALSE(cut.complete);
  auto bad = certificate_facts(b("not DER"), 0);
  EXPECT_EQ(field(bad, "ssl.cert.error"), "unreadable certificate");
  EXPECT_EQ(parse_tls_sni(b(record)), "");
}

}  // namespace
}  // namespace citywatch::scanner
