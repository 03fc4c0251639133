#include "app/config.h"

#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "core/ip_address.h"

namespace citywatch::app {
namespace {

std::string where_of(const std::string& path, const toml::source_region& src) {
  return path + ":" + std::to_string(src.begin.line);
}

core::Failure config_error(const std::string& path, const toml::node& node, std::string message) {
  return core::fail(core::ErrorCode::kConfig, std::move(message), where_of(path, node.source()));
}

// Rejects keys a table does not know, naming them with their line.
core::Result<void> check_keys(const std::string& path, const toml::table& table,
                              std::string_view table_name,
                              std::initializer_list<std::string_view> known) {
  std::set<std::string_view> allowed(known);
  for (const auto& [key, node] : table) {
    if (!allowed.contains(key.str())) {
      std::string name = table_name.empty()
                             ? std::string(key.str())
                             : std::string(table_name) + "." + std::string(key.str());
      return config_error(path, node, "unknown key '" + name + "'");
    }
  }
  return core::ok();
}

core::Result<std::string> read_string(const std::string& path, const toml::table& table,
                                      std::string_view key, std::string fallback) {
  const toml::node* node = table.get(key);
  if (!node) return fallback;
  auto value = node->value<std::string>();
  if (!value) return config_error(path, *node, std::string(key) + " must be a string");
  return *value;
}

core::Result<std::size_t> read_count(const std::string& path, const toml::table& table,
                                     std::string_view key, std::size_t fallback, std::int64_t min,
                                     std::int64_t max) {
  const toml::node* node = table.get(key);
  if (!node) return fallback;
  auto value = node->value<std::int64_t>();
  if (!value || *value < min || *value > max) {
    return config_error(path, *node,
                        std::string(key) + " must be an integer from " + std::to_string(min) +
                            " to " + std::to_string(max));
  }
  return static_cast<std::size_t>(*value);
}

std::string resolve(const std::filesystem::path& base, const std::string& value) {
  if (value.empty()) return value;
  std::filesystem::path p(value);
  return p.is_absolute() ? value : (base / p).lexically_normal().string();
}

core::Result<std::vector<std::string>> read_string_list(const std::string& path,
                                                        const toml::table& table,
                                                        std::string_view key,
                                                        std::vector<std::string> fallback) {
  const toml::node* node = table.get(key);
  if (!node) return fallback;
  if (auto single = node->value<std::string>()) return std::vector<std::string>{*single};
  const toml::array* array = node->as_array();
  if (!array) return config_error(path, *node, std::string(key) + " must be a list of strings");
  std::vector<std::string> out;
  for (const toml::node& item : *array) {
    auto value = item.value<std::string>();
    if (!value) return config_error(path, item, std::string(key) + " must be a list of strings");
    out.push_back(*value);
  }
  return out;
}

core::Result<double> read_number(const std::string& path, const toml::table& table,
                                 std::string_view key, double fallback, double min, double max) {
  const toml::node* node = table.get(key);
  if (!node) return fallback;
  auto value = node->value<double>();
  if (!value || !(*value >= min && *value <= max)) {
    return config_error(path, *node,
                        std::string(key) + " must be a number from " + std::to_string(min) +
                            " to " + std::to_string(max));
  }
  return *value;
}

// [geo]: every path relative to the config file; an empty string switches a file off.
core::Result<void> load_geo(const std::string& path, const std::filesystem::path& base,
                            const toml::table& geo, enrich::GeoConfig& out) {
  CITYWATCH_TRY(
      check_keys(path, geo, "geo",
                 {"boundary", "districts", "district_code_property", "district_name_property",
                  "city_mmdb", "city_mmdb_layout", "asn_mmdb", "asn_csv", "prefix_map",
                  "municipal_ranges", "assumed_accuracy_km", "max_db_age_days"}));
  auto file = [&](std::string_view key, std::string& dest) -> core::Result<void> {
    const toml::node* node = geo.get(key);
    if (!node) return core::ok();
    auto value = read_string(path, geo, key, dest);
    if (!value) return core::fail(value.error());
    dest = resolve(base, *value);
    return core::ok();
  };
  CITYWATCH_TRY(file("boundary", out.boundary_file));
  CITYWATCH_TRY(file("districts", out.district_file));
  CITYWATCH_TRY(file("asn_mmdb", out.asn_mmdb));
  CITYWATCH_TRY(file("asn_csv", out.asn_csv));
  CITYWATCH_TRY(file("prefix_map", out.prefix_map));
  if (out.boundary_file.empty()) {
    return config_error(path, *geo.get("boundary"),
                        "geo.boundary cannot be empty: the city needs an outline");
  }
  auto code = read_string(path, geo, "district_code_property", out.district_code_property);
  if (!code) return core::fail(code.error());
  out.district_code_property = *code;
  auto name = read_string(path, geo, "district_name_property", out.district_name_property);
  if (!name) return core::fail(name.error());
  out.district_name_property = *name;

  auto dbs = read_string_list(path, geo, "city_mmdb", out.city_mmdb);
  if (!dbs) return core::fail(dbs.error());
  out.city_mmdb.clear();
  for (const auto& db : *dbs) {
    if (!db.empty()) out.city_mmdb.push_back(resolve(base, db));
  }
  if (const toml::node* node = geo.get("city_mmdb_layout")) {
    auto text = node->value<std::string>();
    auto layout = text ? enrich::parse_mmdb_layout(*text) : std::nullopt;
    if (!layout || *layout == enrich::MmdbLayout::kAsn) {
      return config_error(path, *node, "city_mmdb_layout must be auto, geoip2 or flat");
    }
    out.city_mmdb_layout = *layout;
  }
  if (const toml::node* node = geo.get("municipal_ranges")) {
    auto ranges = read_string_list(path, geo, "municipal_ranges", {});
    if (!ranges) return core::fail(ranges.error());
    out.municipal_ranges.clear();
    for (const auto& text : *ranges) {
      auto prefix = core::Prefix::parse(text);
      if (!prefix) {
        return config_error(
            path, *node,
            "municipal_ranges: '" + text + "' is not a CIDR prefix (e.g. 192.0.2.0/24)");
      }
      out.municipal_ranges.push_back(*prefix);
    }
  }
  auto accuracy = read_number(path, geo, "assumed_accuracy_km", out.assumed_accuracy_km, 0, 1000);
  if (!accuracy) return core::fail(accuracy.error());
  out.assumed_accuracy_km = *accuracy;
  auto age = read_count(path, geo, "max_db_age_days", static_cast<std::size_t>(out.max_db_age_days),
                        1, 3650);
  if (!age) return core::fail(age.error());
  out.max_db_age_days = static_cast<int>(*age);
  return core::ok();
}

}  // namespace

std::string data_dir() {
  if (const char* env = std::getenv("CITYWATCH_DATA_DIR"); env && *env) return env;
  std::error_code ec;
  if (std::filesystem::is_directory(CITYWATCH_SOURCE_DATA_DIR, ec))
    return CITYWATCH_SOURCE_DATA_DIR;
  return CITYWATCH_INSTALL_DATA_DIR;
}

enrich::GeoConfig default_geo_config() {
  enrich::GeoConfig geo;
  geo.city_name = "'s-Gravenhage";
  geo.city_code = "GM0518";
  geo.city_aliases = {"Den Haag", "The Hague", "s-Gravenhage"};
  std::string dir = data_dir();
  geo.boundary_file = dir + "/geo/gm0518_s-gravenhage_2023.geojson";
  geo.district_file = dir + "/geo/gm0518_wijken_2023.geojson";
  return geo;
}

core::Result<Config> load_config(const std::string& path) {
  toml::parse_result parsed = toml::parse_file(path);
  if (!parsed) {
    const auto& err = parsed.error();
    if (err.description().find("File could not be opened") != std::string_view::npos) {
      return core::fail(core::ErrorCode::kConfig,
                        "cannot read the configuration file (check --config)", path);
    }
    return core::fail(core::ErrorCode::kConfig, std::string(err.description()),
                      where_of(path, err.source()));
  }
  const toml::table& root = parsed.table();
  CITYWATCH_TRY(check_keys(path, root, "", {"city", "database", "import", "geo"}));
  Config config;
  auto base = std::filesystem::path(path).parent_path();

  auto section = [&](std::string_view name) -> core::Result<const toml::table*> {
    const toml::node* node = root.get(name);
    if (!node) return static_cast<const toml::table*>(nullptr);
    if (!node->is_table())
      return config_error(path, *node, "[" + std::string(name) + "] must be a table");
    return node->as_table();
  };

  auto city = section("city");
  if (!city) return core::fail(city.error());
  if (*city) {
    CITYWATCH_TRY(check_keys(path, **city, "city", {"name", "code", "aliases"}));
    auto name = read_string(path, **city, "name", config.city_name);
    if (!name) return core::fail(name.error());
    config.city_name = *name;
    auto code = read_string(path, **city, "code", config.city_code);
    if (!code) return core::fail(code.error());
    config.city_code = *code;
    // Another city's name without aliases must not inherit The Hague's.
    auto aliases = read_string_list(
        path, **city, "aliases",
        (*city)->contains("name") ? std::vector<std::string>{} : config.geo.city_aliases);
    if (!aliases) return core::fail(aliases.error());
    config.geo.city_aliases = *aliases;
  }
  config.geo.city_name = config.city_name;
  config.geo.city_code = config.city_code;

  auto geo = section("geo");
  if (!geo) return core::fail(geo.error());
  if (*geo) CITYWATCH_TRY(load_geo(path, base, **geo, config.geo));

  auto database = section("database");
  if (!database) return core::fail(database.error());
  if (*database) {
    CITYWATCH_TRY(check_keys(path, **database, "database", {"path"}));
    auto db = read_string(path, **database, "path", config.database_path);
    if (!db) return core::fail(db.error());
    config.database_path = resolve(base, *db);
  } else {
    config.database_path = resolve(base, config.database_path);
  }

  auto import = section("import");
  if (!import) return core::fail(import.error());
  if (*import) {
    CITYWATCH_TRY(
        check_keys(path, **import, "import", {"chunk_size", "reject_dir", "print_errors"}));
    auto chunk = read_count(path, **import, "chunk_size", config.import_chunk_size, 1, 1000000);
    if (!chunk) return core::fail(chunk.error());
    config.import_chunk_size = *chunk;
    auto rejects = read_string(path, **import, "reject_dir", config.reject_dir);
    if (!rejects) return core::fail(rejects.error());
    config.reject_dir = resolve(base, *rejects);
    auto print = read_count(path, **import, "print_errors", config.print_errors, 0, 100000);
    if (!print) return core::fail(print.error());
    config.print_errors = *print;
  }
  return config;
}

}  // namespace citywatch::app
