// End to end against the device zoo (tests/zoo): `citywatch scan` of the zoo scope, compared
// with the truth table (tests/zoo/truth.json); the same zoo as an observe-only scope must never
// present a credential, which the zoo services' own logs and snmpd's packet counter prove.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/support/test_support.h"

namespace citywatch {
namespace {

using nlohmann::json;

// Starts citywatch-zoo with a pipe on stdin (closing it stops the zoo) and waits for its READY
// line on stdout, with a deadline.
class Zoo {
 public:
  bool start(const std::string& dir, std::string& error) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) return false;
    std::string err_path = dir + "/zoo.stderr";
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      int e = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(e, 2);
      ::execl(CITYWATCH_ZOO_BINARY, CITYWATCH_ZOO_BINARY, "run", "--dir", dir.c_str(), nullptr);
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    int rd = out[0];
    std::string got;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (got.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{rd, POLLIN, 0};
      if (::poll(&p, 1, 1000) <= 0) continue;
      char buf[256];
      ssize_t n = ::read(rd, buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
    }
    ::close(rd);
    if (got.rfind("READY ", 0) != 0) {
      error = "the zoo did not start:\n" + testing::read_file(err_path);
      return false;
    }
    return true;
  }
  ~Zoo() {
    if (stdin_ >= 0) ::close(stdin_);
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
};

std::vector<json> json_lines(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(json::parse(line));
  }
  return out;
}

std::string key(const json& j) {
  return j["ip"].get<std::string>() + ":" + std::to_string(j["port"].get<int>()) + "/" +
         j["transport"].get<std::string>();
}

std::string str(const json& j, const char* k) {
  return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
}

int snmp_in_packets() {
  auto r = testing::run(
      {"snmpget", "-v2c", "-c", "public", "-Oqv", "127.77.0.40", "1.3.6.1.2.1.11.1.0"});
  return r.exit_code == 0 ? std::atoi(r.out.c_str()) : -1;
}

class ZooScan : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) {
      skip_ =
          "the zoo binds privileged ports on 127.77.0.0/24 and runs daemons: run as root "
          "(CI does)";
      return;
    }
    dir_ = new testing::TempDir();
    zoo_ = new Zoo();
    std::string error;
    if (!zoo_->start(dir_->path(), error)) start_error_ = error;
    testing::write_file(dir_->file("citywatch.toml"),
                        "[scan]\nrate = 5000\nnetwork_rate = 5000\nconnect_timeout_ms = 1000\n"
                        "read_timeout_ms = 1500\nudp_timeout_ms = 500\n"
                        "conversation_timeout_ms = 3000\nmax_read_bytes = 65536\n"
                        "contact_url = \"https://citywatch.example/scanning\"\n");
  }
  static void TearDownTestSuite() {
    delete zoo_;
    zoo_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_TRUE(start_error_.empty()) << start_error_;
  }

  testing::RunResult cw(const std::string& db, std::vector<std::string> args) {
    std::vector<std::string> all = {"--config", dir_->file("citywatch.toml"), "--db", db};
    all.insert(all.end(), args.begin(), args.end());
    return testing::citywatch(all);
  }
  std::string log(const std::string& name) {
    return testing::read_file(dir_->file("logs/" + name + ".log"));
  }

  // Runs a scan on a fresh database and checks services and findings against the truth table.
  void scan_and_compare(const std::string& db, const std::string& scope, const std::string& mode) {
    ASSERT_EQ(cw(db, {"init"}).exit_code, 0);
    auto scan = cw(db, {"--format", "json", "scan", "--scope", dir_->file(scope)});
    ASSERT_EQ(scan.exit_code, 0) << scan.out << scan.err;
    summary_ = json::parse(scan.out);
    std::map<std::string, json> services;
    for (auto& s : json_lines(cw(db, {"--format", "json", "services"}).out)) services[key(s)] = s;
    std::map<std::string, json> devices;
    for (auto& d : json_lines(cw(db, {"--format", "json", "devices", "--all"}).out)) {
      devices[str(d, "ip")] = d;
    }
    std::map<std::string, std::set<std::string>> findings;
    for (auto& f : json_lines(cw(db, {"--format", "json", "findings"}).out)) {
      findings[key(f)].insert(str(f, "kind") + "/" + str(f, "code"));
    }
    json truth = json::parse(testing::read_file(testing::source_path("tests/zoo/truth.json")));
    for (const auto& t : truth["services"]) {
      std::string k = key(t);
      SCOPED_TRACE(k + " " + t["name"].get<std::string>());
      if (!t["findings"].contains(mode)) {
        EXPECT_FALSE(services.count(k)) << "not probed in " << mode << " scopes";
        continue;
      }
      ASSERT_TRUE(services.count(k)) << "service missing";
      const json& s = services[k];
      const json& e = t["expect"];
      EXPECT_EQ(str(s, "protocol"), str(e, "protocol"));
      if (e.contains("vendor")) {
        EXPECT_EQ(str(s, "vendor"), str(e, "vendor"));
      }
      if (e.contains("device_type")) {
        EXPECT_EQ(str(s, "device_type"), str(e, "device_type"));
      }
      if (e.contains("version")) {
        std::string v = str(e, "version");
        // The protocol's own version, the fingerprint's CPE, or the device's firmware.
        EXPECT_TRUE(str(s, "version") == v ||
                    str(s, "cpe").find(":" + v + ":") != std::string::npos ||
                    str(devices[str(t, "ip")], "firmware") == v)
            << "version " << v << " not in " << s.dump() << devices[str(t, "ip")].dump();
      }
      std::set<std::string> want;
      for (const auto& f : t["findings"][mode]) want.insert(f.get<std::string>());
      EXPECT_EQ(findings[k], want);
      services.erase(k);
    }
    EXPECT_TRUE(services.empty()) << "services not in the truth table: " << services.size();
  }

  static inline testing::TempDir* dir_ = nullptr;
  static inline Zoo* zoo_ = nullptr;
  static inline std::string skip_, start_error_;
  json summary_;
};

TEST_F(ZooScan, AuthorisedScanMatchesTheTruthTable) {
  scan_and_compare(dir_->file("authorised.db"), "zoo.scope", "authorised");
  EXPECT_EQ(summary_["mode"], "authorised");
  EXPECT_EQ(summary_["logins_accepted"], 4);  // camera, OpenWrt LuCI, MikroTik telnet, SNMP
  // The LuCI form: one POST of the default (root, empty password), accepted; the session it got
  // is never used and nothing else is posted. The router whose owner set a password got the
  // same single attempt, rejected, and has no finding (the truth table says so).
  std::string luci = log("luci-default");
  EXPECT_NE(luci.find("request POST /cgi-bin/luci/ user-agent=citywatch-scanner/"),
            std::string::npos)
      << luci;
  EXPECT_NE(luci.find("login attempt user=root result=accepted"), std::string::npos) << luci;
  EXPECT_EQ(luci.find("result=rejected"), std::string::npos);
  EXPECT_EQ(luci.find("SESSION"), std::string::npos);
  EXPECT_EQ(luci.find("WRITE"), std::string::npos);
  std::string owned = log("luci-owned");
  EXPECT_NE(owned.find("login attempt user=root result=rejected"), std::string::npos) << owned;
  EXPECT_EQ(owned.find("result=accepted"), std::string::npos);
  EXPECT_EQ(owned.find("WRITE"), std::string::npos);
  // Stopped at the first success: exactly one attempt on the MikroTik, and the right one.
  std::string mikrotik = log("telnet-mikrotik");
  EXPECT_NE(mikrotik.find("login attempt user=admin result=accepted"), std::string::npos);
  EXPECT_EQ(mikrotik.find("result=rejected"), std::string::npos);
  EXPECT_EQ(mikrotik.find("command received"), std::string::npos);            // nothing typed after
  EXPECT_EQ(log("telnet-openbsd").find("login attempt"), std::string::npos);  // no vendor list
  EXPECT_NE(log("camera-http").find("authorization user=admin result=accepted"), std::string::npos);
  // The probes identify themselves.
  EXPECT_NE(log("camera-http").find("citywatch-scanner/"), std::string::npos);
  EXPECT_NE(log("camera-http").find("https://citywatch.example/scanning"), std::string::npos);
  // Never written to a device, never a stream played, never a SUBSCRIBE or PUBLISH.
  EXPECT_EQ(log("rtsp-vlc").find("FORBIDDEN"), std::string::npos);
  EXPECT_EQ(log("modbus-schneider").find("WRITE"), std::string::npos);
  EXPECT_EQ(log("camera-http").find("WRITE"), std::string::npos);
  std::string mqtt = log("mosquitto-anon");
  EXPECT_NE(mqtt.find("Received DISCONNECT from citywatch-probe"), std::string::npos);
  EXPECT_EQ(mqtt.find("SUBSCRIBE"), std::string::npos);
  EXPECT_EQ(mqtt.find("PUBLISH"), std::string::npos);
  // The finding names the list entry and never the secret.
  auto findings = cw(dir_->file("authorised.db"), {"--format", "json", "findings"});
  EXPECT_NE(findings.out.find("list entry: mikrotik"), std::string::npos);
  EXPECT_NE(findings.out.find("via login form openwrt-luci (http-login-forms.jsonl:"),
            std::string::npos)
      << findings.out;
  auto dump = testing::run({"sqlite3", dir_->file("authorised.db"), ".dump"});
  EXPECT_EQ(dump.out.find("YWRtaW46YWRtaW4"), std::string::npos);  // base64 admin:admin
  EXPECT_EQ(dump.out.find("admin:admin"), std::string::npos);
}

TEST_F(ZooScan, ObserveScopeNeverPresentsACredential) {
  int snmp_before = snmp_in_packets();
  ASSERT_GE(snmp_before, 0) << "snmpget failed (apt-get install snmp)";
  std::string camera_before = log("camera-http"), telnet_before = log("telnet-mikrotik");
  std::string mqtt_before = log("mosquitto-auth");
  std::string luci_before = log("luci-default"), owned_before = log("luci-owned");
  scan_and_compare(dir_->file("observe.db"), "zoo-observe.scope", "observe");
  EXPECT_EQ(summary_["login_attempts"], 0);
  // snmpd counts every packet it gets: only our own two counter reads, no community probe.
  EXPECT_EQ(snmp_in_packets(), snmp_before + 1);
  EXPECT_EQ(log("camera-http").substr(camera_before.size()).find("authorization user="),
            std::string::npos);
  EXPECT_EQ(log("telnet-mikrotik").substr(telnet_before.size()).find("login attempt"),
            std::string::npos);
  EXPECT_EQ(log("mosquitto-auth").substr(mqtt_before.size()).find(", u'"), std::string::npos);
  // The LuCI routers were probed (a GET) but no form was posted.
  std::string luci = log("luci-default").substr(luci_before.size());
  EXPECT_NE(luci.find("request GET / "), std::string::npos) << luci;
  for (const std::string& l : {luci, log("luci-owned").substr(owned_before.size())}) {
    EXPECT_EQ(l.find("POST"), std::string::npos) << l;
    EXPECT_EQ(l.find("login attempt"), std::string::npos) << l;
  }
}

TEST_F(ZooScan, SecondRunReportsNoChangeAndTheRunIsRecorded) {
  std::string db = dir_->file("delta.db");
  ASSERT_EQ(cw(db, {"init"}).exit_code, 0);
  auto first = cw(db, {"--format", "json", "scan", "--scope", dir_->file("zoo-observe.scope")});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto second = cw(db, {"--format", "json", "scan", "--scope", dir_->file("zoo-observe.scope")});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  json a = json::parse(first.out), b = json::parse(second.out);
  EXPECT_TRUE(a["delta"]["previous_run"].is_null());
  EXPECT_EQ(b["delta"]["previous_run"], a["run"]);
  EXPECT_EQ(b["delta"]["new"].size(), 0u);
  EXPECT_EQ(b["delta"]["changed"].size(), 0u) << b.dump();
  EXPECT_EQ(b["delta"]["gone"].size(), 0u);
  // Narrowing to part of the scope is its own baseline, and the text summary has the delta.
  auto part = cw(db, {"scan", "--scope", dir_->file("zoo-observe.scope"), "--target",
                      "127.77.0.30/31", "--ports", "1883"});
  ASSERT_EQ(part.exit_code, 0) << part.err;
  EXPECT_NE(part.out.find("first run of this scope: 2 services new"), std::string::npos)
      << part.out;
  auto rows =
      testing::run({"sqlite3", db, "SELECT status, targets > 0 FROM scan_runs ORDER BY id"});
  EXPECT_EQ(rows.out, "done|1\ndone|1\ndone|1\n");
}

TEST_F(ZooScan, OutOfScopeTargetsAreRefusedBeforeAnyPacket) {
  std::string db = dir_->file("refuse.db");
  ASSERT_EQ(cw(db, {"init"}).exit_code, 0);
  std::string before = log("camera-http");
  auto r = cw(db, {"scan", "--scope", dir_->file("zoo-observe.scope"), "--target", "127.78.0.1"});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_NE(r.err.find("outside scope"), std::string::npos) << r.err;
  auto p = cw(db, {"scan", "--scope", dir_->file("zoo-observe.scope"), "--ports", "8443"});
  EXPECT_EQ(p.exit_code, 64);
  EXPECT_EQ(log("camera-http"), before);
  auto rows = testing::run({"sqlite3", db, "SELECT count(*) FROM scan_runs"});
  EXPECT_EQ(rows.out, "0\n");
}

}  // namespace
}  // namespace citywatch
