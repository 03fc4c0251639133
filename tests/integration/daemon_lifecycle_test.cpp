// The daemon's life: SIGHUP reloads (and refuses a bad file, keeping the old one), SIGTERM
// stops within the grace period with running jobs checkpointed, kill -9 during a scheduled
// import loses and duplicates nothing once restarted, a job missed while down runs once, and
// feeds fetched from a fake Shodan raise SOC alerts over syslog when they fail or go stale.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/daemon_process.h"
#include "tests/support/fake_feeds.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/test_support.h"

namespace citywatch {
namespace {

using nlohmann::json;
using testing::DaemonProcess;
namespace fs = std::filesystem;

class DaemonLifecycle : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("city.db");
    ASSERT_EQ(testing::citywatch({"--db", db_, "init"}).exit_code, 0);
    auto t = testing::citywatch({"--db", db_, "--format", "json", "tokens", "create", "--user",
                                 "admin", "--role", "admin"});
    ASSERT_EQ(t.exit_code, 0) << t.err;
    token_ = json::parse(t.out)["token"];
  }
  void write_config(const std::string& extra) {
    testing::write_file(dir_.file("citywatch.toml"), R"(
[scheduler]
tick_seconds = 1
lease_seconds = 30
shutdown_grace_seconds = 20
[health]
min_free_mb = 1
)" + extra);
  }
  std::unique_ptr<DaemonProcess> start() {
    auto d = std::make_unique<DaemonProcess>(std::vector<std::string>{
        "--config", dir_.file("citywatch.toml"), "--db", db_, "serve", "--listen", "127.0.0.1:0"});
    EXPECT_TRUE(d->started()) << d->startup_error();
    return d;
  }
  std::int64_t q(const std::string& sql) { return testing::query_int(db_, sql); }
  // kBanners distinct banners: enough that the import is still running when the test has
  // seen its first 20,000 land.
  void big_drop_file(const std::string& path) {
    std::string feed;
    feed.reserve(kBanners * 130);
    for (int i = 0; i < kBanners; ++i) {
      feed +=
          R"({"ip_str":"10.)" + std::to_string((i >> 16) & 255) + "." +
          std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255) +
          R"(","port":80,"timestamp":"2026-11-01T00:00:00","product":"lighttpd","data":"HTTP/1.1 200 OK"})" +
          "\n";
    }
    fs::create_directories(fs::path(path).parent_path());
    testing::write_file(path + ".part", feed);
    fs::rename(path + ".part", path);  // as a well-behaved writer drops files
  }
  static constexpr int kBanners = 100000;
  // Every banner is fingerprinted, located and assessed; under the sanitizers, with other
  // tests beside it on two cores, a whole file can take minutes.
  static constexpr std::chrono::seconds kImportDeadline{300};

  testing::TempDir dir_;
  std::string db_, token_;
};

TEST_F(DaemonLifecycle, SighupReloadsAGoodConfigAndRefusesABadOneKeepingTheOld) {
  write_config("[retention]\nschedule = \"every 1h\"\n");
  auto d = start();
  ASSERT_TRUE(testing::wait_for([&] {
    return json::parse(d->get("/api/v1/jobs/retention", token_).body)["schedule"] == "every 1h";
  }));
  write_config("[retention]\nschedule = \"every 2h\"\n");
  d->signal(SIGHUP);
  ASSERT_TRUE(d->wait_log("config_reloaded generation=2"));
  EXPECT_TRUE(testing::wait_for([&] {
    return json::parse(d->get("/api/v1/jobs/retention", token_).body)["schedule"] == "every 2h";
  }));
  // A file with a mistake: refused with file:line and reason; the previous one stays.
  write_config("[retention]\nschedule = \"every 3h\"\nkeep_forever = true\n");
  d->signal(SIGHUP);
  ASSERT_TRUE(d->wait_log("config_reload_rejected"));
  std::string log = d->log();
  EXPECT_NE(log.find("citywatch.toml:10: unknown key 'retention.keep_forever'"), std::string::npos)
      << log;
  auto health = json::parse(d->get("/api/v1/health", token_).body);
  EXPECT_EQ(health["config"]["generation"], 2);
  EXPECT_NE(health["config"]["last_reload_error"].get<std::string>().find("keep_forever"),
            std::string::npos);
  EXPECT_EQ(json::parse(d->get("/api/v1/jobs/retention", token_).body)["schedule"], "every 2h");
  EXPECT_EQ(d->get("/readyz").status, 200);
  d->signal(SIGTERM);
  EXPECT_EQ(d->wait_exit(), 0);
}

TEST_F(DaemonLifecycle, SigtermDuringAScheduledImportCheckpointsAndTheNextStartCompletesIt) {
  write_config("[feeds.dropdir]\npath = \"drop\"\nschedule = \"every 1h\"\n");
  std::string file = dir_.file("drop/shodan/big.json");
  big_drop_file(file);
  auto d = start();
  ASSERT_TRUE(testing::wait_for([&] { return q("SELECT count(*) FROM observations") >= 20000; },
                                kImportDeadline));
  auto asked = std::chrono::steady_clock::now();
  d->signal(SIGTERM);
  EXPECT_EQ(d->wait_exit(std::chrono::seconds(30)), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(21));  // the grace
  std::int64_t landed = q("SELECT count(*) FROM observations");
  if (landed == kBanners) {
    GTEST_SKIP() << "the import finished before SIGTERM arrived; nothing to interrupt";
  }
  EXPECT_EQ(testing::query_text(db_,
                                "SELECT status FROM job_runs WHERE job_id = (SELECT id FROM "
                                "jobs WHERE name = 'dropdir') ORDER BY id"),
            "interrupted;");
  EXPECT_EQ(testing::query_text(db_, "SELECT status FROM imports"), "interrupted;");
  EXPECT_TRUE(fs::exists(file)) << "an interrupted file stays to be imported again";
  EXPECT_EQ(q("SELECT count(*) FROM jobs WHERE lease_owner IS NOT NULL"), 0);

  auto again = start();
  ASSERT_TRUE(testing::wait_for([&] { return fs::exists(dir_.file("drop/done/shodan/big.json")); },
                                kImportDeadline));
  EXPECT_EQ(q("SELECT count(*) FROM observations"), kBanners);
  EXPECT_EQ(q("SELECT count(*) FROM devices"), kBanners);
  EXPECT_EQ(q("SELECT imported FROM imports WHERE status = 'done'"), kBanners - landed);
  EXPECT_EQ(q("SELECT duplicates FROM imports WHERE status = 'done'"), landed);
  again->signal(SIGTERM);
  EXPECT_EQ(again->wait_exit(), 0);
}

TEST_F(DaemonLifecycle, KillDashNineDuringAScheduledImportLosesAndDuplicatesNothing) {
  write_config("[feeds.dropdir]\npath = \"drop\"\nschedule = \"every 1h\"\n");
  std::string file = dir_.file("drop/shodan/big.json");
  big_drop_file(file);
  auto d = start();
  ASSERT_TRUE(testing::wait_for([&] { return q("SELECT count(*) FROM observations") >= 20000; },
                                kImportDeadline));
  d->signal(SIGKILL);
  EXPECT_EQ(d->wait_exit(), -SIGKILL);
  std::int64_t landed = q("SELECT count(*) FROM observations");
  ASSERT_LT(landed, kBanners) << "the import finished before it could be killed";
  EXPECT_EQ(testing::query_text(db_, "PRAGMA integrity_check"), "ok;");
  // Whole chunks only, and the killed daemon still holds the job.
  EXPECT_EQ(q("SELECT count(*) FROM services"), landed);
  EXPECT_EQ(q("SELECT count(*) FROM jobs WHERE name = 'dropdir' AND lease_owner IS NOT NULL"), 1);

  // The restarted daemon sees the owner is dead, takes the job over at once and completes it.
  auto again = start();
  ASSERT_TRUE(testing::wait_for([&] { return fs::exists(dir_.file("drop/done/shodan/big.json")); },
                                kImportDeadline))
      << again->log();
  EXPECT_EQ(q("SELECT count(*) FROM observations"), kBanners);
  EXPECT_EQ(q("SELECT count(*) FROM devices"), kBanners);
  EXPECT_EQ(testing::query_text(db_, "SELECT status FROM imports ORDER BY id"),
            "interrupted;done;");
  EXPECT_EQ(q("SELECT imported + duplicates FROM imports WHERE status = 'done'"), kBanners);
  // The run is recorded as finished just after the file moved.
  EXPECT_TRUE(testing::wait_for(
      [&] { return q("SELECT count(*) FROM job_runs WHERE status = 'running'") == 0; },
      std::chrono::seconds(30)));
  EXPECT_EQ(testing::query_text(db_,
                                "SELECT status FROM job_runs WHERE job_id = (SELECT id FROM "
                                "jobs WHERE name = 'dropdir') ORDER BY id"),
            "interrupted;ok;");
  EXPECT_NE(again->log().find("leases_released count=1 reason=owner_dead"), std::string::npos);
  again->signal(SIGTERM);
  EXPECT_EQ(again->wait_exit(), 0);
}

TEST_F(DaemonLifecycle, AJobDueWhileTheDaemonWasDownRunsOnceOnStart) {
  write_config("");
  auto d = start();
  ASSERT_TRUE(testing::wait_for([&] {
    return q("SELECT count(*) FROM job_runs r JOIN jobs j ON j.id = r.job_id WHERE j.name = "
             "'feed-check' AND r.status = 'ok'") == 1;
  }));
  d->signal(SIGTERM);
  ASSERT_EQ(d->wait_exit(), 0);
  // Ten days down: 960 slots of "every 15m" missed.
  ASSERT_TRUE(testing::exec_sql(
      db_, "UPDATE jobs SET next_due = next_due - 10 * 86400 WHERE name = 'feed-check'"));
  auto again = start();
  ASSERT_TRUE(testing::wait_for([&] {
    return q("SELECT count(*) FROM job_runs r JOIN jobs j ON j.id = r.job_id WHERE j.name = "
             "'feed-check' AND r.status = 'ok'") == 2;
  }));
  // Its next slot is in the future: no catch-up runs follow.
  EXPECT_GT(q("SELECT next_due - strftime('%s','now') FROM jobs WHERE name = 'feed-check'"), 800);
  again->signal(SIGTERM);
  EXPECT_EQ(again->wait_exit(), 0);
  EXPECT_EQ(q("SELECT count(*) FROM job_runs r JOIN jobs j ON j.id = r.job_id WHERE j.name = "
              "'feed-check'"),
            2);
}

// A UDP socket on 127.0.0.1 that collects syslog messages.
class SyslogReceiver {
 public:
  SyslogReceiver() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SyslogReceiver() { ::close(fd_); }
  int port() const { return port_; }
  // The first message containing needle, waiting up to 30 s.
  std::string wait_for(const std::string& needle) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 500) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) continue;
      std::string m(buf, static_cast<std::size_t>(n));
      if (m.find(needle) != std::string::npos) return m;
    }
    return {};
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST_F(DaemonLifecycle, FetchesShodanOnScheduleAndAlertsTheSocOnFailureAndStaleness) {
  testing::FakeShodan shodan("SHODAN-KEY", std::chrono::milliseconds(5));
  shodan.set_results("192.0.2.0/24", 150);
  SyslogReceiver soc;
  testing::write_file(dir_.file("shodan.key"), "SHODAN-KEY\n");
  ::chmod(dir_.file("shodan.key").c_str(), 0600);
  std::string feed =
      "[feeds.shodan]\nenabled = true\napi_key_file = \"shodan.key\"\n"
      "networks = [\"192.0.2.0/24\"]\nmin_interval_ms = 10\nstale_after_hours = 1\n"
      "base_url = \"" +
      shodan.url() +
      "\"\n"
      "[alerts]\nsyslog = \"udp://127.0.0.1:" +
      std::to_string(soc.port()) + "\"\n";
  write_config(feed);
  auto d = start();
  ASSERT_TRUE(testing::wait_for([&] {
    return testing::query_text(db_, "SELECT last_status FROM jobs WHERE name = 'shodan'") == "ok;";
  })) << d->log();
  EXPECT_EQ(q("SELECT count(*) FROM devices"), 150);
  EXPECT_EQ(shodan.rate_limited(), 0);

  // The key is revoked at Shodan's end: the next run fails, and the SOC hears of it.
  testing::write_file(dir_.file("shodan.key"), "REVOKED-KEY\n");
  ASSERT_EQ(d->send("POST", "/api/v1/jobs/shodan/run", "", token_).status, 202);
  std::string failed = soc.wait_for("job_failed");
  ASSERT_FALSE(failed.empty());
  EXPECT_NE(failed.find(R"(job="shodan")"), std::string::npos) << failed;
  EXPECT_NE(failed.find("HTTP 401"), std::string::npos) << failed;
  EXPECT_EQ(failed.find("REVOKED-KEY"), std::string::npos);    // secrets stay out of alerts
  EXPECT_EQ(d->log().find("REVOKED-KEY"), std::string::npos);  // and out of the journal

  // Nothing new for over an hour: the feed check says so, once.
  ASSERT_TRUE(testing::exec_sql(db_, "UPDATE imports SET finished_at = finished_at - 7200"));
  ASSERT_EQ(d->send("POST", "/api/v1/jobs/feed-check/run", "", token_).status, 202);
  std::string stale = soc.wait_for("feed_stale");
  ASSERT_FALSE(stale.empty());
  EXPECT_NE(stale.find(R"(feed="shodan")"), std::string::npos) << stale;
  EXPECT_TRUE(testing::wait_for([&] {
    auto feeds = json::parse(d->get("/api/v1/feeds", token_).body);
    return feeds["feeds"][0]["name"] == "shodan" && feeds["feeds"][0]["stale"] == true;
  }));
  EXPECT_NE(d->get("/metrics").body.find("citywatch_feed_stale{feed=\"shodan\"} 1"),
            std::string::npos);
  d->signal(SIGTERM);
  EXPECT_EQ(d->wait_exit(), 0);
}

// The daemon imports through the same path as `citywatch import`: a dropped file ends up
// fingerprinted, located and assessed exactly as the CLI leaves it, and a new critical finding
// (here infected devices from a darknet report) reaches the SOC.
TEST_F(DaemonLifecycle, ADroppedFileIsAssessedLikeTheCliAndCriticalFindingsReachTheSoc) {
  const std::string report = "2026-11-22-event4_honeypot_darknet-demo-nl.csv";
  const std::string telnet = "2026-11-21-scan_telnet-demo-nl.csv";
  SyslogReceiver soc;
  write_config(
      "[feeds.dropdir]\npath = \"drop\"\nschedule = \"every 1h\"\n[alerts]\n"
      "syslog = \"udp://127.0.0.1:" +
      std::to_string(soc.port()) + "\"\n");
  for (const auto& name : {report, telnet}) {
    fs::create_directories(dir_.file("drop/shadowserver"));
    fs::copy_file(testing::source_path("data/demo/" + name),
                  dir_.file("drop/shadowserver/" + name));
  }
  auto d = start();
  std::string alert = soc.wait_for("critical_finding");
  ASSERT_FALSE(alert.empty()) << d->log();
  EXPECT_NE(alert.find(R"(finding_kind="infected")"), std::string::npos) << alert;
  ASSERT_TRUE(testing::wait_for([&] {
    return fs::exists(dir_.file("drop/done/shadowserver/" + report)) &&
           fs::exists(dir_.file("drop/done/shadowserver/" + telnet));
  })) << d->log();
  d->signal(SIGTERM);
  ASSERT_EQ(d->wait_exit(), 0);

  std::string cli_db = dir_.file("cli.db");
  ASSERT_EQ(testing::citywatch({"--db", cli_db, "init"}).exit_code, 0);
  for (const auto& name : {telnet, report}) {
    auto r = testing::citywatch(
        {"--db", cli_db, "import", "shadowserver", testing::source_path("data/demo/" + name)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const std::string findings =
      "SELECT quote(ip) || '|' || port || '|' || kind || '|' || code || '|' || severity || '|' || "
      "confidence || '|' || status || '|' || sentence FROM findings ORDER BY ip, port, kind, code";
  const std::string devices =
      "SELECT quote(ip) || '|' || quote(vendor) || '|' || quote(device_type) || '|' || risk_score "
      "|| '|' || quote(risk_explanation) || '|' || quote(in_city) || '|' || quote(district_code) "
      "|| '|' || quote(geo_method) FROM devices ORDER BY ip";
  EXPECT_GT(q("SELECT count(*) FROM findings WHERE kind = 'infected'"), 0);
  EXPECT_GT(q("SELECT count(*) FROM devices WHERE in_city IS NOT NULL"), 0);
  EXPECT_EQ(testing::query_text(db_, findings), testing::query_text(cli_db, findings));
  EXPECT_EQ(testing::query_text(db_, devices), testing::query_text(cli_db, devices));
}

TEST_F(DaemonLifecycle, StartupMistakesExitWithTheRightCodeInsteadOfLooping) {
  write_config("[server]\nthreads = 0\n");
  auto bad = testing::citywatch({"--config", dir_.file("citywatch.toml"), "--db", db_, "serve"});
  EXPECT_EQ(bad.exit_code, 78) << bad.err;
  EXPECT_NE(bad.err.find("server.threads"), std::string::npos);
  auto missing =
      testing::citywatch({"--db", dir_.file("none.db"), "serve", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(missing.exit_code, 66);
  EXPECT_NE(missing.err.find("citywatch init"), std::string::npos);
  write_config(
      "[feeds.shodan]\nenabled = true\nnetworks = [\"192.0.2.0/24\"]\napi_key_file = "
      "\"nope.key\"\n");
  auto no_key = testing::citywatch({"--config", dir_.file("citywatch.toml"), "--db", db_, "serve"});
  EXPECT_EQ(no_key.exit_code, 78);
  EXPECT_NE(no_key.err.find("Shodan API key"), std::string::npos);
}

}  // namespace
}  // namespace citywatch
