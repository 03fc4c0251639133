#include "app/config.h"

#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string_view>
#include <vector>

#include "app/data_dir.h"
#include "scanner/probe_dialogs.h"

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
  // value_exact: value<> would take 5000.0 and casts huge floats to an integer unchecked.
  auto value = node->value_exact<std::int64_t>();
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

core::Result<core::UnixSeconds> read_duration(const std::string& path, const toml::table& table,
                                              std::string_view key, core::UnixSeconds fallback,
                                              core::UnixSeconds min) {
  const toml::node* node = table.get(key);
  if (!node) return fallback;
  std::optional<core::UnixSeconds> v;
  if (auto text = node->value<std::string>()) {
    v = core::parse_duration(*text);
  } else if (auto n = node->value_exact<std::int64_t>()) {
    v = *n;
  }
  if (!v || *v < min || *v > 10LL * 366 * 86400) {
    return config_error(path, *node,
                        std::string(key) +
                            " must be a duration such as \"90s\", \"30m\", \"12h\", \"7d\" "
                            "(at least " +
                            core::format_duration(min) + ")");
  }
  return *v;
}

core::Result<bool> read_bool(const std::string& path, const toml::table& table,
                             std::string_view key, bool fallback) {
  const toml::node* node = table.get(key);
  if (!node) return fallback;
  auto v = node->value<bool>();
  if (!v) return config_error(path, *node, std::string(key) + " must be true or false");
  return *v;
}

core::Result<void> load_notify(const std::string& path, const toml::table& t, NotifyConfig& out) {
  CITYWATCH_TRY(
      check_keys(path, t, "notify",
                 {"interval", "recheck_after", "retry_initial", "retry_max_delay",
                  "retry_max_attempts", "retry_jitter", "timeout", "connect_timeout", "in_city",
                  "mail_from", "reporter_org", "reporter_contact", "reporter_domain"}));
  auto get_dur = [&](std::string_view key, core::UnixSeconds& dest,
                     core::UnixSeconds min) -> core::Result<void> {
    auto v = read_duration(path, t, key, dest, min);
    if (!v) return core::fail(v.error());
    dest = *v;
    return core::ok();
  };
  CITYWATCH_TRY(get_dur("interval", out.interval, 60));
  CITYWATCH_TRY(get_dur("recheck_after", out.recheck_after, 0));
  CITYWATCH_TRY(get_dur("retry_initial", out.retry.initial_delay, 1));
  CITYWATCH_TRY(get_dur("retry_max_delay", out.retry.max_delay, 1));
  CITYWATCH_TRY(get_dur("timeout", out.timeout, 1));
  CITYWATCH_TRY(get_dur("connect_timeout", out.connect_timeout, 1));
  auto attempts = read_count(path, t, "retry_max_attempts",
                             static_cast<std::size_t>(out.retry.max_attempts), 1, 1000);
  if (!attempts) return core::fail(attempts.error());
  out.retry.max_attempts = static_cast<int>(*attempts);
  auto jitter = read_number(path, t, "retry_jitter", out.retry.jitter, 0, 1);
  if (!jitter) return core::fail(jitter.error());
  out.retry.jitter = *jitter;
  auto in_city = read_string_list(path, t, "in_city", out.in_city);
  if (!in_city) return core::fail(in_city.error());
  for (const auto& v : *in_city) {
    if (!core::parse_in_city(v)) {
      return config_error(path, *t.get("in_city"),
                          "notify.in_city takes yes, no, possibly, unknown; not '" + v + "'");
    }
  }
  out.in_city = *in_city;
  for (auto [key, dest] : {std::pair<std::string_view, std::string*>{"mail_from", &out.mail_from},
                           {"reporter_org", &out.reporter.org},
                           {"reporter_contact", &out.reporter.contact},
                           {"reporter_domain", &out.reporter.domain}}) {
    auto v = read_string(path, t, key, *dest);
    if (!v) return core::fail(v.error());
    *dest = *v;
  }
  return core::ok();
}

core::Result<ConfigPartner> load_partner(const std::string& path, const std::filesystem::path& base,
                                         const toml::table& t, core::UnixSeconds default_interval) {
  for (std::string_view inline_secret : {"secret", "smtp_password", "password", "hmac_key"}) {
    if (const toml::node* n = t.get(inline_secret)) {
      return config_error(path, *n,
                          "secrets never go into the configuration: use secret_file / "
                          "secret_env (or smtp_password_file / smtp_password_env)");
    }
  }
  CITYWATCH_TRY(check_keys(path, t, "partner",
                           {"name",
                            "organisation",
                            "contact",
                            "prefixes",
                            "prefix_csv",
                            "asns",
                            "channel",
                            "webhook",
                            "secret_file",
                            "secret_env",
                            "ca_file",
                            "allow_insecure",
                            "email",
                            "smtp_url",
                            "smtp_user",
                            "smtp_password_file",
                            "smtp_password_env",
                            "format",
                            "interval",
                            "opt_out_kinds",
                            "paused"}));
  ConfigPartner cp;
  cp.line = static_cast<int>(t.source().begin.line);
  core::Partner& p = cp.partner;
  p.source = "config";
  auto str = [&](std::string_view key, std::string& dest) -> core::Result<void> {
    auto v = read_string(path, t, key, dest);
    if (!v) return core::fail(v.error());
    dest = *v;
    return core::ok();
  };
  CITYWATCH_TRY(str("name", p.name));
  if (!core::is_valid_partner_name(p.name)) {
    return core::fail(core::ErrorCode::kConfig,
                      "[[partner]] needs a name of letters, digits, '-', '_' or '.' (at most 64)",
                      path + ":" + std::to_string(cp.line));
  }
  CITYWATCH_TRY(str("organisation", p.organisation));
  CITYWATCH_TRY(str("contact", p.contact));
  CITYWATCH_TRY(str("webhook", p.webhook_url));
  CITYWATCH_TRY(str("secret_file", p.hmac_secret.file));
  CITYWATCH_TRY(str("secret_env", p.hmac_secret.env));
  CITYWATCH_TRY(str("ca_file", p.ca_file));
  CITYWATCH_TRY(str("email", p.email_to));
  CITYWATCH_TRY(str("smtp_url", p.smtp_url));
  CITYWATCH_TRY(str("smtp_user", p.smtp_user));
  CITYWATCH_TRY(str("smtp_password_file", p.smtp_password.file));
  CITYWATCH_TRY(str("smtp_password_env", p.smtp_password.env));
  CITYWATCH_TRY(str("prefix_csv", cp.prefix_csv));
  p.hmac_secret.file = resolve(base, p.hmac_secret.file);
  p.smtp_password.file = resolve(base, p.smtp_password.file);
  p.ca_file = resolve(base, p.ca_file);
  cp.prefix_csv = resolve(base, cp.prefix_csv);
  auto where = [&](std::string_view key) -> const toml::node& {
    const toml::node* n = t.get(key);
    return n ? *n : static_cast<const toml::node&>(t);
  };
  auto prefixes = read_string_list(path, t, "prefixes", {});
  if (!prefixes) return core::fail(prefixes.error());
  for (const auto& text : *prefixes) {
    auto prefix = core::Prefix::parse(text);
    if (!prefix) {
      return config_error(path, where("prefixes"),
                          "'" + text + "' is not a CIDR prefix (e.g. 198.51.100.0/24)");
    }
    p.prefixes.push_back({*prefix, 0, {}});
  }
  if (const toml::node* n = t.get("asns")) {
    const toml::array* a = n->as_array();
    if (!a) return config_error(path, *n, "asns must be a list of AS numbers");
    for (const toml::node& item : *a) {
      auto v = item.value_exact<std::int64_t>();
      if (!v || *v < 1 || *v > 4294967295LL) {
        return config_error(path, item, "asns must be AS numbers from 1 to 4294967295");
      }
      p.asns.push_back(static_cast<std::uint32_t>(*v));
    }
  }
  std::string channel, format = "csv";
  CITYWATCH_TRY(str("channel", channel));
  CITYWATCH_TRY(str("format", format));
  if (channel.empty()) {
    channel = !p.webhook_url.empty() ? "webhook" : !p.email_to.empty() ? "email" : "pull";
  }
  auto ch = core::parse_delivery_channel(channel);
  if (!ch) return config_error(path, where("channel"), "channel must be webhook, email or pull");
  p.channel = *ch;
  auto fmt = core::parse_batch_format(format);
  if (!fmt) return config_error(path, where("format"), "format must be csv, json or xarf");
  p.format = *fmt;
  if (p.channel == core::DeliveryChannel::kWebhook) {
    if (p.webhook_url.empty()) return config_error(path, t, "a webhook partner needs webhook");
    if (p.hmac_secret.empty()) {
      return config_error(path, t,
                          "a webhook partner needs secret_file or secret_env (the HMAC key)");
    }
  }
  if (p.channel == core::DeliveryChannel::kEmail && (p.email_to.empty() || p.smtp_url.empty())) {
    return config_error(path, t, "an email partner needs email and smtp_url");
  }
  auto interval = read_duration(path, t, "interval", default_interval, 60);
  if (!interval) return core::fail(interval.error());
  p.interval = *interval;
  auto kinds = read_string_list(path, t, "opt_out_kinds", {});
  if (!kinds) return core::fail(kinds.error());
  for (const auto& k : *kinds) {
    auto kind = core::parse_finding_kind(k);
    if (!kind) {
      return config_error(path, where("opt_out_kinds"),
                          "opt_out_kinds: '" + k +
                              "' is not a finding kind (no-auth, default-password, vulnerable, "
                              "exposed-service, infected)");
    }
    p.opt_out_kinds.push_back(*kind);
  }
  auto paused = read_bool(path, t, "paused", false);
  if (!paused) return core::fail(paused.error());
  p.paused = *paused;
  auto insecure = read_bool(path, t, "allow_insecure", false);
  if (!insecure) return core::fail(insecure.error());
  p.allow_insecure = *insecure;
  return cp;
}

// toml++ 3.3 (Debian 12) reaches __builtin_unreachable, undefined behaviour, when it asks whether
// certain non-ASCII characters are whitespace (marzer/tomlplusplus#190 and #295, fixed upstream
// after 3.3). It asks outside strings and comments, where TOML allows no non-ASCII anyway, and
// for the character after a backslash in a basic string. Such text is refused before toml++ sees
// it, so a config file cannot crash or confuse the parser; comments and string values may still
// hold any UTF-8.
core::Result<void> check_toml_safe(std::string_view text, const std::string& path) {
  enum class State { kBare, kComment, kBasic, kLiteral, kMultiBasic, kMultiLiteral };
  auto non_ascii = [](char c) { return static_cast<unsigned char>(c) >= 0x80; };
  auto refuse = [&path](std::size_t line, std::string message) {
    return core::fail(core::ErrorCode::kConfig, std::move(message),
                      path + ":" + std::to_string(line));
  };
  // A closing """ or ''' may have one or two quotes of the string's content before it; returns
  // the end of the run, or i when there is no closing delimiter at i.
  auto closing_run = [&text](std::size_t i, char quote) {
    std::size_t end = i;
    while (end < text.size() && text[end] == quote && end - i < 5) {
      ++end;
    }
    return end - i >= 3 ? end : i;
  };
  State state = State::kBare;
  // Last character outside strings and comments, blanks aside. toml++ reads a bare value on
  // through a quote ("0x"...), so a quote opens a string only where TOML lets one start.
  char previous = '\n';
  std::size_t line = 1;
  std::size_t i = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;  // toml++ skips a byte order mark
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
    }
    switch (state) {
      case State::kBare:
        if (non_ascii(c)) {
          return refuse(line, "non-ASCII character outside a quoted string or comment");
        }
        if (c == '#') {
          state = State::kComment;
        } else if ((c == '"' || c == '\'') &&
                   std::string_view("=[,{.\n").find(previous) != std::string_view::npos) {
          bool multi = text.substr(i, 3) == std::string(3, c);
          state = c == '"' ? (multi ? State::kMultiBasic : State::kBasic)
                           : (multi ? State::kMultiLiteral : State::kLiteral);
          i += multi ? 3 : 1;
          continue;
        } else if (c != ' ' && c != '\t') {
          previous = c;
        }
        break;
      case State::kComment:
        if (c == '\n') {
          state = State::kBare;
          previous = c;
        }
        break;
      case State::kBasic:
      case State::kLiteral:
        if (c == '\n' || c == (state == State::kBasic ? '"' : '\'')) {
          state = State::kBare;
          previous = c;
        }
        break;
      case State::kMultiBasic:
      case State::kMultiLiteral:
        if (std::size_t end = closing_run(i, state == State::kMultiBasic ? '"' : '\''); end > i) {
          state = State::kBare;
          previous = c;
          i = end;
          continue;
        }
        break;
    }
    if (c == '\\' && (state == State::kBasic || state == State::kMultiBasic)) {
      // A line-ending backslash trims the whitespace and line breaks after it; toml++ then looks
      // at the first character past them.
      std::size_t next = i + 1;
      if (state == State::kMultiBasic) {
        while (next < text.size() && (text[next] == ' ' || text[next] == '\t' ||
                                      text[next] == '\r' || text[next] == '\n')) {
          line += text[next] == '\n' ? 1 : 0;
          ++next;
        }
      }
      if (next < text.size() && non_ascii(text[next])) {
        return refuse(line, "non-ASCII character right after a backslash in a string");
      }
      if (next == i + 1) {
        // An escaped character is skipped; the first one past a trimmed line break is not.
        line += next < text.size() && text[next] == '\n' ? 1 : 0;
        ++next;
      }
      i = next;
      continue;
    }
    ++i;
  }
  return core::ok();
}

}  // namespace

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
  std::ifstream in(path, std::ios::binary);
  std::string text;
  char chunk[4096];
  while (in.read(chunk, sizeof chunk), in.gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
  }
  // A directory opens but fails on the first read (badbit); it must not pass as an empty file,
  // which would be a valid config of defaults.
  if (!in.is_open() || in.bad()) {
    return core::fail(core::ErrorCode::kConfig,
                      "cannot read the configuration file (check --config)", path);
  }
  return parse_config(text, path);
}

core::Result<Config> parse_config(std::string_view text, const std::string& name) {
  CITYWATCH_TRY(check_toml_safe(text, name));
  toml::parse_result parsed = toml::parse(text, name);
  if (!parsed) {
    const auto& err = parsed.error();
    return core::fail(core::ErrorCode::kConfig, std::string(err.description()),
                      where_of(name, err.source()));
  }
  const toml::table& root = parsed.table();
  CITYWATCH_TRY(check_keys(
      name, root, "",
      {"city", "database", "import", "geo", "risk", "capture", "scan", "notify", "partner"}));
  Config config;
  auto base = std::filesystem::path(name).parent_path();

  auto section = [&](std::string_view table) -> core::Result<const toml::table*> {
    const toml::node* node = root.get(table);
    if (!node) return static_cast<const toml::table*>(nullptr);
    if (!node->is_table())
      return config_error(name, *node, "[" + std::string(table) + "] must be a table");
    return node->as_table();
  };

  auto city = section("city");
  if (!city) return core::fail(city.error());
  if (*city) {
    CITYWATCH_TRY(check_keys(name, **city, "city", {"name", "code", "aliases"}));
    auto city_name = read_string(name, **city, "name", config.city_name);
    if (!city_name) return core::fail(city_name.error());
    config.city_name = *city_name;
    auto code = read_string(name, **city, "code", config.city_code);
    if (!code) return core::fail(code.error());
    config.city_code = *code;
    // Another city's name without aliases must not inherit The Hague's.
    auto aliases = read_string_list(
        name, **city, "aliases",
        (*city)->contains("name") ? std::vector<std::string>{} : config.geo.city_aliases);
    if (!aliases) return core::fail(aliases.error());
    config.geo.city_aliases = *aliases;
  }
  config.geo.city_name = config.city_name;
  config.geo.city_code = config.city_code;

  auto geo = section("geo");
  if (!geo) return core::fail(geo.error());
  if (*geo) CITYWATCH_TRY(load_geo(name, base, **geo, config.geo));

  auto database = section("database");
  if (!database) return core::fail(database.error());
  if (*database) {
    CITYWATCH_TRY(check_keys(name, **database, "database", {"path"}));
    auto db = read_string(name, **database, "path", config.database_path);
    if (!db) return core::fail(db.error());
    config.database_path = resolve(base, *db);
  } else {
    config.database_path = resolve(base, config.database_path);
  }

  auto import = section("import");
  if (!import) return core::fail(import.error());
  if (*import) {
    CITYWATCH_TRY(
        check_keys(name, **import, "import", {"chunk_size", "reject_dir", "print_errors"}));
    auto chunk = read_count(name, **import, "chunk_size", config.import_chunk_size, 1, 1000000);
    if (!chunk) return core::fail(chunk.error());
    config.import_chunk_size = *chunk;
    auto rejects = read_string(name, **import, "reject_dir", config.reject_dir);
    if (!rejects) return core::fail(rejects.error());
    config.reject_dir = resolve(base, *rejects);
    auto print = read_count(name, **import, "print_errors", config.print_errors, 0, 100000);
    if (!print) return core::fail(print.error());
    config.print_errors = *print;
  }

  auto risk = section("risk");
  if (!risk) return core::fail(risk.error());
  if (*risk) {
    CITYWATCH_TRY(check_keys(name, **risk, "risk", {"data_dir", "gone_after_days"}));
    auto dir = read_string(name, **risk, "data_dir", config.data_dir);
    if (!dir) return core::fail(dir.error());
    config.data_dir = dir->empty() ? std::string() : resolve(base, *dir);
    auto days = read_count(name, **risk, "gone_after_days", config.gone_after_days, 1, 3650);
    if (!days) return core::fail(days.error());
    config.gone_after_days = *days;
  }

  auto capture = section("capture");
  if (!capture) return core::fail(capture.error());
  if (*capture) {
    CITYWATCH_TRY(check_keys(
        name, **capture, "capture",
        {"credentials_file", "max_flows", "stream_bytes", "flow_idle_seconds", "flush_seconds"}));
    auto creds = read_string(name, **capture, "credentials_file", config.credentials_file);
    if (!creds) return core::fail(creds.error());
    config.credentials_file = resolve(base, *creds);
    auto flows = read_count(name, **capture, "max_flows", config.capture_max_flows, 16, 16777216);
    if (!flows) return core::fail(flows.error());
    config.capture_max_flows = *flows;
    auto bytes =
        read_count(name, **capture, "stream_bytes", config.capture_stream_bytes, 256, 1048576);
    if (!bytes) return core::fail(bytes.error());
    config.capture_stream_bytes = *bytes;
    auto idle = read_count(name, **capture, "flow_idle_seconds", config.capture_flow_idle_seconds,
                           1, 86400);
    if (!idle) return core::fail(idle.error());
    config.capture_flow_idle_seconds = *idle;
    auto flush =
        read_count(name, **capture, "flush_seconds", config.capture_flush_seconds, 1, 86400);
    if (!flush) return core::fail(flush.error());
    config.capture_flush_seconds = *flush;
  }

  auto scan = section("scan");
  if (!scan) return core::fail(scan.error());
  if (*scan) {
    const toml::table& t = **scan;
    CITYWATCH_TRY(
        check_keys(name, t, "scan",
                   {"contact_url", "rate", "network_rate", "network_prefix_v4", "network_prefix_v6",
                    "max_in_flight", "connect_timeout_ms", "read_timeout_ms", "udp_timeout_ms",
                    "conversation_timeout_ms", "protocol_timeouts_ms", "retries", "max_read_bytes",
                    "max_login_attempts", "max_scope_addresses", "blocklist", "opt_out"}));
    ScanConfig& sc = config.scan;
    auto contact = read_string(name, t, "contact_url", sc.contact_url);
    if (!contact) return core::fail(contact.error());
    for (char c : *contact) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return config_error(name, *t.get("contact_url"),
                            "contact_url must not hold control characters");
      }
    }
    sc.contact_url = *contact;
    struct Count {
      std::string_view key;
      std::size_t* out;
      std::int64_t min, max;
    };
    for (const Count& c : std::initializer_list<Count>{
             {"rate", &sc.rate, 1, 1000000},
             {"network_rate", &sc.network_rate, 1, 1000000},
             {"network_prefix_v4", &sc.network_prefix_v4, 8, 32},
             {"network_prefix_v6", &sc.network_prefix_v6, 16, 128},
             {"max_in_flight", &sc.max_in_flight, 1, 100000},
             {"connect_timeout_ms", &sc.connect_timeout_ms, 10, 120000},
             {"read_timeout_ms", &sc.read_timeout_ms, 10, 120000},
             {"udp_timeout_ms", &sc.udp_timeout_ms, 10, 120000},
             {"conversation_timeout_ms", &sc.conversation_timeout_ms, 100, 600000},
             {"retries", &sc.retries, 0, 10},
             {"max_read_bytes", &sc.max_read_bytes, 1024, 64 * 1024 * 1024},
             {"max_login_attempts", &sc.max_login_attempts, 0, 100},
             {"max_scope_addresses", &sc.max_scope_addresses, 1, 16777216},
         }) {
      auto v = read_count(name, t, c.key, *c.out, c.min, c.max);
      if (!v) return core::fail(v.error());
      *c.out = *v;
    }
    if (const toml::node* node = t.get("protocol_timeouts_ms")) {
      const toml::table* per = node->as_table();
      if (!per) {
        return config_error(name, *node,
                            "protocol_timeouts_ms must be a table, e.g. { telnet = 8000 }");
      }
      for (const auto& [proto, value] : *per) {
        if (!scanner::parse_protocol(proto.str())) {
          return config_error(name, value,
                              "unknown protocol '" + std::string(proto.str()) +
                                  "' in protocol_timeouts_ms (telnet, ftp, ssh, smtp, http, "
                                  "https, tr-069, rtsp, mqtt, modbus, ssdp, coap, bacnet, snmp)");
        }
        auto ms = value.value_exact<std::int64_t>();
        if (!ms || *ms < 10 || *ms > 120000) {
          return config_error(name, value, "a protocol timeout must be 10 to 120000 ms");
        }
        sc.protocol_timeouts_ms[std::string(proto.str())] = static_cast<std::size_t>(*ms);
      }
    }
    for (auto [key, out] :
         {std::pair{"blocklist", &sc.blocklist}, std::pair{"opt_out", &sc.opt_out}}) {
      auto v = read_string(name, t, key, *out);
      if (!v) return core::fail(v.error());
      *out = resolve(base, *v);
    }
  }

  auto notify_table = section("notify");
  if (!notify_table) return core::fail(notify_table.error());
  if (*notify_table) CITYWATCH_TRY(load_notify(name, **notify_table, config.notify));
  if (const toml::node* node = root.get("partner")) {
    const toml::array* list = node->as_array();
    if (!list) return config_error(name, *node, "partners are [[partner]] tables");
    std::set<std::string> names;
    for (const toml::node& item : *list) {
      const toml::table* t = item.as_table();
      if (!t) return config_error(name, item, "partners are [[partner]] tables");
      auto p = load_partner(name, base, *t, config.notify.interval);
      if (!p) return core::fail(p.error());
      if (!names.insert(p->partner.name).second) {
        return config_error(name, item, "partner " + p->partner.name + " is defined twice");
      }
      config.notify.partners.push_back(std::move(*p));
    }
  }
  return config;
}

}  // namespace citywatch::app
