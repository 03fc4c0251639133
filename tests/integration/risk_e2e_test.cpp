// End to end: the shared Shodan and Shadowserver samples and the NVD/KEV samples through the
// citywatch binary, asserting the findings, severities and scores a user sees.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "tests/support/test_support.h"

namespace citywatch::testing {
namespace {

struct Row {
  std::string ip, kind, code, severity, confidence, status, cves, sentence;
  int port = 0, score = 0;
};

std::string json_string(const std::string& line, const std::string& key) {
  std::string k = "\"" + key + "\":";
  auto at = line.find(k);
  if (at == std::string::npos) return {};
  at += k.size();
  if (line.compare(at, 4, "null") == 0) return {};
  if (line[at] != '"') {
    auto end = line.find_first_of(",}", at);
    return line.substr(at, end - at);
  }
  std::string out;
  for (std::size_t i = at + 1; i < line.size() && line[i] != '"'; ++i) {
    if (line[i] == '\\') ++i;
    out += line[i];
  }
  return out;
}

std::vector<Row> findings(const std::vector<std::string>& db) {
  auto args = db;
  args.insert(args.end(), {"--format", "json", "findings"});
  auto r = citywatch(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<Row> rows;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    Row row;
    row.ip = json_string(line, "ip");
    row.port = std::stoi(json_string(line, "port"));
    row.kind = json_string(line, "kind");
    row.code = json_string(line, "code");
    row.severity = json_string(line, "severity");
    row.confidence = json_string(line, "confidence");
    row.status = json_string(line, "status");
    row.cves = json_string(line, "cves");
    row.sentence = json_string(line, "sentence");
    row.score = std::stoi(json_string(line, "score"));
    rows.push_back(row);
  }
  return rows;
}

const Row* find(const std::vector<Row>& rows, const std::string& ip, const std::string& kind,
                const std::string& code) {
  for (const auto& r : rows) {
    if (r.ip == ip && r.kind == kind && r.code == code) return &r;
  }
  return nullptr;
}

class RiskEndToEnd : public ::testing::Test {
 protected:
  TempDir dir;
  std::vector<std::string> db{"--db", dir.file("city.db")};
  void SetUp() override {
    ASSERT_EQ(citywatch({"--db", dir.file("city.db"), "init"}).exit_code, 0);
  }
  RunResult run(std::vector<std::string> args) {
    args.insert(args.begin(), db.begin(), db.end());
    return citywatch(args);
  }
};

TEST_F(RiskEndToEnd, SharedSamplesGiveTheExpectedFindingsAndScores) {
  CITYWATCH_REQUIRE_DATA(nvd, "vulns/nvd_iot_cve_slice.json");
  CITYWATCH_REQUIRE_DATA(kev, "vulns/cisa_kev_2025.08.25.json");
  CITYWATCH_REQUIRE_DATA(telnet, "scan/shadowserver/scan_telnet.csv");
  CITYWATCH_REQUIRE_DATA(mqtt, "scan/shadowserver/scan_mqtt_anon.csv");
  CITYWATCH_REQUIRE_DATA(mqtt_auth, "scan/shadowserver/scan_mqtt.csv");
  CITYWATCH_REQUIRE_DATA(darknet, "scan/shadowserver/event4_honeypot_darknet.csv");
  CITYWATCH_REQUIRE_DATA(ics, "scan/shadowserver/scan_ics.csv");
  CITYWATCH_REQUIRE_DATA(vnc, "scan/shadowserver/scan_vnc.csv");
  CITYWATCH_REQUIRE_DATA(shodan, "scan/shodan/intelmq_shodan_banners.jsonl");
  ASSERT_EQ(run({"vulndb", "import", nvd, kev}).exit_code, 0);
  auto imp = run({"import", "shadowserver", telnet, mqtt, mqtt_auth, darknet, ics, vnc});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_NE(imp.out.find("fingerprinted"), std::string::npos);
  ASSERT_EQ(run({"import", "shodan", shodan}).exit_code, 0);

  auto rows = findings(db);
  // scan_telnet: MikroTik v6.5 on 5678 -> exposed telnet + CVE-2018-14847 (KEV); the later
  // banner of the same service says v6.45.3, so the CVE finding is fixed, telnet stays open.
  const Row* tel = find(rows, "198.123.245.145", "exposed-service", "telnet");
  ASSERT_NE(tel, nullptr);
  EXPECT_EQ(tel->severity, "high");
  EXPECT_EQ(tel->status, "open");
  const Row* cve = find(rows, "198.123.245.145", "vulnerable", "cve");
  ASSERT_NE(cve, nullptr);
  EXPECT_EQ(cve->cves, "CVE-2018-14847(KEV)");
  EXPECT_EQ(cve->severity, "critical");
  EXPECT_EQ(cve->status, "fixed");
  const Row* likely = find(rows, "198.123.245.145", "default-password", "vendor-default-likely");
  ASSERT_NE(likely, nullptr);
  EXPECT_EQ(likely->confidence, "likely");
  // Score: telnet high exposure (27) + likely default (25*1.3*0.7 = 22.75): 1-(0.73*0.7725)
  EXPECT_EQ(tel->score, 44);

  // scan_mqtt_anon: anonymous MQTT, high, confirmed; scan_mqtt's refused broker is not.
  for (const char* ip : {"47.106.0.0", "144.76.0.0", "173.0.0.0"}) {
    const Row* m = find(rows, ip, "no-auth", "mqtt-anonymous");
    ASSERT_NE(m, nullptr) << ip;
    EXPECT_EQ(m->severity, "high");
    EXPECT_EQ(m->score, 61);  // 58.5 (high x exploitable) with 6 (low MQTT exposure)
  }
  EXPECT_EQ(find(rows, "18.220.0.0", "no-auth", "mqtt-anonymous"), nullptr);

  // event4_honeypot_darknet: every source is infected with mirai, device-level, critical.
  const Row* inf = find(rows, "61.3.1.2", "infected", "mirai");
  ASSERT_NE(inf, nullptr);
  EXPECT_EQ(inf->severity, "critical");
  EXPECT_EQ(inf->port, 0);
  EXPECT_EQ(inf->score, 85);

  // scan_ics: exposed Modbus.
  const Row* modbus = find(rows, "192.168.0.2", "exposed-service", "modbus");
  ASSERT_NE(modbus, nullptr);
  EXPECT_EQ(modbus->severity, "high");
  // scan_vnc: exposed VNC (medium); no auth information in the report, so no no-auth finding.
  EXPECT_NE(find(rows, "198.123.245.53", "exposed-service", "vnc"), nullptr);
  EXPECT_EQ(find(rows, "198.123.245.53", "no-auth", "vnc-no-auth"), nullptr);
  // Shodan: FileZilla FTP on 21 is a low exposure.
  const Row* ftp = find(rows, "240.15.82.82", "exposed-service", "ftp");
  ASSERT_NE(ftp, nullptr);
  EXPECT_EQ(ftp->severity, "low");

  // Filters
  auto crit = run({"--format", "csv", "findings", "--severity", "critical", "--status", "open"});
  EXPECT_EQ(crit.exit_code, 0);
  EXPECT_NE(crit.out.find("mirai"), std::string::npos);
  EXPECT_EQ(crit.out.find("modbus"), std::string::npos);
  auto min = run({"--format", "csv", "findings", "--min-score", "80"});
  EXPECT_EQ(min.out.find("198.123.245.145"), std::string::npos);
  EXPECT_EQ(run({"findings", "--kind", "bogus"}).exit_code, 64);

  // devices JSON carries the score and its explanation.
  auto dev = run({"--format", "json", "devices", "--all"});  // the samples are outside the city
  ASSERT_EQ(dev.exit_code, 0);
  std::istringstream in(dev.out);
  bool seen = false;
  for (std::string line; std::getline(in, line);) {
    if (line.find("\"ip\":\"198.123.245.145\"") == std::string::npos) continue;
    seen = true;
    EXPECT_NE(line.find("\"risk_score\":44"), std::string::npos) << line;
    EXPECT_NE(line.find("\"risk_explanation\":{\"score\":44"), std::string::npos) << line;
    EXPECT_NE(line.find("\"vendor\":\"MikroTik\""), std::string::npos) << line;
  }
  EXPECT_TRUE(seen);
}

TEST_F(RiskEndToEnd, ExemptSweepAndHistory) {
  CITYWATCH_REQUIRE_DATA(darknet, "scan/shadowserver/event4_honeypot_darknet.csv");
  ASSERT_EQ(run({"import", "shadowserver", darknet}).exit_code, 0);
  auto rows = findings(db);
  ASSERT_FALSE(rows.empty());
  auto list = run({"--format", "csv", "findings", "--ip", "61.3.1.2"});
  std::string id = list.out.substr(list.out.find('\n') + 1);
  id = id.substr(0, id.find(','));
  auto ex = run({"findings", "exempt", id, "--reason", "research-honeypot", "--until", "2099-01-01",
                 "--by", "ciso"});
  ASSERT_EQ(ex.exit_code, 0) << ex.err;
  rows = findings(db);
  const Row* inf = find(rows, "61.3.1.2", "infected", "mirai");
  ASSERT_NE(inf, nullptr);
  EXPECT_EQ(inf->score, 0) << "an exempt finding adds nothing to the score";
  EXPECT_EQ(
      run({"findings", "exempt", id, "--reason", "because", "--until", "2099-01-01"}).exit_code,
      64);
  auto sweep = run({"findings", "sweep", "--older-than", "30", "--now", "2021-06-01"});
  ASSERT_EQ(sweep.exit_code, 0) << sweep.err;
  rows = findings(db);
  EXPECT_EQ(find(rows, "27.198.15.16", "infected", "mirai")->status, "gone");
  auto show = run({"findings", "show", id});
  ASSERT_EQ(show.exit_code, 0);
  EXPECT_NE(show.out.find("exempted"), std::string::npos);
  EXPECT_NE(show.out.find("gone"), std::string::npos);
}

TEST_F(RiskEndToEnd, BrokenRuleSetRefusesToRunWithExit78) {
  TempDir data;
  ASSERT_EQ(
      ::citywatch::testing::run({"cp", "-r", source_path("data") + "/.", data.path()}).exit_code,
      0);
  write_file(
      data.file("fingerprints/zz-broken.jsonl"),
      "{\"id\":\"x\",\"type\":\"camera\",\"match\":{\"http.server\":\"{oops}\"},\"test\":{}}\n");
  write_file(dir.file("c.toml"), "[risk]\ndata_dir = \"" + data.path() + "\"\n");
  CITYWATCH_REQUIRE_DATA(telnet, "scan/shadowserver/scan_telnet.csv");
  auto r = citywatch({"--config", dir.file("c.toml"), "--db", dir.file("city.db"), "import",
                      "shadowserver", telnet});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_NE(r.err.find("zz-broken.jsonl:1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unknown capture"), std::string::npos) << r.err;
  auto check = citywatch({"--config", dir.file("c.toml"), "rules", "check"});
  EXPECT_EQ(check.exit_code, 78);
  EXPECT_EQ(run({"rules", "check"}).exit_code, 0);
}

TEST_F(RiskEndToEnd, VulndbImportDetectsKindsAndRejectsOtherFiles) {
  CITYWATCH_REQUIRE_DATA(rec, "vulns/nvd/CVE-2021-33044.json");
  auto r = run({"vulndb", "import", rec});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1 CVE records with 19 vulnerable CPE matches"), std::string::npos) << r.out;
  write_file(dir.file("x.json"), "{\"hello\": 1}");
  auto bad = run({"vulndb", "import", dir.file("x.json")});
  EXPECT_EQ(bad.exit_code, 65);
  EXPECT_NE(bad.err.find("neither an NVD"), std::string::npos);
}

}  // namespace
}  // namespace citywatch::testing
