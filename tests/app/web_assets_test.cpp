#include "app/web_assets.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/test_support.h"

namespace citywatch::app {
namespace {

std::string header(const ApiResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

class WebAssetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.file("assets/js"));
    std::filesystem::create_directories(dir_.file("node_modules/uplot/dist"));
    testing::write_file(dir_.file("index.html"), "<!doctype html><title>d</title>");
    testing::write_file(dir_.file("assets/js/api.js"), "export const x = 1;\n");
    testing::write_file(dir_.file("node_modules/uplot/dist/uPlot.iife.min.js"), "var uPlot;");
    testing::write_file(dir_.file("secret.txt"), "not an asset");
    assets_ = WebAssets::load(dir_.path());
  }
  testing::TempDir dir_;
  WebAssets assets_;
};

TEST_F(WebAssetsTest, ServesThePageWithItsTypeAndSecurityHeaders) {
  auto r = assets_.serve("/", "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "<!doctype html><title>d</title>");
  EXPECT_EQ(r->content_type, "text/html; charset=utf-8");
  EXPECT_NE(header(*r, "Content-Security-Policy").find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(header(*r, "Cache-Control"), "no-cache");
  EXPECT_FALSE(header(*r, "ETag").empty());
  auto same = assets_.serve("/index.html", "");
  ASSERT_TRUE(same);
  EXPECT_EQ(same->body, r->body);
}

TEST_F(WebAssetsTest, ScriptsAndTheLibraryHaveTheirTypesAndCaching) {
  auto js = assets_.serve("/assets/js/api.js", "");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_TRUE(header(*js, "Content-Security-Policy").empty());
  auto lib = assets_.serve("/assets/vendor/uPlot.iife.min.js", "");
  ASSERT_TRUE(lib);
  EXPECT_EQ(lib->body, "var uPlot;");
  EXPECT_EQ(header(*lib, "Cache-Control"), "public, max-age=86400");
}

TEST_F(WebAssetsTest, AnUnchangedFileAnswers304) {
  auto first = assets_.serve("/assets/js/api.js", "");
  ASSERT_TRUE(first);
  auto again = assets_.serve("/assets/js/api.js", header(*first, "ETag"));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  auto other = assets_.serve("/assets/js/api.js", "\"0000000000000000\"");
  EXPECT_EQ(other->status, 200);
}

TEST_F(WebAssetsTest, OnlyListedFilesAreServed) {
  for (const char* path : {"/secret.txt", "/assets/js/../../secret.txt", "/..%2fsecret.txt",
                           "/assets/js/", "/assets/", "/node_modules/uplot/dist/uPlot.iife.min.js",
                           "//etc/passwd", "/assets/js/api.js/", "/index.html/", ""}) {
    EXPECT_FALSE(assets_.serve(path, "")) << path;
  }
}

TEST_F(WebAssetsTest, AMissingFileSaysHowToInstallIt) {
  auto r = assets_.serve("/assets/vendor/uPlot.min.css", "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("npm ci"), std::string::npos);
  EXPECT_FALSE(assets_.missing().empty());
}

TEST(WebAssets, ExtraFilesAreServedByTheirURL) {
  testing::TempDir dir;
  testing::write_file(dir.file("wijken.geojson"), R"({"type":"FeatureCollection","features":[]})");
  auto assets = WebAssets::load(dir.path(), {{"/assets/geo/districts.geojson",
                                              dir.file("wijken.geojson"), "application/geo+json"}});
  auto r = assets.serve("/assets/geo/districts.geojson", "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->content_type, "application/geo+json");
  EXPECT_FALSE(assets.serve("/assets/geo/wijken.geojson", ""));
}

TEST(WebDir, TheConfiguredDirectoryWins) {
  Config c;
  c.server.web_dir = "/srv/citywatch-web";
  EXPECT_EQ(web_dir(c), "/srv/citywatch-web");
}

}  // namespace
}  // namespace citywatch::app
