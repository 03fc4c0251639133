#include "app/list_commands.h"

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <memory>

#include "app/command.h"
#include "db/store.h"

namespace citywatch::app {
namespace {

Cell text(const std::string& s) { return s; }
Cell number(std::int64_t n) { return n; }
Cell time_cell(core::UnixSeconds t) { return t > 0 ? Cell(core::format_utc(t)) : Cell(); }
Cell real(const std::optional<double>& v) { return v ? Cell(*v) : Cell(); }
Cell rounded(double v) { return std::round(v * 100) / 100; }

}  // namespace

core::Result<int> run_devices(const Config& config, OutputFormat format,
                              const DeviceListOptions& options) {
  db::DeviceFilter filter;
  filter.district_code = options.district;
  if (!options.all) {
    if (options.in_city.empty()) {
      filter.in_city = {core::InCity::kYes, core::InCity::kPossibly};
    }
    for (const std::string& name : options.in_city) {
      auto v = core::parse_in_city(name);
      if (!v) {
        return core::fail(core::ErrorCode::kUsage,
                          "--in-city takes yes, no, possibly or unknown, not '" + name + "'");
      }
      filter.in_city.push_back(*v);
    }
  }
  auto store = db::Store::open(config.database_path, false);
  if (!store) return core::fail(store.error());
  // People get the columns that fit a screen; JSON and CSV get everything.
  bool table = format == OutputFormat::kTable;
  std::vector<std::string> columns =
      table ? std::vector<std::string>{"ip",          "risk_score",    "findings", "in_city",
                                       "district",    "district_name", "vendor",   "model",
                                       "device_type", "asn",           "org",      "services",
                                       "located_by",  "confidence",    "last_seen"}
            : std::vector<std::string>{"ip",
                                       "in_city",
                                       "district_code",
                                       "district_name",
                                       "city",
                                       "latitude",
                                       "longitude",
                                       "accuracy_km",
                                       "geo_method",
                                       "geo_confidence",
                                       "geo_note",
                                       "feed_city",
                                       "feed_in_city",
                                       "feed_geo_disagreements",
                                       "vendor",
                                       "model",
                                       "device_type",
                                       "firmware",
                                       "cpe",
                                       "asn",
                                       "org",
                                       "hostname",
                                       "services",
                                       "first_seen",
                                       "last_seen",
                                       "risk_score",
                                       "open_findings",
                                       "fingerprint_rule",
                                       "risk_explanation"};
  RowWriter out(format, columns);
  CITYWATCH_TRY(store->for_each_device(filter, [&](const db::DeviceRecord& d) {
    const core::Location& l = d.location;
    Cell asn = d.asn ? number(d.asn) : Cell();
    Cell confidence = l.located() ? rounded(l.confidence) : Cell();
    std::string in_city(core::to_string(l.in_city));
    std::string method(core::to_string(l.method));
    if (table) {
      out.row({text(d.ip.to_string()), number(d.risk_score), number(d.open_findings), text(in_city),
               text(l.district_code), text(l.district_name), text(d.vendor), text(d.model),
               text(d.device_type), asn, text(d.org), number(d.services),
               text(l.located() ? method : ""), confidence, time_cell(d.last_seen)});
      return;
    }
    out.row({text(d.ip.to_string()),
             text(in_city),
             text(l.district_code),
             text(l.district_name),
             text(l.city),
             real(l.latitude),
             real(l.longitude),
             real(l.accuracy_km),
             text(method),
             confidence,
             text(l.note),
             text(l.feed_city),
             l.feed_in_city == core::InCity::kUnknown
                 ? Cell()
                 : Cell(std::string(core::to_string(l.feed_in_city))),
             number(d.geo_disagreements),
             text(d.vendor),
             text(d.model),
             text(d.device_type),
             text(d.firmware),
             text(d.cpe),
             asn,
             text(d.org),
             text(d.hostname),
             number(d.services),
             time_cell(d.first_seen),
             time_cell(d.last_seen),
             number(d.risk_score),
             number(d.open_findings),
             text(d.fingerprint_rule),
             RawJson{d.risk_explanation}});
  }));
  out.finish();
  // Say what the default view leaves out, so nobody mistakes it for everything stored.
  if (!options.all && options.in_city.empty()) {
    db::DeviceFilter rest;
    rest.in_city = {core::InCity::kNo, core::InCity::kUnknown};
    rest.district_code = options.district;
    auto hidden = store->count_devices(rest);
    if (hidden && *hidden > 0 && options.district.empty()) {
      std::fprintf(stderr,
                   "%lld more devices are outside the city or could not be located; --all lists "
                   "them too\n",
                   static_cast<long long>(*hidden));
    }
  }
  return 0;
}

core::Result<int> run_services(const Config& config, OutputFormat format) {
  auto store = db::Store::open(config.database_path, false);
  if (!store) return core::fail(store.error());
  RowWriter out(format, {"ip", "port", "transport", "protocol", "product", "version", "cpe", "auth",
                         "vendor", "device_type", "first_seen", "last_seen"});
  CITYWATCH_TRY(store->for_each_service([&](const db::ServiceRecord& s) {
    out.row({text(s.ip.to_string()), number(s.port),
             text(std::string(core::to_string(s.transport))), text(s.protocol), text(s.product),
             text(s.version), text(s.cpe), text(s.auth), text(s.vendor), text(s.device_type),
             time_cell(s.first_seen), time_cell(s.last_seen)});
  }));
  out.finish();
  return 0;
}

void register_list_commands(Commands& commands) {
  auto options = std::make_shared<DeviceListOptions>();
  CLI::App* devices = commands.add(
      "devices",
      "list devices (one per address) with where they are; by default only those in the city "
      "or possibly in it",
      "citywatch devices --district WK051828\n  citywatch devices --all --format json | jq "
      ".in_city",
      [options](const Context& c) { return run_devices(c.config, c.format, *options); });
  devices->add_flag("--all", options->all,
                    "also devices outside the city and those that could not be located");
  devices
      ->add_option("--in-city", options->in_city,
                   "only devices whose in_city is one of these (yes, no, possibly, unknown)")
      ->delimiter(',');
  devices->add_option("--district", options->district,
                      "only devices in this district (CBS code, e.g. WK051828)");
  commands.add("services", "list services (address, port, transport)",
               "citywatch services --format csv > services.csv",
               [](const Context& c) { return run_services(c.config, c.format); });
}

}  // namespace citywatch::app
