// GeoJSON reader (district and boundary files), and the polygon index built from what it accepts.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "enrich/district_index.h"
#include "enrich/geojson.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace citywatch::enrich;
  GeoJsonOptions options;
  options.code_properties = {"statcode", "code"};
  options.name_properties = {"statnaam", "name"};
  options.max_vertices = 100'000;
  auto features =
      parse_geojson(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz", options);
  if (!features) return 0;
  DistrictIndex index = DistrictIndex::build(*features);
  for (const District& d : index.districts()) {
    const BoundingBox& b = d.shape.bbox();
    GeoPoint mid{(b.min_lat + b.max_lat) / 2, (b.min_lon + b.max_lon) / 2};
    (void)index.find(mid);
    (void)d.shape.distance_to_edge_km(mid, 5);
  }
  return 0;
}
