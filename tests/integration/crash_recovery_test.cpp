// A SIGKILL in the middle of a large import leaves a consistent database, and running the
// import again completes it without duplicates.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "tests/support/test_support.h"

namespace citywatch {
namespace {

std::int64_t query_int(const std::string& db, const char* sql) {
  sqlite3* raw = nullptr;
  sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_busy_timeout(raw, 2000);
  sqlite3_stmt* stmt = nullptr;
  std::int64_t v = -1;
  if (sqlite3_prepare_v2(raw, sql, -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    v = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
  return v;
}

std::string query_text(const std::string& db, const char* sql) {
  sqlite3* raw = nullptr;
  sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  std::string v;
  if (sqlite3_prepare_v2(raw, sql, -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      v += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      v += ';';
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
  return v;
}

TEST(CrashRecovery, KillDuringImportThenRerunCompletesWithoutDuplicates) {
  testing::TempDir dir;
  std::string db = dir.file("city.db");
  ASSERT_EQ(testing::citywatch({"--db", db, "init"}).exit_code, 0);

  // 200,000 distinct banners plus 20,000 repeats of earlier ones.
  constexpr int kDistinct = 200000;
  std::string feed;
  feed.reserve(kDistinct * 130);
  auto line = [](int i) {
    return R"({"ip_str":"10.)" + std::to_string((i >> 16) & 255) + "." +
           std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255) +
           R"(","port":80,"timestamp":"2024-03-01T00:00:00","product":"lighttpd","data":"HTTP/1.1 200 OK"})" +
           "\n";
  };
  for (int i = 0; i < kDistinct; ++i) feed += line(i);
  for (int i = 0; i < 20000; ++i) feed += line(i * 7);
  std::string path = dir.file("big.json");
  testing::write_file(path, feed);

  // Watch the directory: every committed chunk writes the WAL file.
  int watch = inotify_init1(IN_CLOEXEC);
  ASSERT_GE(watch, 0);
  ASSERT_GE(inotify_add_watch(watch, dir.path().c_str(), IN_MODIFY), 0);

  pid_t pid = testing::spawn({testing::citywatch_binary(), "--db", db, "import", "shodan", path});
  ASSERT_GT(pid, 0);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::int64_t committed = 0;
  while (committed < 20000 && std::chrono::steady_clock::now() < deadline) {
    pollfd fd{watch, POLLIN, 0};
    if (::poll(&fd, 1, 1000) > 0) {
      char events[4096];
      (void)::read(watch, events, sizeof events);
    }
    committed = query_int(db, "SELECT count(*) FROM observations");
  }
  ::close(watch);
  ASSERT_GE(committed, 20000) << "the import did not commit in time";
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the import finished before it could be killed";

  EXPECT_EQ(query_text(db, "PRAGMA integrity_check"), "ok;");
  std::int64_t after_kill = query_int(db, "SELECT count(*) FROM observations");
  EXPECT_GE(after_kill, committed);
  EXPECT_LT(after_kill, kDistinct);
  // Whole chunks only: every observation has its service and device.
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM services"), after_kill);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM devices"), after_kill);
  EXPECT_EQ(query_text(db, "SELECT status FROM imports"), "running;");

  auto rerun = testing::citywatch({"--db", db, "import", "shodan", path});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM observations"), kDistinct);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM services"), kDistinct);
  EXPECT_EQ(query_text(db, "SELECT status FROM imports ORDER BY id"), "interrupted;done;");
  EXPECT_EQ(query_int(db, "SELECT imported + duplicates FROM imports WHERE status = 'done'"),
            kDistinct + 20000);
  EXPECT_EQ(query_int(db, "SELECT imported FROM imports WHERE status = 'done'"),
            kDistinct - after_kill);
  EXPECT_EQ(query_text(db, "PRAGMA integrity_check"), "ok;");
}

}  // namespace
}  // namespace citywatch
