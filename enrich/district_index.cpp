#include "enrich/district_index.h"

#include <algorithm>
#include <cmath>

namespace citywatch::enrich {

DistrictIndex DistrictIndex::build(const std::vector<GeoFeature>& features) {
  DistrictIndex index;
  // Group the parts of each code first, keeping file order.
  std::vector<std::pair<const GeoFeature*, MultiPolygon>> groups;
  std::unordered_map<std::string, std::size_t> group_of;
  for (const GeoFeature& f : features) {
    auto [it, added] = group_of.emplace(f.code, groups.size());
    if (added) groups.push_back({&f, {}});
    auto& shape = groups[it->second].second;
    shape.insert(shape.end(), f.geometry.begin(), f.geometry.end());
  }
  for (auto& [feature, shape] : groups) {
    index.by_code_.emplace(feature->code, static_cast<std::uint32_t>(index.districts_.size()));
    index.districts_.push_back({feature->code, feature->name, IndexedPolygon(shape)});
    index.bbox_.add(index.districts_.back().shape.bbox());
  }
  if (index.districts_.empty() || index.bbox_.empty) return index;

  // About four cells per district in each direction: most cells then meet one or two boxes.
  std::size_t side = std::clamp<std::size_t>(
      static_cast<std::size_t>(
          std::ceil(std::sqrt(static_cast<double>(index.districts_.size())) * 4)),
      1, 512);
  index.cols_ = index.rows_ = side;
  double w = index.bbox_.max_lon - index.bbox_.min_lon;
  double h = index.bbox_.max_lat - index.bbox_.min_lat;
  index.cell_w_ = w > 0 ? w / static_cast<double>(side) : 1;
  index.cell_h_ = h > 0 ? h / static_cast<double>(side) : 1;
  index.cells_.resize(side * side);
  for (std::uint32_t d = 0; d < index.districts_.size(); ++d) {
    const BoundingBox& b = index.districts_[d].shape.bbox();
    if (b.empty) continue;
    std::size_t c0 = index.cell_of({b.min_lat, b.min_lon});
    std::size_t c1 = index.cell_of({b.max_lat, b.max_lon});
    std::size_t col0 = c0 % side, row0 = c0 / side, col1 = c1 % side, row1 = c1 / side;
    for (std::size_t r = row0; r <= row1; ++r) {
      for (std::size_t c = col0; c <= col1; ++c) index.cells_[r * side + c].push_back(d);
    }
  }
  return index;
}

std::size_t DistrictIndex::cell_of(GeoPoint p) const {
  auto clamp_index = [](double f, std::size_t n) -> std::size_t {
    if (!(f > 0)) return 0;
    return std::min(static_cast<std::size_t>(f), n - 1);
  };
  std::size_t col = clamp_index(std::floor((p.lon - bbox_.min_lon) / cell_w_), cols_);
  std::size_t row = clamp_index(std::floor((p.lat - bbox_.min_lat) / cell_h_), rows_);
  return row * cols_ + col;
}

const District* DistrictIndex::find(GeoPoint p) const {
  if (!bbox_.contains(p) || cells_.empty()) return nullptr;
  for (std::uint32_t d : cells_[cell_of(p)]) {
    if (districts_[d].shape.contains(p)) return &districts_[d];
  }
  return nullptr;
}

const District* DistrictIndex::by_code(std::string_view code) const {
  auto it = by_code_.find(std::string(code));
  return it == by_code_.end() ? nullptr : &districts_[it->second];
}

}  // namespace citywatch::enrich
