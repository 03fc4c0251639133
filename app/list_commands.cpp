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
  // The explanation is long: JSON output carries it whole, the table only the score.
  bool full = format == OutputFormat::kJson;
  std::vector<std::string> columns{
      "ip",  "risk_score", "open_findings", "vendor",   "model",    "device_type", "firmware",
      "cpe", "asn",        "org",           "hostname", "services", "first_seen",  "last_seen"};
  if (full) {
    columns.push_back("fingerprint_rule");
    columns.push_back("risk_explanation");
  }
  RowWriter out(format, columns);
  CITYWATCH_TRY(store->for_each_device([&](const db::DeviceRecord& d) {
    std::vector<Cell> row{text(d.ip.to_string()),
                          number(d.risk_score),
                          number(d.open_findings),
                          text(d.vendor),
                          text(d.model),
                          text(d.device_type),
                          text(d.firmware),
                          text(d.cpe),
                          d.asn ? number(d.asn) : Cell(),
                          text(d.org),
                          text(d.hostname),
                          number(d.services),
                          time_cell(d.first_seen),
                          time_cell(d.last_seen)};
    if (full) {
      row.push_back(text(d.fingerprint_rule));
      row.push_back(RawJson{d.risk_explanation});
    }
    out.row(std::move(row));
  }));
  out.finish();
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
  commands.add("devices", "list devices (one per address)",
               "citywatch devices --format json | jq .vendor",
               [](const Context& c) { return run_devices(c.config, c.format); });
  commands.add("services", "list services (address, port, transport)",
               "citywatch services --format csv > services.csv",
               [](const Context& c) { return run_services(c.config, c.format); });
}

}  // namespace citywatch::app
