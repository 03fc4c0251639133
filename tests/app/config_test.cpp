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

TEST(Config, CaptureSection) {
  testing::TempDir dir;
  testing::write_file(dir.file("c.toml"),
                      "[capture]\ncredentials_file = \"creds/default.csv\"\nmax_flows = 1024\n"
                      "stream_bytes = 8192\nflow_idle_seconds = 30\nflush_seconds = 5\n");
  auto c = load_config(dir.file("c.toml"));
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->credentials_file, dir.file("creds/default.csv"));
  EXPECT_EQ(c->capture_max_flows, 1024u);
  EXPECT_EQ(c->capture_stream_bytes, 8192u);
  EXPECT_EQ(c->capture_flow_idle_seconds, 30u);
  EXPECT_EQ(c->capture_flush_seconds, 5u);
  testing::write_file(dir.file("d.toml"), "[capture]\nmax_flows = 1\n");
  auto d = load_config(dir.file("d.toml"));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().where, dir.file("d.toml") + ":2");
  auto example = load_config(testing::source_path("deploy/citywatch.example.toml"));
  ASSERT_TRUE(example);
  EXPECT_EQ(example->credentials_file, "");
}

}  // namespace
}  // namespace citywatch::app
