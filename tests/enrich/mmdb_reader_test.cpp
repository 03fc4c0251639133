#include "enrich/mmdb_reader.h"

#include <gtest/gtest.h>

#include "tests/support/mmdb_builder.h"
#include "tests/support/test_support.h"

namespace citywatch::enrich {
namespace {

core::IpAddress A(const char* text) { return *core::IpAddress::parse(text); }

MmdbCityRecord city_at(const MmdbReader& r, const char* ip, MmdbLayout layout) {
  auto hit = r.lookup(A(ip));
  EXPECT_TRUE(hit) << hit.error().to_string();
  EXPECT_TRUE(hit && hit->found) << ip;
  if (!hit || !hit->found) return {};
  auto rec = r.city_record(hit->offset, layout);
  EXPECT_TRUE(rec) << rec.error().to_string();
  return rec ? *rec : MmdbCityRecord{};
}

TEST(MmdbReader, ReadsMaxMindCityTestDatabase) {
  CITYWATCH_REQUIRE_DATA(path, "geoip/maxmind-test/GeoIP2-City-Test.mmdb");
  auto r = MmdbReader::open(path);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->metadata().database_type, "GeoIP2-City");
  EXPECT_EQ(layout_of_type(r->metadata().database_type), MmdbLayout::kGeoIp2City);
  EXPECT_GT(r->metadata().build_epoch, 1'400'000'000u);
  // Facts from the database's JSON source (maxmind/MaxMind-DB source-data).
  MmdbCityRecord london = city_at(*r, "81.2.69.142", MmdbLayout::kAuto);
  EXPECT_EQ(london.city, "London");
  EXPECT_EQ(london.country_code, "GB");
  EXPECT_EQ(london.region, "England");
  EXPECT_DOUBLE_EQ(*london.latitude, 51.5142);
  EXPECT_DOUBLE_EQ(*london.longitude, -0.0931);
  EXPECT_DOUBLE_EQ(*london.accuracy_km, 10);
  MmdbCityRecord boxford = city_at(*r, "2.125.160.216", MmdbLayout::kGeoIp2City);
  EXPECT_EQ(boxford.city, "Boxford");
  EXPECT_EQ(boxford.postal_code, "OX1");
  // Networks sharing a record share its offset: the cache key.
  auto a = r->lookup(A("81.2.69.160")), b = r->lookup(A("81.2.69.190"));
  ASSERT_TRUE(a && b && a->found && b->found);
  EXPECT_EQ(a->offset, b->offset);
  auto none = r->lookup(A("10.0.0.1"));
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->found);
}

TEST(MmdbReader, ReadsMaxMindAsnTestDatabase) {
  CITYWATCH_REQUIRE_DATA(path, "geoip/maxmind-test/GeoLite2-ASN-Test.mmdb");
  auto r = MmdbReader::open(path);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(layout_of_type(r->metadata().database_type), MmdbLayout::kAsn);
  auto hit = r->lookup(A("1.128.0.1"));
  ASSERT_TRUE(hit && hit->found);
  auto asn = r->asn_record(hit->offset);
  ASSERT_TRUE(asn);
  EXPECT_EQ(asn->asn, 1221u);
  EXPECT_EQ(asn->organisation, "Telstra Pty Ltd");
}

TEST(MmdbReader, CorruptAndTruncatedDatabasesAreIoErrorsNamingTheFile) {
  CITYWATCH_REQUIRE_DATA(bad, "geoip/maxmind-test/GeoIP2-City-Test-Invalid-Node-Count.mmdb");
  auto r = MmdbReader::open(bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, core::ErrorCode::kIo);
  EXPECT_EQ(r.error().where, bad);
  EXPECT_NE(r.error().message.find("invalid metadata"), std::string::npos) << r.error().message;

  CITYWATCH_REQUIRE_DATA(good, "geoip/maxmind-test/GeoIP2-City-Test.mmdb");
  testing::TempDir dir;
  std::string whole = testing::read_file(good);
  testing::write_file(dir.file("cut.mmdb"), whole.substr(0, whole.size() / 2));
  auto cut = MmdbReader::open(dir.file("cut.mmdb"));
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().code, core::ErrorCode::kIo);
  EXPECT_EQ(cut.error().where, dir.file("cut.mmdb"));

  auto missing = MmdbReader::open(dir.file("absent.mmdb"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, core::ErrorCode::kIo);
}

TEST(MmdbReader, BrokenDataSectionIsAnErrorNotACrash) {
  CITYWATCH_REQUIRE_DATA(path, "geoip/maxmind-test/MaxMind-DB-test-broken-pointers-24.mmdb");
  auto r = MmdbReader::open(path);
  ASSERT_TRUE(r) << r.error().to_string();
  int errors = 0;
  for (int i = 0; i < 64; ++i) {
    auto ip = core::IpAddress::v4((1u << 24) | (1u << 16) | (1u << 8) | static_cast<unsigned>(i));
    auto hit = r->lookup(ip);
    if (!hit) {
      ++errors;
      continue;
    }
    if (hit->found && !r->city_record(hit->offset, MmdbLayout::kAuto)) ++errors;
  }
  EXPECT_GT(errors, 0);
}

TEST(MmdbReader, Ipv6InAnIpv4OnlyDatabaseIsRefusedNotCrashed) {
  CITYWATCH_REQUIRE_DATA(path, "geoip/maxmind-test/MaxMind-DB-test-ipv4-24.mmdb");
  auto r = MmdbReader::open(path);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ipv4_only());
  auto hit = r->lookup(A("2001:db8::1"));
  ASSERT_FALSE(hit);
  EXPECT_EQ(hit.error().code, core::ErrorCode::kNotFound);
}

TEST(MmdbReader, ReadsTheFlatIpLocationDbLayout) {
  testing::TempDir dir;
  testing::MmdbSpec spec;
  spec.database_type = "city ipv4";
  spec.ip_version = 4;
  spec.types_json = R"({"city":"utf8_string","latitude":"float","longitude":"float"})";
  spec.networks = {{"145.53.1.0/24", testing::flat_record("The Hague", 52.0799, 4.3127)}};
  ASSERT_TRUE(testing::build_mmdb(spec, dir.file("flat.mmdb")));
  auto r = MmdbReader::open(dir.file("flat.mmdb"));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(layout_of_type(r->metadata().database_type), MmdbLayout::kFlatCity);
  MmdbCityRecord rec = city_at(*r, "145.53.1.9", MmdbLayout::kAuto);  // sniffed from the keys
  EXPECT_EQ(rec.city, "The Hague");
  EXPECT_EQ(rec.postal_code, "2500");
  EXPECT_EQ(rec.region, "South Holland");
  EXPECT_EQ(rec.country_code, "NL");
  EXPECT_NEAR(*rec.latitude, 52.0799, 1e-5);  // stored as 32-bit float
  EXPECT_FALSE(rec.accuracy_km);
}

TEST(MmdbReader, LayoutNames) {
  EXPECT_EQ(layout_of_type("GeoLite2-City"), MmdbLayout::kGeoIp2City);
  EXPECT_EQ(layout_of_type("DBIP-City-Lite"), MmdbLayout::kGeoIp2City);
  EXPECT_EQ(layout_of_type("DBIP-Location (compat=City)"), MmdbLayout::kGeoIp2City);
  EXPECT_EQ(layout_of_type("city ipv6"), MmdbLayout::kFlatCity);
  EXPECT_EQ(layout_of_type("DBIP-ASN-Lite (compat=GeoLite2-ASN)"), MmdbLayout::kAsn);
  EXPECT_EQ(layout_of_type("Something-Else"), MmdbLayout::kAuto);
  EXPECT_EQ(parse_mmdb_layout("flat"), MmdbLayout::kFlatCity);
  EXPECT_FALSE(parse_mmdb_layout("maxmind"));
}

}  // namespace
}  // namespace citywatch::enrich
