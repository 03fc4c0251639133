#include "risk/assessor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>

#include "risk/scoring.h"
#include "tests/support/test_support.h"

namespace citywatch::risk {
namespace {

core::Observation service(std::string protocol, std::uint16_t port, std::string excerpt = {}) {
  core::Observation o;
  o.source = core::Source::kShodan;
  o.ip = *core::IpAddress::parse("192.0.2.10");
  o.port = port;
  o.observed_at = 1800000000;
  o.protocol = std::move(protocol);
  o.excerpt = std::move(excerpt);
  return o;
}

// Keeps every result alive for the test binary's life, so find()'s pointers stay valid even
// when the call was on a temporary.
const std::vector<Verdict>& assess(const core::Observation& o, Assessor& a) {
  static std::deque<std::vector<Verdict>> kept;
  kept.emplace_back();
  a.assess(o, kept.back());
  return kept.back();
}

const Verdict* find(const std::vector<Verdict>& v, core::FindingKind kind, std::string_view code) {
  auto it = std::find_if(v.begin(), v.end(), [&](const Verdict& x) {
    return x.finding.kind == kind && x.finding.code == code;
  });
  return it == v.end() ? nullptr : &*it;
}

CredentialList credentials() {
  auto c = CredentialList::load(testing::source_path("data/credentials/default-credentials.csv"));
  EXPECT_TRUE(c.has_value());
  return std::move(*c);
}

TEST(Assessor, TelnetIsAnExposedServiceWithEvidenceAndSentence) {
  Assessor a(nullptr, nullptr, nullptr);
  auto o = service("telnet", 23, "\\xff\\xfb\\x01(none) login: ");
  const auto& v = assess(o, a);
  const Verdict* t = find(v, core::FindingKind::kExposedService, "telnet");
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->present);
  EXPECT_EQ(t->finding.severity, core::Severity::kHigh);
  EXPECT_EQ(t->finding.evidence, std::vector<std::string>{o.key().to_string()});
  EXPECT_NE(t->finding.sentence.find("Telnet"), std::string::npos);
  // A login prompt shows the shell is not open.
  const Verdict* shell = find(v, core::FindingKind::kNoAuth, "telnet-open-shell");
  ASSERT_NE(shell, nullptr);
  EXPECT_FALSE(shell->present);
}

TEST(Assessor, TelnetShellWithoutLoginIsCritical) {
  Assessor a(nullptr, nullptr, nullptr);
  const auto& v = assess(service("telnet", 23, "BusyBox v1.22.1 built-in shell (ash)|# "), a);
  const Verdict* shell = find(v, core::FindingKind::kNoAuth, "telnet-open-shell");
  ASSERT_NE(shell, nullptr);
  EXPECT_TRUE(shell->present);
  EXPECT_EQ(shell->finding.severity, core::Severity::kCritical);
}

TEST(Assessor, MqttConnackDecidesAnonymousAccess) {
  Assessor a(nullptr, nullptr, nullptr);
  const auto& open =
      assess(service("mqtt", 1883, "MQTT Connection Code: 0\n\nTopics:\n  home/x\n"), a);
  ASSERT_NE(find(open, core::FindingKind::kNoAuth, "mqtt-anonymous"), nullptr);
  EXPECT_TRUE(find(open, core::FindingKind::kNoAuth, "mqtt-anonymous")->present);
  const auto& closed = assess(service("mqtt", 1883, "MQTT Connection Code: 5"), a);
  ASSERT_NE(find(closed, core::FindingKind::kNoAuth, "mqtt-anonymous"), nullptr);
  EXPECT_FALSE(find(closed, core::FindingKind::kNoAuth, "mqtt-anonymous")->present);
}

TEST(Assessor, RtspAndVncWithoutAuthentication) {
  Assessor a(nullptr, nullptr, nullptr);
  const auto& rtsp = assess(
      service("rtsp", 554, "RTSP/1.0 200 OK\r\nContent-Type: application/sdp\r\n\r\nm=video 0"), a);
  EXPECT_NE(find(rtsp, core::FindingKind::kNoAuth, "rtsp-open-stream"), nullptr);
  auto vnc = service("vnc", 5900, "RFB 003.008\nauthentication disabled");
  EXPECT_TRUE(find(assess(vnc, a), core::FindingKind::kNoAuth, "vnc-no-auth")->present);
  auto locked = service("vnc", 5900, "RFB 003.008");
  locked.fields.push_back({"vnc.security_types.2", "VNC Authentication"});
  EXPECT_FALSE(find(assess(locked, a), core::FindingKind::kNoAuth, "vnc-no-auth")->present);
}

TEST(Assessor, LikelyDefaultPasswordNeedsIdentifiedVendorAndExposedLogin) {
  auto creds = credentials();
  Assessor a(&creds, nullptr, nullptr);
  auto o = service("telnet", 23, "|MikroTik v6.45.3 (stable)|Login:");
  o.fingerprint.vendor = "MikroTik";
  o.fingerprint.device_type = "router";
  const auto& v = assess(o, a);
  const Verdict* d = find(v, core::FindingKind::kDefaultPassword, "vendor-default-likely");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->finding.confidence, core::Confidence::kLikely);
  EXPECT_NE(d->finding.sentence.find("likely"), std::string::npos);
  o.fingerprint.vendor.clear();
  EXPECT_EQ(find(assess(o, a), core::FindingKind::kDefaultPassword, "vendor-default-likely"),
            nullptr);
}

TEST(Assessor, CapturedDefaultCredentialAndActiveCheck) {
  Assessor a(nullptr, nullptr, nullptr);
  auto o = service("telnet", 23);
  o.source = core::Source::kCapture;
  o.fields.push_back({"default_credential", "Mirai root"});
  o.fields.push_back({"login", "accepted"});
  const auto& v = assess(o, a);
  const Verdict* d = find(v, core::FindingKind::kDefaultPassword, "default-credential-seen");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->finding.severity, core::Severity::kCritical);
  EXPECT_EQ(d->finding.confidence, core::Confidence::kConfirmed);
  auto s = service("http", 80);
  s.fields.push_back({"auth.login_check", "default-accepted"});
  EXPECT_NE(find(assess(s, a), core::FindingKind::kDefaultPassword, "default-login-accepted"),
            nullptr);
}

TEST(Assessor, CvesFromVersionRangesKevRaisesAndShodanUnverifiedStaysUnverified) {
  MemoryVulnIndex index;
  core::CveRecord r;
  r.id = "CVE-2018-14847";
  r.cvss = 9.1;
  core::CpeMatch m;
  m.cve = r.id;
  m.cpe = {'o', "mikrotik", "routeros", "*", "*"};
  m.end_including = "6.42";
  r.matches.push_back(m);
  index.add(r);
  index.add(core::KevEntry{"CVE-2018-14847", "MikroTik", "RouterOS", "", "", "", ""});
  Assessor a(nullptr, nullptr, &index);
  auto o = service("ftp", 21);
  o.fingerprint.vendor = "MikroTik";
  o.fingerprint.cpe = "cpe:2.3:o:mikrotik:routeros:6.42:*:*:*:*:*:*:*";
  const auto& v = assess(o, a);
  const Verdict* c = find(v, core::FindingKind::kVulnerable, "cve");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->finding.severity, core::Severity::kCritical);
  ASSERT_EQ(c->finding.cves.size(), 1u);
  EXPECT_TRUE(c->finding.cves[0].kev);
  EXPECT_NE(c->finding.sentence.find("known exploited"), std::string::npos);

  o.fingerprint.cpe = "cpe:2.3:o:mikrotik:routeros:6.49.10:*:*:*:*:*:*:*";
  const Verdict* fixed = find(assess(o, a), core::FindingKind::kVulnerable, "cve");
  ASSERT_NE(fixed, nullptr);
  EXPECT_FALSE(fixed->present) << "a newer version the DB knows is not affected fixes it";

  auto shodan = service("http", 80);
  shodan.vulns.push_back({"CVE-2099-1234", false});
  const Verdict* u = find(assess(shodan, a), core::FindingKind::kVulnerable, "cve");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->finding.confidence, core::Confidence::kUnverified);
  EXPECT_FALSE(u->finding.cves[0].verified);
  EXPECT_LE(u->finding.severity, core::Severity::kMedium);
  EXPECT_NE(u->finding.sentence.find("unverified"), std::string::npos);
}

TEST(Assessor, EndOfLifeRaisesSeverityOrStandsAlone) {
  auto eol = EolList::parse(
      "vendor,product,end_excluding,eol_date,note,source\nopenssl,openssl,3.0,2023-09-11,x,y\n",
      "eol.csv");
  ASSERT_TRUE(eol.has_value());
  Assessor a(nullptr, &*eol, nullptr);
  auto o = service("https", 443);
  o.cpes.push_back("cpe:/a:openssl:openssl:1.0.2k");
  const Verdict* e = find(assess(o, a), core::FindingKind::kVulnerable, "end-of-life");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->finding.severity, core::Severity::kMedium);
  o.vulns.push_back({"CVE-2099-0002", true});
  const Verdict* c = find(assess(o, a), core::FindingKind::kVulnerable, "cve");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->finding.severity, core::Severity::kHigh) << "medium (no CVSS known) raised by EOL";
}

TEST(Assessor, InfectionFromDarknetEventIsDeviceLevel) {
  Assessor a(nullptr, nullptr, nullptr);
  core::Observation o = service("", 4717);
  o.source = core::Source::kShadowserver;
  o.kind = core::ObservationKind::kEvent;
  o.report_type = "event4_honeypot_darknet";
  o.fields.push_back({"infection", "mirai"});
  const auto& v = assess(o, a);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].finding.kind, core::FindingKind::kInfected);
  EXPECT_EQ(v[0].finding.code, "mirai");
  EXPECT_EQ(v[0].finding.port, 0);
  EXPECT_EQ(v[0].finding.severity, core::Severity::kCritical);
}

TEST(Scoring, ExploitableOutweighsExposureAndCombinesBelowHundred) {
  auto f = [](core::FindingKind k, core::Severity s, core::Confidence c) {
    core::Finding x;
    x.kind = k;
    x.severity = s;
    x.confidence = c;
    x.code = "x";
    return ScoredFinding{x, false};
  };
  using K = core::FindingKind;
  using S = core::Severity;
  using C = core::Confidence;
  int exposed = score_device({f(K::kExposedService, S::kHigh, C::kConfirmed)}).score;
  int noauth = score_device({f(K::kNoAuth, S::kHigh, C::kConfirmed)}).score;
  EXPECT_EQ(exposed, 27);
  EXPECT_EQ(noauth, 59);
  auto both = score_device(
      {f(K::kNoAuth, S::kHigh, C::kConfirmed), f(K::kExposedService, S::kHigh, C::kConfirmed)});
  EXPECT_EQ(both.score, 70);
  EXPECT_EQ(both.contributions.size(), 2u);
  EXPECT_EQ(both.contributions[0].kind, K::kNoAuth);
  std::vector<ScoredFinding> many(20, f(K::kInfected, S::kCritical, C::kConfirmed));
  EXPECT_EQ(score_device(many).score, 100);
  auto exempt = f(K::kInfected, S::kCritical, C::kConfirmed);
  exempt.exempt = true;
  auto e = score_device({exempt});
  EXPECT_EQ(e.score, 0);
  EXPECT_TRUE(e.contributions[0].exempt);
  EXPECT_NE(explanation_json(both).find("\"points\":58.5"), std::string::npos);
  EXPECT_EQ(score_device({}).score, 0);
}

TEST(CredentialList, ShippedListLoadsAndAnswersByVendorAndPair) {
  auto c = credentials();
  EXPECT_GT(c.size(), 3000u);
  EXPECT_FALSE(c.for_vendor("Hikvision", "ssh").empty());
  EXPECT_FALSE(c.for_vendor("TP-Link", "http").empty());
  EXPECT_TRUE(c.for_vendor("No Such Vendor", "http").empty());
  EXPECT_TRUE(c.is_default("root", "xc3511"));  // the Mirai table
  EXPECT_FALSE(c.is_default("root", "correct horse battery staple"));
}

TEST(CredentialList, BadLinesNameFileAndLine) {
  auto bad = CredentialList::parse("vendor,product,protocol,username,password,source\nx,y,z\n",
                                   "creds.csv");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().where, "creds.csv:2");
  EXPECT_EQ(bad.error().code, core::ErrorCode::kConfig);
  auto proto = CredentialList::parse(
      "vendor,product,protocol,username,password,source\nx,y,pigeon,a,b,c\n", "c.csv");
  ASSERT_FALSE(proto.has_value());
  EXPECT_NE(proto.error().message.find("pigeon"), std::string::npos);
}

}  // namespace
}  // namespace citywatch::risk
