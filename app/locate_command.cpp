// `citywatch locate IP...`: where citywatch puts each address, one JSON object per line, with
// the same geolocator every import uses. '-' reads addresses from stdin, one per line.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>

#include "app/command.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "enrich/geolocator.h"

namespace citywatch::app {
namespace {

template <typename T>
void optional_field(core::JsonWriter& w, std::string_view key, const std::optional<T>& v) {
  w.key(key);
  if (v) {
    w.value(*v);
  } else {
    w.null();
  }
}

void text_or_null(core::JsonWriter& w, std::string_view key, const std::string& v) {
  w.key(key);
  if (v.empty()) {
    w.null();
  } else {
    w.value(v);
  }
}

std::string location_json(const std::string& ip, const core::Location& l) {
  core::JsonWriter w;
  w.begin_object().field("ip", ip).field("in_city", core::to_string(l.in_city));
  text_or_null(w, "district_code", l.district_code);
  text_or_null(w, "district_name", l.district_name);
  text_or_null(w, "city", l.city);
  optional_field(w, "lat", l.latitude);
  optional_field(w, "lon", l.longitude);
  optional_field(w, "accuracy_radius_km", l.accuracy_km);
  w.key("asn");
  l.asn ? w.value(static_cast<std::int64_t>(l.asn)) : w.null();
  text_or_null(w, "organisation", l.organisation);
  w.field("method", core::to_string(l.method));
  // Two decimals: more would claim a precision the estimate does not have.
  w.field("confidence",
          static_cast<double>(static_cast<long long>(l.confidence * 100 + 0.5)) / 100);
  text_or_null(w, "postal_code", l.postal_code);
  text_or_null(w, "region", l.region);
  text_or_null(w, "country_code", l.country_code);
  text_or_null(w, "note", l.note);
  w.end_object();
  return w.take();
}

core::Result<int> run_locate(const Context& context, const std::vector<std::string>& args) {
  core::SystemClock clock;
  auto geo = enrich::Geolocator::open(context.config.geo, clock);
  if (!geo) return core::fail(geo.error());
  int exit_code = 0;
  core::Location location;
  auto one = [&](std::string_view text) {
    std::string_view trimmed = core::trim(text);
    if (trimmed.empty()) return;
    auto ip = core::IpAddress::parse(trimmed);
    if (!ip) {
      std::fprintf(stderr, "citywatch: '%s' is not an IP address\n",
                   core::printable_excerpt(trimmed, 80).c_str());
      exit_code = core::exit_code(core::ErrorCode::kBadInput);
      return;
    }
    geo->locate(*ip, nullptr, location);
    std::printf("%s\n", location_json(ip->to_string(), location).c_str());
  };
  for (const std::string& arg : args) {
    if (arg != "-") {
      one(arg);
      continue;
    }
    std::string line;
    while (std::getline(std::cin, line)) {
      if (line.size() > 1024) line.resize(1024);  // an address is short; anything else is junk
      one(line);
    }
  }
  std::fflush(stdout);
  return exit_code;
}

}  // namespace

void register_locate_command(Commands& commands) {
  auto args = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = commands.add(
      "locate",
      "where is an address: in the city (yes/no/possibly), district, point, accuracy, AS, "
      "method and confidence; one JSON object per line",
      "citywatch --config deploy/citywatch.example.toml locate 145.53.0.1 2001:db8::1\n  "
      "cut -d, -f1 addresses.csv | citywatch locate -",
      [args](const Context& context) { return run_locate(context, *args); });
  cmd->add_option("addresses", *args, "IPv4 or IPv6 addresses ('-' reads one per line from stdin)")
      ->required();
}

}  // namespace citywatch::app
