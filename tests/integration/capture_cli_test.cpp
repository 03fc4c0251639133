// `citywatch capture` end to end: the shared captures into a real database with no secret in
// the database, the output or the log; damaged and odd files reported with packet numbers;
// Mirai sources stored as devices; live capture on lo stopped by SIGTERM with everything seen
// written.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "tests/support/pcap_builder.h"
#include "tests/support/test_support.h"

extern char** environ;

namespace citywatch {
namespace {

using testing::citywatch;

class CaptureCli : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("city.db");
    ASSERT_EQ(citywatch({"--db", db_, "init"}).exit_code, 0);
  }
  testing::RunResult cw(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db_});
    return citywatch(args);
  }
  std::string dump() {
    auto r = testing::run({"sqlite3", db_,
                           "SELECT * FROM observations; SELECT * FROM services; "
                           "SELECT * FROM devices; SELECT * FROM imports;"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  testing::TempDir dir_;
  std::string db_;
};

std::vector<std::string> shared_pcaps(const std::string& root) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST_F(CaptureCli, SharedCapturesLandWithoutSecrets) {
  CITYWATCH_REQUIRE_DATA(root, "pcap");
  CITYWATCH_REQUIRE_DATA(creds, "credentials/defaultcreds-cheat-sheet.csv");
  std::vector<std::string> args{"--log-format",  "json", "-v",    "capture",
                                "--credentials", creds,  "--pcap"};
  auto files = shared_pcaps(root);
  args.insert(args.end(), files.begin(), files.end());
  auto r = cw(args);
  // Five packets of the telnet capture lie about their length: 65, everything else landed.
  EXPECT_EQ(r.exit_code, 65) << r.err;
  EXPECT_NE(r.out.find("packets       7,011"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bad packets   5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("telnet_openbsd_login.pcap packet 18"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("matched a default entry"), std::string::npos);
  std::string db = dump();
  EXPECT_NE(db.find("MiniUPnPd"), std::string::npos);
  EXPECT_NE(db.find("\"default_credential\":\"Watchguard user\""), std::string::npos);
  EXPECT_NE(db.find("\"mqtt.anonymous\":\"true\""), std::string::npos);

  std::vector<std::string> secrets{"dGVzdDpmYWlsMg", "fail2", "R0_C@cti", "SharedAccessSignature",
                                   "\"pass\"",       ":pass", "user:pass"};
  for (const auto& s : secrets) {
    EXPECT_EQ(db.find(s), std::string::npos) << "in the database: " << s;
    EXPECT_EQ(r.out.find(s), std::string::npos) << "in the output: " << s;
    EXPECT_EQ(r.err.find(s), std::string::npos) << "in the log: " << s;
  }
  auto services = cw({"services", "--format", "csv"});
  EXPECT_NE(services.out.find("192.168.1.1,1900,udp,ssdp,MiniUPnPd,1.6"), std::string::npos)
      << services.out;

  // The same captures again add nothing.
  args.erase(args.begin(), args.begin() + 3);
  auto again = cw(args);
  EXPECT_NE(again.out.find("observations  0 new"), std::string::npos) << again.out;
}

// Distinctive secrets in every clear-text login the engine reads: none may reach the
// database, the summary or a debug log line; the default entries they match are named.
TEST_F(CaptureCli, GeneratedLoginsKeepNoSecret) {
  using testing::ipv4;
  std::string list = dir_.file("creds.csv");
  testing::write_file(list,
                      "productvendor,username,password\nZyxel,admin,Zx9-ftp-Secret\n"
                      "Dahua,root,Tn7-telnet-Secret\nHikvision,admin,Hk5-http-Secret\n"
                      "Acme,<blank>,Sn3-community-Secret\n");
  std::vector<testing::Frame> frames;
  auto add = [&](std::vector<testing::Frame> more) {
    frames.insert(frames.end(), more.begin(), more.end());
  };
  add(testing::tcp_conversation(ipv4("192.0.2.1"), 40001, ipv4("192.0.2.101"), 21,
                                {{false, "220 FTP ready\r\n"},
                                 {true, "USER admin\r\n"},
                                 {false, "331 Password required\r\n"},
                                 {true, "PASS Zx9-ftp-Secret\r\n"},
                                 {false, "230 Logged in\r\n"}}));
  add(testing::tcp_conversation(ipv4("192.0.2.1"), 40002, ipv4("192.0.2.102"), 23,
                                {{false, "DVR\r\nlogin: "},
                                 {true, "root\r\n"},
                                 {false, "root\r\nPassword: "},
                                 {true, "Tn7-telnet-Secret\r\n"},
                                 {false, "\r\n# "}}));
  std::string basic = "admin:Hk5-http-Secret";  // base64 below
  add(testing::tcp_conversation(
      ipv4("192.0.2.1"), 40003, ipv4("192.0.2.103"), 80,
      {{true, "GET / HTTP/1.1\r\nAuthorization: Basic YWRtaW46SGs1LWh0dHAtU2VjcmV0\r\n\r\n"},
       {false, "HTTP/1.1 200 OK\r\nServer: App-webs/\r\n\r\n"}}));
  std::string community = "Sn3-community-Secret";
  // SNMPv2c GetResponse, error 0, no varbinds, with that community.
  std::string pdu("\xa2\x0b\x02\x01\x01\x02\x01\x00\x02\x01\x00\x30\x00", 13);
  std::string body =
      std::string("\x02\x01\x01\x04", 4) + static_cast<char>(community.size()) + community + pdu;
  std::string snmp = "\x30" + std::string(1, static_cast<char>(body.size())) + body;
  frames.push_back(testing::ipv4_udp(ipv4("192.0.2.104"), ipv4("192.0.2.1"), 161, 50000, snmp));
  std::string file = dir_.file("logins.pcap");
  testing::write_file(file, testing::pcap_file(frames));

  auto r = cw({"--log-format", "json", "-v", "capture", "--credentials", list, "--pcap", file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("4 seen in clear text, 4 matched a default entry"), std::string::npos)
      << r.out;
  std::string db = dump();
  for (const std::string identity :
       {"Zyxel admin", "Dahua root", "Hikvision admin", "Acme <blank>"}) {
    EXPECT_NE(db.find("\"default_credential\":\"" + identity + "\""), std::string::npos)
        << identity;
  }
  for (const std::string secret :
       {"Zx9-ftp", "Tn7-telnet", "Hk5-http", "Sn3-community", "YWRtaW46SGs1LWh0dHAtU2VjcmV0"}) {
    EXPECT_EQ(db.find(secret), std::string::npos) << "in the database: " << secret;
    EXPECT_EQ(r.out.find(secret), std::string::npos) << "in the output: " << secret;
    EXPECT_EQ(r.err.find(secret), std::string::npos) << "in the log: " << secret;
  }
  (void)basic;
}

TEST_F(CaptureCli, DamagedAndOddFilesAreReportedWithPacketNumbers) {
  using testing::ipv4;
  auto flow = testing::tcp_conversation(ipv4("192.0.2.10"), 40000, ipv4("192.0.2.20"), 22,
                                        {{false, "SSH-2.0-dropbear_2019.78\r\n"}});
  std::string good = testing::pcap_file(flow);
  // Truncated in the middle of the last record.
  std::string truncated = dir_.file("truncated.pcap");
  testing::write_file(truncated, good.substr(0, good.size() - 10));
  // A link type we do not decode (DLT_USER0).
  std::string odd = dir_.file("user0.pcap");
  testing::write_file(odd, testing::pcap_file(flow, 147));
  // Snaplen-cut packets, and one whose IP header lies about its length.
  std::vector<testing::PcapRecord> records;
  for (const auto& f : flow)
    records.push_back({f, 1700000000, static_cast<std::uint32_t>(f.size())});
  records[3].wire_length += 100;  // cut by the snapshot length
  records[4].frame[17] = 0xff;    // total length far beyond the frame, nothing cut
  std::string cut = dir_.file("cut.pcap");
  testing::write_file(cut, testing::pcap_file(records));
  std::string junk = dir_.file("junk.pcap");
  testing::write_file(junk, "this is not a capture file at all");

  auto r = cw({"capture", "--pcap", truncated, odd, cut, junk, dir_.file("missing.pcap")});
  EXPECT_EQ(r.exit_code, 66) << r.out << r.err;  // the worst: a missing file
  EXPECT_NE(r.out.find(truncated + " packet " + std::to_string(flow.size())), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("truncated"), std::string::npos);
  EXPECT_NE(r.out.find("unknown link type            " + std::to_string(flow.size()) +
                       " (first: " + odd + " packet 1;"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("cut by snapshot length       1 (first: " + cut + " packet 4)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("bad IP header length         1 (first: " + cut + " packet 5)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(junk), std::string::npos);
  EXPECT_NE(r.out.find("missing.pcap"), std::string::npos);
  // What the truncated file held before the cut still landed.
  auto services = cw({"services", "--format", "csv"});
  EXPECT_NE(services.out.find("192.0.2.20,22,tcp,ssh,dropbear,2019.78"), std::string::npos)
      << services.out;
}

TEST_F(CaptureCli, BpfFilterAppliesAndBadOnesAreUsageErrors) {
  using testing::ipv4;
  auto ssh = testing::tcp_conversation(ipv4("192.0.2.10"), 40000, ipv4("192.0.2.20"), 22,
                                       {{false, "SSH-2.0-OpenSSH_9.2\r\n"}});
  auto ftp = testing::tcp_conversation(ipv4("192.0.2.10"), 40001, ipv4("192.0.2.21"), 21,
                                       {{false, "220 ready\r\n"}});
  ssh.insert(ssh.end(), ftp.begin(), ftp.end());
  std::string file = dir_.file("two.pcap");
  testing::write_file(file, testing::pcap_file(ssh));
  auto bad = cw({"capture", "--bpf", "tcp port ((", "--pcap", file});
  EXPECT_EQ(bad.exit_code, 64);
  EXPECT_NE(bad.err.find("bad BPF filter"), std::string::npos) << bad.err;
  auto only_ssh = cw({"capture", "--bpf", "tcp port 22", "--pcap", file});
  ASSERT_EQ(only_ssh.exit_code, 0) << only_ssh.err;
  EXPECT_NE(only_ssh.out.find("packets       " + std::to_string(ssh.size() - ftp.size())),
            std::string::npos)
      << only_ssh.out;
  auto services = cw({"services", "--format", "csv"});
  EXPECT_NE(services.out.find("192.0.2.20,22,tcp,ssh"), std::string::npos);
  EXPECT_EQ(services.out.find("192.0.2.21"), std::string::npos);
}

TEST_F(CaptureCli, MiraiSourcesBecomeDevicesWithEvidence) {
  using testing::ipv4;
  std::vector<testing::PcapRecord> records;
  std::uint32_t bot = ipv4("203.0.113.66");
  for (std::uint32_t i = 0; i < 20; ++i) {
    std::uint32_t dst = ipv4("198.18.3.0") + i * 13;
    records.push_back({testing::ipv4_tcp(bot, dst, 51000, 23, {dst, 0, 0x02}), 1700000000 + i, 0});
    records.push_back(
        {testing::ipv4_tcp(ipv4("192.0.2.99"), dst, 41000, 22, {i, 0, 0x02}), 1700000000 + i, 0});
  }
  std::string file = dir_.file("telescope.pcap");
  testing::write_file(file, testing::pcap_file(records));
  auto r = cw({"capture", "--darknet", "--pcap", file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("infected      1 sources (Mirai-style SYNs: 20)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("scanners      1 other sources (20 SYNs)"), std::string::npos) << r.out;
  auto devices = cw({"devices", "--all", "--format", "csv"});
  EXPECT_NE(devices.out.find("203.0.113.66"), std::string::npos) << devices.out;
  EXPECT_EQ(devices.out.find("192.0.2.99"), std::string::npos);
  std::string db = dump();
  EXPECT_NE(db.find("\"infection\":\"mirai\""), std::string::npos) << db;
  EXPECT_NE(db.find("\"scan.syns\":\"20\""), std::string::npos);
  // ... and the risk engine turns it into an infected finding.
  auto infected = cw({"findings", "--kind", "infected", "--format", "csv"});
  EXPECT_NE(infected.out.find("203.0.113.66,"), std::string::npos) << infected.out;
  EXPECT_NE(infected.out.find(",critical,"), std::string::npos) << infected.out;
}

// Live capture needs CAP_NET_RAW; this runs as root (CI does) and says so when it cannot.
class LiveCapture : public CaptureCli, public ::testing::WithParamInterface<int> {};

TEST_P(LiveCapture, LoopbackCaptureStopsCleanlyOnSignalWithEverythingWritten) {
  const int stop_signal = GetParam();
  if (::geteuid() != 0) GTEST_SKIP() << "live capture needs root or CAP_NET_RAW";
  int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(0x7f000001);
  ASSERT_EQ(::bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(server, 4), 0);
  socklen_t len = sizeof addr;
  ::getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);

  int err_pipe[2];
  ASSERT_EQ(::pipe2(err_pipe, O_CLOEXEC), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  std::vector<std::string> argv{
      testing::citywatch_binary(),       "--db", db_, "capture", "--interface", "lo", "--bpf",
      "tcp port " + std::to_string(port)};
  std::vector<char*> cargs;
  for (auto& a : argv) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, cargs[0], &actions, nullptr, cargs.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(err_pipe[1]);

  // Wait for the readiness line (or the reason it cannot capture).
  std::string err;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (err.find("listening on lo") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    pollfd p{err_pipe[0], POLLIN, 0};
    if (::poll(&p, 1, 1000) <= 0) continue;
    char buf[512];
    ssize_t n = ::read(err_pipe[0], buf, sizeof buf);
    if (n <= 0) break;
    err.append(buf, static_cast<std::size_t>(n));
  }
  if (err.find("listening on lo") == std::string::npos) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    if (err.find("CAP_NET_RAW") != std::string::npos ||
        err.find("Operation not permitted") != std::string::npos) {
      GTEST_SKIP() << "live capture not permitted here: " << err;
    }
    FAIL() << "citywatch did not start capturing: " << err;
  }

  // Real traffic on 127.0.0.1: an SSH-style banner exchange.
  int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  int accepted = ::accept4(server, nullptr, nullptr, SOCK_CLOEXEC);
  ASSERT_GE(accepted, 0);
  std::string banner = "SSH-2.0-LiveTest_4.2 loopback\r\n";
  ASSERT_EQ(::write(accepted, banner.data(), banner.size()), static_cast<ssize_t>(banner.size()));
  char got[64];
  ASSERT_GT(::read(client, got, sizeof got), 0);  // the banner went through the kernel
  ::close(client);
  ::close(accepted);
  ::close(server);

  ASSERT_EQ(::kill(pid, stop_signal), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  char buf[4096];
  ssize_t n;
  while ((n = ::read(err_pipe[0], buf, sizeof buf)) > 0)
    err.append(buf, static_cast<std::size_t>(n));
  ::close(err_pipe[0]);
  ASSERT_TRUE(WIFEXITED(status)) << err;
  EXPECT_EQ(WEXITSTATUS(status), 0) << err;
  auto services = cw({"services", "--format", "csv"});
  EXPECT_NE(services.out.find("127.0.0.1," + std::to_string(port) + ",tcp,ssh,LiveTest,4.2"),
            std::string::npos)
      << services.out << err;
}

INSTANTIATE_TEST_SUITE_P(Signals, LiveCapture, ::testing::Values(SIGTERM, SIGINT),
                         [](const ::testing::TestParamInfo<int>& param) {
                           return std::string(param.param == SIGTERM ? "Sigterm" : "Sigint");
                         });

}  // namespace
}  // namespace citywatch
