// The pull API as a telecom partner uses it against the real `citywatch serve`: batches built by
// the CLI from the demo feeds for two partners, each partner fetching its own open batches in
// its format, answering per item and acknowledging; never seeing or changing the other's. And
// what the CISO team sees afterwards: deliveries, acknowledgements, disputes, the effect.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/support/daemon_process.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/test_support.h"
#include "tests/support/webhook_receiver.h"

namespace citywatch {
namespace {

using nlohmann::json;
using testing::DaemonProcess;

class PullApi : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("city.db");
    config_ = dir_.file("citywatch.toml");
    // No notify job: the batches below are built by the CLI, once.
    testing::write_file(config_,
                        "[server]\nscreen_min_count = 20\n[notify]\nschedule = \"\"\n"
                        "[geo]\nprefix_map = \"" +
                            testing::source_path("data/demo/prefix-map.csv") + "\"\n");
    ASSERT_EQ(cli({"init"}).exit_code, 0);
    auto imported =
        cli({"import", "shodan", testing::source_path("data/demo/shodan-hague-demo.jsonl")});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    for (auto [name, prefix] :
         {std::pair{"isp-a", "192.0.2.0/24"}, std::pair{"isp-b", "198.51.100.0/24"}}) {
      auto added = cli({"partners", "add", name, "--prefix", prefix, "--pull"});
      ASSERT_EQ(added.exit_code, 0) << added.err;
      tokens_[name] = token(name, "partner", {"--partner", name});
    }
    tokens_["analyst"] = token("ana", "analyst");
    auto built = cli({"batches", "build"});
    ASSERT_EQ(built.exit_code, 0) << built.err;
    for (auto name : {"isp-a", "isp-b"}) {
      batch_[name] = one_text(
          "SELECT b.batch_id FROM batches b JOIN partners p ON p.id = "
          "b.partner_id WHERE p.name = '" +
          std::string(name) + "'");
      ASSERT_FALSE(batch_[name].empty()) << "not one batch built for " << name << ": " << built.out;
    }
    daemon_ = std::make_unique<DaemonProcess>(std::vector<std::string>{
        "--config", config_, "--db", db_, "serve", "--listen", "127.0.0.1:0"});
    ASSERT_TRUE(daemon_->started()) << daemon_->startup_error();
  }

  testing::RunResult cli(std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", config_, "--db", db_});
    return testing::citywatch(args);
  }
  std::string token(const std::string& user, const std::string& role,
                    const std::vector<std::string>& extra = {}) {
    return testing::create_token({"--config", config_, "--db", db_}, user, role, extra);
  }
  testing::HttpResult call(const std::string& method, const std::string& path,
                           const std::string& who, const std::string& body = "") {
    return daemon_->send(method, path, body, tokens_.at(who));
  }
  json get_json(const std::string& path, const std::string& who) {
    auto r = call("GET", path, who);
    EXPECT_EQ(r.status, 200) << path << " as " << who << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }
  std::int64_t items_of(const std::string& batch) {
    return testing::query_int(db_,
                              "SELECT item_count FROM batches WHERE batch_id = '" + batch + "'");
  }
  std::string status_of(const std::string& batch) {
    return one_text("SELECT status FROM batches WHERE batch_id = '" + batch + "'");
  }
  // The single value of a one-row query; empty for none or several rows.
  std::string one_text(const std::string& sql) {
    std::string rows = testing::query_text(db_, sql);  // each row ends in ';'
    if (rows.empty() || rows.find(';') != rows.size() - 1) return "";
    rows.pop_back();
    return rows;
  }

  testing::TempDir dir_;
  std::string db_, config_;
  std::map<std::string, std::string> tokens_, batch_;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(PullApi, APartnerFetchesItsOwnOpenBatchesInItsFormat) {
  const std::string mine = batch_["isp-a"];
  auto open = get_json("/api/v1/batches?status=open", "isp-a");
  ASSERT_EQ(open["items"].size(), 1u) << open.dump();
  EXPECT_EQ(open["items"][0]["id"], mine);
  EXPECT_EQ(open["items"][0]["items"], items_of(mine));
  EXPECT_FALSE(open["items"][0].contains("last_error"));  // delivery internals stay the city's

  auto csv = call("GET", "/api/v1/batches/" + mine + "/download", "isp-a");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.headers["content-type"].rfind("text/csv", 0), 0u);
  EXPECT_NE(csv.headers["content-disposition"].find(mine + ".csv\""), std::string::npos);
  std::istringstream lines(csv.body);
  std::string header, line;
  std::getline(lines, header);
  EXPECT_NE(header.find("timestamp"), std::string::npos) << header;
  EXPECT_NE(header.find("ip"), std::string::npos) << header;
  std::int64_t rows = 0;
  std::set<std::string> prefixes;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    ++rows;
    EXPECT_NE(line.find("192.0.2."), std::string::npos) << line;  // only its own addresses
  }
  EXPECT_EQ(rows, items_of(mine));
  // The first fetch delivers the batch; it stays open until acknowledged.
  EXPECT_EQ(status_of(mine), "delivered");
  EXPECT_EQ(get_json("/api/v1/batches?status=open", "isp-a")["items"].size(), 1u);

  auto xarf = call("GET", "/api/v1/batches/" + mine + "/download?format=xarf", "isp-a");
  ASSERT_EQ(xarf.status, 200) << xarf.body;
  auto doc = json::parse(xarf.body, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << xarf.body.substr(0, 200);
  ASSERT_EQ(doc["reports"].size(), static_cast<std::size_t>(items_of(mine)));
  for (const auto& report : doc["reports"]) EXPECT_EQ(report["xarf_version"], "4.0.0");
  EXPECT_EQ(call("GET", "/api/v1/batches/" + mine + "/download?format=pdf", "isp-a").status, 400);
}

TEST_F(PullApi, AnotherPartnersBatchIsNotFoundAndStaysUntouched) {
  const std::string theirs = batch_["isp-b"];
  auto listed = get_json("/api/v1/batches", "isp-a");
  ASSERT_FALSE(listed["items"].empty());
  for (const auto& b : listed["items"]) {
    EXPECT_NE(b["id"], theirs);
  }
  EXPECT_EQ(call("GET", "/api/v1/batches/" + theirs, "isp-a").status, 404);
  EXPECT_EQ(call("GET", "/api/v1/batches/" + theirs + "/download", "isp-a").status, 404);
  EXPECT_EQ(call("POST", "/api/v1/batches/" + theirs + "/ack", "isp-a").status, 404);
  EXPECT_EQ(call("POST", "/api/v1/batches/" + theirs + "/feedback", "isp-a",
                 R"({"item": 1, "status": "fixed"})")
                .status,
            404);
  EXPECT_EQ(status_of(theirs), "pending");
  EXPECT_EQ(testing::query_int(db_, "SELECT count(*) FROM batch_items WHERE feedback IS NOT NULL"),
            0);
  // Its own findings are visible through the real view, the other partner's are not.
  std::set<std::int64_t> visible;
  auto findings = get_json("/api/v1/findings?limit=1000", "isp-a");  // kept: the loop reads it
  for (const auto& f : findings["items"]) {
    visible.insert(f["id"].get<std::int64_t>());
  }
  EXPECT_EQ(static_cast<std::int64_t>(visible.size()),
            testing::query_int(db_,
                               "SELECT count(DISTINCT finding_id) FROM batch_items i JOIN "
                               "batches b ON b.id = i.batch WHERE b.batch_id = '" +
                                   batch_["isp-a"] + "'"));
  // Partners do not list partners or disputes.
  EXPECT_EQ(call("GET", "/api/v1/partners", "isp-a").status, 403);
  EXPECT_EQ(call("GET", "/api/v1/disputes", "isp-a").status, 403);
}

TEST_F(PullApi, FeedbackPerItemAndAcknowledgementReachTheCisoTeam) {
  const std::string mine = batch_["isp-a"];
  ASSERT_GE(items_of(mine), 2);
  // All or nothing: one bad item refuses the whole answer.
  auto bad =
      call("POST", "/api/v1/batches/" + mine + "/feedback", "isp-a",
           R"({"feedback": [{"item": 1, "status": "fixed"}, {"item": 99999, "status": "fixed"}]})");
  EXPECT_GE(bad.status, 400);
  EXPECT_LT(bad.status, 500);
  EXPECT_EQ(testing::query_int(db_, "SELECT count(*) FROM batch_items WHERE feedback IS NOT NULL"),
            0);
  auto good = call("POST", "/api/v1/batches/" + mine + "/feedback", "isp-a",
                   R"({"feedback": [{"item": 1, "status": "customer-informed"},
                                    {"item": 2, "status": "dispute", "note": "business line"}]})");
  ASSERT_EQ(good.status, 200) << good.body;
  EXPECT_EQ(json::parse(good.body)["recorded"], 2);

  auto shown = get_json("/api/v1/batches/" + mine, "isp-a");
  ASSERT_GE(shown["item_list"].size(), 2u);
  EXPECT_EQ(shown["item_list"][0]["feedback"]["status"], "customer-informed");
  EXPECT_EQ(shown["item_list"][1]["feedback"]["note"], "business line");
  auto disputes = get_json("/api/v1/disputes", "analyst");
  ASSERT_EQ(disputes["items"].size(), 1u);
  EXPECT_EQ(disputes["items"][0]["batch"], mine);
  EXPECT_EQ(disputes["items"][0]["partner"], "isp-a");

  auto ack = call("POST", "/api/v1/batches/" + mine + "/ack", "isp-a");
  ASSERT_EQ(ack.status, 200) << ack.body;
  EXPECT_EQ(status_of(mine), "acknowledged");
  EXPECT_GT(json::parse(ack.body)["findings_notified"].get<int>(), 0);
  EXPECT_EQ(testing::query_int(
                db_,
                "SELECT count(*) FROM findings WHERE status = 'notified' AND id IN (SELECT "
                "finding_id FROM batch_items i JOIN batches b ON b.id = i.batch WHERE "
                "b.batch_id = '" +
                    mine + "')"),
            json::parse(ack.body)["findings_notified"].get<int>());
  EXPECT_EQ(call("POST", "/api/v1/batches/" + mine + "/ack", "isp-a").status, 200);  // again: no-op
  EXPECT_TRUE(get_json("/api/v1/batches?status=open", "isp-a")["items"].empty());

  // What the CISO team sees: per partner what was sent, delivered and acknowledged.
  json a;
  auto partners = get_json("/api/v1/partners", "analyst");
  for (const auto& p : partners["items"]) {
    if (p["name"] == "isp-a") a = p;
  }
  ASSERT_TRUE(a.is_object());
  EXPECT_EQ(a["stats"]["batches"], 1);
  EXPECT_EQ(a["stats"]["acknowledged"], 1);
  EXPECT_EQ(a["stats"]["findings_sent"], items_of(mine));
  EXPECT_EQ(get_json("/api/v1/partners/isp-a", "analyst")["prefixes"][0]["prefix"], "192.0.2.0/24");
  auto staff_view = get_json("/api/v1/batches/" + mine, "analyst");
  EXPECT_TRUE(staff_view.contains("delivery_attempts"));
  // Each change is in the audit log under the partner user's name.
  EXPECT_TRUE(testing::wait_for([&] {
    return testing::query_int(db_,
                              "SELECT count(*) FROM audit_log WHERE actor = 'isp-a' AND "
                              "action IN ('batch.feedback', 'batch.acknowledge')") >= 3;
  }));
}

// The daemon's notify job: started with a webhook partner in its configuration, the daemon
// builds the partner's batch and delivers it by itself (a new job runs at once), signed, and
// its metrics count the delivery.
TEST(NotifyJob, TheDaemonBuildsAndDeliversBatchesByItself) {
  testing::TempDir dir;
  testing::WebhookReceiver receiver("127.0.0.1", "", "");
  receiver.set_secret("/isp", "isp-secret-0123456789");
  testing::write_file(dir.file("isp.key"), "isp-secret-0123456789\n");
  const std::string db = dir.file("city.db"), config = dir.file("citywatch.toml");
  testing::write_file(config,
                      "[geo]\nprefix_map = \"" + testing::source_path("data/demo/prefix-map.csv") +
                          "\"\n[notify]\nschedule = \"@daily\"\n[[partner]]\nname = \"isp\"\n"
                          "prefixes = [\"192.0.2.0/24\"]\nwebhook = \"" +
                          receiver.url("/isp") + "\"\nsecret_file = \"" + dir.file("isp.key") +
                          "\"\nallow_insecure = true\n");
  ASSERT_EQ(testing::citywatch({"--config", config, "--db", db, "init"}).exit_code, 0);
  auto imported = testing::citywatch({"--config", config, "--db", db, "import", "shodan",
                                      testing::source_path("data/demo/shodan-hague-demo.jsonl")});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  ASSERT_EQ(testing::query_int(db, "SELECT count(*) FROM batches"), 0);

  DaemonProcess daemon({"--config", config, "--db", db, "serve", "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(daemon.started()) << daemon.startup_error();
  ASSERT_TRUE(receiver.wait_for(1, std::chrono::seconds(30)));
  auto got = receiver.requests().front();
  EXPECT_TRUE(got.signature_ok) << got.head;
  // One batch, the one received (each row of the answer ends in ';').
  EXPECT_EQ(got.batch_id + ";", testing::query_text(db, "SELECT batch_id FROM batches"));
  EXPECT_TRUE(testing::wait_for([&] {
    return testing::query_int(db, "SELECT count(*) FROM batches WHERE status = 'delivered'") == 1;
  }));
  EXPECT_TRUE(testing::wait_for([&] {
    return daemon.get("/metrics")
               .body.find("citywatch_batch_deliveries_total{outcome=\"delivered\"} 1") !=
           std::string::npos;
  })) << daemon.get("/metrics").body;
}

}  // namespace
}  // namespace citywatch
