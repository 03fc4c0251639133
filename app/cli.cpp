#include "app/cli.h"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "app/command.h"
#include "app/config.h"
#include "app/logging.h"
#include "app/output.h"

namespace citywatch::app {
namespace {

constexpr int kUsageExit = 64;

int report(const core::Error& error) {
  std::fprintf(stderr, "citywatch: %s\n", error.to_string().c_str());
  return core::exit_code(error.code);
}

}  // namespace

void add_example(CLI::App* cmd, const std::string& example) {
  cmd->footer("\nExample:\n  " + example);
}

CLI::App* Commands::add(const std::string& name, const std::string& description,
                        const std::string& example, CommandFn run, CLI::App* parent) {
  CLI::App* cmd = (parent ? *parent : root_).add_subcommand(name, description);
  add_example(cmd, example);
  commands_.push_back({cmd, std::move(run)});
  return cmd;
}

void Commands::set_run(CLI::App* cmd, CommandFn run) {
  for (auto& c : commands_) {
    if (c.cli == cmd) c.run = std::move(run);
  }
}

const Command* Commands::chosen() const {
  for (const auto& c : commands_) {
    if (c.cli->parsed()) return &c;
  }
  return nullptr;
}

int run(int argc, char** argv) {
  CLI::App app{
      "citywatch: finds the insecure internet-connected devices in a city and gets their owners "
      "told.\nSee README.md for the whole picture."};
  app.require_subcommand(1);
  app.fallthrough();
  std::string config_path, db_path, log_format = "text", format = "table";
  bool verbose = false;
  app.add_option("--config", config_path, "TOML configuration (default: built-in defaults)")
      ->envname("CITYWATCH_CONFIG");
  app.add_option("--db", db_path, "database file; overrides [database] path in the config")
      ->envname("CITYWATCH_DB");
  app.add_option("--log-format", log_format, "log lines on stderr: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--format", format, "output: table, json (one object per line) or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  app.add_flag("-v,--verbose", verbose, "debug logging");
  add_example(&app,
              "citywatch --db city.db init && citywatch --db city.db import shodan "
              "banners.json.gz && citywatch --db city.db devices");

  Commands commands(app);
  register_init_command(commands);
  register_import_command(commands);
  register_list_commands(commands);
  register_findings_command(commands);
  register_vulndb_command(commands);
  register_rules_command(commands);
  register_locate_command(commands);
  register_geodb_command(commands);
  register_capture_command(commands);
  register_serve_command(commands);
  register_tokens_command(commands);
  register_users_command(commands);
  register_privacy_command(commands);
  register_backup_command(commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kUsageExit;
  }

  auto parsed_log_format = parse_log_format(log_format);
  if (!parsed_log_format) return report(parsed_log_format.error());
  setup_logging(*parsed_log_format, LogLevel::kWarn, verbose);

  try {
    Context context;
    context.verbose = verbose;
    context.log_format = *parsed_log_format;
    context.db_override = db_path;
    if (!config_path.empty()) {
      auto loaded = load_config(config_path);
      if (!loaded) return report(loaded.error());
      context.config = *loaded;
    }
    if (!db_path.empty()) context.config.database_path = db_path;
    auto parsed_format = parse_output_format(format);
    if (!parsed_format) return report(parsed_format.error());
    context.format = *parsed_format;

    const Command* command = commands.chosen();
    if (!command) return kUsageExit;
    auto result = command->run(context);
    if (!result) return report(result.error());
    return *result;
  } catch (const std::exception& e) {
    spdlog::critical("internal_error what={}", e.what());
    std::fprintf(stderr, "citywatch: internal error: %s (please report this)\n", e.what());
    return 70;
  }
}

}  // namespace citywatch::app
