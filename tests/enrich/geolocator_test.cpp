#include "enrich/geolocator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "tests/support/mmdb_builder.h"
#include "tests/support/test_support.h"

namespace citywatch::enrich {
namespace {

using core::InCity;
using core::LocateMethod;

core::IpAddress A(const char* text) { return *core::IpAddress::parse(text); }

// Landmarks, checked against the CBS 2023 polygons: the Binnenhof lies in Wijk 28 Centrum, the
// Peace Palace in Wijk 22 Zeeheldenkwartier, Delft and Rotterdam outside The Hague.
constexpr double kBinnenhofLat = 52.0799, kBinnenhofLon = 4.3127;
constexpr double kPeacePalaceLat = 52.0866, kPeacePalaceLon = 4.2956;
constexpr double kDelftLat = 52.0116, kDelftLon = 4.3571;
constexpr double kRotterdamLat = 51.9249, kRotterdamLon = 4.4690;
constexpr double kDamLat = 52.3731, kDamLon = 4.8926;

class GeolocatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    testing::MmdbSpec city;
    city.networks = {
        {"145.53.1.0/24", testing::city_record("The Hague", kBinnenhofLat, kBinnenhofLon, 1)},
        {"145.53.2.0/24", testing::city_record("The Hague", kPeacePalaceLat, kPeacePalaceLon, 1)},
        {"145.53.3.0/24", testing::city_record("The Hague", kBinnenhofLat, kBinnenhofLon, 50)},
        {"145.53.4.0/24", testing::city_record("Delft", kDelftLat, kDelftLon, 1)},
        {"145.53.5.0/24", testing::city_record("Delft", kDelftLat, kDelftLon, 20)},
        {"145.53.6.0/24", testing::city_record("Rotterdam", kRotterdamLat, kRotterdamLon, 1)},
        {"145.53.7.0/24", testing::city_record("Amsterdam", kDamLat, kDamLon, 1)},
        {"145.53.8.0/24", R"({"country":{"iso_code":"NL"}})"},
        {"145.53.9.0/24", testing::city_record("The Hague", kBinnenhofLat, kBinnenhofLon, -1)},
        {"2a02:a000::/32", testing::city_record("The Hague", kBinnenhofLat, kBinnenhofLon, 1)},
    };
    city_ = testing::cached_mmdb(city);
    ASSERT_FALSE(city_.empty());
    testing::MmdbSpec asn;
    asn.database_type = "GeoLite2-ASN";
    asn.networks = {{"145.53.0.0/16", testing::asn_record(1136, "KPN B.V.")}};
    asn_ = testing::cached_mmdb(asn);
    ASSERT_FALSE(asn_.empty());
    testing::MmdbSpec flat;
    flat.database_type = "city ipv4";
    flat.ip_version = 4;
    flat.types_json = R"({"city":"utf8_string","latitude":"float","longitude":"float"})";
    flat.networks = {
        {"145.53.1.0/24", testing::flat_record("The Hague", kBinnenhofLat, kBinnenhofLon)},
        {"145.53.4.0/24", testing::flat_record("Delft", kDelftLat, kDelftLon)}};
    flat_ = testing::cached_mmdb(flat);
    ASSERT_FALSE(flat_.empty());
    testing::MmdbSpec old = city;
    old.build_epoch = 1'600'000'000;
    old_ = testing::cached_mmdb(old);
    ASSERT_FALSE(old_.empty());
  }

  static GeoConfig hague() {
    GeoConfig c;
    c.city_aliases = {"Den Haag", "The Hague"};
    c.boundary_file = testing::source_path("data/geo/gm0518_s-gravenhage_2023.geojson");
    c.district_file = testing::source_path("data/geo/gm0518_wijken_2023.geojson");
    c.city_mmdb = {city_};
    c.asn_mmdb = asn_;
    return c;
  }
  static Geolocator open(const GeoConfig& c) {
    auto g = Geolocator::open(c, clock_);
    EXPECT_TRUE(g) << g.error().to_string();
    if (!g) std::abort();
    return std::move(*g);
  }

  static std::string city_, asn_, flat_, old_;
  static core::SystemClock clock_;
};
std::string GeolocatorTest::city_, GeolocatorTest::asn_, GeolocatorTest::flat_,
    GeolocatorTest::old_;
core::SystemClock GeolocatorTest::clock_;

TEST_F(GeolocatorTest, PutsAddressesInDistrictsOfTheHague) {
  Geolocator geo = open(hague());
  EXPECT_TRUE(geo.warnings().empty());
  core::Location l = geo.locate(A("145.53.1.10"));
  EXPECT_EQ(l.in_city, InCity::kYes);
  EXPECT_EQ(l.district_code, "WK051828");
  EXPECT_EQ(l.district_name, "Wijk 28 Centrum");
  EXPECT_EQ(l.city, "The Hague");
  EXPECT_EQ(l.method, LocateMethod::kMmdb);
  EXPECT_DOUBLE_EQ(*l.latitude, kBinnenhofLat);
  EXPECT_DOUBLE_EQ(*l.accuracy_km, 1);
  EXPECT_EQ(l.asn, 1136u);
  EXPECT_EQ(l.organisation, "KPN B.V.");
  // Surely in the city, but a 1 km circle in the small Centrum reaches into other wijken.
  EXPECT_GT(l.confidence, 0.2);
  EXPECT_LT(l.confidence, 0.8);

  EXPECT_EQ(geo.locate(A("145.53.2.200")).district_code, "WK051822");
  EXPECT_EQ(geo.locate(A("2a02:a000::1")).district_code, "WK051828");
}

TEST_F(GeolocatorTest, OutsideTheCityIsNoAndHasNoDistrict) {
  Geolocator geo = open(hague());
  for (const char* ip : {"145.53.4.1", "145.53.6.1", "145.53.7.1"}) {
    core::Location l = geo.locate(A(ip));
    EXPECT_EQ(l.in_city, InCity::kNo) << ip;
    EXPECT_TRUE(l.district_code.empty()) << ip;
    EXPECT_EQ(l.method, LocateMethod::kMmdb);
    EXPECT_GT(l.confidence, 0.5);
  }
}

TEST_F(GeolocatorTest, AnAccuracyCircleAcrossTheBoundaryIsPossibly) {
  Geolocator geo = open(hague());
  // The Binnenhof with 50 km: most of the circle lies outside the city.
  core::Location wide = geo.locate(A("145.53.3.1"));
  EXPECT_EQ(wide.in_city, InCity::kPossibly);
  EXPECT_EQ(wide.district_code, "WK051828");  // where the point itself is
  EXPECT_LT(wide.confidence, geo.locate(A("145.53.1.1")).confidence);
  // Delft with 20 km reaches into The Hague: possibly, but the point has no district.
  core::Location delft = geo.locate(A("145.53.5.1"));
  EXPECT_EQ(delft.in_city, InCity::kPossibly);
  EXPECT_TRUE(delft.district_code.empty());
  EXPECT_GT(delft.confidence, 0);
  EXPECT_LT(delft.confidence, 0.5);
}

// Points 20 m either side of the middle of an edge: the sides must differ, whatever way the
// ring runs. Edges shorter than 200 m are skipped so the offset cannot reach another edge.
template <typename Fn>
int each_side_of_long_edges(const Ring& ring, Fn&& check) {
  int checked = 0;
  for (std::size_t i = 0; i < ring.size() && checked < 20; ++i) {
    GeoPoint a = ring[i], b = ring[(i + 1) % ring.size()];
    double kx = km_per_degree_lon(a.lat);
    double east = (b.lon - a.lon) * kx, north = (b.lat - a.lat) * kKmPerDegreeLat;
    double len = std::sqrt(east * east + north * north);
    if (len < 0.2) continue;
    GeoPoint mid{(a.lat + b.lat) / 2, (a.lon + b.lon) / 2};
    // The unit normal, 20 m long.
    GeoPoint left = offset_km(mid, east / len * 0.02, -north / len * 0.02);
    GeoPoint right = offset_km(mid, -east / len * 0.02, north / len * 0.02);
    check(left, right);
    ++checked;
  }
  return checked;
}

TEST_F(GeolocatorTest, NearTheBoundaryExactPointsSplitAndCirclesArePossibly) {
  Geolocator geo = open(hague());
  auto outline = read_geojson_file(hague().boundary_file, {{"gemeentecode"}, {}});
  ASSERT_TRUE(outline);
  int checked = each_side_of_long_edges((*outline)[0].geometry[0][0], [&](GeoPoint l, GeoPoint r) {
    InCity a = geo.place(l, 0).in_city, b = geo.place(r, 0).in_city;
    EXPECT_NE(a, b) << l.lat << "," << l.lon;
    EXPECT_TRUE(a == InCity::kYes || b == InCity::kYes);
    // A 200 m accuracy circle around either point crosses the boundary.
    EXPECT_EQ(geo.place(l, 0.2).in_city, InCity::kPossibly);
    EXPECT_EQ(geo.place(r, 0.2).in_city, InCity::kPossibly);
  });
  EXPECT_GE(checked, 10);
}

TEST_F(GeolocatorTest, NearASharedDistrictEdgeEachSideGetsItsOwnDistrict) {
  Geolocator geo = open(hague());
  const District* centrum = geo.districts().by_code("WK051828");
  ASSERT_NE(centrum, nullptr);
  auto wijken = read_geojson_file(hague().district_file, {{"statcode"}, {"statnaam"}});
  ASSERT_TRUE(wijken);
  const Ring* ring = nullptr;
  for (const auto& f : *wijken) {
    if (f.code == "WK051828") ring = &f.geometry[0][0];
  }
  ASSERT_NE(ring, nullptr);
  int shared = 0;
  each_side_of_long_edges(*ring, [&](GeoPoint l, GeoPoint r) {
    const District* a = geo.districts().find(l);
    const District* b = geo.districts().find(r);
    if (!a || !b) return;  // an edge on the city's outline or a gap in the map
    ++shared;
    EXPECT_NE(a, b);
    EXPECT_TRUE(a == centrum || b == centrum) << a->code << " " << b->code;
  });
  EXPECT_GE(shared, 3);
}

TEST_F(GeolocatorTest, PointsWithoutRadiusUseTheAssumedAccuracy) {
  GeoConfig c = hague();
  Geolocator exact = open(c);
  core::Location l = exact.locate(A("145.53.9.1"));
  EXPECT_EQ(l.in_city, InCity::kYes);
  EXPECT_FALSE(l.accuracy_km);
  c.assumed_accuracy_km = 50;
  Geolocator wide = open(c);
  EXPECT_EQ(wide.locate(A("145.53.9.1")).in_city, InCity::kPossibly);
}

TEST_F(GeolocatorTest, InTheCityButInNoDistrictIsYesWithDistrictUnknown) {
  // A district map that lags the boundary: it only has a small block around the Binnenhof.
  testing::TempDir dir;
  testing::write_file(dir.file("one.geojson"), R"({"type":"FeatureCollection","features":[
    {"type":"Feature","properties":{"statcode":"WK999901","statnaam":"Block"},
     "geometry":{"type":"Polygon","coordinates":[[[4.30,52.07],[4.32,52.07],[4.32,52.09],[4.30,52.09],[4.30,52.07]]]}}]})");
  GeoConfig c = hague();
  c.district_file = dir.file("one.geojson");
  Geolocator geo = open(c);
  EXPECT_EQ(geo.locate(A("145.53.1.1")).district_code, "WK999901");
  core::Location l = geo.locate(A("145.53.2.1"));  // Peace Palace: in the city, not in the block
  EXPECT_EQ(l.in_city, InCity::kYes);
  EXPECT_TRUE(l.district_code.empty());
}

TEST_F(GeolocatorTest, AnOutlineInPartsWithoutCodesCountsWhole) {
  // A mainland and an island as two features without properties, each with a hole.
  testing::TempDir dir;
  testing::write_file(dir.file("parts.geojson"), R"({"type":"FeatureCollection","features":[
    {"type":"Feature","properties":null,"geometry":{"type":"Polygon","coordinates":[
      [[4.0,52.0],[4.1,52.0],[4.1,52.1],[4.0,52.1],[4.0,52.0]],
      [[4.04,52.04],[4.06,52.04],[4.06,52.06],[4.04,52.06],[4.04,52.04]]]}},
    {"type":"Feature","properties":null,"geometry":{"type":"Polygon","coordinates":[
      [[4.5,52.5],[4.6,52.5],[4.6,52.6],[4.5,52.6],[4.5,52.5]]]}}]})");
  GeoConfig c;
  c.boundary_file = dir.file("parts.geojson");
  Geolocator geo = open(c);
  EXPECT_EQ(geo.place({52.01, 4.01}, 0).in_city, InCity::kYes);
  EXPECT_EQ(geo.place({52.55, 4.55}, 0).in_city, InCity::kYes);
  EXPECT_EQ(geo.place({52.05, 4.05}, 0).in_city, InCity::kNo);  // in the hole
  EXPECT_EQ(geo.place({52.3, 4.3}, 0).in_city, InCity::kNo);
  // The hole's middle is about 0.7 km from its nearest edge.
  EXPECT_EQ(geo.place({52.05, 4.05}, 0.5).in_city, InCity::kNo);
  EXPECT_EQ(geo.place({52.05, 4.05}, 2).in_city, InCity::kPossibly);
}

TEST_F(GeolocatorTest, AnyOtherCityByConfigAlone) {
  CITYWATCH_REQUIRE_DATA(rotterdam, "boundaries/gm0599_rotterdam_2023.geojson");
  CITYWATCH_REQUIRE_DATA(amsterdam, "boundaries/gm0363_amsterdam_2023.geojson");
  GeoConfig r;
  r.city_name = "Rotterdam";
  r.city_code = "GM0599";
  r.boundary_file = rotterdam;
  r.city_mmdb = {city_};
  Geolocator rdam = open(r);
  EXPECT_EQ(rdam.district_count(), 0u);
  EXPECT_EQ(rdam.locate(A("145.53.6.1")).in_city, InCity::kYes);
  EXPECT_EQ(rdam.locate(A("145.53.1.1")).in_city, InCity::kNo);
  GeoConfig a = r;
  a.city_name = "Amsterdam";
  a.city_code = "GM0363";
  a.boundary_file = amsterdam;
  Geolocator adam = open(a);
  EXPECT_EQ(adam.locate(A("145.53.7.1")).in_city, InCity::kYes);
  EXPECT_EQ(adam.locate(A("145.53.6.1")).in_city, InCity::kNo);
}

TEST_F(GeolocatorTest, FlatLayoutAndIpv4OnlyDatabases) {
  GeoConfig c = hague();
  c.city_mmdb = {flat_};
  Geolocator geo = open(c);
  core::Location l = geo.locate(A("145.53.1.1"));
  EXPECT_EQ(l.in_city, InCity::kYes);
  EXPECT_EQ(l.district_code, "WK051828");
  EXPECT_EQ(l.postal_code, "2500");
  EXPECT_EQ(geo.locate(A("145.53.4.1")).in_city, InCity::kNo);
  core::Location v6 = geo.locate(A("2a02:a000::1"));
  EXPECT_EQ(v6.in_city, InCity::kUnknown);
  EXPECT_EQ(v6.method, LocateMethod::kNone);
  EXPECT_NE(v6.note.find("IPv4 only"), std::string::npos) << v6.note;
  // With the IPv6-capable database second, IPv6 falls through to it.
  c.city_mmdb = {flat_, city_};
  Geolocator both = open(c);
  EXPECT_EQ(both.locate(A("2a02:a000::1")).in_city, InCity::kYes);
}

TEST_F(GeolocatorTest, ReservedAndUnknownAddressesAreNotLocatable) {
  Geolocator geo = open(hague());
  for (const char* ip : {"10.1.2.3", "192.168.1.1", "127.0.0.1", "192.0.2.1", "fe80::1", "::1"}) {
    core::Location l = geo.locate(A(ip));
    EXPECT_EQ(l.in_city, InCity::kUnknown) << ip;
    EXPECT_EQ(l.method, LocateMethod::kNone) << ip;
    EXPECT_NE(l.note.find("private or reserved"), std::string::npos) << ip << ": " << l.note;
  }
  core::Location absent = geo.locate(A("8.8.8.8"));
  EXPECT_EQ(absent.in_city, InCity::kUnknown);
  EXPECT_NE(absent.note.find("not in the IP geolocation database"), std::string::npos);
  core::Location country = geo.locate(A("145.53.8.1"));
  EXPECT_EQ(country.in_city, InCity::kUnknown);
  EXPECT_EQ(country.country_code, "NL");
  EXPECT_NE(country.note.find("no coordinates"), std::string::npos) << country.note;
}

TEST_F(GeolocatorTest, PrefixMapAndMunicipalRangesBeatTheDatabase) {
  testing::TempDir dir;
  testing::write_file(dir.file("map.csv"),
                      "prefix,district,latitude,longitude,accuracy_km,label\n"
                      "145.53.4.0/25,WK051842,,,,Ypenburg fibre\n"  // the DB says Delft
                      "192.0.2.0/28,,52.0866,4.2956,,\n"            // Peace Palace
                      "192.0.2.16/28,,52.0116,4.3571,0.5,\n"        // Delft
                      "198.51.100.0/24,WK051828,,,,\n");
  GeoConfig c = hague();
  c.prefix_map = dir.file("map.csv");
  c.municipal_ranges = {*core::Prefix::parse("145.53.6.0/24"),
                        *core::Prefix::parse("198.51.100.0/25")};
  Geolocator geo = open(c);

  core::Location mapped = geo.locate(A("145.53.4.1"));
  EXPECT_EQ(mapped.method, LocateMethod::kPrefixMap);
  EXPECT_EQ(mapped.in_city, InCity::kYes);
  EXPECT_EQ(mapped.district_code, "WK051842");
  EXPECT_EQ(mapped.district_name, "Wijk 42 Ypenburg");
  EXPECT_EQ(mapped.note, "Ypenburg fibre");
  EXPECT_EQ(geo.locate(A("145.53.4.200")).method, LocateMethod::kMmdb);  // outside the /25

  core::Location point = geo.locate(A("192.0.2.5"));  // documentation range, placed by the map
  EXPECT_EQ(point.method, LocateMethod::kPrefixMap);
  EXPECT_EQ(point.in_city, InCity::kYes);
  EXPECT_EQ(point.district_code, "WK051822");
  core::Location outside = geo.locate(A("192.0.2.20"));
  EXPECT_EQ(outside.in_city, InCity::kNo);
  EXPECT_TRUE(outside.district_code.empty());

  core::Location own = geo.locate(A("145.53.6.1"));  // the DB says Rotterdam
  EXPECT_EQ(own.method, LocateMethod::kMunicipalRange);
  EXPECT_EQ(own.in_city, InCity::kYes);
  EXPECT_DOUBLE_EQ(own.confidence, 1.0);
  core::Location both = geo.locate(A("198.51.100.1"));  // municipal, district from the map
  EXPECT_EQ(both.method, LocateMethod::kMunicipalRange);
  EXPECT_EQ(both.district_code, "WK051828");
  EXPECT_EQ(geo.locate(A("198.51.100.200")).method, LocateMethod::kPrefixMap);
}

TEST_F(GeolocatorTest, BadPrefixMapsAreConfigErrorsWithFileAndLine) {
  testing::TempDir dir;
  GeoConfig c = hague();
  c.prefix_map = dir.file("map.csv");
  testing::write_file(c.prefix_map, "prefix,district\n145.53.4.0/25,WK051899\n");
  auto unknown = Geolocator::open(c, clock_);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, core::ErrorCode::kConfig);
  EXPECT_EQ(unknown.error().where, c.prefix_map + ":2");
  EXPECT_NE(unknown.error().message.find("WK051899"), std::string::npos);
  testing::write_file(c.prefix_map, "prefix,district\n145.53.4.0/25,WK051801\nnonsense,WK051801\n");
  auto bad = Geolocator::open(c, clock_);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().where, c.prefix_map + ":3");
  testing::write_file(c.prefix_map,
                      "prefix,district\n145.53.4.0/25,WK051801\n145.53.4.0/25,WK051802\n");
  auto twice = Geolocator::open(c, clock_);
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message.find("twice"), std::string::npos);
}

TEST_F(GeolocatorTest, FeedOpinionIsKeptAndDisagreementsFlagged) {
  Geolocator geo = open(hague());
  core::FeedGeo hague_name;
  hague_name.city = "DEN HAAG";
  core::FeedGeo delft_point;
  delft_point.city = "Delft";
  delft_point.latitude = kDelftLat;
  delft_point.longitude = kDelftLon;

  core::Location agree = geo.locate(A("145.53.1.1"), &hague_name);
  EXPECT_EQ(agree.feed_city, "DEN HAAG");
  EXPECT_EQ(agree.feed_in_city, InCity::kYes);
  EXPECT_FALSE(agree.feed_disagrees);
  core::Location disagree = geo.locate(A("145.53.1.1"), &delft_point);
  EXPECT_EQ(disagree.feed_in_city, InCity::kNo);
  EXPECT_TRUE(disagree.feed_disagrees);
  EXPECT_EQ(disagree.in_city, InCity::kYes);  // ours stands
  EXPECT_TRUE(geo.locate(A("145.53.4.1"), &hague_name).feed_disagrees);
  // "possibly" contradicts neither.
  EXPECT_FALSE(geo.locate(A("145.53.3.1"), &delft_point).feed_disagrees);
}

TEST_F(GeolocatorTest, TheFeedPlacesWhatNothingElseCan) {
  GeoConfig c = hague();
  c.city_mmdb.clear();
  Geolocator geo = open(c);
  EXPECT_FALSE(geo.has_city_database());
  core::FeedGeo shodan;
  shodan.city = "The Hague";
  shodan.latitude = kPeacePalaceLat;
  shodan.longitude = kPeacePalaceLon;
  core::Location l = geo.locate(A("145.53.1.1"), &shodan);
  EXPECT_EQ(l.method, LocateMethod::kFeed);
  EXPECT_EQ(l.in_city, InCity::kYes);
  EXPECT_EQ(l.district_code, "WK051822");
  EXPECT_FALSE(l.feed_disagrees);
  EXPECT_LE(l.confidence, 0.5);  // someone else's geolocation counts for less
  core::FeedGeo shadowserver;
  shadowserver.city = "ROTTERDAM";
  core::Location named = geo.locate(A("145.53.1.1"), &shadowserver);
  EXPECT_EQ(named.method, LocateMethod::kFeed);
  EXPECT_EQ(named.in_city, InCity::kNo);
  // Never for private addresses: a feed cannot know where 10/8 is.
  EXPECT_EQ(geo.locate(A("10.0.0.1"), &shodan).in_city, InCity::kUnknown);
  EXPECT_EQ(geo.locate(A("145.53.1.1")).in_city, InCity::kUnknown);
}

TEST_F(GeolocatorTest, WarnsAboutStaleDatabases) {
  GeoConfig c = hague();
  c.city_mmdb = {old_};
  core::ManualClock clock(1'600'000'000 + 31 * 86400);
  auto geo = Geolocator::open(c, clock);
  ASSERT_TRUE(geo);
  ASSERT_EQ(geo->warnings().size(), 1u);
  EXPECT_NE(geo->warnings()[0].find("31 days ago"), std::string::npos) << geo->warnings()[0];
  core::ManualClock fresh(1'600'000'000 + 29 * 86400);
  auto ok = Geolocator::open(c, fresh);
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->warnings().empty());
}

TEST_F(GeolocatorTest, BadFilesAreRefusedWithTheRightCode) {
  GeoConfig c = hague();
  c.city_mmdb = {asn_};
  auto swapped = Geolocator::open(c, clock_);
  ASSERT_FALSE(swapped);
  EXPECT_EQ(swapped.error().code, core::ErrorCode::kConfig);
  c = hague();
  testing::TempDir dir;
  testing::write_file(dir.file("junk.mmdb"), "not a database");
  c.city_mmdb = {dir.file("junk.mmdb")};
  auto junk = Geolocator::open(c, clock_);
  ASSERT_FALSE(junk);
  EXPECT_EQ(junk.error().code, core::ErrorCode::kIo);
  EXPECT_EQ(junk.error().where, dir.file("junk.mmdb"));
  c = hague();
  c.boundary_file = c.district_file;  // 44 wijken, none is GM0518
  auto wrong = Geolocator::open(c, clock_);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, core::ErrorCode::kConfig);
  EXPECT_NE(wrong.error().message.find("GM0518"), std::string::npos);
}

}  // namespace
}  // namespace citywatch::enrich
