// `citywatch vulndb import FILE...`: NVD CVE JSON (API 2.0 pages, single records) and the CISA
// KEV catalogue into the local vulnerability database the risk engine matches against.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "app/command.h"
#include "app/progress.h"
#include "db/store.h"
#include "db/vuln_store.h"
#include "risk/vuln_feed.h"

namespace citywatch::app {
namespace {

core::Result<std::string> read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::fail(core::ErrorCode::kNotFound, "cannot open the file", path);
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return core::fail(core::ErrorCode::kIo, "read failed", path);
  return buf.str();
}

core::Result<int> run_vulndb_import(const Context& c, const std::vector<std::string>& files) {
  auto store = db::Store::open(c.config.database_path, false);
  if (!store) return core::fail(store.error());
  int exit_code = 0;
  for (const auto& path : files) {
    auto started = std::chrono::steady_clock::now();
    auto text = read_whole(path);
    if (!text) {
      std::fprintf(stderr, "%s\n", text.error().to_string().c_str());
      exit_code = std::max(exit_code, core::exit_code(text.error().code));
      continue;
    }
    core::Diagnostics diag(c.config.print_errors);
    diag.set_listener([&](const core::Diagnostic& d, std::string_view) {
      if (diag.count() <= c.config.print_errors) {
        std::fprintf(stderr, "%s: %s: %s\n", d.where.c_str(), d.reason.c_str(), d.detail.c_str());
      }
    });
    auto tx = db::Transaction::begin(store->connection());
    if (!tx) return core::fail(tx.error());
    db::VulnStore vulns(store->connection());
    std::optional<core::Error> write_error;
    std::size_t cves = 0, matches = 0, kev = 0;
    ProgressLine progress("vulndb " + path, "records");
    risk::VulnFeedSinks sinks;
    sinks.cve = [&](core::CveRecord&& r) {
      if (write_error) return;
      if (auto w = vulns.put_cve(r); !w) write_error = w.error();
      ++cves;
      matches += r.matches.size();
      progress.update(cves, 0, 0);
    };
    sinks.kev = [&](core::KevEntry&& e) {
      if (write_error) return;
      if (auto w = vulns.put_kev(e); !w) write_error = w.error();
      ++kev;
      progress.update(kev, 0, 0);
    };
    auto summary = risk::parse_vuln_feed(*text, path, sinks, diag);
    progress.finish();
    if (write_error) return core::fail(*write_error);
    if (!summary) {
      std::fprintf(stderr, "%s\n", summary.error().to_string().c_str());
      exit_code = std::max(exit_code, core::exit_code(summary.error().code));
      continue;
    }
    CITYWATCH_TRY(tx->commit());
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::size_t n = summary->kind == risk::VulnFeedKind::kKev ? kev : cves;
    double rate = seconds > 0 ? static_cast<double>(n) / seconds : 0;
    if (summary->kind == risk::VulnFeedKind::kKev) {
      std::printf("%s: CISA KEV catalogue %s: %zu entries stored, %zu rejected (%.2f s, %s/s)\n",
                  path.c_str(), summary->catalog_version.c_str(), kev, diag.count(), seconds,
                  with_thousands(static_cast<std::uint64_t>(rate)).c_str());
    } else {
      std::printf(
          "%s: NVD: %zu CVE records with %zu vulnerable CPE matches stored, %zu rejected "
          "(%.2f s, %s/s)\n",
          path.c_str(), cves, matches, diag.count(), seconds,
          with_thousands(static_cast<std::uint64_t>(rate)).c_str());
    }
    if (diag.count() > 0) exit_code = std::max(exit_code, 65);
  }
  auto counts = db::VulnStore(store->connection()).counts();
  if (!counts) return core::fail(counts.error());
  std::printf("vulnerability database: %lld CVEs, %lld CPE matches, %lld KEV entries\n",
              static_cast<long long>(counts->cves), static_cast<long long>(counts->matches),
              static_cast<long long>(counts->kev));
  std::printf(
      "new imports are matched from now on; findings of stored devices update when "
      "their services are seen again\n");
  return exit_code;
}

}  // namespace

void register_vulndb_command(Commands& commands) {
  auto files = std::make_shared<std::vector<std::string>>();
  auto subs = std::make_shared<CLI::App*>(nullptr);
  CLI::App* cmd = commands.add(
      "vulndb", "the local vulnerability database (NVD CVE JSON, CISA KEV); subcommand: import",
      "citywatch vulndb import nvdcve-2.0-2024.json known_exploited_vulnerabilities.json",
      [files, subs](const Context& c) -> core::Result<int> {
        if (!(*subs)->parsed()) {
          return core::fail(core::ErrorCode::kUsage, "use `citywatch vulndb import FILE...`");
        }
        return run_vulndb_import(c, *files);
      });
  CLI::App* import = cmd->add_subcommand(
      "import",
      "import NVD CVE JSON files (API 2.0 pages or single records) and CISA's KEV "
      "catalogue; the kind is told from the content");
  add_example(import, "citywatch vulndb import CVE-2018-14847.json cisa_kev.json");
  import->add_option("files", *files, "JSON files")->required();
  *subs = import;
}

}  // namespace citywatch::app
