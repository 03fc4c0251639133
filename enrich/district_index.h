// enrich/district_index.h: which district (wijk) a point lies in. A uniform grid over the
// districts' common bounding box lists, per cell, the districts whose box touches it, so a
// lookup tests one to a few polygons whether the city has 1 district or 300.
// Immutable after build(); safe to share between threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "enrich/geojson.h"
#include "enrich/polygon.h"

namespace citywatch::enrich {

struct District {
  std::string code;  // CBS code, e.g. WK051828
  std::string name;
  IndexedPolygon shape;
};

class DistrictIndex {
 public:
  DistrictIndex() = default;
  // Features sharing a code become one district (a district drawn in several parts).
  // Features without a code are the caller's problem: build() keeps them under "".
  static DistrictIndex build(const std::vector<GeoFeature>& features);

  // nullptr when no district contains p (outside the city, or in a gap of the district map).
  const District* find(GeoPoint p) const;
  const District* by_code(std::string_view code) const;
  std::size_t size() const { return districts_.size(); }
  const std::vector<District>& districts() const { return districts_; }

 private:
  std::size_t cell_of(GeoPoint p) const;

  std::vector<District> districts_;
  std::unordered_map<std::string, std::uint32_t> by_code_;
  BoundingBox bbox_;
  std::size_t cols_ = 0, rows_ = 0;
  double cell_w_ = 1, cell_h_ = 1;
  std::vector<std::vector<std::uint32_t>> cells_;
};

}  // namespace citywatch::enrich
