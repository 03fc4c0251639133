#include "app/list_commands.h"

#include "app/command.h"
#include "db/store.h"

namespace citywatch::app {
namespace {

Cell text(const std::string& s) { return s; }
Cell number(std::int64_t n) { return n; }
Cell time_cell(core::UnixSeconds t) { return t > 0 ? Cell(core::format_utc(t)) : Cell(); }

}  // namespace

core::Result<int> run_devices(const Config& config, OutputFormat format) {
  auto store = db::Store::open(config.database_path, false);
  if (!store) return core::fail(store.error());
  RowWriter out(format, {"ip", "vendor", "model", "device_type", "firmware", "cpe", "asn", "org",
                         "hostname", "services", "first_seen", "last_seen"});
  CITYWATCH_TRY(store->for_each_device([&](const db::DeviceRecord& d) {
    out.row({text(d.ip.to_string()), text(d.vendor), text(d.model), text(d.device_type),
             text(d.firmware), text(d.cpe), d.asn ? number(d.asn) : Cell(), text(d.org),
             text(d.hostname), number(d.services), time_cell(d.first_seen),
             time_cell(d.last_seen)});
  }));
  out.finish();
  return 0;
}

core::Result<int> run_services(const Config& config, OutputFormat format) {
  auto store = db::Store::open(config.database_path, false);
  if (!store) return core::fail(store.error());
  RowWriter out(format, {"ip", "port", "transport", "protocol", "product", "version", "cpe", "auth",
                         "first_seen", "last_seen"});
  CITYWATCH_TRY(store->for_each_service([&](const db::ServiceRecord& s) {
    out.row({text(s.ip.to_string()), number(s.port),
             text(std::string(core::to_string(s.transport))), text(s.protocol), text(s.product),
             text(s.version), text(s.cpe), text(s.auth), time_cell(s.first_seen),
             time_cell(s.last_seen)});
  }));
  out.finish();
  return 0;
}

void register_list_commands(Commands& commands) {
  commands.add("devices", "list devices (one per address)",
               "citywatch devices --format json | jq .vendor",
               [](const Context& c) { return run_devices(c.config, c.format); });
  commands.add("services", "list services (address, port, transport)",
               "citywatch services --format csv > services.csv",
               [](const Context& c) { return run_services(c.config, c.format); });
}

}  // namespace citywatch::app
