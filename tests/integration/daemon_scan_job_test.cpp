// Scan jobs in the real `citywatch serve`: an analyst creates a job for a scope in [scan]
// scope_dir through the API and runs it; the scan probes real services this test serves on a
// 127.0.0.0/8 network of its own; the runs list shows the delta, the devices appear in the API,
// and a second run after a service went away lists it as gone. Scope names that are paths,
// unknown params and missing scopes are refused; a [[jobs]] scan job runs like any other, and
// one whose scope file is missing stops the daemon at start. Stopping the daemon mid-scan
// ends the scan at once, recorded as interrupted.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/support/daemon_process.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/tcp_service.h"
#include "tests/support/test_support.h"

namespace citywatch {
namespace {

using nlohmann::json;
using testing::DaemonProcess;
using testing::Service;

const char kHttpReply[] =
    "HTTP/1.0 200 OK\r\nServer: lighttpd/1.4.59\r\nContent-Type: text/html\r\n"
    "Content-Length: 36\r\n\r\n<html><title>Camera</title></html>\r\n";
const char kTelnetReply[] = "\r\nBusyBox v1.22.1 (2019-03-04) built-in shell\r\nlogin: ";

struct Suite {
  testing::TempDir dir;
  std::string db, config, net;  // net: "127.A.B.", this run's own /29
  std::string analyst, partner;
  std::unique_ptr<Service> http, telnet;
  std::unique_ptr<DaemonProcess> daemon;
};
Suite* suite = nullptr;

class DaemonScanJob : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suite = new Suite;
    // A /29 of 127.0.0.0/8 for this process, so parallel runs and other tests (the zoo on
    // 127.77, the prober's tests on 127.91-92) never share an address.
    for (int attempt = 0; attempt < 50 && !(suite->http && suite->http->up()); ++attempt) {
      int b = static_cast<int>((::getpid() + attempt) % 250);
      suite->net = "127.201." + std::to_string(b) + ".";
      suite->http = std::make_unique<Service>(suite->net + "1", 8080, kHttpReply, true);
    }
    ASSERT_TRUE(suite->http->up()) << "no free 127.201.x.1:8080";
    suite->telnet = std::make_unique<Service>(suite->net + "2", 2323, kTelnetReply, false);
    ASSERT_TRUE(suite->telnet->up());

    std::filesystem::create_directories(suite->dir.file("scopes"));
    testing::write_file(suite->dir.file("scopes/lab.scope"),
                        "# this test's own services\nname = lab\nmode = observe\n"
                        "ports = 8080,2323\n" +
                            suite->net + "0/29\n");
    suite->db = suite->dir.file("city.db");
    suite->config = suite->dir.file("citywatch.toml");
    testing::write_file(suite->config, R"(
[scheduler]
tick_seconds = 1
lease_seconds = 30
[health]
min_free_mb = 1
[scan]
scope_dir = "scopes"
rate = 1000
network_rate = 1000
connect_timeout_ms = 1000
read_timeout_ms = 1500
conversation_timeout_ms = 3000
contact_url = "https://citywatch.example/scanning"
[[jobs]]
name = "scan-lab-web"
kind = "scan"
schedule = "@weekly"
params = { scope = "lab", ports = [8080] }
)");
    ASSERT_EQ(testing::citywatch({"--db", suite->db, "init"}).exit_code, 0);
    suite->analyst = testing::create_token({"--db", suite->db}, "ana", "analyst");
    ASSERT_EQ(testing::citywatch({"--db", suite->db, "partners", "add", "isp-7", "--prefix",
                                  "192.0.2.0/30", "--pull"})
                  .exit_code,
              0);
    suite->partner = testing::create_token({"--db", suite->db}, "isp-7", "partner", {"--partner", "isp-7"});
    suite->daemon = std::make_unique<DaemonProcess>(std::vector<std::string>{
        "--config", suite->config, "--db", suite->db, "serve", "--listen", "127.0.0.1:0"});
    ASSERT_TRUE(suite->daemon->started()) << suite->daemon->startup_error();
    ASSERT_TRUE(testing::wait_for([] { return suite->daemon->get("/readyz").status == 200; }))
        << suite->daemon->get("/readyz").body;
  }
  static void TearDownTestSuite() {
    delete suite;
    suite = nullptr;
  }
  void SetUp() override {
    if (!suite || !suite->daemon || !suite->daemon->started()) GTEST_SKIP() << "no daemon";
  }
  const DaemonProcess& d() { return *suite->daemon; }
  json get(const std::string& path) {
    auto r = d().get(path, suite->analyst);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }
  // Asks for a run and waits until it has finished; returns it (newest first in the list).
  json run_and_wait(const std::string& job) {
    std::size_t before = get("/api/v1/jobs/" + job + "/runs")["items"].size();
    auto queued = d().send("POST", "/api/v1/jobs/" + job + "/run", "", suite->analyst);
    EXPECT_EQ(queued.status, 202) << queued.body;
    json last;
    EXPECT_TRUE(testing::wait_for(
        [&] {
          last = get("/api/v1/jobs/" + job + "/runs")["items"];
          return last.size() > before && last[0]["status"] != "running";
        },
        std::chrono::seconds(60)))
        << last.dump();
    return last.size() > before ? last[0] : json();
  }
  // The job's runs once one has finished (a [[jobs]] job runs when the daemon first sees it).
  json finished_runs(const std::string& job) {
    json runs;
    EXPECT_TRUE(testing::wait_for(
        [&] {
          runs = get("/api/v1/jobs/" + job + "/runs")["items"];
          return !runs.empty() && runs[0]["status"] != "running";
        },
        std::chrono::seconds(60)))
        << runs.dump();
    return runs;
  }
  static std::vector<std::string> strings(const json& list) {
    std::vector<std::string> out;
    for (const auto& s : list) out.push_back(s.get<std::string>());
    return out;
  }
};

TEST_F(DaemonScanJob, AnAnalystSchedulesAScanAndSeesItsDelta) {
  auto kinds = get("/api/v1/job-kinds");
  bool listed = false;
  for (const auto& k : kinds["items"]) {
    if (k["kind"] == "scan") listed = k["api_creatable"] == true && k["analyst_may_manage"] == true;
  }
  EXPECT_TRUE(listed) << kinds.dump();

  auto created = d().send("POST", "/api/v1/jobs",
                          R"({"name":"scan-lab","kind":"scan","schedule":"@weekly",)"
                          R"("params":{"scope":"lab","rate":500}})",
                          suite->analyst);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(json::parse(created.body)["params"], json::parse(R"({"scope":"lab","rate":500})"));

  json first = run_and_wait("scan-lab");
  ASSERT_EQ(first["status"], "ok") << first.dump();
  EXPECT_EQ(first["trigger"], "manual");
  const json& s = first["summary"];
  EXPECT_EQ(s["scope"], "lab");
  EXPECT_EQ(s["mode"], "observe");
  EXPECT_EQ(s["addresses"], 8);
  EXPECT_EQ(s["targets"], 16);  // 8 addresses x 2 ports
  EXPECT_EQ(s["responses"], 2);
  EXPECT_EQ(s["login_attempts"], 0);
  EXPECT_TRUE(s["delta"]["previous_run"].is_null());
  auto added = strings(s["delta"]["new"]);
  ASSERT_EQ(added.size(), 2u) << s.dump();
  std::sort(added.begin(), added.end());
  EXPECT_TRUE(added[0].starts_with(suite->net + "1:8080/tcp  http")) << added[0];
  EXPECT_TRUE(added[1].starts_with(suite->net + "2:2323/tcp  telnet")) << added[1];

  // What answered is in the database like any import: devices and their services.
  auto device = get("/api/v1/devices/" + suite->net + "1");
  EXPECT_EQ(device["device"]["ip"], suite->net + "1") << device.dump();
  ASSERT_EQ(device["services"].size(), 1u) << device.dump();
  EXPECT_EQ(device["services"][0]["port"], 8080);
  EXPECT_EQ(device["services"][0]["protocol"], "http");
  EXPECT_EQ(d().get("/api/v1/devices/" + suite->net + "2", suite->analyst).status, 200);
  EXPECT_EQ(d().get("/api/v1/devices/" + suite->net + "3", suite->analyst).status, 404);

  // The telnet service goes away: the next run names it as gone.
  suite->telnet.reset();
  json second = run_and_wait("scan-lab");
  ASSERT_EQ(second["status"], "ok") << second.dump();
  const json& delta = second["summary"]["delta"];
  EXPECT_EQ(delta["previous_run"], s["run"]);
  EXPECT_TRUE(delta["new"].empty()) << delta.dump();
  EXPECT_TRUE(delta["changed"].empty()) << delta.dump();
  auto gone = strings(delta["gone"]);
  ASSERT_EQ(gone.size(), 1u) << delta.dump();
  EXPECT_TRUE(gone[0].starts_with(suite->net + "2:2323/tcp  telnet")) << gone[0];

  // The metric counts ports by scope name; no label holds an address.
  auto metrics = testing::parse_prometheus(d().get("/metrics").body);
  EXPECT_TRUE(metrics.problems.empty()) << ::testing::PrintToString(metrics.problems);
  EXPECT_GE(metrics.value("citywatch_scan_ports_total", {{"scope", "lab"}}), 32);
  EXPECT_GT(metrics.value("citywatch_scan_ports_per_second", {{"scope", "lab"}}), 0);

  auto deleted = d().send("DELETE", "/api/v1/jobs/scan-lab", "", suite->analyst);
  EXPECT_EQ(deleted.status, 200) << deleted.body;
}

TEST_F(DaemonScanJob, PathsUnknownParamsAndMissingScopesAreRefused) {
  auto create = [&](const std::string& params, const std::string& token) {
    return d().send("POST", "/api/v1/jobs",
                    R"({"name":"bad","kind":"scan","schedule":"@daily","params":)" + params + "}",
                    token);
  };
  auto message = [](const testing::HttpResult& r) {
    return json::parse(r.body, nullptr, false)["error"].value("message", "");
  };
  for (const char* p :
       {R"({"scope":"../citywatch"})", R"({"scope":"scopes/lab"})", R"({"scope":"/etc/passwd"})"}) {
    auto r = create(p, suite->analyst);
    EXPECT_EQ(r.status, 400) << p << ": " << r.body;
    EXPECT_NE(message(r).find("params.scope must be the name of a scope file"), std::string::npos)
        << r.body;
  }
  auto unknown = create(R"({"scope":"lab","file":"/etc/passwd"})", suite->analyst);
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_NE(message(unknown).find("unknown key params.file"), std::string::npos) << unknown.body;
  auto ports = create(R"({"scope":"lab","ports":"80-"})", suite->analyst);
  EXPECT_EQ(ports.status, 400) << ports.body;
  auto missing = create(R"({"scope":"noord"})", suite->analyst);
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_NE(message(missing).find("no scope 'noord' in [scan] scope_dir"), std::string::npos)
      << missing.body;
  EXPECT_EQ(missing.body.find(suite->dir.path()), std::string::npos) << "no server paths";
  EXPECT_EQ(create(R"({"scope":"lab"})", suite->partner).status, 403);
  EXPECT_EQ(d().get("/api/v1/jobs/bad", suite->analyst).status, 404);  // none was created
}

TEST_F(DaemonScanJob, AConfiguredScanJobRunsWhenFirstSeen) {
  json runs = finished_runs("scan-lab-web");
  ASSERT_FALSE(runs.empty());
  EXPECT_EQ(runs.back()["status"], "ok") << runs.dump();
  EXPECT_EQ(runs.back()["trigger"], "schedule");
  EXPECT_EQ(runs.back()["summary"]["targets"], 8);  // port 8080 only
  auto job = get("/api/v1/jobs/scan-lab-web");
  EXPECT_EQ(job["origin"], "config");
  EXPECT_EQ(job["params"], json::parse(R"({"ports":[8080],"scope":"lab"})"));
}

TEST_F(DaemonScanJob, AConfiguredScanJobWithoutItsScopeStopsTheDaemonAtStart) {
  std::string config = suite->dir.file("missing.toml");
  testing::write_file(config,
                      "[scan]\nscope_dir = \"scopes\"\n[[jobs]]\nname = \"scan-noord\"\n"
                      "kind = \"scan\"\nschedule = \"@daily\"\nparams = { scope = \"noord\" }\n");
  DaemonProcess refused(
      {"--config", config, "--db", suite->db, "serve", "--listen", "127.0.0.1:0"});
  EXPECT_FALSE(refused.started());
  EXPECT_EQ(refused.wait_exit(), 78);  // a configuration error
  EXPECT_NE(refused.log().find("[[jobs]] scan-noord: no scope 'noord' in [scan] scope_dir"),
            std::string::npos)
      << refused.log();
}

TEST_F(DaemonScanJob, StoppingTheDaemonMidScanRecordsTheRunAsInterrupted) {
  // A daemon of its own: one connection a second, so the scan's 16 ports would take 16 s,
  // longer than the shutdown grace; it must stop sending when told to.
  std::string db = suite->dir.file("slow.db");
  std::string config = suite->dir.file("slow.toml");
  testing::write_file(config,
                      "[scheduler]\ntick_seconds = 1\nlease_seconds = 30\n"
                      "shutdown_grace_seconds = 10\n[health]\nmin_free_mb = 1\n"
                      "[scan]\nscope_dir = \"scopes\"\n");
  ASSERT_EQ(testing::citywatch({"--db", db, "init"}).exit_code, 0);
  std::string token = testing::create_token({"--db", db}, "ana", "analyst");
  DaemonProcess slow({"--config", config, "--db", db, "serve", "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(slow.started()) << slow.startup_error();
  auto created = slow.send("POST", "/api/v1/jobs",
                           R"({"name":"scan-slow","kind":"scan","schedule":"@weekly",)"
                           R"("params":{"scope":"lab","rate":1}})",
                           token);
  ASSERT_EQ(created.status, 201) << created.body;
  ASSERT_EQ(slow.send("POST", "/api/v1/jobs/scan-slow/run", "", token).status, 202);
  ASSERT_TRUE(slow.wait_log("scan_start")) << slow.log();
  slow.signal(SIGTERM);
  EXPECT_EQ(slow.wait_exit(), 0) << slow.log();
  EXPECT_EQ(slow.log().find("shutdown_forced"), std::string::npos) << slow.log();
  EXPECT_EQ(testing::query_text(db,
                                "SELECT r.status FROM job_runs r JOIN jobs j ON j.id = r.job_id "
                                "WHERE j.name = 'scan-slow'"),
            "interrupted;");
  EXPECT_EQ(testing::query_text(db, "SELECT status FROM scan_runs"), "interrupted;");
  EXPECT_LT(testing::query_int(db, "SELECT targets FROM scan_runs"), 16);
}

}  // namespace
}  // namespace citywatch
