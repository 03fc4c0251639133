// Scan job params as the API and [[jobs]] tables give them: strict JSON, a scope named (never a
// path) and present in [scan] scope_dir, ports and targets in the scanner's own syntax.
#include <gtest/gtest.h>

#include <filesystem>

#include "app/jobs.h"
#include "tests/support/test_support.h"

namespace citywatch::app {
namespace {

class ScanJobParams : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.file("scopes"));
    testing::write_file(dir_.file("scopes/centrum.scope"), "192.0.2.0/28\n");
    testing::write_file(dir_.file("outside.scope"), "198.51.100.0/24\n");
    config_.scan.scope_dir = dir_.file("scopes");
  }
  // The error's message, or "" when the params are accepted.
  std::string refusal(const std::string& params) {
    auto r = validate_scan_params(params, config_);
    if (r) return "";
    EXPECT_EQ(r.error().code, core::ErrorCode::kBadInput) << params;
    return r.error().message;
  }
  testing::TempDir dir_;
  Config config_;
};

TEST_F(ScanJobParams, AScopeByNameWithOptionalPortsTargetsAndRate) {
  EXPECT_EQ(refusal(R"({"scope":"centrum"})"), "");
  EXPECT_EQ(refusal(R"({"scope":"centrum","ports":"23,80,8000-8010,161/udp",)"
                    R"("targets":["192.0.2.0/30","192.0.2.9"],"rate":500})"),
            "");
  // A [[jobs]] table writes ports as a TOML list.
  EXPECT_EQ(refusal(R"({"scope":"centrum","ports":[23,80,"161/udp"]})"), "");
}

TEST_F(ScanJobParams, ScopesAreNamesInScopeDirNeverPaths) {
  const std::string name_rule = "params.scope must be the name of a scope file";
  for (const char* p :
       {R"({"scope":"../outside"})", R"({"scope":"/etc/passwd"})", R"({"scope":"scopes/centrum"})",
        R"({"scope":""})", R"({"scope":5})", R"({"scope":"cen trum"})"}) {
    EXPECT_NE(refusal(p).find(name_rule), std::string::npos) << p;
  }
  EXPECT_EQ(refusal(R"({"scope":"noord"})"),
            "no scope 'noord' in [scan] scope_dir: put noord.scope there first "
            "(docs/scanning.md has the format)");
  EXPECT_EQ(refusal(R"({"ports":"80"})"), "params.scope is required: the name of a scope file");
  config_.scan.scope_dir.clear();
  EXPECT_EQ(refusal(R"({"scope":"centrum"})"),
            "[scan] scope_dir is not set: put scope files there to schedule scans");
}

TEST_F(ScanJobParams, UnknownKeysAndWrongTypesAreRefused) {
  EXPECT_EQ(refusal(R"({"scope":"centrum","allow_wide":true})"),
            "unknown key params.allow_wide (scan jobs take scope, ports, targets, rate)");
  EXPECT_EQ(refusal(R"([])"), "params must be a JSON object");
  EXPECT_EQ(refusal("not json"), "params must be a JSON object");
  EXPECT_NE(refusal(R"({"scope":"centrum","ports":"99999"})").find("params.ports: "),
            std::string::npos);
  EXPECT_NE(refusal(R"({"scope":"centrum","ports":80})").find("params.ports must be"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"scope":"centrum","ports":[80,true]})").find("params.ports: list"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"scope":"centrum","targets":"192.0.2.0/28"})").find("params.targets"),
            std::string::npos);
  EXPECT_EQ(refusal(R"({"scope":"centrum","targets":["192.0.2.0/33"]})"),
            "params.targets: \"192.0.2.0/33\" is not an address or CIDR range (e.g. "
            "\"192.0.2.0/28\")");
  for (const char* rate : {"0", "1000001", "1.5", "\"500\"", "-1", "true"}) {
    EXPECT_EQ(refusal(std::string(R"({"scope":"centrum","rate":)") + rate + "}"),
              "params.rate must be an integer from 1 to 1000000 (connections per second)")
        << rate;
  }
  EXPECT_EQ(refusal(R"({"scope":"centrum","rate":1000000})"), "");
}

TEST_F(ScanJobParams, TheScanKindIsForAnalystsAndTheApi) {
  JobRegistry registry;
  register_job_kinds(registry);
  const JobKind* scan = registry.find(kScan);
  ASSERT_NE(scan, nullptr);
  EXPECT_TRUE(scan->api_creatable);
  EXPECT_TRUE(scan->analyst_may_manage);
  ASSERT_TRUE(scan->validate_params);
  EXPECT_TRUE(scan->validate_params(R"({"scope":"centrum"})", config_));
}

TEST_F(ScanJobParams, ConfiguredJobsAreCheckedByTheirKind) {
  JobRegistry registry;
  register_job_kinds(registry);
  config_.source_path = dir_.file("citywatch.toml");
  config_.jobs.push_back(
      {"scan-centrum", "scan", "@daily", R"({"ports":[23,80],"scope":"centrum"})"});
  config_.jobs.push_back({"later", "recheck", "@daily", R"({"anything":1})"});  // unknown kind
  EXPECT_TRUE(check_config_jobs(registry, config_));
  config_.jobs.push_back({"scan-noord", "scan", "@daily", R"({"scope":"noord"})"});
  auto r = check_config_jobs(registry, config_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, core::ErrorCode::kConfig);
  EXPECT_EQ(r.error().to_string(), dir_.file("citywatch.toml") +
                                       ": [[jobs]] scan-noord: no scope 'noord' in [scan] "
                                       "scope_dir: put noord.scope there first (docs/scanning.md "
                                       "has the format)");
  config_.jobs.back() = {"purge", "retention", "@daily", R"({"days":3})"};
  r = check_config_jobs(registry, config_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "[[jobs]] purge: jobs of this kind take no params");
}

}  // namespace
}  // namespace citywatch::app
