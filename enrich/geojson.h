// enrich/geojson.h: reading area features (the municipal boundary, district polygons) from
// GeoJSON in WGS84: a FeatureCollection, one Feature, or a bare Polygon/MultiPolygon. Anything
// that cannot describe an area in degrees is refused with the feature named: bad JSON, points
// and lines, rings with too few positions, and coordinates that are really RD New metres.
// Free functions; no state.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "enrich/polygon.h"

namespace citywatch::enrich {

struct GeoFeature {
  std::size_t number = 0;  // 1-based position in the file, for messages
  std::string code;        // from the first of the code properties present; may be empty
  std::string name;
  MultiPolygon geometry;
  std::string label() const;  // "feature 3 (WK051828 'Wijk 28 Centrum')"
};

struct GeoJsonOptions {
  std::vector<std::string> code_properties;  // tried in order; a number is turned into text
  std::vector<std::string> name_properties;
  std::size_t max_bytes = 256u << 20;
  std::size_t max_vertices = 20'000'000;
};

// Errors are kConfig (the file is named in configuration) with source as `where`.
core::Result<std::vector<GeoFeature>> parse_geojson(std::string_view text,
                                                    const std::string& source,
                                                    const GeoJsonOptions& options);
core::Result<std::vector<GeoFeature>> read_geojson_file(const std::string& path,
                                                        const GeoJsonOptions& options);

}  // namespace citywatch::enrich
