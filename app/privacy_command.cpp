// `citywatch privacy export|erase|reapply IP`: data-subject requests (GDPR articles 15 and
// 17) for one address. Both are audited. Erasure also removes the address's records from the
// reject files, and is noted in "<database>.erasures" so that `privacy reapply` can erase again
// after a backup from before the request was restored.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "app/auth.h"
#include "app/command.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "db/privacy.h"
#include "db/store.h"
#include "db/users.h"

namespace citywatch::app {
namespace {

namespace fs = std::filesystem;

struct PrivacyArgs {
  std::string ip;
  std::string output;
  bool yes = false;
};

// Whether text mentions the address as a whole token ("192.0.2.1" is not in "192.0.2.10").
bool mentions(std::string_view text, const std::string& ip) {
  auto boundary = [](char c) {
    return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
             c == '.' || c == ':');
  };
  for (std::size_t pos = core::ifind(text, ip); pos != std::string::npos;
       pos = core::ifind(text, ip, pos + 1)) {
    bool before = pos == 0 || boundary(text[pos - 1]);
    bool after = pos + ip.size() >= text.size() || boundary(text[pos + ip.size()]);
    if (before && after) return true;
  }
  return false;
}

// Rewrites each reject file without the records that mention ip. A record is a "# where:
// reason" line and the lines up to the next such line. Returns records removed.
core::Result<std::int64_t> scrub_reject_files(const std::string& dir, const std::string& ip) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return std::int64_t{0};
  std::int64_t removed = 0;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".rejects") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string kept, block, line;
    bool changed = false;
    auto flush = [&]() {
      if (block.empty()) return;
      if (mentions(block, ip)) {
        ++removed;
        changed = true;
      } else {
        kept += block;
      }
      block.clear();
    };
    while (std::getline(in, line)) {
      if (line.starts_with("# ") && line.find(": ") != std::string::npos) flush();
      block += line + "\n";
    }
    flush();
    in.close();
    if (!changed) continue;
    fs::path tmp = entry.path().string() + ".tmp";
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << kept;
    out.close();
    if (!out) return core::fail(core::ErrorCode::kIo, "cannot rewrite", entry.path().string());
    fs::rename(tmp, entry.path(), ec);
    if (ec)
      return core::fail(core::ErrorCode::kIo, "cannot replace: " + ec.message(),
                        entry.path().string());
  }
  return removed;
}

core::Result<void> audit(db::Store& store, const std::string& action, const std::string& ip,
                         const std::string& detail) {
  db::AuditEntry e;
  e.at = core::SystemClock().now();
  e.actor = cli_actor();
  e.role = "cli";
  e.action = action;
  e.object = ip;
  e.detail = detail;
  return db::append_audit(store.connection(), {e});
}

core::Result<core::IpAddress> parse_ip(const std::string& text) {
  auto ip = core::IpAddress::parse(text);
  if (!ip) return core::fail(core::ErrorCode::kUsage, "'" + text + "' is not an IP address");
  return *ip;
}

core::Result<int> run_export(const Context& c, const PrivacyArgs& a) {
  auto ip = parse_ip(a.ip);
  if (!ip) return core::fail(ip.error());
  auto store = db::Store::open(c.config.database_path, false);
  if (!store) return core::fail(store.error());
  auto json = db::export_address(store->connection(), *ip, core::SystemClock().now());
  if (!json) return core::fail(json.error());
  CITYWATCH_TRY(audit(*store, "privacy.export", ip->to_string(), ""));
  if (a.output.empty()) {
    std::printf("%s\n", json->c_str());
  } else {
    std::ofstream out(a.output, std::ios::binary | std::ios::trunc);
    out << *json << '\n';
    out.close();
    if (!out) return core::fail(core::ErrorCode::kIo, "cannot write the export", a.output);
    std::fprintf(stderr, "wrote %s\n", a.output.c_str());
  }
  return 0;
}

core::Result<db::Erasure> erase_one(const Context& c, db::Store& store, const core::IpAddress& ip,
                                    std::int64_t& reject_records) {
  auto erased = db::erase_address(store.connection(), ip);
  if (!erased) return core::fail(erased.error());
  auto scrubbed = scrub_reject_files(c.config.effective_reject_dir(), ip.to_string());
  if (!scrubbed) return core::fail(scrubbed.error());
  reject_records = *scrubbed;
  return erased;
}

core::Result<int> run_erase(const Context& c, const PrivacyArgs& a) {
  auto ip = parse_ip(a.ip);
  if (!ip) return core::fail(ip.error());
  if (!a.yes) {
    return core::fail(core::ErrorCode::kUsage,
                      "erasure cannot be undone; run again with --yes to erase " + ip->to_string());
  }
  auto store = db::Store::open(c.config.database_path, false);
  if (!store) return core::fail(store.error());
  std::int64_t rejects = 0;
  auto erased = erase_one(c, *store, *ip, rejects);
  if (!erased) return core::fail(erased.error());
  core::JsonWriter detail;
  detail.begin_object();
  for (const auto& [table, n] : erased->rows) detail.field(table, n);
  detail.field("reject_records", rejects).end_object();
  CITYWATCH_TRY(audit(*store, "privacy.erase", ip->to_string(), detail.str()));
  {
    std::ofstream journal(c.config.database_path + ".erasures", std::ios::app);
    journal << core::format_utc(core::SystemClock().now()) << ' ' << ip->to_string() << '\n';
  }
  if (c.format == OutputFormat::kJson) {
    std::printf("%s\n", detail.str().c_str());
  } else {
    std::printf("erased %s:", ip->to_string().c_str());
    for (const auto& [table, n] : erased->rows)
      std::printf(" %s %lld,", table.c_str(), static_cast<long long>(n));
    std::printf(" reject-file records %lld\n", static_cast<long long>(rejects));
    std::printf(
        "New observations of this address from feeds will be stored again; add it to "
        "the scanner's opt-out list if it must not be.\n");
  }
  return 0;
}

core::Result<int> run_reapply(const Context& c) {
  std::ifstream journal(c.config.database_path + ".erasures");
  if (!journal) {
    std::printf("no erasures recorded (%s.erasures)\n", c.config.database_path.c_str());
    return 0;
  }
  auto store = db::Store::open(c.config.database_path, false);
  if (!store) return core::fail(store.error());
  std::string when, text;
  std::int64_t addresses = 0, rows = 0;
  while (journal >> when >> text) {
    auto ip = core::IpAddress::parse(text);
    if (!ip) continue;
    std::int64_t rejects = 0;
    auto erased = erase_one(c, *store, *ip, rejects);
    if (!erased) return core::fail(erased.error());
    ++addresses;
    rows += erased->total() + rejects;
  }
  CITYWATCH_TRY(audit(
      *store, "privacy.reapply", "",
      "{\"addresses\":" + std::to_string(addresses) + ",\"rows\":" + std::to_string(rows) + "}"));
  std::printf("re-applied %lld erasures; %lld rows removed\n", static_cast<long long>(addresses),
              static_cast<long long>(rows));
  return 0;
}

}  // namespace

void register_privacy_command(Commands& commands) {
  auto a = std::make_shared<PrivacyArgs>();
  CLI::App* cmd = commands.add(
      "privacy", "data-subject requests for one address: export (access), erase, reapply",
      "citywatch privacy export 192.0.2.10 --output request-2024-17.json", nullptr);
  cmd->require_subcommand(1);
  CLI::App* exp = cmd->add_subcommand("export", "everything stored about an address, as JSON");
  exp->add_option("ip", a->ip, "the address")->required();
  exp->add_option("--output", a->output, "write to this file instead of stdout");
  add_example(exp, "citywatch privacy export 2001:db8::7");
  CLI::App* erase = cmd->add_subcommand("erase", "delete everything stored about an address");
  erase->add_option("ip", a->ip, "the address")->required();
  erase->add_flag("--yes", a->yes, "confirm: erasure cannot be undone");
  add_example(erase, "citywatch privacy erase 192.0.2.10 --yes");
  CLI::App* reapply = cmd->add_subcommand(
      "reapply", "erase again every address in <database>.erasures (after restoring a backup)");
  add_example(reapply, "citywatch privacy reapply");
  commands.set_run(cmd, [a, exp, erase](const Context& c) -> core::Result<int> {
    if (exp->parsed()) return run_export(c, *a);
    if (erase->parsed()) return run_erase(c, *a);
    return run_reapply(c);
  });
}

}  // namespace citywatch::app
