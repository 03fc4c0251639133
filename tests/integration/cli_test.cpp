// End-to-end checks of the citywatch command as a user runs it: exit codes, summaries, reject
// files, stdin and gzip input, output formats.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/test_support.h"

namespace citywatch {
namespace {

using testing::citywatch;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("city.db");
    auto init = citywatch({"--db", db_, "init"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    ASSERT_NE(init.out.find("created"), std::string::npos);
  }
  testing::RunResult cw(std::vector<std::string> args, const std::string& input = {}) {
    args.insert(args.begin(), {"--db", db_});
    return citywatch(args, input);
  }
  std::size_t lines(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  }
  testing::TempDir dir_;
  std::string db_;
};

std::string banner(int i, const std::string& data = "login:") {
  return R"({"ip_str":"192.0.2.)" + std::to_string(i) +
         R"(","port":23,"transport":"tcp","timestamp":"2024-03-01T00:00:00","data":")" + data +
         R"("})";
}

TEST_F(Cli, ImportIsIdempotentByRecord) {
  CITYWATCH_REQUIRE_DATA(snmp, "scan/shadowserver/scan_snmp.csv");
  auto first = cw({"import", "shadowserver", snmp});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("imported      3 new observations"), std::string::npos) << first.out;
  auto second = cw({"import", "shadowserver", snmp});
  ASSERT_EQ(second.exit_code, 0);
  EXPECT_NE(second.out.find("imported      0 new"), std::string::npos) << second.out;
  EXPECT_NE(second.out.find("duplicates    3"), std::string::npos);
  // The same rows inside another file are the same records.
  std::string copy = dir_.file("2022-01-01-scan_snmp-copy.csv");
  testing::write_file(copy, testing::read_file(snmp));
  auto third = cw({"import", "shadowserver", copy});
  EXPECT_NE(third.out.find("duplicates    3"), std::string::npos);
  auto devices = cw({"devices", "--all", "--format", "json"});
  EXPECT_EQ(lines(devices.out), 3u);
  EXPECT_NE(devices.out.find("\"vendor\":\"MikroTik\""), std::string::npos);
}

TEST_F(Cli, BadRecordsExit65AndTheGoodOnesLand) {
  std::string cut = banner(2);
  cut = cut.substr(0, cut.size() / 2);
  std::string secret_line =
      R"({"ip_str":"192.0.2.3","port":80,"timestamp":"never","data":"Authorization: Basic c2VjcmV0OnBhc3M="})";
  std::string file = dir_.file("feed.json");
  testing::write_file(file, banner(1) + "\n" + cut + "\n" + secret_line + "\n" + banner(4) + "\n");
  auto r = cw({"import", "shodan", file});
  EXPECT_EQ(r.exit_code, 65);
  EXPECT_NE(r.err.find(file + ":2: invalid JSON"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(file + ":3: bad timestamp"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("imported      2 new"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rejected      2"), std::string::npos);
  // Every reject is in the reject file, redacted.
  auto rejects = std::filesystem::directory_iterator(db_ + ".rejects");
  ASSERT_NE(rejects, std::filesystem::directory_iterator());
  std::string text = testing::read_file(rejects->path().string());
  EXPECT_NE(text.find("# " + file + ":2: invalid JSON"), std::string::npos) << text;
  EXPECT_NE(text.find("Authorization: Basic [redacted]"), std::string::npos) << text;
  EXPECT_EQ(text.find("c2VjcmV0OnBhc3M="), std::string::npos);
  EXPECT_EQ(r.err.find("c2VjcmV0OnBhc3M="), std::string::npos);
  EXPECT_EQ(lines(cw({"services", "--format", "csv"}).out), 3u);  // header + 2
}

TEST_F(Cli, StdinAndGzip) {
  auto r = cw({"import", "shodan", "-"}, banner(7) + "\n" + banner(8) + "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("shodan stdin"), std::string::npos);
  testing::write_gzip(dir_.file("b.json.gz"), banner(9) + "\n");
  ASSERT_EQ(cw({"import", "shodan", dir_.file("b.json.gz")}).exit_code, 0);
  auto services = cw({"services", "--format", "csv"});
  EXPECT_EQ(lines(services.out), 4u);
  EXPECT_NE(services.out.find("192.0.2.9,23,tcp"), std::string::npos);
}

TEST_F(Cli, TruncatedXmlExits65) {
  CITYWATCH_REQUIRE_DATA(xml, "scan/nmap/changeme_tomcat_nmap_sV.xml");
  std::string text = testing::read_file(xml);
  std::string cut = dir_.file("cut.xml");
  testing::write_file(cut, text.substr(0, text.find("</ports>")));
  auto r = cw({"import", "nmap", cut});
  EXPECT_EQ(r.exit_code, 65);
  EXPECT_NE(r.err.find(cut + ":"), std::string::npos);
  EXPECT_NE(r.err.find("ends early"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("imported      1 new"), std::string::npos) << r.out;
}

TEST_F(Cli, MissingInputExits66AndOtherFilesStillImport) {
  CITYWATCH_REQUIRE_DATA(telnet, "scan/shadowserver/scan_telnet.csv");
  auto r = cw({"import", "shadowserver", dir_.file("missing.csv"), telnet});
  EXPECT_EQ(r.exit_code, 66);
  EXPECT_NE(r.err.find("missing.csv"), std::string::npos);
  EXPECT_NE(r.out.find("imported      2 new"), std::string::npos) << r.out;
}

TEST_F(Cli, MissingDatabaseSaysHowToCreateIt) {
  auto r = citywatch({"--db", dir_.file("nope.db"), "devices"});
  EXPECT_EQ(r.exit_code, 66);
  EXPECT_NE(r.err.find("citywatch init"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("nope.db")));
}

TEST_F(Cli, UsageErrorsExit64AndHelpHasExamples) {
  EXPECT_EQ(cw({"import", "censys", "x"}).exit_code, 64);
  EXPECT_EQ(cw({"frobnicate"}).exit_code, 64);
  EXPECT_EQ(cw({"devices", "--format", "xml"}).exit_code, 64);
  for (std::vector<std::string> cmd : std::vector<std::vector<std::string>>{{"init"},
                                                                            {"import"},
                                                                            {"devices"},
                                                                            {"services"},
                                                                            {"locate"},
                                                                            {"geodb"},
                                                                            {"geodb", "fetch"}}) {
    cmd.push_back("--help");
    auto help = citywatch(cmd);
    EXPECT_EQ(help.exit_code, 0) << cmd[0];
    EXPECT_NE(help.out.find("Example:"), std::string::npos) << cmd[0] << " " << cmd[1];
  }
  EXPECT_EQ(cw({"geodb"}).exit_code, 64);
  EXPECT_EQ(cw({"locate"}).exit_code, 64);
  EXPECT_NE(citywatch({"--help"}).out.find("Example:"), std::string::npos);
}

TEST_F(Cli, JsonLogLinesAreJson) {
  auto r = cw({"-v", "--log-format", "json", "import", "shodan", "-"}, banner(1) + "\n");
  ASSERT_EQ(r.exit_code, 0);
  ASSERT_FALSE(r.err.empty());
  std::size_t start = 0;
  while (start < r.err.size()) {
    std::size_t end = r.err.find('\n', start);
    std::string line = r.err.substr(start, end - start);
    EXPECT_EQ(line.rfind("{\"time\":\"", 0), 0u) << line;
    EXPECT_EQ(line.back(), '}') << line;
    start = end + 1;
  }
  EXPECT_NE(r.err.find("\"msg\":\"import_done source=shodan"), std::string::npos) << r.err;
}

TEST_F(Cli, ConfigFileErrorsExit78) {
  testing::write_file(dir_.file("bad.toml"), "[database]\nfile = \"x\"\n");
  auto r = citywatch({"--config", dir_.file("bad.toml"), "devices"});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_NE(r.err.find("bad.toml:2"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace citywatch
