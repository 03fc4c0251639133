#include "enrich/geojson.h"

#include <simdjson.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/text.h"

namespace citywatch::enrich {
namespace {

namespace dom = simdjson::dom;

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::optional<double> number_of(dom::element e) {
  double d = 0;
  if (e.get_double().get(d) == simdjson::SUCCESS) return d;
  std::int64_t i = 0;
  if (e.get_int64().get(i) == simdjson::SUCCESS) return static_cast<double>(i);
  std::uint64_t u = 0;
  if (e.get_uint64().get(u) == simdjson::SUCCESS) return static_cast<double>(u);
  return std::nullopt;
}

std::string text_of(dom::element e) {
  std::string_view s;
  if (e.get_string().get(s) == simdjson::SUCCESS) {
    return core::printable_excerpt(core::trim(s), 200);
  }
  std::int64_t i = 0;
  if (e.get_int64().get(i) == simdjson::SUCCESS) return std::to_string(i);
  std::uint64_t u = 0;
  if (e.get_uint64().get(u) == simdjson::SUCCESS) return std::to_string(u);
  return {};
}

// Rijksdriehoeksstelsel (RD New, EPSG:28992) covers the Netherlands with x 0..300 km and
// y 300..625 km: numbers there are metres, not degrees.
bool looks_like_rd_new(double x, double y) {
  return x > -7000 && x < 300000 && y > 289000 && y < 629000;
}

class Reader {
 public:
  Reader(const std::string& source, const GeoJsonOptions& options)
      : source_(source), options_(options) {}

  core::Result<std::vector<GeoFeature>> read(dom::element root) {
    dom::object obj;
    if (root.get_object().get(obj) != simdjson::SUCCESS) {
      return fail("the top level is not a JSON object");
    }
    CITYWATCH_TRY(check_crs(obj));
    std::string_view type;
    if (obj["type"].get_string().get(type) != simdjson::SUCCESS) {
      return fail("no \"type\"; expected a FeatureCollection, a Feature or a Polygon");
    }
    std::vector<GeoFeature> out;
    if (type == "FeatureCollection") {
      dom::array features;
      if (obj["features"].get_array().get(features) != simdjson::SUCCESS) {
        return fail("the FeatureCollection has no \"features\" array");
      }
      std::size_t number = 0;
      for (dom::element f : features) {
        auto feature = read_feature(f, ++number);
        if (!feature) return core::fail(feature.error());
        out.push_back(std::move(*feature));
      }
    } else if (type == "Feature") {
      auto feature = read_feature(root, 1);
      if (!feature) return core::fail(feature.error());
      out.push_back(std::move(*feature));
    } else {
      GeoFeature feature;
      feature.number = 1;
      CITYWATCH_TRY(read_geometry(root, feature));
      out.push_back(std::move(feature));
    }
    if (out.empty()) return fail("no features: the file describes no area");
    return out;
  }

 private:
  core::Failure fail(const std::string& message) const {
    return core::fail(core::ErrorCode::kConfig, message, source_);
  }
  core::Failure fail(const GeoFeature& f, const std::string& message) const {
    return core::fail(core::ErrorCode::kConfig, f.label() + ": " + message, source_);
  }

  core::Result<void> check_crs(dom::object obj) {
    std::string_view name;
    if (obj.at_pointer("/crs/properties/name").get_string().get(name) != simdjson::SUCCESS) {
      return core::ok();  // RFC 7946: no crs member means WGS84
    }
    if (name.find("28992") != std::string_view::npos) {
      return fail(
          "the file is in RD New (EPSG:28992) metres; citywatch needs WGS84 degrees: convert it, "
          "e.g. ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson");
    }
    if (name.find("CRS84") == std::string_view::npos &&
        name.find("4326") == std::string_view::npos) {
      return fail("unsupported coordinate reference system '" + core::printable_excerpt(name, 80) +
                  "'; citywatch needs WGS84 longitude/latitude (EPSG:4326)");
    }
    return core::ok();
  }

  core::Result<GeoFeature> read_feature(dom::element e, std::size_t number) {
    GeoFeature feature;
    feature.number = number;
    dom::object obj;
    if (e.get_object().get(obj) != simdjson::SUCCESS) return fail(feature, "not a JSON object");
    dom::object props;
    if (obj["properties"].get_object().get(props) == simdjson::SUCCESS) {
      for (const auto& key : options_.code_properties) {
        dom::element v;
        if (props[key].get(v) == simdjson::SUCCESS) {
          feature.code = text_of(v);
          if (!feature.code.empty()) break;
        }
      }
      for (const auto& key : options_.name_properties) {
        dom::element v;
        if (props[key].get(v) == simdjson::SUCCESS) {
          feature.name = text_of(v);
          if (!feature.name.empty()) break;
        }
      }
    }
    dom::element geometry;
    if (obj["geometry"].get(geometry) != simdjson::SUCCESS || geometry.is_null()) {
      return fail(feature, "has no geometry");
    }
    CITYWATCH_TRY(read_geometry(geometry, feature));
    return feature;
  }

  core::Result<void> read_geometry(dom::element e, GeoFeature& feature, int depth = 0) {
    std::string_view type;
    if (e["type"].get_string().get(type) != simdjson::SUCCESS) {
      return fail(feature, "the geometry has no \"type\"");
    }
    if (type == "GeometryCollection" && depth == 0) {
      dom::array parts;
      if (e["geometries"].get_array().get(parts) != simdjson::SUCCESS) {
        return fail(feature, "the GeometryCollection has no \"geometries\" array");
      }
      for (dom::element part : parts) CITYWATCH_TRY(read_geometry(part, feature, depth + 1));
      return core::ok();
    }
    dom::array coords;
    if (type != "Polygon" && type != "MultiPolygon") {
      return fail(feature, "is a " + core::printable_excerpt(type, 40) +
                               "; only Polygon and MultiPolygon describe an area");
    }
    if (e["coordinates"].get_array().get(coords) != simdjson::SUCCESS) {
      return fail(feature, "the " + std::string(type) + " has no \"coordinates\" array");
    }
    if (type == "Polygon") return read_polygon(coords, feature, 0);
    std::size_t index = 0;
    for (dom::element p : coords) {
      dom::array rings;
      if (p.get_array().get(rings) != simdjson::SUCCESS) {
        return fail(feature, "polygon " + std::to_string(index) + " is not an array of rings");
      }
      CITYWATCH_TRY(read_polygon(rings, feature, index++));
    }
    if (index == 0) return fail(feature, "the MultiPolygon has no polygons");
    return core::ok();
  }

  core::Result<void> read_polygon(dom::array rings, GeoFeature& feature, std::size_t index) {
    Polygon polygon;
    std::size_t ring_no = 0;
    for (dom::element r : rings) {
      std::string where =
          "ring " + std::to_string(ring_no) + " of polygon " + std::to_string(index);
      dom::array positions;
      if (r.get_array().get(positions) != simdjson::SUCCESS) {
        return fail(feature, where + " is not an array of positions");
      }
      Ring ring;
      for (dom::element pos : positions) {
        dom::array xy;
        if (pos.get_array().get(xy) != simdjson::SUCCESS || xy.size() < 2) {
          return fail(feature, where + " has a position that is not [longitude, latitude]");
        }
        auto x = number_of(xy.at(0).value_unsafe());
        auto y = number_of(xy.at(1).value_unsafe());
        if (!x || !y || !std::isfinite(*x) || !std::isfinite(*y)) {
          return fail(feature, where + " has a position that is not two numbers");
        }
        if (std::fabs(*x) > 180 || std::fabs(*y) > 90) {
          std::string at = "(" + format_number(*x) + ", " + format_number(*y) + ")";
          if (looks_like_rd_new(*x, *y)) {
            return fail(feature, where + ": coordinates " + at +
                                     " look like RD New (EPSG:28992) metres, not WGS84 degrees; "
                                     "convert the file, e.g. ogr2ogr -t_srs EPSG:4326 out.geojson "
                                     "in.geojson");
          }
          return fail(feature,
                      where + ": coordinates " + at + " are not WGS84 longitude/latitude degrees");
        }
        if (++vertices_ > options_.max_vertices) {
          return fail(feature, "more than " + std::to_string(options_.max_vertices) +
                                   " vertices in the file; simplify it (e.g. mapshaper)");
        }
        ring.push_back({*y, *x});
      }
      if (ring.size() >= 2 && ring.front().lat == ring.back().lat &&
          ring.front().lon == ring.back().lon) {
        ring.pop_back();  // GeoJSON repeats the first position to close the ring
      }
      if (ring.size() < 3) {
        return fail(feature, where + " has " + std::to_string(positions.size()) +
                                 " positions; a ring needs at least 4 (three corners and the "
                                 "first repeated to close it)");
      }
      polygon.push_back(std::move(ring));
      ++ring_no;
    }
    if (polygon.empty()) {
      return fail(feature, "polygon " + std::to_string(index) + " has no rings");
    }
    feature.geometry.push_back(std::move(polygon));
    return core::ok();
  }

  const std::string& source_;
  const GeoJsonOptions& options_;
  std::size_t vertices_ = 0;
};

}  // namespace

std::string GeoFeature::label() const {
  std::string out = "feature " + std::to_string(number);
  if (!code.empty() || !name.empty()) {
    out += " (" + code;
    if (!name.empty()) out += (code.empty() ? "'" : " '") + name + "'";
    out += ")";
  }
  return out;
}

core::Result<std::vector<GeoFeature>> parse_geojson(std::string_view text,
                                                    const std::string& source,
                                                    const GeoJsonOptions& options) {
  if (text.size() > options.max_bytes) {
    return core::fail(core::ErrorCode::kConfig,
                      "larger than " + std::to_string(options.max_bytes >> 20) +
                          " MiB; simplify the polygons first (e.g. mapshaper)",
                      source);
  }
  simdjson::padded_string padded(text);
  dom::parser parser;
  dom::element root;
  if (auto err = parser.parse(padded).get(root); err != simdjson::SUCCESS) {
    return core::fail(core::ErrorCode::kConfig,
                      std::string("not valid GeoJSON: ") + simdjson::error_message(err), source);
  }
  return Reader(source, options).read(root);
}

core::Result<std::vector<GeoFeature>> read_geojson_file(const std::string& path,
                                                        const GeoJsonOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return core::fail(core::ErrorCode::kConfig,
                      "cannot read the GeoJSON file (check the [geo] paths in the configuration)",
                      path);
  }
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > options.max_bytes) break;
  }
  return parse_geojson(text, path, options);
}

}  // namespace citywatch::enrich
