#include "scanner/importer.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace citywatch::scanner {
namespace {

struct Run {
  FileImport result;
  std::vector<core::Observation> obs;
  core::Diagnostics diag;
};

Run import(FeedKind kind, const std::string& path) {
  Run r;
  r.result = import_file(
      kind, path, {}, [&](core::Observation&& o) { r.obs.push_back(o); }, r.diag, nullptr);
  return r;
}

std::string banner(int i) {
  return R"({"ip_str":"192.0.2.)" + std::to_string(i) +
         R"(","port":23,"transport":"tcp","timestamp":"2024-03-01T00:00:00","data":"login:"})";
}

TEST(Importer, ShodanLineCutInHalfIsOneBadRecord) {
  testing::TempDir dir;
  std::string b2 = banner(2);
  testing::write_file(dir.file("s.json"),
                      banner(1) + "\n" + b2.substr(0, b2.size() / 2) + "\n" + banner(3) + "\n");
  auto r = import(FeedKind::kShodan, dir.file("s.json"));
  EXPECT_FALSE(r.result.fatal);
  EXPECT_EQ(r.result.records, 3u);
  EXPECT_EQ(r.obs.size(), 2u);
  ASSERT_EQ(r.diag.count(), 1u);
  EXPECT_EQ(r.diag.samples()[0].where, dir.file("s.json") + ":2");
  EXPECT_EQ(r.diag.samples()[0].reason, "invalid JSON");
}

TEST(Importer, ShodanFirstLineDamagedStillReadsTheRest) {
  testing::TempDir dir;
  std::string b1 = banner(1);
  testing::write_file(dir.file("s.json"), b1.substr(0, 30) + "\n" + banner(2) + "\n" + banner(3));
  auto r = import(FeedKind::kShodan, dir.file("s.json"));
  EXPECT_EQ(r.obs.size(), 2u);
  EXPECT_EQ(r.diag.count(), 1u);
}

TEST(Importer, ShodanPrettyPrintedSearchPage) {
  testing::TempDir dir;
  testing::write_file(dir.file("page.json"), "{\n  \"matches\": [\n    " + banner(1) + ",\n    " +
                                                 banner(2) + "\n  ],\n  \"total\": 2\n}\n");
  auto r = import(FeedKind::kShodan, dir.file("page.json"));
  EXPECT_EQ(r.diag.count(), 0u);
  EXPECT_EQ(r.obs.size(), 2u);
}

TEST(Importer, GzipAndTruncatedGzip) {
  testing::TempDir dir;
  std::string lines;
  for (int i = 1; i <= 250; ++i) lines += banner(i % 250) + "\n";
  testing::write_gzip(dir.file("b.json.gz"), lines);
  auto whole = import(FeedKind::kShodan, dir.file("b.json.gz"));
  EXPECT_FALSE(whole.result.fatal);
  EXPECT_EQ(whole.obs.size(), 250u);

  std::string gz = testing::read_file(dir.file("b.json.gz"));
  testing::write_file(dir.file("cut.json.gz"), gz.substr(0, gz.size() - 40));
  auto cut = import(FeedKind::kShodan, dir.file("cut.json.gz"));
  ASSERT_TRUE(cut.result.fatal);
  EXPECT_EQ(cut.result.fatal->code, core::ErrorCode::kBadInput);
  EXPECT_GT(cut.obs.size(), 200u);  // what came before the damage is kept
}

TEST(Importer, NmapMissingFile) {
  auto r = import(FeedKind::kNmap, "/nonexistent/scan.xml");
  ASSERT_TRUE(r.result.fatal);
  EXPECT_EQ(r.result.fatal->code, core::ErrorCode::kNotFound);
}

}  // namespace
}  // namespace citywatch::scanner
