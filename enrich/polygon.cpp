#include "enrich/polygon.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace citywatch::enrich {
namespace {

// About eight edges per band keeps a test at a handful of edges whatever the vertex count.
constexpr std::size_t kEdgesPerBand = 8;
constexpr std::size_t kMaxBands = 4096;

// Distance from the origin to the segment a-b, in the same units.
double distance_to_segment(double ax, double ay, double bx, double by) {
  double dx = bx - ax, dy = by - ay;
  double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? std::clamp(-(ax * dx + ay * dy) / len2, 0.0, 1.0) : 0.0;
  double px = ax + t * dx, py = ay + t * dy;
  return std::sqrt(px * px + py * py);
}

}  // namespace

void BoundingBox::add(GeoPoint p) {
  if (empty) {
    min_lat = max_lat = p.lat;
    min_lon = max_lon = p.lon;
    empty = false;
    return;
  }
  min_lat = std::min(min_lat, p.lat);
  max_lat = std::max(max_lat, p.lat);
  min_lon = std::min(min_lon, p.lon);
  max_lon = std::max(max_lon, p.lon);
}

void BoundingBox::add(const BoundingBox& other) {
  if (other.empty) return;
  add(GeoPoint{other.min_lat, other.min_lon});
  add(GeoPoint{other.max_lat, other.max_lon});
}

double km_per_degree_lon(double lat) { return 111.320 * std::cos(lat * std::numbers::pi / 180.0); }

GeoPoint offset_km(GeoPoint from, double north_km, double east_km) {
  double per_lon = std::max(km_per_degree_lon(from.lat), 1e-6);
  return {from.lat + north_km / kKmPerDegreeLat, from.lon + east_km / per_lon};
}

IndexedPolygon::IndexedPolygon(const MultiPolygon& shape) {
  for (const Polygon& polygon : shape) {
    for (const Ring& ring : polygon) {
      for (std::size_t i = 0; i < ring.size(); ++i) {
        const GeoPoint& a = ring[i];
        const GeoPoint& b = ring[(i + 1) % ring.size()];
        bbox_.add(a);
        if (a.lat == b.lat && a.lon == b.lon) continue;
        edges_.push_back({a.lon, a.lat, b.lon, b.lat});
      }
    }
  }
  if (edges_.empty()) return;
  std::size_t bands = std::clamp<std::size_t>(edges_.size() / kEdgesPerBand, 1, kMaxBands);
  double height = bbox_.max_lat - bbox_.min_lat;
  band_height_ = height > 0 ? height / static_cast<double>(bands) : 1;
  bands_.resize(bands);
  for (std::size_t e = 0; e < edges_.size(); ++e) {
    const Edge& edge = edges_[e];
    std::size_t lo = band_of(std::min(edge.lat1, edge.lat2));
    std::size_t hi = band_of(std::max(edge.lat1, edge.lat2));
    for (std::size_t b = lo; b <= hi; ++b) bands_[b].push_back(static_cast<std::uint32_t>(e));
  }
}

std::size_t IndexedPolygon::band_of(double lat) const {
  double f = std::floor((lat - bbox_.min_lat) / band_height_);
  if (!(f > 0)) return 0;  // also catches NaN
  return std::min(static_cast<std::size_t>(f), bands_.size() - 1);
}

bool IndexedPolygon::contains(GeoPoint p) const {
  if (!bbox_.contains(p) || bands_.empty()) return false;
  bool inside = false;
  for (std::uint32_t e : bands_[band_of(p.lat)]) {
    const Edge& edge = edges_[e];
    // Half-open in latitude, so a ray through a vertex counts it once.
    if ((edge.lat1 > p.lat) != (edge.lat2 > p.lat)) {
      double cross =
          edge.lon1 + (p.lat - edge.lat1) * (edge.lon2 - edge.lon1) / (edge.lat2 - edge.lat1);
      if (p.lon < cross) inside = !inside;
    }
  }
  return inside;
}

std::optional<double> IndexedPolygon::distance_to_edge_km(GeoPoint p, double limit_km) const {
  if (bands_.empty() || !(limit_km >= 0)) return std::nullopt;
  double kx = km_per_degree_lon(p.lat);
  double dlat = limit_km / kKmPerDegreeLat;
  double dlon = kx > 1e-9 ? limit_km / kx : 360.0;
  BoundingBox reach;
  reach.add(GeoPoint{p.lat - dlat, p.lon - dlon});
  reach.add(GeoPoint{p.lat + dlat, p.lon + dlon});
  if (!reach.intersects(bbox_)) return std::nullopt;
  std::size_t lo = band_of(p.lat - dlat), hi = band_of(p.lat + dlat);
  double best = limit_km;
  bool found = false;
  for (std::size_t b = lo; b <= hi; ++b) {
    for (std::uint32_t e : bands_[b]) {
      const Edge& edge = edges_[e];
      double d =
          distance_to_segment((edge.lon1 - p.lon) * kx, (edge.lat1 - p.lat) * kKmPerDegreeLat,
                              (edge.lon2 - p.lon) * kx, (edge.lat2 - p.lat) * kKmPerDegreeLat);
      if (d <= best) {
        best = d;
        found = true;
      }
    }
  }
  if (!found) return std::nullopt;
  return best;
}

}  // namespace citywatch::enrich
