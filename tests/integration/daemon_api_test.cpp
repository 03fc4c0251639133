// The HTTP API of the real `citywatch serve` binary on 127.0.0.1: every endpoint, every role,
// pagination, the audit trail, login sessions, uploads, jobs, limits and error bodies, and the
// metrics format. One daemon serves the whole suite; tokens for each role are made with the CLI.
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "core/ip_address.h"
#include "core/time.h"
#include "tests/support/daemon_process.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/test_support.h"

namespace citywatch {
namespace {

using nlohmann::json;
using testing::DaemonProcess;
using testing::HttpResult;

struct Suite {
  testing::TempDir dir;
  std::string db, config;
  std::map<std::string, std::string> tokens;  // role -> token
  std::unique_ptr<DaemonProcess> daemon;
  std::int64_t devices = 0, findings = 0;
};
Suite* suite = nullptr;

std::string make_token(const std::string& user, const std::string& role,
                       const std::vector<std::string>& extra = {}) {
  return testing::create_token({"--db", suite->db}, user, role, extra);
}

class DaemonApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suite = new Suite;
    suite->db = suite->dir.file("city.db");
    suite->config = suite->dir.file("citywatch.toml");
    testing::write_file(suite->config, R"(
[server]
screen_min_count = 20
aggregate_cache_seconds = 0
max_body_kb = 4
max_upload_mb = 1
[notify]
schedule = ""  # the partner test grants findings by hand; no batches built behind its back
[scheduler]
tick_seconds = 1
lease_seconds = 30
[health]
min_free_mb = 1
[geo]
prefix_map = ")" + testing::source_path("data/demo/prefix-map.csv") +
                                           "\"\n");
    ASSERT_EQ(testing::citywatch({"--db", suite->db, "init"}).exit_code, 0);
    // The demo feeds, placed in the city's districts by the demo prefix map and assessed.
    auto imported =
        testing::citywatch({"--config", suite->config, "--db", suite->db, "import", "shodan",
                            testing::source_path("data/demo/shodan-hague-demo.jsonl")});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    auto infected = testing::citywatch(
        {"--config", suite->config, "--db", suite->db, "import", "shadowserver",
         testing::source_path("data/demo/2026-11-22-event4_honeypot_darknet-demo-nl.csv")});
    ASSERT_EQ(infected.exit_code, 0) << infected.err;
    suite->findings = testing::query_int(suite->db, "SELECT count(*) FROM findings");
    ASSERT_GT(suite->findings, 100);
    suite->devices = testing::query_int(suite->db, "SELECT count(*) FROM devices");
    ASSERT_GT(suite->devices, 100);
    suite->tokens["admin"] = make_token("root-admin", "admin");
    suite->tokens["analyst"] = make_token("ana", "analyst");
    ASSERT_EQ(testing::citywatch({"--db", suite->db, "partners", "add", "isp-7", "--prefix",
                                  "192.0.2.0/30", "--pull"})
                  .exit_code,
              0);
    suite->tokens["partner"] = make_token("isp-7", "partner", {"--partner", "isp-7"});
    suite->tokens["screen"] = make_token("cityhall", "screen");
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
  const DaemonProcess& d() { return *suite->daemon; }
  std::string token(const std::string& role) { return suite->tokens[role]; }
  json get_json(const std::string& path, const std::string& role, int want = 200) {
    auto r = d().get(path, token(role));
    EXPECT_EQ(r.status, want) << path << " as " << role << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }
  static void expect_error_shape(const HttpResult& r, int status) {
    EXPECT_EQ(r.status, status) << r.body;
    auto body = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.body;
    ASSERT_TRUE(body.contains("error")) << r.body;
    EXPECT_EQ(body["error"]["status"], status);
    EXPECT_TRUE(body["error"]["code"].is_string());
    EXPECT_TRUE(body["error"]["message"].is_string());
    EXPECT_EQ(body["error"]["request_id"], r.headers.at("x-request-id"));
  }
};

// Every route with a request that exercises it, and who may make it. The test checks it
// covers every route the daemon lists at /api/v1.
struct Call {
  std::string method, path, pattern, body;
  std::set<std::string> allowed;
};
const std::set<std::string> kAll{"admin", "analyst", "partner", "screen"};
const std::set<std::string> kStaff{"admin", "analyst"};
const std::set<std::string> kDevices{"admin", "analyst", "partner"};
const std::set<std::string> kAggregates{"admin", "analyst", "screen"};
const std::set<std::string> kAdmin{"admin"};

std::vector<Call> calls() {
  return {
      {"GET", "/api/v1", "/api/v1", "", kAll},
      {"GET", "/api/v1/me", "/api/v1/me", "", kAll},
      {"DELETE", "/api/v1/session", "/api/v1/session", "", kAll},
      {"GET", "/api/v1/devices?limit=2", "/api/v1/devices", "", kDevices},
      {"GET", "/api/v1/devices/192.0.2.1", "/api/v1/devices/{ip}", "", kDevices},
      {"GET", "/api/v1/devices/192.0.2.1/observations", "/api/v1/devices/{ip}/observations", "",
       kDevices},
      {"GET", "/api/v1/services?limit=2", "/api/v1/services", "", kDevices},
      {"GET", "/api/v1/findings?limit=2", "/api/v1/findings", "", kDevices},
      {"GET", "/api/v1/findings/1", "/api/v1/findings/{id}", "", kDevices},
      {"POST", "/api/v1/findings/999999/exemptions", "/api/v1/findings/{id}/exemptions",
       R"({"reason":"not-ours","until":"2099-01-01"})", kStaff},
      {"GET", "/api/v1/exemptions", "/api/v1/exemptions", "", kStaff},
      {"DELETE", "/api/v1/exemptions/999999", "/api/v1/exemptions/{id}", "", kStaff},
      {"GET", "/api/v1/districts", "/api/v1/districts", "", kAggregates},
      {"GET", "/api/v1/stats/summary", "/api/v1/stats/summary", "", kAggregates},
      {"GET", "/api/v1/trends?days=7", "/api/v1/trends", "", kAggregates},
      {"GET", "/api/v1/open-data/districts.csv?days=2", "/api/v1/open-data/districts.csv", "",
       kAggregates},
      {"GET", "/api/v1/open-data/districts.geojson?days=2", "/api/v1/open-data/districts.geojson",
       "", kAggregates},
      {"GET", "/api/v1/imports", "/api/v1/imports", "", kStaff},
      {"GET", "/api/v1/imports/1", "/api/v1/imports/{id}", "", kStaff},
      {"POST", "/api/v1/imports?kind=nmap", "/api/v1/imports", "<nmaprun></nmaprun>", kAdmin},
      {"GET", "/api/v1/feeds", "/api/v1/feeds", "", kStaff},
      {"GET", "/api/v1/jobs", "/api/v1/jobs", "", kStaff},
      {"GET", "/api/v1/job-kinds", "/api/v1/job-kinds", "", kStaff},
      {"POST", "/api/v1/jobs", "/api/v1/jobs",
       R"({"name":"x","kind":"retention","schedule":"@daily"})", kStaff},
      {"GET", "/api/v1/jobs/retention", "/api/v1/jobs/{name}", "", kStaff},
      {"DELETE", "/api/v1/jobs/no-such-job", "/api/v1/jobs/{name}", "", kStaff},
      {"POST", "/api/v1/jobs/no-such-job/run", "/api/v1/jobs/{name}/run", "", kStaff},
      {"GET", "/api/v1/jobs/retention/runs", "/api/v1/jobs/{name}/runs", "", kStaff},
      {"GET", "/api/v1/users", "/api/v1/users", "", kAdmin},
      {"POST", "/api/v1/users", "/api/v1/users", R"({"name":"matrix-user","role":"screen"})",
       kAdmin},
      {"PATCH", "/api/v1/users/nobody", "/api/v1/users/{name}", R"({"disabled":true})", kAdmin},
      {"DELETE", "/api/v1/users/nobody", "/api/v1/users/{name}", "", kAdmin},
      {"GET", "/api/v1/tokens", "/api/v1/tokens", "", kAdmin},
      {"POST", "/api/v1/tokens", "/api/v1/tokens", R"({"user":"nobody"})", kAdmin},
      {"DELETE", "/api/v1/tokens/999999", "/api/v1/tokens/{id}", "", kAdmin},
      {"GET", "/api/v1/audit?limit=1", "/api/v1/audit", "", kAdmin},
      {"GET", "/api/v1/health", "/api/v1/health", "", kStaff},
      {"GET", "/api/v1/partners", "/api/v1/partners", "", kStaff},
      {"GET", "/api/v1/partners/isp-7", "/api/v1/partners/{name}", "", kStaff},
      {"GET", "/api/v1/batches", "/api/v1/batches", "", kDevices},
      {"GET", "/api/v1/batches/no-such", "/api/v1/batches/{id}", "", kDevices},
      {"GET", "/api/v1/batches/no-such/download", "/api/v1/batches/{id}/download", "", kDevices},
      {"POST", "/api/v1/batches/no-such/ack", "/api/v1/batches/{id}/ack", "", kDevices},
      {"POST", "/api/v1/batches/no-such/feedback", "/api/v1/batches/{id}/feedback",
       R"({"item":1,"status":"fixed"})", kDevices},
      {"GET", "/api/v1/disputes", "/api/v1/disputes", "", kStaff},
  };
}

TEST_F(DaemonApi, EveryRoleIsRefusedWhatItMayNotUseAndAnonymousEverything) {
  // The matrix covers every authenticated route the daemon has.
  auto index = get_json("/api/v1", "screen");
  std::set<std::string> listed, covered;
  for (const auto& r : index["routes"]) {
    if (!r["roles"].empty())
      listed.insert(r["method"].get<std::string>() + " " + r["path"].get<std::string>());
  }
  for (const auto& c : calls()) covered.insert(c.method + " " + c.pattern);
  EXPECT_EQ(listed, covered);

  for (const auto& c : calls()) {
    if (c.path == "/api/v1/session") continue;  // would log the role's token out; below
    auto anonymous = d().send(c.method, c.path, c.body);
    expect_error_shape(anonymous, 401);
    EXPECT_EQ(anonymous.headers["www-authenticate"], "Bearer realm=\"citywatch\"");
    for (const auto& role : kAll) {
      auto r = d().send(c.method, c.path, c.body, token(role));
      if (c.allowed.contains(role)) {
        EXPECT_NE(r.status, 401) << c.method << " " << c.path << " as " << role << ": " << r.body;
        EXPECT_NE(r.status, 403) << c.method << " " << c.path << " as " << role << ": " << r.body;
        EXPECT_LT(r.status, 500) << c.method << " " << c.path << " as " << role << ": " << r.body;
      } else {
        expect_error_shape(r, 403);
      }
    }
  }
  // An API token cannot be used as a session to log out; a wrong token is 401.
  EXPECT_EQ(d().send("DELETE", "/api/v1/session", "", token("screen")).status, 400);
  expect_error_shape(d().get("/api/v1/me", "cwt_not-a-real-token"), 401);
}

TEST_F(DaemonApi, PublicEndpointsNeedNoToken) {
  EXPECT_EQ(d().get("/livez").status, 200);
  auto ready = d().get("/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  auto checks = json::parse(ready.body)["checks"];
  std::set<std::string> names;
  for (const auto& c : checks) names.insert(c["name"]);
  EXPECT_EQ(names, (std::set<std::string>{"database", "schema", "writable", "disk", "scheduler",
                                          "audit_log"}));
  EXPECT_EQ(d().get("/metrics").status, 200);
}

TEST_F(DaemonApi, DevicesPageThroughEverythingOnce) {
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    std::string path = "/api/v1/devices?limit=50" + (cursor.empty() ? "" : "&cursor=" + cursor);
    auto page = get_json(path, "analyst");
    for (const auto& dev : page["items"]) EXPECT_TRUE(seen.insert(dev["ip"]).second);
    cursor = page["next_cursor"].is_null() ? "" : page["next_cursor"].get<std::string>();
    ++pages;
  } while (!cursor.empty() && pages < 100);
  EXPECT_EQ(static_cast<std::int64_t>(seen.size()), suite->devices);
  auto filtered = get_json("/api/v1/devices?device_type=webcam&limit=1000", "admin");
  EXPECT_EQ(
      static_cast<std::int64_t>(filtered["items"].size()),
      testing::query_int(suite->db, "SELECT count(*) FROM devices WHERE device_type = 'webcam'"));
  auto outside = get_json("/api/v1/devices?in_city=no,unknown&limit=1000", "admin");
  EXPECT_EQ(static_cast<std::int64_t>(outside["items"].size()),
            testing::query_int(suite->db,
                               "SELECT count(*) FROM devices WHERE "
                               "coalesce(in_city, 'unknown') IN ('no', 'unknown')"));
  auto risky = get_json("/api/v1/devices?district=WK051828&min_score=20&limit=1000", "admin");
  EXPECT_EQ(static_cast<std::int64_t>(risky["items"].size()),
            testing::query_int(suite->db,
                               "SELECT count(*) FROM devices WHERE district_code = "
                               "'WK051828' AND risk_score >= 20"));
  for (const auto& dev : risky["items"]) {
    EXPECT_EQ(dev["district_code"], "WK051828");
    EXPECT_GE(dev["risk_score"].get<int>(), 20);
  }
  expect_error_shape(d().get("/api/v1/devices?in_city=maybe", token("admin")), 400);
  auto net = get_json("/api/v1/devices?network=192.0.2.0/28", "admin");
  for (const auto& dev : net["items"])
    EXPECT_TRUE(dev["ip"].get<std::string>().starts_with("192.0.2."));
}

TEST_F(DaemonApi, BadParametersGetClearErrors) {
  auto unknown = d().get("/api/v1/devices?vendr=x", token("admin"));
  expect_error_shape(unknown, 400);
  EXPECT_NE(unknown.body.find("unknown query parameter 'vendr'"), std::string::npos);
  expect_error_shape(d().get("/api/v1/devices?limit=0", token("admin")), 400);
  expect_error_shape(d().get("/api/v1/devices?cursor=garbage", token("admin")), 400);
  // A cursor from another listing is refused.
  auto services = get_json("/api/v1/services?limit=1", "admin");
  expect_error_shape(d().get("/api/v1/devices?cursor=" + services["next_cursor"].get<std::string>(),
                             token("admin")),
                     400);
  expect_error_shape(d().get("/api/v1/devices?seen_after=yesterday", token("admin")), 400);
  expect_error_shape(d().get("/api/v1/devices/not-an-ip", token("admin")), 400);
  expect_error_shape(d().get("/api/v1/devices/203.0.113.99", token("admin")), 404);
  expect_error_shape(d().get("/api/v1/nothing-here", token("admin")), 404);
  auto wrong_method = d().send("PUT", "/api/v1/devices", "{}", token("admin"));
  expect_error_shape(wrong_method, 405);
  EXPECT_EQ(wrong_method.headers["allow"], "GET");
  expect_error_shape(d().send("POST", "/api/v1/users", "{not json", token("admin")), 400);
  expect_error_shape(
      d().send("POST", "/api/v1/users", R"({"name":"a","role":"admin","x":1})", token("admin")),
      400);
}

TEST_F(DaemonApi, RequestSizeLimitsApplyBeforeTheBodyIsRead) {
  std::string big(8 * 1024, 'x');  // max_body_kb = 4
  expect_error_shape(d().send("POST", "/api/v1/users", big, token("admin")), 413);
  // An upload announced as 2 MiB (max_upload_mb = 1) is refused from its headers alone: the
  // body is never sent.
  std::string head =
      "POST /api/v1/imports?kind=shodan HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Authorization: Bearer " +
      token("admin") + "\r\nContent-Length: 2097152\r\n";
  std::string answer = d().raw(head + "\r\n");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 413")) << answer;
  EXPECT_NE(answer.find("larger than 1048576 bytes"), std::string::npos);
  // Clients that ask first get the refusal instead of "100 Continue".
  std::string asked = d().raw(head + "Expect: 100-continue\r\n\r\n");
  EXPECT_TRUE(asked.starts_with("HTTP/1.1 413")) << asked;
  // A chunked body where a length is needed.
  std::string chunked = d().raw(
      "POST /api/v1/users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
      "Authorization: Bearer " +
      token("admin") + "\r\n\r\n");
  EXPECT_TRUE(chunked.starts_with("HTTP/1.1 411")) << chunked;
}

TEST_F(DaemonApi, DeviceDetailHasEvidenceAndHistoryAndEveryReadIsAudited) {
  auto detail = get_json("/api/v1/devices/192.0.2.1", "analyst");
  EXPECT_EQ(detail["device"]["ip"], "192.0.2.1");
  EXPECT_FALSE(detail["services"].empty());
  ASSERT_FALSE(detail["evidence"].empty());
  EXPECT_EQ(detail["evidence"][0]["source"], "shodan");
  EXPECT_TRUE(
      detail["evidence"][0]["evidence_id"].get<std::string>().starts_with("shodan/192.0.2.1/"));
  EXPECT_FALSE(detail["history"].empty());
  auto evidence = get_json("/api/v1/devices/192.0.2.1/observations?source=shodan", "analyst");
  EXPECT_FALSE(evidence["items"].empty());
  // The reads are in the audit log under the analyst's name.
  EXPECT_TRUE(testing::wait_for([&] {
    auto audit = get_json("/api/v1/audit?actor=ana&object=192.0.2.1", "admin");
    std::set<std::string> actions;
    for (const auto& e : audit["items"]) actions.insert(e["action"]);
    return actions.contains("device.read") && actions.contains("observation.list");
  }));
  auto lists = get_json("/api/v1/audit?actor=ana&action=device.list&limit=1", "admin");
  if (!lists["items"].empty()) {
    EXPECT_EQ(lists["items"][0]["role"], "analyst");
  }
}

TEST_F(DaemonApi, PartnersSeeOnlyTheirOwnDevices) {
  auto none = get_json("/api/v1/devices", "partner");
  EXPECT_TRUE(none["items"].empty());
  expect_error_shape(d().get("/api/v1/devices/192.0.2.1", token("partner")), 404);
  // Grant the partner two devices through the view (batches put them there in real use); the
  // real view is put back at the end.
  ASSERT_TRUE(testing::exec_sql(
      suite->db,
      "CREATE TABLE IF NOT EXISTS test_grants (partner_id, ip); "
      "INSERT INTO test_grants SELECT (SELECT id FROM partners WHERE name = 'isp-7'), ip "
      "FROM devices WHERE ip IN (3221225985, 3221225986); "
      "CREATE TABLE saved_view AS SELECT sql FROM sqlite_master WHERE name = "
      "'partner_visible_ips'; "
      "DROP VIEW partner_visible_ips; "
      "CREATE VIEW partner_visible_ips AS SELECT partner_id, ip FROM test_grants;"));
  auto mine = get_json("/api/v1/devices", "partner");
  std::set<std::string> ips;
  for (const auto& dev : mine["items"]) ips.insert(dev["ip"]);
  EXPECT_EQ(ips, (std::set<std::string>{"192.0.2.1", "192.0.2.2"}));
  EXPECT_EQ(d().get("/api/v1/devices/192.0.2.1", token("partner")).status, 200);
  expect_error_shape(d().get("/api/v1/devices/192.0.2.3", token("partner")), 404);
  auto services = get_json("/api/v1/services?limit=1000", "partner");
  for (const auto& s : services["items"]) EXPECT_TRUE(ips.contains(s["ip"]));
  // Aggregates are not for partners.
  expect_error_shape(d().get("/api/v1/stats/summary", token("partner")), 403);
  auto saved = testing::query_text(suite->db, "SELECT sql FROM saved_view");  // ends in ';'
  ASSERT_TRUE(testing::exec_sql(suite->db,
                                "DROP VIEW partner_visible_ips; DROP TABLE saved_view; " + saved));
}

TEST_F(DaemonApi, TheScreenSeesAggregatesWithSmallCountsHiddenAndNoAddress) {
  auto full = get_json("/api/v1/stats/summary", "analyst");
  auto screen = get_json("/api/v1/stats/summary", "screen");
  EXPECT_EQ(screen["suppressed_below"], 20);
  EXPECT_TRUE(full["suppressed_below"].is_null());
  EXPECT_EQ(screen["devices"], full["devices"]);
  int hidden = 0;
  for (std::size_t i = 0; i < full["services_by_port"].size(); ++i) {
    auto n = full["services_by_port"][i]["count"].get<int>();
    const auto& shown = screen["services_by_port"][i]["count"];
    if (n < 20) {
      EXPECT_TRUE(shown.is_null());
      ++hidden;
    } else {
      EXPECT_EQ(shown, n);
    }
  }
  EXPECT_GT(hidden, 0);
  auto trends = d().get("/api/v1/trends?days=30", token("screen"));
  EXPECT_EQ(trends.status, 200);
  std::regex ipv4(R"(\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b)");
  for (const auto& body : {screen.dump(), trends.body}) {
    EXPECT_FALSE(std::regex_search(body, ipv4)) << body;
  }
  for (const char* path : {"/api/v1/devices", "/api/v1/services", "/api/v1/devices/192.0.2.1",
                           "/api/v1/imports", "/api/v1/audit"}) {
    expect_error_shape(d().get(path, token("screen")), 403);
  }
}

TEST_F(DaemonApi, FindingsPageThroughEverythingOnceAndFilter) {
  std::set<std::int64_t> seen;
  std::string cursor;
  int pages = 0;
  do {
    std::string path = "/api/v1/findings?limit=40" + (cursor.empty() ? "" : "&cursor=" + cursor);
    auto page = get_json(path, "analyst");
    for (const auto& f : page["items"])
      EXPECT_TRUE(seen.insert(f["id"].get<std::int64_t>()).second);
    cursor = page["next_cursor"].is_null() ? "" : page["next_cursor"].get<std::string>();
    ++pages;
  } while (!cursor.empty() && pages < 100);
  EXPECT_EQ(static_cast<std::int64_t>(seen.size()), suite->findings);

  auto count = [](const std::string& where) {
    return testing::query_int(suite->db,
                              "SELECT count(*) FROM findings f LEFT JOIN devices d ON "
                              "d.ip = f.ip WHERE " +
                                  where);
  };
  auto items = [&](const std::string& query) {
    return get_json("/api/v1/findings?limit=1000&" + query, "analyst")["items"];
  };
  auto critical = items("severity=critical");
  EXPECT_EQ(static_cast<std::int64_t>(critical.size()), count("f.severity = 'critical'"));
  ASSERT_FALSE(critical.empty());
  for (const auto& f : critical) EXPECT_EQ(f["severity"], "critical");
  auto two_kinds = items("kind=infected,no-auth&status=open");
  EXPECT_EQ(static_cast<std::int64_t>(two_kinds.size()),
            count("f.kind IN ('infected', 'no-auth') AND f.status = 'open'"));
  std::string district = testing::query_text(
      suite->db,
      "SELECT d.district_code FROM findings f JOIN devices d ON d.ip = f.ip WHERE "
      "d.district_code IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1");
  ASSERT_FALSE(district.empty());
  district.pop_back();  // query_text's separator
  auto in_district = items("district=" + district + "&min_score=30");
  EXPECT_EQ(static_cast<std::int64_t>(in_district.size()),
            count("d.district_code = '" + district + "' AND d.risk_score >= 30"));
  for (const auto& f : in_district) {
    EXPECT_EQ(f["device"]["district_code"], district);
    EXPECT_GE(f["device"]["risk_score"].get<int>(), 30);
  }
  auto window = items("since=2026-11-20&until=2026-11-21");
  EXPECT_EQ(static_cast<std::int64_t>(window.size()),
            count("f.last_seen >= 1795132800 AND f.last_seen < 1795219200"));
  for (const char* bad : {"kind=bogus", "severity=urgent", "min_score=101", "since=yesterday",
                          "district=WK%27%3B", "ip=not-an-ip", "cursor=garbage"}) {
    expect_error_shape(d().get(std::string("/api/v1/findings?") + bad, token("analyst")), 400);
  }
  auto devices = get_json("/api/v1/devices?limit=1", "admin");
  expect_error_shape(d().get("/api/v1/findings?cursor=" + devices["next_cursor"].get<std::string>(),
                             token("admin")),
                     400);
  EXPECT_TRUE(testing::wait_for([&] {
    auto audit = get_json("/api/v1/audit?actor=ana&action=finding.list&limit=1", "admin");
    return !audit["items"].empty() && audit["items"][0]["role"] == "analyst";
  }));
}

TEST_F(DaemonApi, FindingDetailHasEvidenceHistoryExemptionsAndTheScoreExplained) {
  std::int64_t id =
      testing::query_int(suite->db, "SELECT min(id) FROM findings WHERE kind = 'infected'");
  auto detail = get_json("/api/v1/findings/" + std::to_string(id), "analyst");
  const auto& f = detail["finding"];
  EXPECT_EQ(f["id"], id);
  EXPECT_EQ(f["kind"], "infected");
  ASSERT_FALSE(f["evidence"].empty());
  ASSERT_EQ(detail["evidence"].size(), f["evidence"].size());
  EXPECT_EQ(detail["evidence"][0]["id"], f["evidence"][0]);
  EXPECT_EQ(detail["evidence"][0]["observation"]["evidence_id"], f["evidence"][0]);
  EXPECT_EQ(detail["history"][0]["event"], "opened");
  EXPECT_TRUE(detail["exemptions"].is_array());
  EXPECT_EQ(detail["device"]["ip"], f["ip"]);
  EXPECT_GT(detail["device"]["risk_score"].get<int>(), 0);
  EXPECT_FALSE(detail["device"]["risk_explanation"]["contributions"].empty());
  expect_error_shape(d().get("/api/v1/findings/99999999", token("analyst")), 404);
  expect_error_shape(d().get("/api/v1/findings/abc", token("analyst")), 400);
  // The read is audited against the device's address (a data subject's export lists it).
  std::string ip = f["ip"];
  EXPECT_TRUE(testing::wait_for([&] {
    auto audit = get_json("/api/v1/audit?actor=ana&action=finding.read&object=" + ip, "admin");
    return !audit["items"].empty();
  }));

  // The device detail carries the same: score explained, findings, their history.
  auto device = get_json("/api/v1/devices/" + ip, "analyst");
  EXPECT_EQ(device["risk"]["risk_score"], detail["device"]["risk_score"]);
  bool listed = false;
  for (const auto& item : device["findings"]) listed = listed || item["id"] == id;
  EXPECT_TRUE(listed);
  ASSERT_FALSE(device["finding_history"].empty());
  EXPECT_EQ(device["finding_history"].back()["event"]["event"], "opened");
  EXPECT_EQ(device["device"]["risk_score"], detail["device"]["risk_score"]);
}

TEST_F(DaemonApi, ExemptingAndLiftingAFindingRescoresTheDeviceAndIsAudited) {
  // A device with more than one finding, so the score stays above zero.
  std::string ip = testing::query_text(
      suite->db,
      "SELECT f.ip FROM findings f WHERE f.status = 'open' AND f.ip < 4294967296 "
      "GROUP BY f.ip HAVING count(*) >= 2 LIMIT 1");
  ASSERT_FALSE(ip.empty());
  ip.pop_back();
  std::string address = core::IpAddress::v4(static_cast<std::uint32_t>(std::stoll(ip))).to_string();
  auto before = get_json("/api/v1/devices/" + address, "analyst");
  int score = before["risk"]["risk_score"];
  // Its worst active finding: exempting it must lower the score.
  const std::vector<std::string> order{"info", "low", "medium", "high", "critical"};
  std::int64_t id = 0;
  std::size_t worst = 0;
  for (const auto& f : before["findings"]) {
    auto level = static_cast<std::size_t>(
        std::find(order.begin(), order.end(), f["severity"].get<std::string>()) - order.begin());
    if ((f["status"] == "open" || f["status"] == "reopened") && (id == 0 || level > worst)) {
      id = f["id"];
      worst = level;
    }
  }
  ASSERT_NE(id, 0) << before;

  std::string path = "/api/v1/findings/" + std::to_string(id) + "/exemptions";
  for (const char* bad : {R"({"reason":"because","until":"2099-01-01"})",
                          R"({"reason":"not-ours","until":"2001-01-01"})",
                          R"({"reason":"not-ours"})", R"({"reason":"not-ours","until":"soon"})",
                          R"({"reason":"not-ours","until":"2027-01-01","by":"someone else"})"}) {
    expect_error_shape(d().send("POST", path, bad, token("analyst")), 400);
  }
  expect_error_shape(d().send("POST", "/api/v1/findings/99999999/exemptions",
                              R"({"reason":"not-ours","until":"2027-06-01"})", token("analyst")),
                     404);
  auto made = d().send(
      "POST", path, R"({"reason":"research-honeypot","until":"2027-06-01","note":"TU honeypot"})",
      token("analyst"));
  ASSERT_EQ(made.status, 201) << made.body;
  auto exemption = json::parse(made.body);
  EXPECT_EQ(exemption["by"], "ana");
  EXPECT_EQ(exemption["finding_id"], id);
  EXPECT_EQ(exemption["until"], "2027-06-01T00:00:00Z");
  EXPECT_EQ(made.headers["location"],
            "/api/v1/exemptions/" + std::to_string(exemption["id"].get<int>()));

  auto exempt = get_json("/api/v1/findings/" + std::to_string(id), "analyst");
  EXPECT_EQ(exempt["finding"]["exempt"], "research-honeypot");
  EXPECT_EQ(exempt["exemptions"][0]["id"], exemption["id"]);
  EXPECT_EQ(exempt["history"].back()["event"], "exempted");
  int lower = get_json("/api/v1/devices/" + address, "analyst")["risk"]["risk_score"];
  EXPECT_LT(lower, score);
  bool listed = false;
  auto in_force = get_json("/api/v1/exemptions", "admin");
  for (const auto& e : in_force["items"]) {
    listed = listed || e["id"] == exemption["id"];
  }
  EXPECT_TRUE(listed);

  std::string lift = "/api/v1/exemptions/" + std::to_string(exemption["id"].get<int>());
  auto lifted = d().send("DELETE", lift, "", token("admin"));
  ASSERT_EQ(lifted.status, 200) << lifted.body;
  expect_error_shape(d().send("DELETE", lift, "", token("admin")), 404);
  EXPECT_EQ(get_json("/api/v1/devices/" + address, "analyst")["risk"]["risk_score"], score);
  auto after = get_json("/api/v1/findings/" + std::to_string(id), "analyst");
  EXPECT_TRUE(after["finding"]["exempt"].is_null());
  EXPECT_EQ(after["history"].back()["event"], "unexempted");
  auto in_force_after = get_json("/api/v1/exemptions", "admin");
  for (const auto& e : in_force_after["items"]) {
    EXPECT_NE(e["id"], exemption["id"]);  // no longer in force
  }
  bool kept = false;
  auto all = get_json("/api/v1/exemptions?all=true", "admin");
  for (const auto& e : all["items"]) {
    kept = kept || (e["id"] == exemption["id"] && e["active"] == false);
  }
  EXPECT_TRUE(kept);
  EXPECT_TRUE(testing::wait_for([&] {
    auto audit = get_json("/api/v1/audit?object=" + address, "admin");
    std::set<std::string> actions;
    for (const auto& e : audit["items"]) {
      actions.insert(e["action"].get<std::string>() + ":" + e["actor"].get<std::string>());
    }
    return actions.contains("finding.exempt:ana") && actions.contains("exemption.lift:root-admin");
  }));
}

TEST_F(DaemonApi, PartnersSeeOnlyTheFindingsInTheirOwnBatches) {
  // No batches exist yet: a partner sees no finding at all.
  EXPECT_TRUE(get_json("/api/v1/findings", "partner")["items"].empty());
  expect_error_shape(d().get("/api/v1/findings/1", token("partner")), 404);
  // Grant the partner two findings through the view (its batches put them there in real use)
  // and a third to another partner; the real view is put back at the end.
  ASSERT_TRUE(testing::exec_sql(
      suite->db,
      "CREATE TABLE IF NOT EXISTS test_finding_grants (partner_id, finding_id); "
      "INSERT INTO test_finding_grants SELECT (SELECT id FROM partners WHERE name = 'isp-7'), "
      "id FROM findings WHERE id IN (1, 2); "
      "INSERT INTO test_finding_grants VALUES (-1, 3); "
      "CREATE TABLE saved_view AS SELECT sql FROM sqlite_master WHERE name = "
      "'partner_visible_findings'; "
      "DROP VIEW partner_visible_findings; "
      "CREATE VIEW partner_visible_findings AS SELECT partner_id, finding_id FROM "
      "test_finding_grants;"));
  std::set<std::int64_t> ids;
  auto granted = get_json("/api/v1/findings", "partner");
  for (const auto& f : granted["items"]) {
    ids.insert(f["id"].get<std::int64_t>());
  }
  EXPECT_EQ(ids, (std::set<std::int64_t>{1, 2}));
  EXPECT_EQ(d().get("/api/v1/findings/2", token("partner")).status, 200);
  expect_error_shape(d().get("/api/v1/findings/3", token("partner")), 404);
  auto saved = testing::query_text(suite->db, "SELECT sql FROM saved_view");  // ends in ';'
  ASSERT_TRUE(testing::exec_sql(
      suite->db, "DROP VIEW partner_visible_findings; DROP TABLE saved_view; " + saved));
}

TEST_F(DaemonApi, DistrictsAddUpAndTheScreenGetsThemWithoutSmallCountsOrAddresses) {
  auto full = get_json("/api/v1/districts", "analyst");
  ASSERT_GE(full["districts"].size(), 40u);  // every wijk of The Hague, even the empty ones
  std::int64_t devices = 0, insecure = 0;
  for (const auto& dist : full["districts"]) {
    EXPECT_TRUE(dist["code"].get<std::string>().starts_with("WK0518")) << dist;
    devices += dist["devices"].get<std::int64_t>();
    insecure += dist["insecure_devices"].get<std::int64_t>();
  }
  devices += full["no_district"]["devices"].get<std::int64_t>();
  insecure += full["no_district"]["insecure_devices"].get<std::int64_t>();
  EXPECT_EQ(devices, full["city_total"]["devices"]);
  EXPECT_EQ(insecure, full["city_total"]["insecure_devices"]);
  EXPECT_EQ(devices, testing::query_int(suite->db,
                                        "SELECT count(*) FROM devices WHERE district_code IS NOT "
                                        "NULL OR in_city IN ('yes', 'possibly')"));
  EXPECT_GT(insecure, 0);
  std::int64_t by_severity = 0;
  for (const auto& [level, n] : full["city_total"]["insecure_by_severity"].items()) {
    by_severity += n.get<std::int64_t>();
  }
  EXPECT_EQ(by_severity, insecure);  // each insecure device counts once, by its worst finding

  auto screen = get_json("/api/v1/districts", "screen");
  EXPECT_EQ(screen["suppressed_below"], 20);
  int hidden = 0;
  for (std::size_t i = 0; i < full["districts"].size(); ++i) {
    auto n = full["districts"][i]["devices"].get<std::int64_t>();
    const auto& shown = screen["districts"][i]["devices"];
    if (n > 0 && n < 20) {
      EXPECT_TRUE(shown.is_null()) << screen["districts"][i];
      ++hidden;
    } else {
      EXPECT_EQ(shown, n);
    }
  }
  EXPECT_GT(hidden, 0);
  auto trends = get_json("/api/v1/trends?days=30", "screen");
  // No address of any stored device (v4 or v6), and nothing shaped like an IPv4 address.
  auto all_devices = get_json("/api/v1/devices?limit=1000", "admin");
  ASSERT_TRUE(all_devices["next_cursor"].is_null());
  std::regex ipv4(R"(\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b)");
  for (const auto& body : {screen.dump(), trends.dump()}) {
    EXPECT_FALSE(std::regex_search(body, ipv4)) << body;
    for (const auto& dev : all_devices["items"]) {
      EXPECT_EQ(body.find("\"" + dev["ip"].get<std::string>() + "\""), std::string::npos);
    }
  }
  for (const char* path : {"/api/v1/findings", "/api/v1/findings/1", "/api/v1/exemptions"}) {
    expect_error_shape(d().get(path, token("screen")), 403);
  }
}

TEST_F(DaemonApi, TrendsCountNewAndFixedFindingsPerDay) {
  // A telnet service seen now: a finding opened today.
  std::string now = core::format_utc(std::time(nullptr));
  std::string csv = "\"timestamp\",\"ip\",\"protocol\",\"port\",\"tag\"\n\"" + now.substr(0, 10) +
                    " " + now.substr(11, 8) + "\",\"203.0.113.77\",\"tcp\",23,\"telnet\"\n";
  auto up = d().send("POST", "/api/v1/imports?kind=shadowserver&filename=today-scan_telnet-nl.csv",
                     csv, token("admin"), {}, "text/csv");
  ASSERT_EQ(up.status, 201) << up.body;
  auto trends = get_json("/api/v1/trends?days=366", "analyst");
  std::int64_t opened = 0;
  for (const auto& day : trends["days"]) {
    opened += day["new_findings"].get<std::int64_t>();
    EXPECT_TRUE(day["fixed_findings"].is_number());
    EXPECT_TRUE(day["reopened_findings"].is_number());
  }
  EXPECT_GE(trends["days"].back()["new_findings"].get<std::int64_t>(), 1);
  EXPECT_EQ(opened,
            testing::query_int(suite->db,
                               "SELECT count(*) FROM finding_events WHERE event = 'opened' AND "
                               "observed_at >= (strftime('%s', 'now') / 86400 - 365) * 86400"));
}

TEST_F(DaemonApi, LoginSessionsCookiesAndCsrf) {
  auto added = testing::citywatch(
      {"--db", suite->db, "users", "add", "olga", "--role", "analyst", "--password-stdin"},
      "olga's long passphrase\n");
  ASSERT_EQ(added.exit_code, 0) << added.err;
  expect_error_shape(
      d().send("POST", "/api/v1/session", R"({"user":"olga","password":"wrong password!!"})"), 401);
  expect_error_shape(
      d().send("POST", "/api/v1/session", R"({"user":"nobody","password":"wrong password!!"})"),
      401);
  auto login = d().send("POST", "/api/v1/session",
                        R"({"user":"olga","password":"olga's long passphrase","cookie":true})");
  ASSERT_EQ(login.status, 201) << login.body;
  auto session = json::parse(login.body);
  std::string secret = session["token"];
  EXPECT_EQ(session["role"], "analyst");
  std::string cookie = login.headers["set-cookie"];
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  std::string jar = "citywatch_session=" + secret;
  EXPECT_EQ(d().get("/api/v1/me", "", {{"Cookie", jar}}).status, 200);
  // A change with only the cookie needs the CSRF header.
  expect_error_shape(d().send("POST", "/api/v1/jobs/retention/run", "", "", {{"Cookie", jar}}),
                     403);
  auto with_header = d().send("POST", "/api/v1/jobs/retention/run", "", "",
                              {{"Cookie", jar}, {"X-Citywatch-CSRF", "1"}});
  EXPECT_EQ(with_header.status, 403);  // analysts may not run retention: but CSRF passed
  EXPECT_NE(with_header.body.find("only admins"), std::string::npos);
  EXPECT_EQ(d().send("DELETE", "/api/v1/session", "", secret).status, 200);
  expect_error_shape(d().get("/api/v1/me", secret), 401);
  // Five wrong passwords in a row lock the name for a while.
  for (int i = 0; i < 5; ++i) {
    d().send("POST", "/api/v1/session", R"({"user":"olga","password":"not the right one"})");
  }
  expect_error_shape(
      d().send("POST", "/api/v1/session", R"({"user":"olga","password":"olga's long passphrase"})"),
      429);
}

TEST_F(DaemonApi, UploadingAFeedFileImportsIt) {
  std::string csv =
      "\"timestamp\",\"ip\",\"protocol\",\"port\",\"hostname\",\"tag\",\"asn\",\"geo\"\n"
      "\"2026-11-20 01:02:03\",\"203.0.113.7\",\"tcp\",23,,\"telnet\",64498,\"NL\"\n"
      "\"2026-11-20 01:02:04\",\"203.0.113.8\",\"tcp\",23,,\"telnet\",64498,\"NL\"\n"
      "\"not a time\",\"203.0.113.9\",\"tcp\",23,,\"telnet\",64498,\"NL\"\n";
  auto r =
      d().send("POST", "/api/v1/imports?kind=shadowserver&filename=2026-11-20-scan_telnet-nl.csv",
               csv, token("admin"), {}, "text/csv");
  ASSERT_EQ(r.status, 201) << r.body;
  auto body = json::parse(r.body);
  EXPECT_EQ(body["imported"], 2);
  EXPECT_EQ(body["rejected"], 1);
  EXPECT_EQ(body["report_type"], "scan_telnet");
  // The upload went through the one ingest path: fingerprinted, located and assessed.
  EXPECT_EQ(body["findings"]["new"], 2) << r.body;
  EXPECT_EQ(body["located"]["yes"].get<int>() + body["located"]["possibly"].get<int>() +
                body["located"]["no"].get<int>() + body["located"]["unknown"].get<int>(),
            2)
      << r.body;
  auto id = body["id"].get<std::int64_t>();
  EXPECT_EQ(r.headers["location"], "/api/v1/imports/" + std::to_string(id));
  auto shown = get_json("/api/v1/imports/" + std::to_string(id), "analyst");
  EXPECT_EQ(shown["status"], "done");
  EXPECT_EQ(d().get("/api/v1/devices/203.0.113.7", token("analyst")).status, 200);
  auto again =
      d().send("POST", "/api/v1/imports?kind=shadowserver&filename=2026-11-20-scan_telnet-nl.csv",
               csv, token("admin"), {}, "text/csv");
  EXPECT_EQ(json::parse(again.body)["duplicates"], 2);
  expect_error_shape(d().send("POST", "/api/v1/imports?kind=masscan", csv, token("admin")), 400);
  auto broken = d().send("POST", "/api/v1/imports?kind=nmap", "<nmaprun><host>", token("admin"));
  expect_error_shape(broken, 422);
}

TEST_F(DaemonApi, JobsListRunNowAndRuns) {
  auto jobs = get_json("/api/v1/jobs", "analyst");
  std::set<std::string> names;
  for (const auto& j : jobs["items"]) names.insert(j["name"]);
  EXPECT_TRUE(names.contains("retention"));
  EXPECT_TRUE(names.contains("feed-check"));
  auto before = get_json("/api/v1/jobs/feed-check/runs", "admin")["items"].size();
  ASSERT_TRUE(testing::wait_for([&] {
    return d().send("POST", "/api/v1/jobs/feed-check/run", "", token("admin")).status == 202;
  }));
  EXPECT_TRUE(testing::wait_for([&] {
    auto runs = get_json("/api/v1/jobs/feed-check/runs", "admin")["items"];
    return runs.size() > before && runs[0]["status"] == "ok" && runs[0]["trigger"] == "manual";
  }));
  expect_error_shape(d().send("POST", "/api/v1/jobs/no-such-job/run", "", token("admin")), 404);
  expect_error_shape(d().send("POST", "/api/v1/jobs/retention/run", "", token("analyst")), 403);
  auto not_api =
      d().send("POST", "/api/v1/jobs", R"({"name":"r2","kind":"retention","schedule":"@daily"})",
               token("admin"));
  expect_error_shape(not_api, 400);
  EXPECT_NE(not_api.body.find("cannot be created through the API"), std::string::npos);
  expect_error_shape(d().send("DELETE", "/api/v1/jobs/retention", "", token("admin")), 409);
  auto kinds = get_json("/api/v1/job-kinds", "analyst");
  EXPECT_GE(kinds["items"].size(), 5u);
  auto runs_page = get_json("/api/v1/jobs/feed-check/runs?limit=1", "analyst");
  EXPECT_EQ(runs_page["items"].size(), 1u);
}

TEST_F(DaemonApi, UsersAndTokensThroughTheApi) {
  auto created =
      d().send("POST", "/api/v1/users", R"({"name":"carol","role":"analyst"})", token("admin"));
  ASSERT_EQ(created.status, 201) << created.body;
  expect_error_shape(
      d().send("POST", "/api/v1/users", R"({"name":"CAROL","role":"analyst"})", token("admin")),
      409);
  expect_error_shape(
      d().send("POST", "/api/v1/users", R"({"name":"p","role":"partner"})", token("admin")), 400);
  auto issued =
      d().send("POST", "/api/v1/tokens", R"({"user":"carol","expires_days":1})", token("admin"));
  ASSERT_EQ(issued.status, 201) << issued.body;
  auto t = json::parse(issued.body);
  std::string secret = t["token"];
  EXPECT_EQ(get_json("/api/v1/me", "admin")["role"], "admin");
  EXPECT_EQ(json::parse(d().get("/api/v1/me", secret).body)["user"], "carol");
  auto list = d().get("/api/v1/tokens?user=carol", token("admin"));
  EXPECT_EQ(list.body.find(secret), std::string::npos);  // secrets are never listed
  EXPECT_EQ(
      d().send("DELETE", "/api/v1/tokens/" + std::to_string(t["id"].get<int>()), "", token("admin"))
          .status,
      200);
  expect_error_shape(d().get("/api/v1/me", secret), 401);
  auto disabled = d().send("PATCH", "/api/v1/users/carol", R"({"disabled":true})", token("admin"));
  EXPECT_EQ(json::parse(disabled.body)["disabled"], true);
  // The last admin can be neither disabled nor deleted.
  expect_error_shape(d().send("DELETE", "/api/v1/users/root-admin", "", token("admin")), 409);
  expect_error_shape(
      d().send("PATCH", "/api/v1/users/root-admin", R"({"disabled":true})", token("admin")), 409);
  EXPECT_TRUE(testing::wait_for([&] {
    auto audit = get_json("/api/v1/audit?action=token.revoke", "admin");
    return !audit["items"].empty() && audit["items"][0]["actor"] == "root-admin";
  }));
}

TEST_F(DaemonApi, MetricsAreValidPrometheusTextWithoutAddresses) {
  d().get("/api/v1/devices/192.0.2.1", token("admin"));
  auto r = d().get("/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(r.headers["content-type"].starts_with("text/plain; version=0.0.4"));
  auto doc = testing::parse_prometheus(r.body);
  EXPECT_TRUE(doc.problems.empty()) << ::testing::PrintToString(doc.problems);
  EXPECT_GT(doc.value("citywatch_devices"), 100);
  EXPECT_GT(
      doc.value("citywatch_ingest_records_total", {{"source", "shodan"}, {"outcome", "imported"}}),
      100);
  EXPECT_EQ(doc.value("citywatch_database_up"), 1);
  EXPECT_GT(
      doc.value("citywatch_findings_active", {{"kind", "infected"}, {"severity", "critical"}}), 0);
  EXPECT_GE(doc.value("citywatch_http_requests_total",
                      {{"route", "/api/v1/devices/{ip}"}, {"method", "GET"}, {"code", "200"}}),
            1);
  std::regex ipv4(R"(\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b)");
  for (const auto& s : doc.samples) {
    for (const auto& [k, v] : s.labels) EXPECT_FALSE(std::regex_search(v, ipv4)) << k << "=" << v;
  }
  EXPECT_TRUE(doc.types.count("citywatch_job_duration_seconds"));
}

TEST_F(DaemonApi, HealthShowsSchedulerAndConfiguration) {
  auto h = get_json("/api/v1/health", "analyst");
  EXPECT_EQ(h["status"], "ready");
  EXPECT_EQ(h["config"]["generation"], 1);
  EXPECT_TRUE(h["config"]["last_reload_error"].is_null());
  EXPECT_FALSE(h["scheduler"]["owner"].get<std::string>().empty());
}

}  // namespace
}  // namespace citywatch
