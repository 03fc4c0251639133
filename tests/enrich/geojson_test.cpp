#include "enrich/geojson.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace citywatch::enrich {
namespace {

GeoJsonOptions district_options() {
  GeoJsonOptions o;
  o.code_properties = {"statcode", "code"};
  o.name_properties = {"statnaam", "name"};
  return o;
}

constexpr const char* kSquare = R"([[4.0,52.0],[4.1,52.0],[4.1,52.1],[4.0,52.1],[4.0,52.0]])";

TEST(GeoJson, ReadsPolygonsMultiPolygonsAndHoles) {
  std::string text = std::string(R"({"type":"FeatureCollection","features":[
    {"type":"Feature","properties":{"statcode":"WK000101","statnaam":"One"},
     "geometry":{"type":"Polygon","coordinates":[)") +
                     kSquare +
                     R"(,[[4.02,52.02],[4.04,52.02],[4.04,52.04],[4.02,52.02]]]}},
    {"type":"Feature","properties":{"code":7,"name":"Two"},
     "geometry":{"type":"MultiPolygon","coordinates":[[)" +
                     kSquare + R"(],[)" + kSquare + R"(]]}}]})";
  auto features = parse_geojson(text, "t.geojson", district_options());
  ASSERT_TRUE(features) << features.error().to_string();
  ASSERT_EQ(features->size(), 2u);
  EXPECT_EQ((*features)[0].code, "WK000101");
  EXPECT_EQ((*features)[0].name, "One");
  ASSERT_EQ((*features)[0].geometry.size(), 1u);
  EXPECT_EQ((*features)[0].geometry[0].size(), 2u);     // outer ring and hole
  EXPECT_EQ((*features)[0].geometry[0][0].size(), 4u);  // closing position dropped
  EXPECT_EQ((*features)[1].code, "7");                  // numbers become text
  EXPECT_EQ((*features)[1].geometry.size(), 2u);
}

TEST(GeoJson, BareGeometryAndSingleFeature) {
  auto bare = parse_geojson(std::string(R"({"type":"Polygon","coordinates":[)") + kSquare + "]}",
                            "b.geojson", district_options());
  ASSERT_TRUE(bare) << bare.error().to_string();
  EXPECT_EQ(bare->size(), 1u);
  auto one = parse_geojson(
      std::string(
          R"({"type":"Feature","properties":null,"geometry":{"type":"Polygon","coordinates":[)") +
          kSquare + "]}}",
      "f.geojson", district_options());
  ASSERT_TRUE(one) << one.error().to_string();
}

void expect_config_error(const std::string& text, const std::string& needle) {
  auto r = parse_geojson(text, "bad.geojson", district_options());
  ASSERT_FALSE(r) << "accepted: " << text;
  EXPECT_EQ(r.error().code, core::ErrorCode::kConfig);
  EXPECT_EQ(r.error().where, "bad.geojson");
  EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
}

TEST(GeoJson, RefusesWhatCannotBeAnArea) {
  expect_config_error("{\"type\":", "not valid GeoJSON");
  expect_config_error("[1,2]", "not a JSON object");
  expect_config_error(R"({"type":"FeatureCollection","features":[]})", "no features");
  expect_config_error(
      R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"statcode":"WK1"},
          "geometry":{"type":"Point","coordinates":[4.3,52.1]}}]})",
      "feature 1 (WK1): is a Point");
  expect_config_error(
      R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"statcode":"WK2","statnaam":"Tiny"},
          "geometry":{"type":"Polygon","coordinates":[[[4.0,52.0],[4.1,52.0],[4.0,52.0]]]}}]})",
      "feature 1 (WK2 'Tiny'): ring 0 of polygon 0 has 3 positions");
  expect_config_error(R"({"type":"Feature","properties":{},"geometry":null})",
                      "feature 1: has no geometry");
  expect_config_error(
      R"({"type":"Polygon","coordinates":[[[4.0,"x"],[4.1,52.0],[4.1,52.1],[4.0,52.0]]]})",
      "not two numbers");
}

TEST(GeoJson, NamesRdNewCoordinates) {
  // The Binnenhof in RD New is about (81100, 455100) metres.
  expect_config_error(
      R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"statcode":"WK051828"},
          "geometry":{"type":"Polygon","coordinates":[[[81000,455000],[81200,455000],[81200,455200],[81000,455000]]]}}]})",
      "feature 1 (WK051828): ring 0 of polygon 0: coordinates (81000, 455000) look like RD New");
  expect_config_error(
      std::string(
          R"({"type":"Polygon","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::28992"}},"coordinates":[)") +
          kSquare + "]}",
      "RD New (EPSG:28992)");
  expect_config_error(
      R"({"type":"Polygon","coordinates":[[[4000,52],[4001,52],[4001,53],[4000,52]]]})",
      "not WGS84");
}

TEST(GeoJson, CapsVertices) {
  GeoJsonOptions o = district_options();
  o.max_vertices = 3;
  auto r = parse_geojson(std::string(R"({"type":"Polygon","coordinates":[)") + kSquare + "]}",
                         "big.geojson", o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("more than 3 vertices"), std::string::npos);
}

TEST(GeoJson, ReadsTheShippedHagueFiles) {
  auto outline =
      read_geojson_file(testing::source_path("data/geo/gm0518_s-gravenhage_2023.geojson"),
                        {{"gemeentecode"}, {"gemeentenaam"}});
  ASSERT_TRUE(outline) << outline.error().to_string();
  ASSERT_EQ(outline->size(), 1u);
  EXPECT_EQ((*outline)[0].code, "GM0518");
  auto wijken = read_geojson_file(testing::source_path("data/geo/gm0518_wijken_2023.geojson"),
                                  district_options());
  ASSERT_TRUE(wijken) << wijken.error().to_string();
  EXPECT_EQ(wijken->size(), 44u);
}

TEST(GeoJson, MissingFileIsAConfigError) {
  auto r = read_geojson_file("/nonexistent/x.geojson", district_options());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, core::ErrorCode::kConfig);
  EXPECT_EQ(r.error().where, "/nonexistent/x.geojson");
}

}  // namespace
}  // namespace citywatch::enrich
