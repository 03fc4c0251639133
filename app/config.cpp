#include "app/config.h"

#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <filesystem>
#include <set>

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

}  // namespace

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
  CITYWATCH_TRY(check_keys(path, root, "", {"city", "database", "import", "capture"}));
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
    CITYWATCH_TRY(check_keys(path, **city, "city", {"name", "code"}));
    auto name = read_string(path, **city, "name", config.city_name);
    if (!name) return core::fail(name.error());
    config.city_name = *name;
    auto code = read_string(path, **city, "code", config.city_code);
    if (!code) return core::fail(code.error());
    config.city_code = *code;
  }

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

  auto capture = section("capture");
  if (!capture) return core::fail(capture.error());
  if (*capture) {
    CITYWATCH_TRY(check_keys(
        path, **capture, "capture",
        {"credentials_file", "max_flows", "stream_bytes", "flow_idle_seconds", "flush_seconds"}));
    auto creds = read_string(path, **capture, "credentials_file", config.credentials_file);
    if (!creds) return core::fail(creds.error());
    config.credentials_file = resolve(base, *creds);
    auto flows = read_count(path, **capture, "max_flows", config.capture_max_flows, 16, 16777216);
    if (!flows) return core::fail(flows.error());
    config.capture_max_flows = *flows;
    auto bytes =
        read_count(path, **capture, "stream_bytes", config.capture_stream_bytes, 256, 1048576);
    if (!bytes) return core::fail(bytes.error());
    config.capture_stream_bytes = *bytes;
    auto idle = read_count(path, **capture, "flow_idle_seconds", config.capture_flow_idle_seconds,
                           1, 86400);
    if (!idle) return core::fail(idle.error());
    config.capture_flow_idle_seconds = *idle;
    auto flush =
        read_count(path, **capture, "flush_seconds", config.capture_flush_seconds, 1, 86400);
    if (!flush) return core::fail(flush.error());
    config.capture_flush_seconds = *flush;
  }
  return config;
}

}  // namespace citywatch::app
