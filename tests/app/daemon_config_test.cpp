// The daemon's parts of the configuration and secrets.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "app/config.h"
#include "app/secrets.h"
#include "tests/support/test_support.h"

namespace citywatch::app {
namespace {

TEST(DaemonConfig, FullDaemonConfigLoads) {
  testing::TempDir dir;
  testing::write_file(dir.file("c.toml"), R"(
[server]
listen = "127.0.0.1:0"
threads = 4
screen_min_count = 10
[scheduler]
tick_seconds = 1
lease_seconds = 30
[retention]
observation_days = 30
device_days = 60
schedule = "every 1h"
[feeds.shodan]
enabled = true
api_key_file = "shodan.key"
networks = ["192.0.2.0/24", "2001:db8::/48"]
query = "port:23"
[feeds.shadowserver]
enabled = true
reports = ["netherlands"]
types = ["scan_telnet"]
[feeds.dropdir]
path = "drop"
[alerts]
syslog = "udp://127.0.0.1:514"
webhook_url = "https://soc.example/hook"
[[jobs]]
name = "scan-centrum"
kind = "scan"
schedule = "0 2 * * 1"
params = { scope = "centrum", ports = [23, 80] }
)");
  auto c = load_config(dir.file("c.toml"));
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->server.threads, 4u);
  EXPECT_EQ(c->server.screen_min_count, 10);
  EXPECT_EQ(c->shodan.networks.size(), 2u);
  EXPECT_EQ(c->shodan.api_key_file, dir.file("shodan.key"));
  EXPECT_EQ(c->dropdir.path, dir.file("drop"));
  ASSERT_EQ(c->jobs.size(), 1u);
  EXPECT_EQ(c->jobs[0].params_json, R"({"ports":[23,80],"scope":"centrum"})");
}

TEST(DaemonConfig, MistakesAreRefusedWithTheLine) {
  testing::TempDir dir;
  auto refused = [&](const std::string& text, const std::string& needle) {
    testing::write_file(dir.file("x.toml"), text);
    auto c = load_config(dir.file("x.toml"));
    EXPECT_FALSE(c) << text;
    if (!c) {
      EXPECT_NE(c.error().to_string().find(needle), std::string::npos) << c.error().to_string();
    }
  };
  refused("[feeds.shodan]\nenabled = true\n", "lists no networks");
  refused("[feeds.shodan]\nnetworks = [\"192.0.2.0/33\"]\n", "not a CIDR prefix");
  refused("[feeds.shodan]\nschedule = \"every now and then\"\n", "x.toml:2");
  refused("[retention]\nobservation_days = 90\ndevice_days = 30\n", "device_days");
  refused("[alerts]\nsyslog = \"10.0.0.1:514\"\n", "udp://");
  refused("[scheduler]\ntick_seconds = 60\nlease_seconds = 60\n", "lease_seconds");
  refused("[[jobs]]\nname = \"bad name\"\nkind = \"scan\"\nschedule = \"@daily\"\n", "[[jobs]]");
  refused("[feeds.shadowserver]\napi_url = \"ftp://x\"\n", "http://");
  refused("[feeds.nmap]\n", "feeds.nmap");
}

TEST(Secrets, FromEnvironmentOrAPrivateFile) {
  testing::TempDir dir;
  std::string file = dir.file("key");
  testing::write_file(file, "  abc123  \n");
  ::chmod(file.c_str(), 0600);
  EXPECT_EQ(*read_secret(file, "CITYWATCH_TEST_NO_SUCH_VAR", "the key"), "abc123");
  ::chmod(file.c_str(), 0644);
  auto open = read_secret(file, nullptr, "the key");
  ASSERT_FALSE(open);
  EXPECT_NE(open.error().message.find("chmod 600"), std::string::npos);
  ::setenv("CITYWATCH_TEST_SECRET", "from-env", 1);
  EXPECT_EQ(*read_secret("", "CITYWATCH_TEST_SECRET", "the key"), "from-env");
  ::unsetenv("CITYWATCH_TEST_SECRET");
  EXPECT_FALSE(read_secret("", "CITYWATCH_TEST_SECRET", "the key"));
  EXPECT_FALSE(read_secret(dir.file("missing"), nullptr, "the key"));
}

}  // namespace
}  // namespace citywatch::app
