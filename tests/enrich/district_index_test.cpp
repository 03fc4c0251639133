#include "enrich/district_index.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace citywatch::enrich {
namespace {

DistrictIndex hague_wijken() {
  auto features = read_geojson_file(testing::source_path("data/geo/gm0518_wijken_2023.geojson"),
                                    {{"statcode"}, {"statnaam"}});
  EXPECT_TRUE(features) << features.error().to_string();
  return features ? DistrictIndex::build(*features) : DistrictIndex();
}

std::string code_at(const DistrictIndex& index, double lat, double lon) {
  const District* d = index.find({lat, lon});
  return d ? d->code : "";
}

TEST(DistrictIndex, FindsHagueWijkenOfLandmarks) {
  DistrictIndex index = hague_wijken();
  ASSERT_EQ(index.size(), 44u);
  EXPECT_EQ(code_at(index, 52.0799, 4.3127), "WK051828");  // Binnenhof: Centrum
  EXPECT_EQ(index.find({52.0799, 4.3127})->name, "Wijk 28 Centrum");
  EXPECT_EQ(code_at(index, 52.0809, 4.3245), "WK051827");  // Den Haag Centraal: Stationsbuurt
  EXPECT_EQ(code_at(index, 52.0866, 4.2956), "WK051822");  // Vredespaleis: Zeeheldenkwartier
  EXPECT_EQ(code_at(index, 52.0420, 4.3700), "WK051842");  // Ypenburg
  EXPECT_EQ(code_at(index, 52.0650, 4.3950), "WK051844");  // Leidschenveen
  EXPECT_EQ(code_at(index, 52.0116, 4.3571), "");          // Delft
  EXPECT_EQ(code_at(index, 51.9249, 4.4690), "");          // Rotterdam Centraal
  EXPECT_EQ(index.by_code("WK051801")->name, "Wijk 01 Oostduinen");
  EXPECT_EQ(index.by_code("WK059999"), nullptr);
}

TEST(DistrictIndex, AgreesWithTestingEveryDistrictOnAGridOfPoints) {
  // The grid index must give the same answer as trying every polygon.
  DistrictIndex index = hague_wijken();
  int compared = 0, inside = 0;
  for (double lat = 51.99; lat <= 52.14; lat += 0.0021) {
    for (double lon = 4.17; lon <= 4.45; lon += 0.0023) {
      const District* brute = nullptr;
      for (const District& d : index.districts()) {
        if (d.shape.contains({lat, lon})) {
          brute = &d;
          break;
        }
      }
      EXPECT_EQ(index.find({lat, lon}), brute) << lat << "," << lon;
      ++compared;
      inside += brute != nullptr;
    }
  }
  EXPECT_GT(inside, compared / 5);
}

TEST(DistrictIndex, HolesAndPartsOfOneCode) {
  // District A is a square with a hole; district B fills the hole; C comes in two parts.
  auto square = [](double lat, double lon, double s) {
    return Ring{{lat, lon}, {lat, lon + s}, {lat + s, lon + s}, {lat + s, lon}};
  };
  std::vector<GeoFeature> f(4);
  f[0].code = "A";
  f[0].geometry = {{square(52.0, 4.0, 0.1), square(52.04, 4.04, 0.02)}};
  f[1].code = "B";
  f[1].geometry = {{square(52.04, 4.04, 0.02)}};
  f[2].code = "C";
  f[2].geometry = {{square(52.2, 4.0, 0.01)}};
  f[3].code = "C";
  f[3].geometry = {{square(52.3, 4.0, 0.01)}};
  DistrictIndex index = DistrictIndex::build(f);
  EXPECT_EQ(index.size(), 3u);
  EXPECT_EQ(code_at(index, 52.01, 4.01), "A");
  EXPECT_EQ(code_at(index, 52.05, 4.05), "B");  // in A's hole
  EXPECT_EQ(code_at(index, 52.205, 4.005), "C");
  EXPECT_EQ(code_at(index, 52.305, 4.005), "C");
  EXPECT_EQ(code_at(index, 52.25, 4.005), "");
}

TEST(DistrictIndex, ManyDistrictsStillResolve) {
  // 400 districts on a 20 x 20 grid: each point lands in its own cell's district.
  std::vector<GeoFeature> f;
  for (int r = 0; r < 20; ++r) {
    for (int c = 0; c < 20; ++c) {
      GeoFeature g;
      g.code = std::to_string(r * 20 + c);
      double lat = 52.0 + r * 0.01, lon = 4.0 + c * 0.01;
      g.geometry = {
          {Ring{{lat, lon}, {lat, lon + 0.01}, {lat + 0.01, lon + 0.01}, {lat + 0.01, lon}}}};
      f.push_back(std::move(g));
    }
  }
  DistrictIndex index = DistrictIndex::build(f);
  for (int r = 0; r < 20; ++r) {
    for (int c = 0; c < 20; ++c) {
      EXPECT_EQ(code_at(index, 52.0 + r * 0.01 + 0.005, 4.0 + c * 0.01 + 0.005),
                std::to_string(r * 20 + c));
    }
  }
}

}  // namespace
}  // namespace citywatch::enrich
