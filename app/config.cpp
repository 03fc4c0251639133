#include "app/config.h"

#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string_view>
#include <vector>

#include "app/data_dir.h"
#include "app/schedule.h"
#include "core/ip_address.h"
#include "scanner/probe_dialogs.h"

namespace citywatch::app {
namespace {

std::string where_of(const std::string& path, const toml::source_region& src) {
  return path + ":" + std::to_string(src.begin.line);
}

std::string resolve(const std::filesystem::path& base, const std::string& value) {
  if (value.empty()) return value;
  std::filesystem::path p(value);
  return p.is_absolute() ? value : (base / p).lexically_normal().string();
}

// One TOML table with typed readers; every error names the key and its file:line.
class Section {
 public:
  Section(const std::string& file, const toml::table* table, std::string name,
          std::filesystem::path base)
      : file_(file), table_(table), name_(std::move(name)), base_(std::move(base)) {}

  bool present() const { return table_ != nullptr; }

  core::Result<void> keys(std::initializer_list<std::string_view> known) const {
    if (!table_) return core::ok();
    std::set<std::string_view> allowed(known);
    for (const auto& [key, node] : *table_) {
      if (!allowed.contains(key.str())) {
        return error(node, "unknown key '" + full(key.str()) + "'");
      }
    }
    return core::ok();
  }

  core::Result<void> str(std::string_view key, std::string& out) const {
    const toml::node* node = get(key);
    if (!node) return core::ok();
    auto value = node->value<std::string>();
    if (!value) return error(*node, full(key) + " must be a string");
    out = *value;
    return core::ok();
  }

  // A path relative to the config file's directory; a key not given keeps its default as is.
  core::Result<void> file_path(std::string_view key, std::string& out) const {
    if (!get(key)) return core::ok();
    CITYWATCH_TRY(str(key, out));
    out = resolved(out);
    return core::ok();
  }
  std::string resolved(const std::string& value) const { return resolve(base_, value); }

  core::Result<void> integer(std::string_view key, std::int64_t& out, std::int64_t min,
                             std::int64_t max) const {
    const toml::node* node = get(key);
    if (!node) return core::ok();
    // value_exact: value<> would take 5000.0 and casts huge floats to an integer unchecked.
    auto value = node->value_exact<std::int64_t>();
    if (!value || *value < min || *value > max) {
      return error(*node, full(key) + " must be an integer from " + std::to_string(min) + " to " +
                              std::to_string(max));
    }
    out = *value;
    return core::ok();
  }

  core::Result<void> count(std::string_view key, std::size_t& out, std::int64_t min,
                           std::int64_t max) const {
    auto v = static_cast<std::int64_t>(out);
    CITYWATCH_TRY(integer(key, v, min, max));
    out = static_cast<std::size_t>(v);
    return core::ok();
  }

  core::Result<void> flag(std::string_view key, bool& out) const {
    const toml::node* node = get(key);
    if (!node) return core::ok();
    auto value = node->value<bool>();
    if (!value) return error(*node, full(key) + " must be true or false");
    out = *value;
    return core::ok();
  }

  // A list of strings; a single string counts as a list of one.
  core::Result<void> strings(std::string_view key, std::vector<std::string>& out) const {
    const toml::node* node = get(key);
    if (!node) return core::ok();
    if (auto single = node->value<std::string>()) {
      out = {*single};
      return core::ok();
    }
    const toml::array* arr = node->as_array();
    if (!arr) return error(*node, full(key) + " must be a list of strings");
    out.clear();
    for (const auto& item : *arr) {
      auto value = item.value<std::string>();
      if (!value) return error(item, full(key) + " must be a list of strings");
      out.push_back(*value);
    }
    return core::ok();
  }

  core::Result<void> number(std::string_view key, double& out, double min, double max) const {
    const toml::node* node = get(key);
    if (!node) return core::ok();
    auto value = node->value<double>();
    if (!value || !(*value >= min && *value <= max)) {
      return error(*node, full(key) + " must be a number from " + std::to_string(min) + " to " +
                              std::to_string(max));
    }
    out = *value;
    return core::ok();
  }

  // "90s", "30m", "12h", "7d" or a number of seconds; at least `min`, at most ten years.
  core::Result<void> duration(std::string_view key, core::UnixSeconds& out,
                              core::UnixSeconds min) const {
    const toml::node* node = get(key);
    if (!node) return core::ok();
    std::optional<core::UnixSeconds> v;
    if (auto text = node->value<std::string>()) {
      v = core::parse_duration(*text);
    } else if (auto n = node->value_exact<std::int64_t>()) {
      v = *n;
    }
    if (!v || *v < min || *v > 10LL * 366 * 86400) {
      return error(*node, full(key) +
                              " must be a duration such as \"90s\", \"30m\", \"12h\", \"7d\" (at "
                              "least " +
                              core::format_duration(min) + ")");
    }
    out = *v;
    return core::ok();
  }

  core::Result<void> schedule(std::string_view key, std::string& out) const {
    CITYWATCH_TRY(str(key, out));
    if (auto parsed = Schedule::parse(out); !parsed) {
      const toml::node* node = get(key);
      return node ? error(*node, full(key) + ": " + parsed.error().message)
                  : core::fail(core::ErrorCode::kConfig, parsed.error().message, file_);
    }
    return core::ok();
  }

  core::Result<void> url(std::string_view key, std::string& out) const {
    CITYWATCH_TRY(str(key, out));
    const toml::node* node = get(key);
    if (node && !out.empty() && !out.starts_with("http://") && !out.starts_with("https://")) {
      return error(*node, full(key) + " must start with http:// or https://");
    }
    return core::ok();
  }

  const toml::node* get(std::string_view key) const { return table_ ? table_->get(key) : nullptr; }
  core::Failure error(const toml::node& node, std::string message) const {
    return core::fail(core::ErrorCode::kConfig, std::move(message), where_of(file_, node.source()));
  }

 private:
  std::string full(std::string_view key) const {
    return name_.empty() ? std::string(key) : name_ + "." + std::string(key);
  }
  const std::string& file_;
  const toml::table* table_;
  std::string name_;
  std::filesystem::path base_;
};

core::Result<const toml::table*> sub_table(const std::string& file, const toml::table& parent,
                                           std::string_view key, const std::string& name) {
  const toml::node* node = parent.get(key);
  if (!node) return static_cast<const toml::table*>(nullptr);
  if (!node->is_table()) {
    return core::fail(core::ErrorCode::kConfig, "[" + name + "] must be a table",
                      where_of(file, node->source()));
  }
  return node->as_table();
}

// [geo]: every path relative to the config file; an empty string switches a file off.
core::Result<void> load_geo(const Section& geo, enrich::GeoConfig& out) {
  if (!geo.present()) return core::ok();
  CITYWATCH_TRY(
      geo.keys({"boundary", "districts", "district_code_property", "district_name_property",
                "city_mmdb", "city_mmdb_layout", "asn_mmdb", "asn_csv", "prefix_map",
                "municipal_ranges", "assumed_accuracy_km", "max_db_age_days"}));
  CITYWATCH_TRY(geo.file_path("boundary", out.boundary_file));
  CITYWATCH_TRY(geo.file_path("districts", out.district_file));
  CITYWATCH_TRY(geo.file_path("asn_mmdb", out.asn_mmdb));
  CITYWATCH_TRY(geo.file_path("asn_csv", out.asn_csv));
  CITYWATCH_TRY(geo.file_path("prefix_map", out.prefix_map));
  if (out.boundary_file.empty()) {
    return geo.error(*geo.get("boundary"),
                     "geo.boundary cannot be empty: the city needs an outline");
  }
  CITYWATCH_TRY(geo.str("district_code_property", out.district_code_property));
  CITYWATCH_TRY(geo.str("district_name_property", out.district_name_property));

  std::vector<std::string> dbs = out.city_mmdb;
  CITYWATCH_TRY(geo.strings("city_mmdb", dbs));
  out.city_mmdb.clear();
  for (const auto& db : dbs) {
    if (db.empty()) continue;
    out.city_mmdb.push_back(geo.resolved(db));
  }
  if (const toml::node* node = geo.get("city_mmdb_layout")) {
    auto text = node->value<std::string>();
    auto layout = text ? enrich::parse_mmdb_layout(*text) : std::nullopt;
    if (!layout || *layout == enrich::MmdbLayout::kAsn) {
      return geo.error(*node, "city_mmdb_layout must be auto, geoip2 or flat");
    }
    out.city_mmdb_layout = *layout;
  }
  if (const toml::node* node = geo.get("municipal_ranges")) {
    std::vector<std::string> ranges;
    CITYWATCH_TRY(geo.strings("municipal_ranges", ranges));
    out.municipal_ranges.clear();
    for (const auto& text : ranges) {
      auto prefix = core::Prefix::parse(text);
      if (!prefix) {
        return geo.error(
            *node, "municipal_ranges: '" + text + "' is not a CIDR prefix (e.g. 192.0.2.0/24)");
      }
      out.municipal_ranges.push_back(*prefix);
    }
  }
  CITYWATCH_TRY(geo.number("assumed_accuracy_km", out.assumed_accuracy_km, 0, 1000));
  auto age = static_cast<std::int64_t>(out.max_db_age_days);
  CITYWATCH_TRY(geo.integer("max_db_age_days", age, 1, 3650));
  out.max_db_age_days = static_cast<int>(age);
  return core::ok();
}

core::Result<void> load_notify(const Section& t, NotifyConfig& out) {
  CITYWATCH_TRY(
      t.keys({"interval", "recheck_after", "retry_initial", "retry_max_delay", "retry_max_attempts",
              "retry_jitter", "timeout", "connect_timeout", "in_city", "mail_from", "reporter_org",
              "reporter_contact", "reporter_domain", "schedule"}));
  CITYWATCH_TRY(t.str("schedule", out.schedule));
  if (!out.schedule.empty()) CITYWATCH_TRY(t.schedule("schedule", out.schedule));
  CITYWATCH_TRY(t.duration("interval", out.interval, 60));
  CITYWATCH_TRY(t.duration("recheck_after", out.recheck_after, 0));
  CITYWATCH_TRY(t.duration("retry_initial", out.retry.initial_delay, 1));
  CITYWATCH_TRY(t.duration("retry_max_delay", out.retry.max_delay, 1));
  CITYWATCH_TRY(t.duration("timeout", out.timeout, 1));
  CITYWATCH_TRY(t.duration("connect_timeout", out.connect_timeout, 1));
  std::int64_t attempts = out.retry.max_attempts;
  CITYWATCH_TRY(t.integer("retry_max_attempts", attempts, 1, 1000));
  out.retry.max_attempts = static_cast<int>(attempts);
  CITYWATCH_TRY(t.number("retry_jitter", out.retry.jitter, 0, 1));
  CITYWATCH_TRY(t.strings("in_city", out.in_city));
  for (const auto& v : out.in_city) {
    if (!core::parse_in_city(v)) {
      return t.error(*t.get("in_city"),
                     "notify.in_city takes yes, no, possibly, unknown; not '" + v + "'");
    }
  }
  CITYWATCH_TRY(t.str("mail_from", out.mail_from));
  CITYWATCH_TRY(t.str("reporter_org", out.reporter.org));
  CITYWATCH_TRY(t.str("reporter_contact", out.reporter.contact));
  CITYWATCH_TRY(t.str("reporter_domain", out.reporter.domain));
  return core::ok();
}

core::Result<ConfigPartner> load_partner(const Section& t, const toml::table& table,
                                         core::UnixSeconds default_interval) {
  for (std::string_view inline_secret : {"secret", "smtp_password", "password", "hmac_key"}) {
    if (const toml::node* n = t.get(inline_secret)) {
      return t.error(*n,
                     "secrets never go into the configuration: use secret_file / secret_env (or "
                     "smtp_password_file / smtp_password_env)");
    }
  }
  CITYWATCH_TRY(t.keys({"name",
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
  cp.line = static_cast<int>(table.source().begin.line);
  core::Partner& p = cp.partner;
  p.source = "config";
  CITYWATCH_TRY(t.str("name", p.name));
  if (!core::is_valid_partner_name(p.name)) {
    return t.error(table,
                   "[[partner]] needs a name of letters, digits, '-', '_' or '.' (at most 64)");
  }
  CITYWATCH_TRY(t.str("organisation", p.organisation));
  CITYWATCH_TRY(t.str("contact", p.contact));
  CITYWATCH_TRY(t.str("webhook", p.webhook_url));
  CITYWATCH_TRY(t.file_path("secret_file", p.hmac_secret.file));
  CITYWATCH_TRY(t.str("secret_env", p.hmac_secret.env));
  CITYWATCH_TRY(t.file_path("ca_file", p.ca_file));
  CITYWATCH_TRY(t.str("email", p.email_to));
  CITYWATCH_TRY(t.str("smtp_url", p.smtp_url));
  CITYWATCH_TRY(t.str("smtp_user", p.smtp_user));
  CITYWATCH_TRY(t.file_path("smtp_password_file", p.smtp_password.file));
  CITYWATCH_TRY(t.str("smtp_password_env", p.smtp_password.env));
  CITYWATCH_TRY(t.file_path("prefix_csv", cp.prefix_csv));
  auto where = [&](std::string_view key) -> const toml::node& {
    const toml::node* n = t.get(key);
    return n ? *n : static_cast<const toml::node&>(table);
  };
  std::vector<std::string> prefixes;
  CITYWATCH_TRY(t.strings("prefixes", prefixes));
  for (const auto& text : prefixes) {
    auto prefix = core::Prefix::parse(text);
    if (!prefix) {
      return t.error(where("prefixes"),
                     "'" + text + "' is not a CIDR prefix (e.g. 198.51.100.0/24)");
    }
    p.prefixes.push_back({*prefix, 0, {}});
  }
  if (const toml::node* n = t.get("asns")) {
    const toml::array* a = n->as_array();
    if (!a) return t.error(*n, "asns must be a list of AS numbers");
    for (const toml::node& item : *a) {
      auto v = item.value_exact<std::int64_t>();
      if (!v || *v < 1 || *v > 4294967295LL) {
        return t.error(item, "asns must be AS numbers from 1 to 4294967295");
      }
      p.asns.push_back(static_cast<std::uint32_t>(*v));
    }
  }
  std::string channel, format = "csv";
  CITYWATCH_TRY(t.str("channel", channel));
  CITYWATCH_TRY(t.str("format", format));
  if (channel.empty()) {
    channel = !p.webhook_url.empty() ? "webhook" : !p.email_to.empty() ? "email" : "pull";
  }
  auto ch = core::parse_delivery_channel(channel);
  if (!ch) return t.error(where("channel"), "channel must be webhook, email or pull");
  p.channel = *ch;
  auto fmt = core::parse_batch_format(format);
  if (!fmt) return t.error(where("format"), "format must be csv, json or xarf");
  p.format = *fmt;
  if (p.channel == core::DeliveryChannel::kWebhook) {
    if (p.webhook_url.empty()) return t.error(table, "a webhook partner needs webhook");
    if (p.hmac_secret.empty()) {
      return t.error(table, "a webhook partner needs secret_file or secret_env (the HMAC key)");
    }
  }
  if (p.channel == core::DeliveryChannel::kEmail && (p.email_to.empty() || p.smtp_url.empty())) {
    return t.error(table, "an email partner needs email and smtp_url");
  }
  p.interval = default_interval;
  CITYWATCH_TRY(t.duration("interval", p.interval, 60));
  std::vector<std::string> kinds;
  CITYWATCH_TRY(t.strings("opt_out_kinds", kinds));
  for (const auto& k : kinds) {
    auto kind = core::parse_finding_kind(k);
    if (!kind) {
      return t.error(where("opt_out_kinds"),
                     "opt_out_kinds: '" + k +
                         "' is not a finding kind (no-auth, default-password, vulnerable, "
                         "exposed-service, infected)");
    }
    p.opt_out_kinds.push_back(*kind);
  }
  CITYWATCH_TRY(t.flag("paused", p.paused));
  CITYWATCH_TRY(t.flag("allow_insecure", p.allow_insecure));
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
  // Where a quote may start a string depends on whether a key or a value is being read: in a
  // key after '.' too (a."b" = 1), in a value only where the value begins: once a bare value
  // has started (3..."x"), toml++ reads on through the quote. Arrays and inline tables nest.
  bool in_value = false;    // after '=' (or inside an array), until the line or element ends
  bool bare_value = false;  // inside a bare value (number, date, true, ...)
  std::vector<char> open;   // '[' arrays and '{' inline tables still open, innermost last
  std::size_t line = 1;
  std::size_t i = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;  // toml++ skips a byte order mark
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
    }
    switch (state) {
      case State::kBare: {
        if (non_ascii(c)) {
          return refuse(line, "non-ASCII character outside a quoted string or comment");
        }
        const bool ends_value = c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' ||
                                c == ']' || c == '}' || c == '#';
        if (ends_value) bare_value = false;
        if (c == '#') {
          state = State::kComment;
        } else if ((c == '"' || c == '\'') && !bare_value &&
                   std::string_view(in_value ? "=[,{\n" : "=[,{.\n").find(previous) !=
                       std::string_view::npos) {
          bool multi = text.substr(i, 3) == std::string(3, c);
          state = c == '"' ? (multi ? State::kMultiBasic : State::kBasic)
                           : (multi ? State::kMultiLiteral : State::kLiteral);
          i += multi ? 3 : 1;
          continue;
        } else if (c != ' ' && c != '\t') {
          previous = c;
        }
        if (bare_value) break;
        if (c == '=') {
          in_value = true;
        } else if (c == '\n') {
          if (open.empty()) in_value = false;
        } else if (c == '[' && in_value) {
          open.push_back('[');
        } else if (c == '{' && in_value) {
          open.push_back('{');
          in_value = false;  // a key comes first
        } else if ((c == ']' || c == '}') && !open.empty()) {
          open.pop_back();
          in_value = true;  // the array or table was a value
        } else if (c == ',') {
          in_value = open.empty() || open.back() == '[';
        } else if (in_value && !ends_value && c != '\r') {
          bare_value = true;
        }
        break;
      }
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

bool valid_job_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
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

core::Result<Config> parse_config(std::string_view text, const std::string& path) {
  CITYWATCH_TRY(check_toml_safe(text, path));
  toml::parse_result parsed = toml::parse(text, path);
  if (!parsed) {
    const auto& err = parsed.error();
    return core::fail(core::ErrorCode::kConfig, std::string(err.description()),
                      where_of(path, err.source()));
  }
  const toml::table& root = parsed.table();
  const auto base = std::filesystem::path(path).parent_path();
  Config config;
  config.source_path = path;
  Section top(path, &root, "", base);
  CITYWATCH_TRY(top.keys({"city", "database", "import", "geo", "risk", "capture", "scan", "notify",
                          "partner", "server", "scheduler", "retention", "http_client", "feeds",
                          "alerts", "health", "jobs"}));

  auto section = [&](const toml::table& parent, std::string_view key,
                     const std::string& name) -> core::Result<Section> {
    auto table = sub_table(path, parent, key, name);
    if (!table) return core::fail(table.error());
    return Section(path, *table, name, base);
  };

  auto city = section(root, "city", "city");
  if (!city) return core::fail(city.error());
  CITYWATCH_TRY(city->keys({"name", "code", "aliases"}));
  CITYWATCH_TRY(city->str("name", config.city_name));
  CITYWATCH_TRY(city->str("code", config.city_code));
  // Another city's name without aliases must not inherit The Hague's.
  if (city->get("name")) config.geo.city_aliases.clear();
  CITYWATCH_TRY(city->strings("aliases", config.geo.city_aliases));
  config.geo.city_name = config.city_name;
  config.geo.city_code = config.city_code;

  auto geo = section(root, "geo", "geo");
  if (!geo) return core::fail(geo.error());
  CITYWATCH_TRY(load_geo(*geo, config.geo));

  auto database = section(root, "database", "database");
  if (!database) return core::fail(database.error());
  CITYWATCH_TRY(database->keys({"path"}));
  CITYWATCH_TRY(database->str("path", config.database_path));
  config.database_path = resolve(base, config.database_path);

  auto import = section(root, "import", "import");
  if (!import) return core::fail(import.error());
  CITYWATCH_TRY(import->keys({"chunk_size", "reject_dir", "print_errors"}));
  CITYWATCH_TRY(import->count("chunk_size", config.import_chunk_size, 1, 1000000));
  CITYWATCH_TRY(import->file_path("reject_dir", config.reject_dir));
  CITYWATCH_TRY(import->count("print_errors", config.print_errors, 0, 100000));

  auto risk = section(root, "risk", "risk");
  if (!risk) return core::fail(risk.error());
  CITYWATCH_TRY(risk->keys({"data_dir", "gone_after_days"}));
  CITYWATCH_TRY(risk->file_path("data_dir", config.data_dir));
  CITYWATCH_TRY(risk->count("gone_after_days", config.gone_after_days, 1, 3650));

  auto capture = section(root, "capture", "capture");
  if (!capture) return core::fail(capture.error());
  CITYWATCH_TRY(capture->keys(
      {"credentials_file", "max_flows", "stream_bytes", "flow_idle_seconds", "flush_seconds"}));
  CITYWATCH_TRY(capture->file_path("credentials_file", config.credentials_file));
  CITYWATCH_TRY(capture->count("max_flows", config.capture_max_flows, 16, 16777216));
  CITYWATCH_TRY(capture->count("stream_bytes", config.capture_stream_bytes, 256, 1048576));
  CITYWATCH_TRY(capture->count("flow_idle_seconds", config.capture_flow_idle_seconds, 1, 86400));
  CITYWATCH_TRY(capture->count("flush_seconds", config.capture_flush_seconds, 1, 86400));

  auto server = section(root, "server", "server");
  if (!server) return core::fail(server.error());
  ServerConfig& sv = config.server;
  CITYWATCH_TRY(server->keys({"listen", "threads", "max_body_kb", "max_upload_mb",
                              "request_timeout_seconds", "session_minutes", "screen_min_count",
                              "aggregate_cache_seconds", "web_dir", "screen_public"}));
  CITYWATCH_TRY(server->str("listen", sv.listen));
  CITYWATCH_TRY(server->count("threads", sv.threads, 1, 256));
  std::int64_t body_kb = static_cast<std::int64_t>(sv.max_body_bytes / 1024);
  CITYWATCH_TRY(server->integer("max_body_kb", body_kb, 1, 16384));
  sv.max_body_bytes = static_cast<std::size_t>(body_kb) * 1024;
  std::int64_t upload_mb = static_cast<std::int64_t>(sv.max_upload_bytes >> 20);
  CITYWATCH_TRY(server->integer("max_upload_mb", upload_mb, 1, 65536));
  sv.max_upload_bytes = static_cast<std::size_t>(upload_mb) << 20;
  CITYWATCH_TRY(server->integer("request_timeout_seconds", sv.request_timeout_seconds, 1, 3600));
  CITYWATCH_TRY(server->integer("session_minutes", sv.session_minutes, 1, 7 * 24 * 60));
  CITYWATCH_TRY(server->integer("screen_min_count", sv.screen_min_count, 1, 1000));
  CITYWATCH_TRY(server->integer("aggregate_cache_seconds", sv.aggregate_cache_seconds, 0, 3600));
  CITYWATCH_TRY(server->file_path("web_dir", sv.web_dir));
  CITYWATCH_TRY(server->flag("screen_public", sv.screen_public));

  auto scheduler = section(root, "scheduler", "scheduler");
  if (!scheduler) return core::fail(scheduler.error());
  SchedulerConfig& sc = config.scheduler;
  CITYWATCH_TRY(
      scheduler->keys({"tick_seconds", "lease_seconds", "workers", "shutdown_grace_seconds"}));
  CITYWATCH_TRY(scheduler->integer("tick_seconds", sc.tick_seconds, 1, 3600));
  CITYWATCH_TRY(scheduler->integer("lease_seconds", sc.lease_seconds, 10, 86400));
  CITYWATCH_TRY(scheduler->count("workers", sc.workers, 1, 32));
  CITYWATCH_TRY(scheduler->integer("shutdown_grace_seconds", sc.shutdown_grace_seconds, 1, 600));
  if (sc.lease_seconds < 3 * sc.tick_seconds) {
    return core::fail(core::ErrorCode::kConfig,
                      "scheduler.lease_seconds must be at least 3 x tick_seconds (leases are "
                      "renewed every tick)",
                      path);
  }

  auto retention = section(root, "retention", "retention");
  if (!retention) return core::fail(retention.error());
  RetentionConfig& rc = config.retention;
  CITYWATCH_TRY(retention->keys({"observation_days", "device_days", "audit_days", "job_run_days",
                                 "reject_file_days", "schedule"}));
  CITYWATCH_TRY(retention->integer("observation_days", rc.observation_days, 1, 36500));
  CITYWATCH_TRY(retention->integer("device_days", rc.device_days, 1, 36500));
  CITYWATCH_TRY(retention->integer("audit_days", rc.audit_days, 1, 36500));
  CITYWATCH_TRY(retention->integer("job_run_days", rc.job_run_days, 1, 36500));
  CITYWATCH_TRY(retention->integer("reject_file_days", rc.reject_file_days, 1, 36500));
  CITYWATCH_TRY(retention->schedule("schedule", rc.schedule));
  if (rc.device_days < rc.observation_days) {
    return core::fail(core::ErrorCode::kConfig,
                      "retention.device_days must not be shorter than observation_days (a "
                      "device is kept while its evidence is)",
                      path);
  }

  auto client = section(root, "http_client", "http_client");
  if (!client) return core::fail(client.error());
  HttpClientConfig& hc = config.http_client;
  CITYWATCH_TRY(client->keys(
      {"user_agent", "timeout_seconds", "connect_timeout_seconds", "max_download_mb", "ca_file"}));
  CITYWATCH_TRY(client->str("user_agent", hc.user_agent));
  CITYWATCH_TRY(client->integer("timeout_seconds", hc.timeout_seconds, 1, 86400));
  CITYWATCH_TRY(client->integer("connect_timeout_seconds", hc.connect_timeout_seconds, 1, 600));
  std::int64_t download_mb = static_cast<std::int64_t>(hc.max_download_bytes >> 20);
  CITYWATCH_TRY(client->integer("max_download_mb", download_mb, 1, 1 << 20));
  hc.max_download_bytes = static_cast<std::size_t>(download_mb) << 20;
  CITYWATCH_TRY(client->file_path("ca_file", hc.ca_file));

  auto feeds_table = sub_table(path, root, "feeds", "feeds");
  if (!feeds_table) return core::fail(feeds_table.error());
  static const toml::table kEmpty;
  const toml::table& feeds = *feeds_table ? **feeds_table : kEmpty;
  Section feeds_section(path, *feeds_table, "feeds", base);
  CITYWATCH_TRY(feeds_section.keys({"shodan", "shadowserver", "dropdir"}));

  auto shodan = section(feeds, "shodan", "feeds.shodan");
  if (!shodan) return core::fail(shodan.error());
  ShodanFeedConfig& sh = config.shodan;
  CITYWATCH_TRY(shodan->keys({"enabled", "api_key_file", "networks", "query", "schedule",
                              "base_url", "max_pages", "min_interval_ms", "stale_after_hours"}));
  CITYWATCH_TRY(shodan->flag("enabled", sh.enabled));
  CITYWATCH_TRY(shodan->file_path("api_key_file", sh.api_key_file));
  CITYWATCH_TRY(shodan->strings("networks", sh.networks));
  for (const auto& net : sh.networks) {
    if (!core::Prefix::parse(net)) {
      return shodan->error(*shodan->get("networks"),
                           "feeds.shodan.networks: '" + net + "' is not a CIDR prefix");
    }
  }
  CITYWATCH_TRY(shodan->str("query", sh.query));
  CITYWATCH_TRY(shodan->schedule("schedule", sh.schedule));
  CITYWATCH_TRY(shodan->url("base_url", sh.base_url));
  CITYWATCH_TRY(shodan->integer("max_pages", sh.max_pages, 1, 10000));
  CITYWATCH_TRY(shodan->integer("min_interval_ms", sh.min_interval_ms, 1, 60000));
  CITYWATCH_TRY(shodan->integer("stale_after_hours", sh.stale_after_hours, 0, 24 * 365));
  if (sh.enabled && sh.networks.empty()) {
    return core::fail(core::ErrorCode::kConfig,
                      "feeds.shodan is enabled but lists no networks (the city's prefixes)", path);
  }

  auto shadow = section(feeds, "shadowserver", "feeds.shadowserver");
  if (!shadow) return core::fail(shadow.error());
  ShadowserverFeedConfig& ss = config.shadowserver;
  CITYWATCH_TRY(
      shadow->keys({"enabled", "api_key_file", "secret_file", "api_url", "download_url", "reports",
                    "types", "schedule", "lookback_days", "stale_after_hours"}));
  CITYWATCH_TRY(shadow->flag("enabled", ss.enabled));
  CITYWATCH_TRY(shadow->file_path("api_key_file", ss.api_key_file));
  CITYWATCH_TRY(shadow->file_path("secret_file", ss.secret_file));
  CITYWATCH_TRY(shadow->url("api_url", ss.api_url));
  CITYWATCH_TRY(shadow->url("download_url", ss.download_url));
  CITYWATCH_TRY(shadow->strings("reports", ss.reports));
  CITYWATCH_TRY(shadow->strings("types", ss.types));
  CITYWATCH_TRY(shadow->schedule("schedule", ss.schedule));
  CITYWATCH_TRY(shadow->integer("lookback_days", ss.lookback_days, 1, 60));
  CITYWATCH_TRY(shadow->integer("stale_after_hours", ss.stale_after_hours, 0, 24 * 365));

  auto drop = section(feeds, "dropdir", "feeds.dropdir");
  if (!drop) return core::fail(drop.error());
  CITYWATCH_TRY(drop->keys({"path", "schedule", "stale_after_hours"}));
  CITYWATCH_TRY(drop->file_path("path", config.dropdir.path));
  CITYWATCH_TRY(drop->schedule("schedule", config.dropdir.schedule));
  CITYWATCH_TRY(drop->integer("stale_after_hours", config.dropdir.stale_after_hours, 0, 24 * 365));

  auto alerts = section(root, "alerts", "alerts");
  if (!alerts) return core::fail(alerts.error());
  AlertsConfig& ac = config.alerts;
  CITYWATCH_TRY(alerts->keys(
      {"syslog", "syslog_facility", "webhook_url", "webhook_secret_file", "feed_check_schedule"}));
  CITYWATCH_TRY(alerts->str("syslog", ac.syslog));
  if (!ac.syslog.empty() && !ac.syslog.starts_with("udp://") && !ac.syslog.starts_with("tcp://")) {
    return alerts->error(*alerts->get("syslog"),
                         "alerts.syslog must be udp://HOST:PORT or tcp://HOST:PORT");
  }
  CITYWATCH_TRY(alerts->str("syslog_facility", ac.syslog_facility));
  static const std::set<std::string> kFacilities{"user",   "daemon", "auth",   "local0",
                                                 "local1", "local2", "local3", "local4",
                                                 "local5", "local6", "local7"};
  if (!kFacilities.contains(ac.syslog_facility)) {
    return core::fail(core::ErrorCode::kConfig,
                      "alerts.syslog_facility must be one of user, daemon, auth, local0..local7",
                      path);
  }
  CITYWATCH_TRY(alerts->url("webhook_url", ac.webhook_url));
  CITYWATCH_TRY(alerts->file_path("webhook_secret_file", ac.webhook_secret_file));
  CITYWATCH_TRY(alerts->schedule("feed_check_schedule", ac.feed_check_schedule));

  auto health = section(root, "health", "health");
  if (!health) return core::fail(health.error());
  CITYWATCH_TRY(health->keys({"min_free_mb"}));
  CITYWATCH_TRY(health->integer("min_free_mb", config.health.min_free_mb, 0, 1 << 30));

  if (const toml::node* jobs = root.get("jobs")) {
    const toml::array* arr = jobs->as_array();
    if (!arr || !arr->is_array_of_tables()) {
      return core::fail(core::ErrorCode::kConfig, "jobs must be an array of tables ([[jobs]])",
                        where_of(path, jobs->source()));
    }
    std::set<std::string> names;
    for (const auto& item : *arr) {
      Section job(path, item.as_table(), "jobs", base);
      CITYWATCH_TRY(job.keys({"name", "kind", "schedule", "params", "enabled"}));
      ConfiguredJob j;
      CITYWATCH_TRY(job.str("name", j.name));
      CITYWATCH_TRY(job.str("kind", j.kind));
      CITYWATCH_TRY(job.schedule("schedule", j.schedule));
      CITYWATCH_TRY(job.flag("enabled", j.enabled));
      if (!valid_job_name(j.name) || j.kind.empty() || j.schedule.empty()) {
        return job.error(item,
                         "each [[jobs]] needs name (letters, digits, '-', '_', '.'), kind and "
                         "schedule");
      }
      if (!names.insert(j.name).second) return job.error(item, "job '" + j.name + "' twice");
      static const std::set<std::string> kReserved{"shodan", "shadowserver", "dropdir", "retention",
                                                   "feed-check"};
      if (kReserved.contains(j.name)) {
        return job.error(item, "job name '" + j.name + "' is used by a built-in job");
      }
      if (const toml::node* params = job.get("params")) {
        if (!params->is_table()) return job.error(*params, "jobs.params must be a table");
        std::ostringstream json;
        json << toml::json_formatter{*params->as_table()};
        // Compact, as the API shows params.
        j.params_json = nlohmann::json::parse(json.str(), nullptr, false).dump();
      }
      config.jobs.push_back(std::move(j));
    }
  }

  auto scan = section(root, "scan", "scan");
  if (!scan) return core::fail(scan.error());
  CITYWATCH_TRY(scan->keys(
      {"contact_url", "rate", "network_rate", "network_prefix_v4", "network_prefix_v6",
       "max_in_flight", "connect_timeout_ms", "read_timeout_ms", "udp_timeout_ms",
       "conversation_timeout_ms", "protocol_timeouts_ms", "retries", "max_read_bytes",
       "max_login_attempts", "max_scope_addresses", "blocklist", "opt_out", "scope_dir"}));
  ScanConfig& scan_config = config.scan;
  CITYWATCH_TRY(scan->str("contact_url", scan_config.contact_url));
  for (char c : scan_config.contact_url) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return scan->error(*scan->get("contact_url"), "contact_url must not hold control characters");
    }
  }
  CITYWATCH_TRY(scan->count("rate", scan_config.rate, 1, 1000000));
  CITYWATCH_TRY(scan->count("network_rate", scan_config.network_rate, 1, 1000000));
  CITYWATCH_TRY(scan->count("network_prefix_v4", scan_config.network_prefix_v4, 8, 32));
  CITYWATCH_TRY(scan->count("network_prefix_v6", scan_config.network_prefix_v6, 16, 128));
  CITYWATCH_TRY(scan->count("max_in_flight", scan_config.max_in_flight, 1, 100000));
  CITYWATCH_TRY(scan->count("connect_timeout_ms", scan_config.connect_timeout_ms, 10, 120000));
  CITYWATCH_TRY(scan->count("read_timeout_ms", scan_config.read_timeout_ms, 10, 120000));
  CITYWATCH_TRY(scan->count("udp_timeout_ms", scan_config.udp_timeout_ms, 10, 120000));
  CITYWATCH_TRY(
      scan->count("conversation_timeout_ms", scan_config.conversation_timeout_ms, 100, 600000));
  CITYWATCH_TRY(scan->count("retries", scan_config.retries, 0, 10));
  CITYWATCH_TRY(scan->count("max_read_bytes", scan_config.max_read_bytes, 1024, 64 * 1024 * 1024));
  CITYWATCH_TRY(scan->count("max_login_attempts", scan_config.max_login_attempts, 0, 100));
  CITYWATCH_TRY(scan->count("max_scope_addresses", scan_config.max_scope_addresses, 1, 16777216));
  if (const toml::node* node = scan->get("protocol_timeouts_ms")) {
    const toml::table* per = node->as_table();
    if (!per) {
      return scan->error(*node, "protocol_timeouts_ms must be a table, e.g. { telnet = 8000 }");
    }
    for (const auto& [proto, value] : *per) {
      if (!scanner::parse_protocol(proto.str())) {
        return scan->error(value,
                           "unknown protocol '" + std::string(proto.str()) +
                               "' in protocol_timeouts_ms (telnet, ftp, ssh, smtp, http, "
                               "https, tr-069, rtsp, mqtt, modbus, ssdp, coap, bacnet, snmp)");
      }
      auto ms = value.value_exact<std::int64_t>();
      if (!ms || *ms < 10 || *ms > 120000) {
        return scan->error(value, "a protocol timeout must be 10 to 120000 ms");
      }
      scan_config.protocol_timeouts_ms[std::string(proto.str())] = static_cast<std::size_t>(*ms);
    }
  }
  CITYWATCH_TRY(scan->file_path("blocklist", scan_config.blocklist));
  CITYWATCH_TRY(scan->file_path("opt_out", scan_config.opt_out));
  CITYWATCH_TRY(scan->file_path("scope_dir", scan_config.scope_dir));

  auto notify = section(root, "notify", "notify");
  if (!notify) return core::fail(notify.error());
  CITYWATCH_TRY(load_notify(*notify, config.notify));
  if (const toml::node* node = root.get("partner")) {
    const toml::array* list = node->as_array();
    if (!list) return top.error(*node, "partners are [[partner]] tables");
    std::set<std::string> names;
    for (const toml::node& item : *list) {
      const toml::table* t = item.as_table();
      if (!t) return top.error(item, "partners are [[partner]] tables");
      auto p = load_partner(Section(path, t, "partner", base), *t, config.notify.interval);
      if (!p) return core::fail(p.error());
      if (!names.insert(p->partner.name).second) {
        return top.error(item, "partner " + p->partner.name + " is defined twice");
      }
      config.notify.partners.push_back(std::move(*p));
    }
  }
  return config;
}

}  // namespace citywatch::app
