// Data-subject requests, API users and tokens, and backups, from the command line.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/daemon_process.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/test_support.h"

namespace citywatch {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

class CliTools : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("city.db");
    ASSERT_EQ(cw({"init"}).exit_code, 0);
  }
  testing::RunResult cw(std::vector<std::string> args, const std::string& input = {}) {
    args.insert(args.begin(), {"--db", db_});
    return testing::citywatch(args, input);
  }
  std::int64_t q(const std::string& sql) { return testing::query_int(db_, sql); }
  testing::TempDir dir_;
  std::string db_;
};

std::string banner(const std::string& ip, int port, const std::string& data) {
  return R"({"ip_str":")" + ip + R"(","port":)" + std::to_string(port) +
         R"(,"timestamp":"2026-11-20T10:00:00","data":")" + data + "\"}\n";
}

TEST_F(CliTools, PrivacyExportAndEraseAnswerADataSubject) {
  std::string feed =
      banner("192.0.2.10", 23, "login:") + banner("192.0.2.10", 80, "HTTP/1.1 200 OK") +
      banner("192.0.2.100", 80, "HTTP/1.1 200 OK") +
      R"({"ip_str":"192.0.2.10","port":"not a port","timestamp":"2026-11-20T10:00:00"})" + "\n";
  testing::write_file(dir_.file("f.json"), feed);
  auto imported = cw({"import", "shodan", dir_.file("f.json")});
  ASSERT_EQ(imported.exit_code, 65) << imported.err;  // one bad record, in a reject file
  std::string reject_dir = db_ + ".rejects";
  ASSERT_FALSE(fs::is_empty(reject_dir));

  auto exported = cw({"privacy", "export", "192.0.2.10"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  auto doc = json::parse(exported.out);
  EXPECT_EQ(doc["address"], "192.0.2.10");
  EXPECT_EQ(doc["services"].size(), 2u);
  EXPECT_EQ(doc["observations"].size(), 2u);
  ASSERT_FALSE(doc["findings"].empty()) << exported.out;  // telnet reachable: exposed service
  EXPECT_EQ(doc["findings"][0]["history"][0]["event"], "opened");
  EXPECT_EQ(exported.out.find("192.0.2.100"), std::string::npos);
  auto to_file = cw({"privacy", "export", "192.0.2.10", "--output", dir_.file("subject.json")});
  ASSERT_EQ(to_file.exit_code, 0);
  EXPECT_EQ(json::parse(testing::read_file(dir_.file("subject.json")))["address"], "192.0.2.10");

  auto refused = cw({"privacy", "erase", "192.0.2.10"});
  EXPECT_EQ(refused.exit_code, 64);
  EXPECT_NE(refused.err.find("--yes"), std::string::npos);
  auto erased = cw({"--format", "json", "privacy", "erase", "192.0.2.10", "--yes"});
  ASSERT_EQ(erased.exit_code, 0) << erased.err;
  auto counts = json::parse(erased.out);
  EXPECT_EQ(counts["observations"], 2);
  EXPECT_EQ(counts["devices"], 1);
  EXPECT_GE(counts["findings"], 1);
  EXPECT_EQ(counts["reject_records"], 1);
  EXPECT_EQ(q("SELECT count(*) FROM findings"), 0);
  EXPECT_EQ(q("SELECT count(*) FROM finding_events"), 0);
  EXPECT_EQ(q("SELECT count(*) FROM devices"), 1);
  for (const auto& f : fs::directory_iterator(reject_dir)) {
    EXPECT_EQ(testing::read_file(f.path().string()).find("192.0.2.10\""), std::string::npos);
  }
  // Both requests are in the audit log, as the person who ran them.
  EXPECT_EQ(testing::query_text(
                db_, "SELECT action FROM audit_log WHERE object = '192.0.2.10' ORDER BY id"),
            "privacy.export;privacy.export;privacy.erase;");
  EXPECT_TRUE(testing::query_text(db_, "SELECT actor FROM audit_log LIMIT 1").starts_with("cli:"));

  // A backup from before the erasure comes back: reapply erases again.
  ASSERT_EQ(cw({"import", "shodan", dir_.file("f.json")}).exit_code, 65);
  EXPECT_EQ(q("SELECT count(*) FROM devices"), 2);
  auto reapplied = cw({"privacy", "reapply"});
  ASSERT_EQ(reapplied.exit_code, 0) << reapplied.err;
  EXPECT_EQ(q("SELECT count(*) FROM devices"), 1);
  EXPECT_EQ(cw({"privacy", "export", "not-an-ip"}).exit_code, 64);
}

TEST_F(CliTools, TokensAreShownOnceListedWithoutSecretAndRevoked) {
  auto created = cw({"--format", "json", "tokens", "create", "--user", "soc", "--role", "analyst",
                     "--expires", "30d", "--label", "SOC dashboard"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  auto t = json::parse(created.out);
  std::string secret = t["token"];
  EXPECT_EQ(q("SELECT count(*) FROM tokens WHERE hash LIKE '%" + secret.substr(4, 10) + "%'"), 0);
  auto listed = cw({"tokens", "list"});
  EXPECT_EQ(listed.exit_code, 0);
  EXPECT_EQ(listed.out.find(secret), std::string::npos);
  EXPECT_NE(listed.out.find("SOC dashboard"), std::string::npos);
  EXPECT_NE(listed.out.find("active"), std::string::npos);
  // A second token for the same user needs no role; another role is refused.
  EXPECT_EQ(cw({"tokens", "create", "--user", "soc"}).exit_code, 0);
  EXPECT_EQ(cw({"tokens", "create", "--user", "soc", "--role", "admin"}).exit_code, 64);
  EXPECT_EQ(cw({"tokens", "create", "--user", "new"}).exit_code, 64);
  EXPECT_EQ(cw({"tokens", "create", "--user", "isp", "--role", "partner"}).exit_code, 64);
  EXPECT_EQ(
      cw({"tokens", "create", "--user", "x", "--role", "screen", "--expires", "forever"}).exit_code,
      64);
  auto revoked = cw({"tokens", "revoke", std::to_string(t["id"].get<int>())});
  EXPECT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_EQ(cw({"tokens", "revoke", std::to_string(t["id"].get<int>())}).exit_code, 66);
  auto all = cw({"--format", "json", "tokens", "list", "--all"});
  EXPECT_NE(all.out.find("\"state\":\"revoked\""), std::string::npos);
  EXPECT_EQ(testing::query_text(db_, "SELECT action FROM audit_log ORDER BY id"),
            "user.create;token.create;token.create;token.revoke;");
}

TEST_F(CliTools, UsersWithPasswordsForTheDashboard) {
  auto added = cw({"users", "add", "alice", "--role", "admin", "--password-stdin"},
                  "a sufficiently long passphrase\n");
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_TRUE(
      testing::query_text(db_, "SELECT password_hash FROM users").starts_with("$argon2id$"));
  EXPECT_EQ(
      cw({"users", "add", "bob", "--role", "analyst", "--password-stdin"}, "short\n").exit_code,
      65);
  EXPECT_EQ(cw({"users", "disable", "alice"}).exit_code, 0);
  auto listed = cw({"--format", "csv", "users", "list"});
  EXPECT_NE(listed.out.find("alice,admin,,yes,yes"), std::string::npos) << listed.out;
  EXPECT_EQ(cw({"users", "remove", "alice"}).exit_code, 0);
  EXPECT_EQ(cw({"users", "remove", "alice"}).exit_code, 66);
}

TEST_F(CliTools, BackupWhileTheDaemonRunsIsConsistent) {
  ASSERT_EQ(
      cw({"import", "shodan", testing::source_path("data/demo/shodan-hague-demo.jsonl")}).exit_code,
      0);
  testing::DaemonProcess d({"--db", db_, "serve", "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(d.started()) << d.startup_error();
  auto backup = cw({"backup", dir_.file("backup.db")});
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  std::string copy = dir_.file("backup.db");
  EXPECT_EQ(testing::query_text(copy, "PRAGMA integrity_check"), "ok;");
  EXPECT_EQ(testing::query_int(copy, "SELECT count(*) FROM observations"),
            q("SELECT count(*) FROM observations"));
  EXPECT_EQ(cw({"backup", dir_.file("backup.db")}).exit_code, 65);  // never overwrites
  // The copy opens as a database of its own.
  EXPECT_EQ(testing::citywatch({"--db", copy, "devices", "--format", "csv"}).exit_code, 0);
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0);
}

}  // namespace
}  // namespace citywatch
