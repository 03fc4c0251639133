// The City Hall screen and open data. The screen reads the aggregate routes (summary, trends,
// districts) with the `screen` role, which those routes answer with counts alone and with
// small counts hidden; with server.screen_public they answer without a token too. The open-data
// exports publish the same aggregates per district per day, as CSV and as GeoJSON with the
// district outlines; being meant for publication they hide small counts for every caller.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/api.h"
#include "core/json_writer.h"
#include "db/open_data.h"

namespace citywatch::app {
namespace {

constexpr std::uintmax_t kMaxDistrictFileBytes = 32u << 20;

// [geo] districts and its property names (empty: the usual CBS names).
const std::string& district_file(const Config& c) { return c.geo.district_file; }
const std::string& district_code_property(const Config& c) { return c.geo.district_code_property; }
const std::string& district_name_property(const Config& c) { return c.geo.district_name_property; }

struct Outline {
  std::string code, name;
  std::string geometry;  // the GeoJSON geometry object as text
};

std::string property(const nlohmann::json& props, const std::string& configured,
                     std::initializer_list<const char*> usual) {
  if (!props.is_object()) return {};
  auto take = [&](const std::string& key) -> std::string {
    auto it = props.find(key);
    return it != props.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (!configured.empty()) return take(configured);
  for (const char* k : usual) {
    if (auto v = take(k); !v.empty()) return v;
  }
  return {};
}

// The configured district GeoJSON, in file order. An unreadable file gives no outlines: the
// exports still list the districts that have data.
std::vector<Outline> read_outlines(const Config& config) {
  const std::string& path = district_file(config);
  std::vector<Outline> out;
  std::error_code ec;
  if (path.empty() || std::filesystem::file_size(path, ec) > kMaxDistrictFileBytes || ec)
    return out;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  auto doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (!doc.is_object() || !doc.contains("features") || !doc["features"].is_array()) return out;
  for (const auto& f : doc["features"]) {
    if (!f.is_object() || !f.contains("geometry")) continue;
    const auto& props = f.contains("properties") ? f["properties"] : nlohmann::json();
    Outline o;
    o.code = property(props, district_code_property(config),
                      {"statcode", "wijkcode", "WK_CODE", "code"});
    o.name = property(props, district_name_property(config),
                      {"statnaam", "wijknaam", "WK_NAAM", "name"});
    if (o.code.empty()) continue;
    o.geometry = f["geometry"].dump();
    out.push_back(std::move(o));
  }
  return out;
}

struct Row {
  std::string code, name;
  std::optional<std::int64_t> insecure, fresh, fixed;  // nullopt: hidden (small)
};

// Every district on every day: the outlines' districts (zeros where nothing was found) and any
// other district that has data.
core::Result<std::map<std::int64_t, std::vector<Row>>> table(ApiRequest& req, std::int64_t days,
                                                             const std::vector<Outline>& outlines) {
  const core::UnixSeconds now = req.now();
  const std::int64_t today = now / 86400;
  auto rows = db::district_days(req.store->connection(), today - days + 1, today, now);
  if (!rows) return core::fail(rows.error());
  const std::int64_t min = req.config->server.screen_min_count;
  auto hide = [min](std::int64_t n) -> std::optional<std::int64_t> {
    if (n > 0 && n < min) return std::nullopt;
    return n;
  };
  std::map<std::int64_t, std::vector<Row>> out;
  std::map<std::pair<std::int64_t, std::string>, const db::DistrictDay*> by_key;
  std::vector<std::pair<std::string, std::string>> districts;
  for (const auto& o : outlines) districts.emplace_back(o.code, o.name);
  for (const auto& r : *rows) {
    by_key[{r.day, r.code}] = &r;
    bool known = std::any_of(districts.begin(), districts.end(),
                             [&r](const auto& d) { return d.first == r.code; });
    if (!known) districts.emplace_back(r.code, r.name);
  }
  for (std::int64_t day = today - days + 1; day <= today; ++day) {
    auto& list = out[day];
    for (const auto& [code, name] : districts) {
      auto it = by_key.find({day, code});
      Row row{code, name, 0, 0, 0};
      if (it != by_key.end()) {
        row.insecure = hide(it->second->insecure_devices);
        row.fresh = hide(it->second->new_findings);
        row.fixed = hide(it->second->fixed_findings);
      }
      list.push_back(std::move(row));
    }
  }
  return out;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string count_text(const std::optional<std::int64_t>& n) {
  return n ? std::to_string(*n) : std::string();
}

void count_json(core::JsonWriter& w, std::string_view key, const std::optional<std::int64_t>& n) {
  w.key(key);
  n ? w.value(*n) : w.null();
}

core::Result<std::int64_t> days_param(const ApiRequest& req) {
  QueryReader q(req.query);
  auto days = q.integer("days", 1, 366);
  if (!days) return core::fail(days.error());
  return days->value_or(30);
}

ApiResponse open_data_csv(ApiRequest& req) {
  auto days = days_param(req);
  if (!days) return error_from(days.error());
  const core::UnixSeconds now = req.now();
  auto body = req.services->cache->get(
      "open-data:csv:" + std::to_string(*days), now, req.config->server.aggregate_cache_seconds,
      [&]() -> core::Result<std::string> {
        auto rows = table(req, *days, read_outlines(*req.config));
        if (!rows) return core::fail(rows.error());
        std::string out =
            "date,district_code,district_name,insecure_devices,new_findings,fixed_findings\r\n";
        for (const auto& [day, list] : *rows) {
          const std::string date = iso_time(day * 86400).substr(0, 10);
          for (const auto& r : list) {
            out += date + "," + csv_field(r.code) + "," + csv_field(r.name) + "," +
                   count_text(r.insecure) + "," + count_text(r.fresh) + "," + count_text(r.fixed) +
                   "\r\n";
          }
        }
        return out;
      });
  if (!body) return error_from(body.error());
  return attachment(std::move(*body), "text/csv; charset=utf-8",
                    "citywatch-districts-" + iso_time(now).substr(0, 10) + ".csv");
}

ApiResponse open_data_geojson(ApiRequest& req) {
  auto days = days_param(req);
  if (!days) return error_from(days.error());
  const core::UnixSeconds now = req.now();
  auto body = req.services->cache->get(
      "open-data:geojson:" + std::to_string(*days), now, req.config->server.aggregate_cache_seconds,
      [&]() -> core::Result<std::string> {
        auto outlines = read_outlines(*req.config);
        auto rows = table(req, *days, outlines);
        if (!rows) return core::fail(rows.error());
        std::map<std::string, const std::string*> geometry;
        for (const auto& o : outlines) geometry[o.code] = &o.geometry;
        core::JsonWriter w;
        w.begin_object().field("type", "FeatureCollection").key("metadata").begin_object();
        w.field("city", req.config->city_name)
            .field("generated_at", iso_time(now))
            .field("suppressed_below", req.config->server.screen_min_count)
            .field("note",
                   "one feature per district per day; counts below suppressed_below are null")
            .end_object();
        w.key("features").begin_array();
        for (const auto& [day, list] : *rows) {
          const std::string date = iso_time(day * 86400).substr(0, 10);
          for (const auto& r : list) {
            w.begin_object().field("type", "Feature").key("properties").begin_object();
            w.field("date", date).field("district_code", r.code).field("district_name", r.name);
            count_json(w, "insecure_devices", r.insecure);
            count_json(w, "new_findings", r.fresh);
            count_json(w, "fixed_findings", r.fixed);
            w.end_object().key("geometry");
            auto g = geometry.find(r.code);
            g != geometry.end() ? w.raw(*g->second) : w.null();
            w.end_object();
          }
        }
        w.end_array().end_object();
        return w.take();
      });
  if (!body) return error_from(body.error());
  return attachment(std::move(*body), "application/geo+json",
                    "citywatch-districts-" + iso_time(now).substr(0, 10) + ".geojson");
}

}  // namespace

void add_screen_routes(Router& router) {
  router.add({"GET",
              "/api/v1/open-data/districts.csv",
              aggregate_readers(),
              {"days"},
              open_data_csv,
              "open data: per district per day, insecure devices, new and fixed findings (CSV)"});
  router.add({"GET",
              "/api/v1/open-data/districts.geojson",
              aggregate_readers(),
              {"days"},
              open_data_geojson,
              "open data: the same per district per day with the district outlines (GeoJSON)"});
  for (std::string_view pattern :
       {"/api/v1/stats/summary", "/api/v1/trends", "/api/v1/districts",
        "/api/v1/open-data/districts.csv", "/api/v1/open-data/districts.geojson"}) {
    router.set_screen_public(pattern);
  }
}

}  // namespace citywatch::app
