// The probe parsers and dialogs on real answers: banners from the shared captures and
// Shadowserver samples, frames built as the devices send them.
#include "scanner/probe_parsers.h"

#include <gtest/gtest.h>

#include "scanner/probe_dialogs.h"

namespace citywatch::scanner {
namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s.push_back(static_cast<char>(v));
  return s;
}

TEST(ProbeParsers, HttpResponseHeadBodyAndTitle) {
  std::string text =
      "HTTP/1.1 401 Unauthorized\r\nServer: dcs-lig-httpd\r\nWWW-Authenticate: Basic "
      "realm=\"DCS-930L\"\r\nContent-Length: 38\r\n\r\n<html><title>401 Unauthorized</title>";
  auto r = parse_http_response(text);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->header("server"), "dcs-lig-httpd");
  EXPECT_TRUE(r->head_complete);
  EXPECT_EQ(r->body_complete, false);  // 37 of 38 bytes
  EXPECT_EQ(html_title(r->body), "401 Unauthorized");
  EXPECT_FALSE(parse_http_response("SSH-2.0-OpenSSH_8.2p1\r\n"));
  auto partial = parse_http_response("HTTP/1.0 200 OK\r\nServ");
  ASSERT_TRUE(partial);
  EXPECT_FALSE(partial->head_complete);
}

TEST(ProbeParsers, TelnetNegotiationIsStrippedAndRefused) {
  // The OpenBSD telnetd of the shared capture opens with DO TERMINAL-TYPE and friends.
  std::string in = bytes({255, 253, 24, 255, 253, 32, 255, 251, 1}) +
                   "\r\n\r\nOpenBSD/i386 (oof) (ttyp2)\r\n\r\nlogin: ";
  TelnetText t = strip_telnet(in);
  EXPECT_EQ(t.text, "\r\n\r\nOpenBSD/i386 (oof) (ttyp2)\r\n\r\nlogin: ");
  EXPECT_EQ(t.replies, bytes({255, 252, 24, 255, 252, 32, 255, 254, 1}));
  // A cut-off command is dropped, not read past the end.
  EXPECT_EQ(strip_telnet(bytes({'a', 255, 253})).text, "a");
}

TEST(ProbeParsers, FtpAndSmtpFinalReplyLines) {
  EXPECT_EQ(final_reply_code("220 ProFTPD Server ready.\r\n"), 220);
  EXPECT_FALSE(final_reply_code("220-Welcome\r\n220 rest"));
  EXPECT_EQ(final_reply_code("220-Welcome\r\n220 ready\r\n"), 220);
}

TEST(ProbeParsers, MqttConnack) {
  EXPECT_EQ(parse_mqtt_connack(bytes({0x20, 0x02, 0x00, 0x00})), 0);
  EXPECT_EQ(parse_mqtt_connack(bytes({0x20, 0x02, 0x00, 0x05})), 5);
  EXPECT_FALSE(parse_mqtt_connack(bytes({0x30, 0x02, 0x00, 0x00})));
  EXPECT_FALSE(parse_mqtt_connack(bytes({0x20, 0x02})));
}

TEST(ProbeParsers, ModbusDeviceIdentification) {
  std::string pdu = bytes({0x2b, 0x0e, 0x01, 0x01, 0x00, 0x00, 0x02, 0x00, 4}) + "ACME" +
                    bytes({0x01, 3}) + "PLC";
  std::string frame = bytes({0x43, 0x57, 0, 0, 0, static_cast<int>(pdu.size() + 1), 0xff}) + pdu;
  bool complete = false;
  auto id = parse_modbus_device_id(frame, &complete);
  ASSERT_TRUE(id);
  EXPECT_TRUE(complete);
  EXPECT_EQ(id->vendor, "ACME");
  EXPECT_EQ(id->product, "PLC");
  EXPECT_FALSE(parse_modbus_device_id(frame.substr(0, 10), &complete));
  EXPECT_FALSE(complete);
  auto ex = parse_modbus_device_id(bytes({0, 1, 0, 0, 0, 3, 1, 0xab, 0x01}), &complete);
  ASSERT_TRUE(ex);
  EXPECT_TRUE(ex->exception);
  // An object length pointing past the frame is refused.
  std::string bad = frame;
  bad[15] = 100;
  EXPECT_FALSE(parse_modbus_device_id(bad, &complete));
}

TEST(ProbeParsers, CoapWellKnownCore) {
  std::string resp = bytes({0x60, 0x45, 0x63, 0x77, 0xc1, 0x28, 0xff}) + "</sensors/temp>";
  auto r = parse_coap_response(resp);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, "2.05");
  EXPECT_EQ(r->message_id, 0x6377);
  EXPECT_EQ(r->payload, "</sensors/temp>");
  EXPECT_FALSE(parse_coap_response(bytes({0x60, 0x45, 0x63, 0x77, 0xd1})));  // cut extension
}

TEST(ProbeParsers, BacnetIAm) {
  // I-Am of device 1234, vendor 5, as in the shared bacnet_ip.pcap layout.
  std::string iam = bytes({0x81, 0x0a, 0x00, 0x14, 0x01, 0x00, 0x10, 0x00, 0xc4, 0x02,
                           0x00, 0x04, 0xd2, 0x22, 0x05, 0xc4, 0x91, 0x00, 0x21, 0x05});
  auto r = parse_bacnet_iam(iam);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->device_instance, 1234u);
  EXPECT_EQ(r->vendor_id, 5u);
  EXPECT_FALSE(parse_bacnet_iam(iam.substr(0, 10)));
}

TEST(ProbeParsers, SnmpGetResponse) {
  // A GetResponse for sysDescr.0 = "RouterOS CCR1009-8G-1S-1S+" with community public.
  std::string value = "RouterOS CCR1009-8G-1S-1S+";
  std::string vb =
      bytes({0x06, 0x08, 0x2b, 6, 1, 2, 1, 1, 1, 0, 0x04, static_cast<int>(value.size())}) + value;
  std::string list =
      bytes({0x30, static_cast<int>(vb.size() + 2), 0x30, static_cast<int>(vb.size())}) + vb;
  std::string pdu_body = bytes({0x02, 0x01, 0x07, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00}) + list;
  std::string pdu = bytes({0xa2, static_cast<int>(pdu_body.size())}) + pdu_body;
  std::string msg_body = bytes({0x02, 0x01, 0x01, 0x04, 0x06}) + "public" + pdu;
  std::string msg = bytes({0x30, static_cast<int>(msg_body.size())}) + msg_body;
  auto r = parse_snmp_response(msg);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->request_id, 7);
  EXPECT_EQ(r->value, value);
  EXPECT_FALSE(parse_snmp_response(msg.substr(0, msg.size() - 5)));
  // Our own request is a GetRequest, not a response.
  EXPECT_FALSE(parse_snmp_response(snmp_get_sysdescr("public", 7)));
}

TEST(ProbeParsers, ProductAndVersionFromServerStrings) {
  EXPECT_EQ(product_version("VLC/3.0.12"), (std::pair<std::string, std::string>{"VLC", "3.0.12"}));
  EXPECT_EQ(product_version("SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1"),
            (std::pair<std::string, std::string>{"OpenSSH", "8.2p1"}));
  EXPECT_EQ(product_version("UPnP/Tomato 1.28.7500 MIPSR2Toastman-RT K26 USB Ext UPnP/1.0 "
                            "MiniUPnPd/1.6"),
            (std::pair<std::string, std::string>{"MiniUPnPd", "1.6"}));
  EXPECT_EQ(product_version("dcs-lig-httpd"),
            (std::pair<std::string, std::string>{"dcs-lig-httpd", ""}));
  EXPECT_EQ(product_version("App-webs/").first, "App-webs");
}

TEST(ProbeDialogs, MqttProbeConnectsWithoutCredentialsAndSaysGoodbye) {
  DialogOptions o;
  auto d = make_probe_dialog(Protocol::kMqtt, {*core::IpAddress::parse("127.0.0.1"), 1883}, o);
  std::string connect = d->opening();
  EXPECT_EQ(connect[0], 0x10);
  EXPECT_EQ(static_cast<std::uint8_t>(connect[9]) & 0xC0, 0);  // no username/password flags
  Step s = d->on_data(bytes({0x20, 0x02, 0x00, 0x00}));
  EXPECT_EQ(s.action, Step::Action::kDone);
  EXPECT_EQ(s.data, bytes({0xe0, 0x00}));  // DISCONNECT, never SUBSCRIBE or PUBLISH
  DialogReport r = d->report();
  EXPECT_EQ(r.excerpt, "MQTT Connection Code: 0");
}

TEST(ProbeDialogs, RtspAsksOptionsThenDescribeAndNeverSetup) {
  DialogOptions o;
  o.user_agent = "citywatch-test";
  auto d = make_probe_dialog(Protocol::kRtsp, {*core::IpAddress::parse("127.0.0.1"), 554}, o);
  EXPECT_TRUE(d->opening().starts_with("OPTIONS rtsp://127.0.0.1:554/ RTSP/1.0"));
  Step s =
      d->on_data("RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: VLC/3.0.12\r\nPublic: DESCRIBE\r\n\r\n");
  ASSERT_EQ(s.action, Step::Action::kSend);
  EXPECT_TRUE(s.data.starts_with("DESCRIBE "));
  std::string sdp = "v=0\r\nm=video 0 RTP/AVP 96\r\n";
  s = d->on_data(
      "RTSP/1.0 200 OK\r\nCSeq: 2\r\nServer: VLC/3.0.12\r\nContent-Type: "
      "application/sdp\r\nContent-Length: " +
      std::to_string(sdp.size()) + "\r\n\r\n" + sdp);
  EXPECT_EQ(s.action, Step::Action::kDone);
  EXPECT_EQ(s.data.find("SETUP"), std::string::npos);
  EXPECT_EQ(d->report().product, "VLC");
}

TEST(ProbeDialogs, TelnetLoginSendsTheCredentialOnlyAfterThePrompts) {
  LoginCredential c{"admin", "", "mikrotik / MikroTik / user \"admin\""};
  auto d = make_login_dialog(Protocol::kTelnet, {}, {}, c);
  EXPECT_EQ(d->on_data("\r\nMikroTik v6.45.3 (stable)\r\n").action, Step::Action::kWait);
  Step s = d->on_data("Login: ");
  EXPECT_EQ(s.data, "admin\r\n");
  s = d->on_data("admin\r\nPassword: ");
  EXPECT_EQ(s.data, "\r\n");
  s = d->on_data("\r\n\r\n[admin@MikroTik] > ");
  EXPECT_EQ(s.action, Step::Action::kDone);
  EXPECT_TRUE(s.data.empty());  // logged in: nothing is typed into the device
  EXPECT_EQ(d->report().login, LoginResult::kAccepted);
  EXPECT_TRUE(d->report().excerpt.empty());

  auto r = make_login_dialog(Protocol::kTelnet, {}, {}, c);
  r->on_data("login: ");
  r->on_data("Password: ");
  r->on_data("\r\nLogin incorrect\r\nlogin: ");
  EXPECT_EQ(r->report().login, LoginResult::kRejected);
}

TEST(ProbeDialogs, HttpBasicLoginReadsTheStatus) {
  LoginCredential c{"admin", "admin", "d-link"};
  auto d = make_login_dialog(Protocol::kHttp, {*core::IpAddress::parse("127.0.0.1"), 80}, {}, c);
  EXPECT_NE(d->opening().find("Authorization: Basic YWRtaW46YWRtaW4=\r\n"), std::string::npos);
  d->on_data("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(d->report().login, LoginResult::kAccepted);
  EXPECT_TRUE(d->report().excerpt.empty());
  EXPECT_EQ(base64("ab"), "YWI=");
  EXPECT_EQ(base64("a"), "YQ==");
}

TEST(ProbeDialogs, FtpLoginFollowsTheReplyCodes) {
  LoginCredential c{"ftp", "ftp", "ftp / ftp (ftp) / user \"ftp\""};
  auto d = make_login_dialog(Protocol::kFtp, {}, {}, c);
  EXPECT_EQ(d->on_data("220 NetBSD FTP server ready.\r\n").data, "USER ftp\r\n");
  EXPECT_EQ(d->on_data("331 Password required\r\n").data, "PASS ftp\r\n");
  Step s = d->on_data("530 Login incorrect.\r\n");
  EXPECT_EQ(s.action, Step::Action::kDone);
  EXPECT_EQ(s.data, "QUIT\r\n");
  EXPECT_EQ(d->report().login, LoginResult::kRejected);
  auto ok = make_login_dialog(Protocol::kFtp, {}, {}, c);
  ok->on_data("220 ready\r\n");
  ok->on_data("331 Password required\r\n");
  ok->on_data("230 User logged in\r\n");
  EXPECT_EQ(ok->report().login, LoginResult::kAccepted);
}

TEST(ProbeDialogs, RtspLoginGoesStraightToDescribe) {
  LoginCredential c{"admin", "admin", "dahua"};
  auto d = make_login_dialog(Protocol::kRtsp, {*core::IpAddress::parse("127.0.0.1"), 554}, {}, c);
  std::string open = d->opening();
  EXPECT_TRUE(open.starts_with("DESCRIBE rtsp://127.0.0.1:554/ RTSP/1.0"));
  EXPECT_NE(open.find("Authorization: Basic YWRtaW46YWRtaW4=\r\n"), std::string::npos);
  d->on_data("RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Basic realm=\"x\"\r\n\r\n");
  EXPECT_EQ(d->report().login, LoginResult::kRejected);
}

TEST(ProbeDialogs, MqttLoginPresentsTheCredential) {
  LoginCredential c{"admin", "public", "x"};
  auto d = make_login_dialog(Protocol::kMqtt, {}, {}, c);
  std::string connect = d->opening();
  EXPECT_EQ(static_cast<std::uint8_t>(connect[9]) & 0xC0, 0xC0);
  d->on_data(bytes({0x20, 0x02, 0x00, 0x05}));
  EXPECT_EQ(d->report().login, LoginResult::kRejected);
}

TEST(ProbeDialogs, SnmpIsNeverProbedWithoutACredential) {
  EXPECT_EQ(make_probe_dialog(Protocol::kSnmp, {}, {}), nullptr);
}

}  // namespace
}  // namespace citywatch::scanner
