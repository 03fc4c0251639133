// tests/integration/notify_fixture.h: what the notification end-to-end tests share: a database
// with the demo feeds imported and located (the demo prefix map puts them in The Hague), a
// self-signed certificate for 127.0.0.1 made with openssl(1), a config file with partners, and
// helpers to run citywatch against it and read its JSON lines.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace citywatch::testing {

class NotifyFixture : public ::testing::Test {
 protected:
  TempDir dir;
  std::string db = dir.file("city.db");
  std::string config = dir.file("citywatch.toml");
  std::string cert = dir.file("cert.pem");
  std::string key = dir.file("key.pem");

  void SetUp() override {
    auto made = run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                     "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                     "subjectAltName=IP:127.0.0.1"});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    write_config("");
    ASSERT_EQ(cw({"init"}).exit_code, 0);
    ASSERT_EQ(cw({"vulndb", "import", source_path("data/demo/vulndb/CVE-2018-14847.json"),
                  source_path("data/demo/vulndb/CVE-2021-33044.json"),
                  source_path("data/demo/vulndb/CVE-2023-1389.json"),
                  source_path("data/demo/vulndb/cisa_kev_iot_vendors_slice.json")})
                  .exit_code,
              0);
    ASSERT_EQ(cw({"import", "shodan", source_path("data/demo/shodan-hague-demo.jsonl")}).exit_code,
              0);
    ASSERT_EQ(
        cw({"import", "shadowserver", source_path("data/demo/2026-11-21-scan_telnet-demo-nl.csv"),
            source_path("data/demo/2026-11-22-event4_honeypot_darknet-demo-nl.csv"),
            source_path("data/demo/2026-11-20-scan_mqtt_anon-demo-nl.csv")})
            .exit_code,
        0);
  }

  // The geolocation of the demo plus [notify] settings and partner tables.
  void write_config(const std::string& partners, const std::string& notify_extra = "") {
    write_file(config,
               "[geo]\nboundary = \"" + source_path("data/geo/gm0518_s-gravenhage_2023.geojson") +
                   "\"\ndistricts = \"" + source_path("data/geo/gm0518_wijken_2023.geojson") +
                   "\"\nprefix_map = \"" + source_path("data/demo/prefix-map.csv") +
                   "\"\n\n[notify]\ntimeout = \"3s\"\nconnect_timeout = \"3s\"\n"
                   "retry_initial = \"60s\"\nretry_max_attempts = 8\nrecheck_after = \"1d\"\n" +
                   notify_extra + "\n" + partners);
  }

  RunResult cw(std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", config, "--db", db});
    return citywatch(args);
  }

  // One JSON object per line of `citywatch --format json ...`.
  std::vector<nlohmann::json> json_lines(std::vector<std::string> args) {
    args.insert(args.begin(), {"--format", "json"});
    auto r = cw(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<nlohmann::json> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    }
    return out;
  }

  std::vector<nlohmann::json> batches() { return json_lines({"batches", "list"}); }
};

}  // namespace citywatch::testing
