// `citywatch rules check`: loads and validates the fingerprint rules and the credential and
// end-of-life lists, runs every rule's test case through the whole engine and prints what it
// found. Exit 78 when anything is broken, as every other command would.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "app/command.h"
#include "app/data_dir.h"
#include "app/risk_pipeline.h"
#include "core/text.h"

namespace citywatch::app {
namespace {

core::Result<int> run_check(const Context& c) {
  auto data = load_risk_data(c.config);
  if (!data) return core::fail(data.error());
  const auto& fp = data->fingerprinter;
  std::size_t failed = 0;
  for (const auto& rule : fp.rules()) {
    core::Fingerprint got = fp.identify(rule.test);
    auto differs = [](const std::string& want, const std::string& have) {
      return !want.empty() && !core::iequals(want, have);
    };
    std::string problem;
    if (differs(rule.expect.vendor, got.vendor)) problem += " vendor=" + got.vendor;
    if (differs(rule.expect.device_type, got.device_type)) problem += " type=" + got.device_type;
    if (differs(rule.expect.model, got.model)) problem += " model=" + got.model;
    if (differs(rule.expect.version, got.version)) problem += " version=" + got.version;
    if (differs(rule.expect.cpe, got.cpe)) problem += " cpe=" + got.cpe;
    if (!problem.empty()) {
      ++failed;
      std::fprintf(stderr, "%s: test case gives%s (decided by %s)\n", rule.where.c_str(),
                   problem.c_str(), got.rule_id.c_str());
    }
  }
  std::printf(
      "%zu fingerprint rules from %zu vendors in %s/fingerprints; %zu test cases "
      "failed\n",
      fp.rules().size(), fp.vendor_count(), data_dir(c.config).c_str(), failed);
  std::printf("%zu default credentials, %zu end-of-life entries\n", data->credentials.size(),
              data->eol.size());
  return failed ? core::exit_code(core::ErrorCode::kConfig) : 0;
}

}  // namespace

void register_rules_command(Commands& commands) {
  auto subs = std::make_shared<CLI::App*>(nullptr);
  CLI::App* cmd =
      commands.add("rules", "the shipped fingerprint rules and lists; subcommand: check",
                   "citywatch rules check", [subs](const Context& c) -> core::Result<int> {
                     if (!(*subs)->parsed())
                       return core::fail(core::ErrorCode::kUsage, "use `rules check`");
                     return run_check(c);
                   });
  *subs = cmd->add_subcommand("check",
                              "validate every rule and list file and run each rule's test case");
  add_example(*subs, "CITYWATCH_DATA_DIR=./data citywatch rules check");
}

}  // namespace citywatch::app
