// enrich/polygon.h: WGS84 (multi)polygons with holes and a point-in-polygon test that stays fast
// for boundaries with many thousands of vertices. Longitude/latitude are treated as plane
// coordinates: at city scale the error is far below what IP geolocation can resolve.
// IndexedPolygon is immutable after construction and safe to share between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace citywatch::enrich {

struct GeoPoint {
  double lat = 0;
  double lon = 0;
};

using Ring = std::vector<GeoPoint>;  // first vertex not repeated at the end
using Polygon = std::vector<Ring>;   // [0] the outer ring, then holes
using MultiPolygon = std::vector<Polygon>;

struct BoundingBox {
  double min_lat = 0, min_lon = 0, max_lat = 0, max_lon = 0;
  bool empty = true;

  void add(GeoPoint p);
  void add(const BoundingBox& other);
  bool contains(GeoPoint p) const {
    return !empty && p.lat >= min_lat && p.lat <= max_lat && p.lon >= min_lon && p.lon <= max_lon;
  }
  bool intersects(const BoundingBox& o) const {
    return !empty && !o.empty && o.min_lat <= max_lat && o.max_lat >= min_lat &&
           o.min_lon <= max_lon && o.max_lon >= min_lon;
  }
};

// Kilometres per degree, for the local flat approximation used for distances.
inline constexpr double kKmPerDegreeLat = 110.574;
double km_per_degree_lon(double lat);

// A point kilometres north and east of another.
GeoPoint offset_km(GeoPoint from, double north_km, double east_km);

class IndexedPolygon {
 public:
  IndexedPolygon() = default;
  explicit IndexedPolygon(const MultiPolygon& shape);

  // Even-odd rule over every ring, so holes (and holes in holes) come out right.
  bool contains(GeoPoint p) const;
  // Distance in km from p to the nearest edge when that is at most limit_km; nullopt when
  // every edge is farther. Bounded by limit so far-away points cost a box test only.
  std::optional<double> distance_to_edge_km(GeoPoint p, double limit_km) const;

  const BoundingBox& bbox() const { return bbox_; }
  std::size_t edge_count() const { return edges_.size(); }

 private:
  struct Edge {
    double lon1, lat1, lon2, lat2;
  };
  std::size_t band_of(double lat) const;

  std::vector<Edge> edges_;
  // Edges by latitude band: a horizontal ray from a point only meets edges of its own band.
  std::vector<std::vector<std::uint32_t>> bands_;
  double band_height_ = 1;
  BoundingBox bbox_;
};

}  // namespace citywatch::enrich
