// The re-check after an acknowledgement, as the daemon does it: a device with an open Telnet
// shell is notified, the partner acknowledges, the owner fixes it (a login prompt now), and the
// daemon's notify job re-scans that one service with the scope that covers it, records the fix
// and tells the partner in its next batch. Real services on this test's own 127.202.x.0/29.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "tests/support/daemon_process.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/tcp_service.h"
#include "tests/support/test_support.h"

namespace citywatch {
namespace {

using testing::DaemonProcess;
using testing::Service;

const char kOpenShell[] = "\r\nBusyBox v1.22.1 (2019-03-04) built-in shell (ash)\r\n# ";
const char kLoginPrompt[] = "\r\nBusyBox v1.22.1 (2019-03-04)\r\nlogin: ";

TEST(DaemonRecheck, AFixedServiceIsRescannedAndThePartnerToldInItsNextBatch) {
  testing::TempDir dir;
  std::unique_ptr<Service> device;
  std::string net;
  for (int attempt = 0; attempt < 50 && !(device && device->up()); ++attempt) {
    net = "127.202." + std::to_string((::getpid() + attempt) % 250) + ".";
    device = std::make_unique<Service>(net + "2", 2323, kOpenShell, false);
  }
  ASSERT_TRUE(device->up()) << "no free 127.202.x.2:2323";
  std::filesystem::create_directories(dir.file("scopes"));
  testing::write_file(dir.file("scopes/lab.scope"),
                      "name = lab\nmode = observe\nports = 2323\n" + net + "0/29\n");
  const std::string db = dir.file("city.db"), config = dir.file("citywatch.toml");
  testing::write_file(config, "[geo]\nmunicipal_ranges = [\"" + net + "0/29\"]\n"
                              "[scan]\nscope_dir = \"scopes\"\nconnect_timeout_ms = 1000\n"
                              "read_timeout_ms = 1500\nconversation_timeout_ms = 3000\n"
                              "[notify]\nschedule = \"@weekly\"\nrecheck_after = \"0s\"\n"
                              "[scheduler]\ntick_seconds = 1\n");
  auto cw = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", config, "--db", db});
    return testing::citywatch(args);
  };
  ASSERT_EQ(cw({"init"}).exit_code, 0);
  auto scanned = cw({"scan", "--scope", dir.file("scopes/lab.scope")});
  ASSERT_EQ(scanned.exit_code, 0) << scanned.err;
  const std::string finding =
      "SELECT status FROM findings WHERE code = 'telnet-open-shell' AND port = 2323";
  ASSERT_EQ(testing::query_text(db, finding), "open;") << scanned.out;

  ASSERT_EQ(cw({"partners", "add", "isp-lab", "--prefix", net + "0/29", "--pull"}).exit_code, 0);
  ASSERT_EQ(cw({"batches", "build"}).exit_code, 0);
  std::string batch = testing::query_text(db, "SELECT batch_id FROM batches");
  ASSERT_FALSE(batch.empty());
  batch.pop_back();  // the row's ';'
  ASSERT_EQ(cw({"batches", "ack", batch}).exit_code, 0);
  ASSERT_EQ(testing::query_text(db, finding), "notified;");

  // The owner closes the shell: the same port now asks for a login.
  device.reset();
  device = std::make_unique<Service>(net + "2", 2323, kLoginPrompt, false);
  ASSERT_TRUE(device->up());

  // Observation times are whole seconds and only a later look can fix a finding: the re-scan
  // must fall in a later second than the first scan (which ended before this line).
  const std::time_t scanned_by = std::time(nullptr);
  ASSERT_TRUE(testing::wait_for([&] { return std::time(nullptr) > scanned_by; }));

  // A new job runs when the daemon starts: re-scan, then the next batch with the outcome.
  DaemonProcess daemon({"--config", config, "--db", db, "serve", "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(daemon.started()) << daemon.startup_error();
  EXPECT_TRUE(testing::wait_for(
      [&] {
        return testing::query_int(db, "SELECT count(*) FROM batch_items WHERE notice = 'recheck' "
                                      "AND status = 'fixed'") == 1;
      },
      std::chrono::seconds(60)))
      << testing::query_text(db, "SELECT notice || ' ' || status FROM batch_items");
  EXPECT_EQ(testing::query_text(db, finding), "fixed;");
  std::string summary = testing::query_text(
      db, "SELECT summary FROM job_runs r JOIN jobs j ON j.id = r.job_id WHERE j.name = 'notify' "
          "AND r.status = 'ok' ORDER BY r.id LIMIT 1");
  ASSERT_FALSE(summary.empty());
  summary.pop_back();
  auto run = nlohmann::json::parse(summary, nullptr, false);
  // Every finding of the acknowledged batch fell due (the open shell and the exposed Telnet
  // service), all on the one service the scope covers.
  const auto acknowledged =
      testing::query_int(db, "SELECT count(*) FROM batch_items WHERE notice <> 'recheck'");
  EXPECT_GE(acknowledged, 1);
  EXPECT_EQ(run["rechecks_due"], acknowledged) << summary;
  EXPECT_EQ(run["rechecks_rescanned"], acknowledged) << summary;
  EXPECT_EQ(run["recheck_scans"], 1) << summary;
  EXPECT_EQ(run["batches"], 1) << summary;
}

}  // namespace
}  // namespace citywatch
