#include "app/cli.h"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "app/config.h"
#include "app/import_command.h"
#include "app/list_commands.h"
#include "app/logging.h"
#include "app/output.h"
#include "db/migrations.h"
#include "db/store.h"

namespace citywatch::app {
namespace {

constexpr int kUsageExit = 64;

struct GlobalOptions {
  std::string config_path;
  std::string db_path;
  std::string log_format = "text";
  std::string format = "table";
  bool verbose = false;
};

void add_example(CLI::App* cmd, const std::string& example) {
  cmd->footer("\nExample:\n  " + example);
}

core::Result<int> run_init(const Config& config) {
  auto store = db::Store::open(config.database_path, true);
  if (!store) return core::fail(store.error());
  int before = store->version_before_open();
  int now = db::latest_schema_version();
  if (before == 0) {
    std::printf("created %s (schema version %d)\n", config.database_path.c_str(), now);
  } else if (before < now) {
    std::printf("upgraded %s from schema version %d to %d\n", config.database_path.c_str(), before,
                now);
  } else {
    std::printf("%s is up to date (schema version %d)\n", config.database_path.c_str(), now);
  }
  return 0;
}

int report(const core::Error& error) {
  std::fprintf(stderr, "citywatch: %s\n", error.to_string().c_str());
  return core::exit_code(error.code);
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{
      "citywatch: finds the insecure internet-connected devices in a city and gets their owners "
      "told.\nSee README.md and docs/ for the whole picture."};
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions g;
  app.add_option("--config", g.config_path, "TOML configuration (default: built-in defaults)")
      ->envname("CITYWATCH_CONFIG");
  app.add_option("--db", g.db_path, "database file; overrides [database] path in the config")
      ->envname("CITYWATCH_DB");
  app.add_option("--log-format", g.log_format, "log lines on stderr: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--format", g.format, "output: table, json (one object per line) or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  app.add_flag("-v,--verbose", g.verbose, "debug logging");
  add_example(&app,
              "citywatch --db city.db init && citywatch --db city.db import shodan "
              "banners.json.gz && citywatch --db city.db devices");

  auto* init = app.add_subcommand("init", "create the database, or upgrade it to this version");
  add_example(init, "citywatch --db citywatch.db init");

  ImportRequest import_request;
  std::string kind;
  auto* import = app.add_subcommand(
      "import",
      "import feed files: Shodan banners (JSON lines, search pages, host lookups), Shadowserver "
      "report CSVs, nmap XML. '-' reads stdin; .gz is read as it is");
  import->add_option("kind", kind, "shodan, shadowserver or nmap")
      ->required()
      ->check(CLI::IsMember({"shodan", "shadowserver", "nmap"}));
  import->add_option("files", import_request.files, "files to import ('-' for stdin)")->required();
  import->add_option("--report-type", import_request.report_type,
                     "Shadowserver report type (e.g. scan_mqtt) when the file name does not "
                     "say it");
  add_example(import,
              "citywatch import shadowserver 2024-05-01-scan_mqtt-nl-geo.csv\n  "
              "zcat banners.json.gz | citywatch import shodan -");

  auto* devices = app.add_subcommand("devices", "list devices (one per address)");
  add_example(devices, "citywatch devices --format json | jq .vendor");
  auto* services = app.add_subcommand("services", "list services (address, port, transport)");
  add_example(services, "citywatch services --format csv > services.csv");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kUsageExit;
  }

  auto log_format = parse_log_format(g.log_format);
  if (!log_format) return report(log_format.error());
  setup_logging(*log_format, LogLevel::kWarn, g.verbose);

  try {
    Config config;
    if (!g.config_path.empty()) {
      auto loaded = load_config(g.config_path);
      if (!loaded) return report(loaded.error());
      config = *loaded;
    }
    if (!g.db_path.empty()) config.database_path = g.db_path;
    auto format = parse_output_format(g.format);
    if (!format) return report(format.error());

    core::Result<int> result = 0;
    if (*init) {
      result = run_init(config);
    } else if (*import) {
      import_request.kind = *scanner::parse_feed_kind(kind);
      result = run_import(config, import_request, *format);
    } else if (*devices) {
      result = run_devices(config, *format);
    } else if (*services) {
      result = run_services(config, *format);
    }
    if (!result) return report(result.error());
    return *result;
  } catch (const std::exception& e) {
    spdlog::critical("internal_error what={}", e.what());
    std::fprintf(stderr, "citywatch: internal error: %s (please report this)\n", e.what());
    return 70;
  }
}

}  // namespace citywatch::app
