// Storage faults: a read-only database and a full disk give a clear error and a failing
// /readyz, not a crash or a restart loop, and the daemon recovers by itself when the cause is
// gone. As root the faults are made with a small tmpfs (remounted read-only, or filled up);
// as another user the read-only case uses file modes and the full disk is skipped.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/daemon_process.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/test_support.h"

namespace citywatch {
namespace {

using nlohmann::json;
using testing::DaemonProcess;
namespace fs = std::filesystem;

// A tmpfs mounted for one test and unmounted after it.
class Tmpfs {
 public:
  Tmpfs(const std::string& dir, const std::string& size) : dir_(dir) {
    fs::create_directories(dir);
    auto r = testing::run({"mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir});
    mounted_ = r.exit_code == 0;
    error_ = r.err;
  }
  ~Tmpfs() {
    if (mounted_) (void)testing::run({"umount", "-l", dir_});
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  bool remount(const std::string& mode) {
    return testing::run({"mount", "-o", "remount," + mode, dir_}).exit_code == 0;
  }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string error_;
};

json checks_of(const testing::HttpResult& r) {
  json out = json::object();
  auto body = json::parse(r.body, nullptr, false);
  if (!body.is_object() || !body.contains("checks")) return out;
  for (const auto& c : body["checks"]) out[c["name"].get<std::string>()] = c;
  return out;
}

std::string prepare_db(const std::string& db) {
  EXPECT_EQ(testing::citywatch({"--db", db, "init"}).exit_code, 0);
  EXPECT_EQ(testing::citywatch({"--db", db, "import", "shodan",
                                testing::source_path("data/demo/shodan-hague-demo.jsonl")})
                .exit_code,
            0);
  auto t = testing::citywatch(
      {"--db", db, "--format", "json", "tokens", "create", "--user", "a", "--role", "admin"});
  return json::parse(t.out)["token"];
}

void write_config(const std::string& path, const std::string& extra = "") {
  testing::write_file(path, "[scheduler]\ntick_seconds = 1\nlease_seconds = 30\n" + extra);
}

TEST(DaemonFaults, AReadOnlyDatabaseFailsReadinessWithTheReasonAndRecovers) {
  testing::TempDir dir;
  std::string data = dir.file("data");
  std::unique_ptr<Tmpfs> mount;
  if (::geteuid() == 0) {
    mount = std::make_unique<Tmpfs>(data, "64m");
    if (!mount->mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << mount->error();
  } else {
    fs::create_directories(data);
  }
  std::string db = data + "/city.db";
  std::string token = prepare_db(db);
  write_config(dir.file("c.toml"), "[health]\nmin_free_mb = 1\n");
  auto read_only = [&](bool on) {
    if (mount) return mount->remount(on ? "ro" : "rw");
    ::chmod(db.c_str(), on ? 0444 : 0644);
    return ::chmod(data.c_str(), on ? 0555 : 0755) == 0;
  };
  ASSERT_TRUE(read_only(true));

  DaemonProcess d({"--config", dir.file("c.toml"), "--db", db, "serve", "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(d.started()) << d.startup_error();  // it starts instead of exiting
  EXPECT_EQ(d.get("/livez").status, 200);
  testing::HttpResult ready;
  ASSERT_TRUE(testing::wait_for([&] {
    ready = d.get("/readyz");
    return ready.status == 503 && !checks_of(ready)["writable"]["ok"].get<bool>();
  })) << ready.body;
  auto checks = checks_of(ready);
  std::string why = checks["database"]["detail"].get<std::string>() + " " +
                    checks["writable"]["detail"].get<std::string>();
  EXPECT_TRUE(why.find("read-only") != std::string::npos ||
              why.find("readonly") != std::string::npos ||
              why.find("unable to open") != std::string::npos)
      << ready.body;
  // Still alive a few scheduler ticks later: no crash, no exit.
  EXPECT_TRUE(testing::wait_for([&] {
    std::string log = d.log();
    return log.find("scheduler_db_unwritable") != std::string::npos ||
           log.find("database_unusable") != std::string::npos;
  })) << d.log();
  EXPECT_EQ(d.get("/livez").status, 200);

  ASSERT_TRUE(read_only(false));
  EXPECT_TRUE(testing::wait_for([&] { return d.get("/readyz").status == 200; }))
      << d.get("/readyz").body;
  EXPECT_EQ(d.get("/api/v1/devices?limit=1", token).status, 200);
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0);
}

// A long write (a big import's chunk, a backup) holds the database's write lock past the busy
// timeout: the audit write fails and is retried; device reads go on being served meanwhile (a
// busy database is not a broken one), and once the lock is free every held-back entry lands.
TEST(DaemonFaults, AnAuditLogLockedOutByALongWriteCatchesUpAndLosesNothing) {
  testing::TempDir dir;
  std::string db = dir.file("city.db");
  std::string token = prepare_db(db);
  write_config(dir.file("c.toml"), "[health]\nmin_free_mb = 1\n");
  DaemonProcess d({"--config", dir.file("c.toml"), "--db", db, "serve", "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(d.started()) << d.startup_error();
  ASSERT_TRUE(testing::wait_for([&] { return d.get("/readyz").status == 200; }));

  sqlite3* holder = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &holder), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(holder, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  int served = 0;
  EXPECT_TRUE(testing::wait_for([&] {
    EXPECT_EQ(d.get("/api/v1/devices?limit=1", token).status, 200);
    ++served;
    return d.log().find("audit_write_failed") != std::string::npos;
  })) << d.log();
  EXPECT_EQ(d.get("/api/v1/devices?limit=1", token).status, 200);  // still served
  ++served;
  ASSERT_EQ(sqlite3_exec(holder, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(holder);

  EXPECT_TRUE(testing::wait_for([&] {
    return testing::query_int(db, "SELECT count(*) FROM audit_log WHERE action = 'device.list'") ==
           served;
  })) << d.log();
  EXPECT_NE(d.log().find("audit_write_recovered"), std::string::npos);
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0);
}

TEST(DaemonFaults, AFullDiskFailsTheImportClearlyAndReadinessThenRecovers) {
  if (::geteuid() != 0) GTEST_SKIP() << "filling a file system needs a tmpfs mount (root)";
  testing::TempDir dir;
  std::string data = dir.file("data");
  Tmpfs mount(data, "64m");
  if (!mount.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << mount.error();
  std::string db = data + "/city.db";
  std::string token = prepare_db(db);
  std::string drop = dir.file("drop");  // on the real disk: the feed file itself fits
  write_config(dir.file("c.toml"), "[health]\nmin_free_mb = 2\n[feeds.dropdir]\npath = \"" + drop +
                                       "\"\nschedule = \"every 1h\"\n");
  DaemonProcess d({"--config", dir.file("c.toml"), "--db", db, "serve", "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(d.started()) << d.startup_error();
  ASSERT_TRUE(testing::wait_for([&] { return d.get("/readyz").status == 200; }));
  ASSERT_TRUE(testing::wait_for([&] {
    return testing::query_text(db, "SELECT last_status FROM jobs WHERE name = 'dropdir'") == "ok;";
  }));

  // Fill the file system up to its last 1.5 MiB: small writes still fit, an import does not.
  {
    auto space = fs::space(data);
    std::uintmax_t fill = space.available - (3u << 19);
    std::ofstream filler(data + "/filler", std::ios::binary);
    std::string block(1 << 16, 'x');
    for (std::uintmax_t done = 0; done < fill; done += block.size()) {
      filler.write(block.data(), static_cast<std::streamsize>(
                                     std::min<std::uintmax_t>(block.size(), fill - done)));
    }
  }
  std::string feed;
  for (int i = 0; i < 50000; ++i) {
    feed += R"({"ip_str":"10.9.)" + std::to_string(i >> 8 & 255) + "." + std::to_string(i & 255) +
            R"(","port":)" + std::to_string(1000 + i / 65536) +
            R"(,"timestamp":"2026-11-01T00:00:00","product":"lighttpd","data":"HTTP/1.1 200 OK"})" +
            "\n";
  }
  fs::create_directories(drop + "/shodan");
  testing::write_file(drop + "/shodan/feed.json", feed);
  auto asked = d.send("POST", "/api/v1/jobs/dropdir/run", "", token);
  ASSERT_EQ(asked.status, 202) << asked.body;
  std::string error;
  ASSERT_TRUE(testing::wait_for(
      [&] {
        error = testing::query_text(
            db, "SELECT coalesce(last_error, '') FROM jobs WHERE name = 'dropdir'");
        return error.find("full") != std::string::npos;
      },
      std::chrono::seconds(120)))
      << d.log();
  EXPECT_NE(error.find("database or disk is full"), std::string::npos) << error;
  auto ready = d.get("/readyz");
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_FALSE(checks_of(ready)["disk"]["ok"].get<bool>()) << ready.body;
  EXPECT_NE(checks_of(ready)["disk"]["detail"].get<std::string>().find("needs 2 MiB"),
            std::string::npos);
  EXPECT_EQ(d.get("/livez").status, 200);
  EXPECT_TRUE(fs::exists(drop + "/shodan/feed.json")) << "a failed file stays to be imported again";

  // Space again: ready, and the file imports completely on the next run.
  fs::remove(data + "/filler");
  EXPECT_TRUE(testing::wait_for([&] { return d.get("/readyz").status == 200; }))
      << d.get("/readyz").body;
  ASSERT_TRUE(testing::wait_for(
      [&] { return d.send("POST", "/api/v1/jobs/dropdir/run", "", token).status == 202; }));
  // Every record is fingerprinted, located and assessed: slow under the sanitizers.
  EXPECT_TRUE(testing::wait_for([&] { return fs::exists(drop + "/done/shodan/feed.json"); },
                                std::chrono::seconds(120)))
      << d.log();
  EXPECT_EQ(testing::query_int(
                db, "SELECT count(*) FROM observations WHERE ip >= 168361984 AND ip < 168427520"),
            50000);
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0);
}

}  // namespace
}  // namespace citywatch
