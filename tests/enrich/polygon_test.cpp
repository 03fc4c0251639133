#include "enrich/polygon.h"

#include <gtest/gtest.h>

#include <cmath>

namespace citywatch::enrich {
namespace {

// A 4 x 4 km-ish square (0.04 degrees) at The Hague's latitude with a square hole.
Ring square(double lat0, double lon0, double size) {
  return {{lat0, lon0}, {lat0, lon0 + size}, {lat0 + size, lon0 + size}, {lat0 + size, lon0}};
}

TEST(IndexedPolygon, HolesAreOutside) {
  IndexedPolygon p(MultiPolygon{{square(52.0, 4.0, 0.04), square(52.01, 4.01, 0.02)}});
  EXPECT_TRUE(p.contains({52.005, 4.005}));  // in the ring between outer and hole
  EXPECT_FALSE(p.contains({52.02, 4.02}));   // in the hole
  EXPECT_FALSE(p.contains({52.05, 4.02}));   // outside altogether
  EXPECT_TRUE(p.contains({52.035, 4.035}));
}

TEST(IndexedPolygon, MultiPolygonPartsEachCount) {
  IndexedPolygon p(MultiPolygon{{square(52.0, 4.0, 0.01)}, {square(52.1, 4.1, 0.01)}});
  EXPECT_TRUE(p.contains({52.005, 4.005}));
  EXPECT_TRUE(p.contains({52.105, 4.105}));
  EXPECT_FALSE(p.contains({52.05, 4.05}));  // between the parts, inside the common box
}

TEST(IndexedPolygon, ManyVerticesStillExact) {
  // A circle of 5000 vertices: the band index must not change the answer.
  Ring circle;
  for (int i = 0; i < 5000; ++i) {
    double a = 2 * 3.141592653589793 * i / 5000;
    circle.push_back({52.0 + 0.05 * std::sin(a), 4.3 + 0.05 * std::cos(a)});
  }
  IndexedPolygon p(MultiPolygon{{circle}});
  EXPECT_GT(p.edge_count(), 4000u);
  EXPECT_TRUE(p.contains({52.0, 4.3}));
  EXPECT_TRUE(p.contains({52.049, 4.3}));
  EXPECT_FALSE(p.contains({52.051, 4.3}));
  EXPECT_TRUE(p.contains({52.0, 4.349}));
  EXPECT_FALSE(p.contains({52.0, 4.3501}));
}

TEST(IndexedPolygon, DistanceToEdgeIsBoundedByTheLimit) {
  IndexedPolygon p(MultiPolygon{{square(52.0, 4.0, 0.1)}});
  GeoPoint centre{52.05, 4.05};
  // 0.05 degrees of latitude is 5.5 km; of longitude at 52N about 3.4 km (the nearer edge).
  auto d = p.distance_to_edge_km(centre, 10);
  ASSERT_TRUE(d);
  EXPECT_NEAR(*d, 0.05 * km_per_degree_lon(52.05), 0.05);
  EXPECT_FALSE(p.distance_to_edge_km(centre, 3.0));
  EXPECT_FALSE(p.distance_to_edge_km({40.0, 10.0}, 50));  // far away: a box test only
}

}  // namespace
}  // namespace citywatch::enrich
