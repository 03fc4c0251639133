// app/command.h: how commands plug into the CLI. Each command lives in its own file and has a
// register function that adds its CLI11 subcommand (options, help, example) and the function
// that runs it; cli.cpp only parses and dispatches. Adding a command touches one line there.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/logging.h"
#include "app/output.h"
#include "core/result.h"

namespace CLI {
class App;
}

namespace citywatch::app {

// What every command gets once the command line and the configuration are read.
struct Context {
  Config config;
  OutputFormat format = OutputFormat::kTable;
  LogFormat log_format = LogFormat::kText;
  bool verbose = false;
  std::string db_override;  // --db, re-applied when the daemon reloads its configuration
};

// The exit code when the command ran to its end (0, or e.g. 65 when some records were bad);
// an Error when it could not, which cli.cpp prints and maps to an exit code.
using CommandFn = std::function<core::Result<int>(const Context&)>;

struct Command {
  CLI::App* cli = nullptr;
  CommandFn run;
};

class Commands {
 public:
  explicit Commands(CLI::App& root) : root_(root) {}
  // Adds a subcommand with its description and an example line for --help; under parent
  // (e.g. `geodb fetch`) when given.
  CLI::App* add(const std::string& name, const std::string& description, const std::string& example,
                CommandFn run, CLI::App* parent = nullptr);
  CLI::App& root() { return root_; }
  // Sets the run function later, for commands whose subcommands are made after add().
  void set_run(CLI::App* cmd, CommandFn run);
  // The command the user chose, after parsing.
  const Command* chosen() const;

 private:
  CLI::App& root_;
  std::vector<Command> commands_;
};

void add_example(CLI::App* cmd, const std::string& example);

// One per command file.
void register_init_command(Commands& commands);
void register_import_command(Commands& commands);
void register_list_commands(Commands& commands);
void register_findings_command(Commands& commands);
void register_vulndb_command(Commands& commands);
void register_rules_command(Commands& commands);
void register_locate_command(Commands& commands);
void register_geodb_command(Commands& commands);
void register_capture_command(Commands& commands);
void register_serve_command(Commands& commands);
void register_tokens_command(Commands& commands);
void register_users_command(Commands& commands);
void register_privacy_command(Commands& commands);
void register_backup_command(Commands& commands);

}  // namespace citywatch::app
