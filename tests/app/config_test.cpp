#include "app/config.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace citywatch::app {
namespace {

TEST(Config, ExampleConfigLoadsAndResolvesPathsBesideIt) {
  auto config = load_config(testing::source_path("deploy/citywatch.example.toml"));
  ASSERT_TRUE(config) << config.error().to_string();
  EXPECT_EQ(config->city_code, "GM0518");
  EXPECT_EQ(config->import_chunk_size, 5000u);
  EXPECT_EQ(config->database_path, testing::source_path("deploy/citywatch.db"));
}

TEST(Config, ScanSection) {
  auto example = load_config(testing::source_path("deploy/citywatch.example.toml"));
  ASSERT_TRUE(example);
  EXPECT_EQ(example->scan.rate, 1000u);
  EXPECT_EQ(example->scan.network_rate, 100u);
  EXPECT_EQ(example->scan.max_login_attempts, 3u);
  EXPECT_TRUE(example->scan.protocol_timeouts_ms.empty());
  EXPECT_TRUE(example->scan.blocklist.empty());

  testing::TempDir dir;
  testing::write_file(dir.file("s.toml"),
                      "[scan]\nrate = 50\nopt_out = \"optout.txt\"\n"
                      "protocol_timeouts_ms = { telnet = 8000, snmp = 900 }\n");
  auto s = load_config(dir.file("s.toml"));
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(s->scan.rate, 50u);
  EXPECT_EQ(s->scan.opt_out, dir.file("optout.txt"));
  EXPECT_EQ(s->scan.protocol_timeouts_ms.at("telnet"), 8000u);
  EXPECT_EQ(s->scan.protocol_timeouts_ms.at("snmp"), 900u);

  testing::write_file(dir.file("bad.toml"), "[scan]\nprotocol_timeouts_ms = { gopher = 10 }\n");
  auto bad = load_config(dir.file("bad.toml"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("unknown protocol 'gopher'"), std::string::npos);
  testing::write_file(dir.file("zero.toml"), "[scan]\nnetwork_rate = 0\n");
  EXPECT_FALSE(load_config(dir.file("zero.toml")));
}

TEST(Config, UnknownKeysAndWrongTypesNameTheLine) {
  testing::TempDir dir;
  testing::write_file(dir.file("a.toml"), "[database]\npath = \"x.db\"\n\n[import]\nchunk = 10\n");
  auto a = load_config(dir.file("a.toml"));
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, core::ErrorCode::kConfig);
  EXPECT_EQ(a.error().where, dir.file("a.toml") + ":5");
  EXPECT_NE(a.error().message.find("import.chunk"), std::string::npos);

  testing::write_file(dir.file("b.toml"), "[import]\nchunk_size = \"many\"\n");
  auto b = load_config(dir.file("b.toml"));
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().where, dir.file("b.toml") + ":2");

  testing::write_file(dir.file("c.toml"), "[import]\nchunk_size = 0\n");
  EXPECT_FALSE(load_config(dir.file("c.toml")));
}

TEST(Config, SyntaxErrorsAndMissingFilesAreConfigErrors) {
  testing::TempDir dir;
  testing::write_file(dir.file("bad.toml"), "[city\nname = 1\n");
  auto bad = load_config(dir.file("bad.toml"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, core::ErrorCode::kConfig);
  EXPECT_EQ(bad.error().where, dir.file("bad.toml") + ":1");
  auto missing = load_config(dir.file("none.toml"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, core::ErrorCode::kConfig);
}

TEST(Config, RelativePathsAreRelativeToTheFile) {
  testing::TempDir dir;
  testing::write_file(dir.file("c.toml"),
                      "[database]\npath = \"data/city.db\"\n[import]\nreject_dir = \"/var/rej\"\n");
  auto c = load_config(dir.file("c.toml"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->database_path, dir.file("data/city.db"));
  EXPECT_EQ(c->reject_dir, "/var/rej");
}

}  // namespace
}  // namespace citywatch::app
