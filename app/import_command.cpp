#include "app/import_command.h"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>

#include "app/command.h"
#include "app/import_pipeline.h"
#include "app/progress.h"
#include "core/json_writer.h"
#include "db/store.h"

namespace citywatch::app {
namespace {

void print_summary_text(const ImportOutcome& f, scanner::FeedKind kind) {
  const auto& t = f.totals;
  std::printf("%s %s%s\n", std::string(scanner::to_string(kind)).c_str(), f.path.c_str(),
              f.report_type.empty() ? "" : (" (" + f.report_type + ")").c_str());
  std::printf("  records read  %s\n", with_thousands(t.records_read).c_str());
  std::printf("  imported      %s new observations\n", with_thousands(t.imported).c_str());
  std::printf("  duplicates    %s (already stored; nothing added)\n",
              with_thousands(t.duplicates).c_str());
  std::printf("  rejected      %s\n", with_thousands(t.rejected).c_str());
  for (const auto& [reason, n] : f.reasons) {
    std::printf("    %-28s %s\n", reason.c_str(), with_thousands(n).c_str());
  }
  if (!t.reject_file.empty()) {
    std::printf("  rejected records are in %s\n", t.reject_file.c_str());
  }
  if (t.imported > 0) {
    std::printf(
        "  where         %s observations of devices in the city, %s possibly, %s outside, %s "
        "not locatable\n",
        with_thousands(f.located_in(core::InCity::kYes)).c_str(),
        with_thousands(f.located_in(core::InCity::kPossibly)).c_str(),
        with_thousands(f.located_in(core::InCity::kNo)).c_str(),
        with_thousands(f.located_in(core::InCity::kUnknown)).c_str());
    std::printf("  feed geo      %s times the feed's own location disagreed with ours\n",
                with_thousands(f.feed_disagreements).c_str());
  }
  std::printf("  fingerprinted %s observations\n", with_thousands(f.risk.fingerprinted).c_str());
  std::printf("  findings      %s new, %s seen again, %s reopened, %s fixed; %s devices scored\n",
              with_thousands(f.risk.opened).c_str(), with_thousands(f.risk.refreshed).c_str(),
              with_thousands(f.risk.reopened).c_str(), with_thousands(f.risk.fixed).c_str(),
              with_thousands(f.risk.devices_scored).c_str());
  for (const auto& note : f.notes) std::printf("  note: %s\n", note.c_str());
  if (f.fatal) {
    std::printf("  stopped early: %s\n", f.fatal->to_string().c_str());
  }
  double rate = f.seconds > 0 ? static_cast<double>(t.records_read) / f.seconds : 0;
  std::printf("  took %.2f s (%s records/s)\n", f.seconds,
              with_thousands(static_cast<std::uint64_t>(rate)).c_str());
}

void print_summary_json(const ImportOutcome& f, scanner::FeedKind kind) {
  core::JsonWriter w;
  w.begin_object()
      .field("source", scanner::to_string(kind))
      .field("file", f.path)
      .field("report_type", f.report_type)
      .field("records_read", static_cast<std::int64_t>(f.totals.records_read))
      .field("imported", static_cast<std::int64_t>(f.totals.imported))
      .field("duplicates", static_cast<std::int64_t>(f.totals.duplicates))
      .field("rejected", static_cast<std::int64_t>(f.totals.rejected));
  w.key("rejected_by_reason").begin_object();
  for (const auto& [reason, n] : f.reasons) w.field(reason, static_cast<std::int64_t>(n));
  w.end_object();
  w.key("findings")
      .begin_object()
      .field("fingerprinted", static_cast<std::int64_t>(f.risk.fingerprinted))
      .field("new", static_cast<std::int64_t>(f.risk.opened))
      .field("seen_again", static_cast<std::int64_t>(f.risk.refreshed))
      .field("reopened", static_cast<std::int64_t>(f.risk.reopened))
      .field("fixed", static_cast<std::int64_t>(f.risk.fixed))
      .field("devices_scored", static_cast<std::int64_t>(f.risk.devices_scored))
      .end_object();
  w.key("notes").begin_array();
  for (const auto& note : f.notes) w.value(note);
  w.end_array();
  w.key("located").begin_object();
  for (auto v :
       {core::InCity::kYes, core::InCity::kPossibly, core::InCity::kNo, core::InCity::kUnknown}) {
    w.field(core::to_string(v), static_cast<std::int64_t>(f.located_in(v)));
  }
  w.end_object();
  w.field("feed_geo_disagreements", static_cast<std::int64_t>(f.feed_disagreements));
  w.key("reject_file");
  f.totals.reject_file.empty() ? w.null() : w.value(f.totals.reject_file);
  w.key("error");
  f.fatal ? w.value(f.fatal->to_string()) : w.null();
  w.field("seconds", f.seconds).end_object();
  std::printf("%s\n", w.str().c_str());
}

}  // namespace

core::Result<int> run_import(const Config& config, const ImportRequest& request,
                             OutputFormat format) {
  auto store = db::Store::open(config.database_path, false);
  if (!store) return core::fail(store.error());
  core::SystemClock clock;
  auto pipeline = ImportPipeline::open(config, *store, clock);
  if (!pipeline) return core::fail(pipeline.error());
  int exit_code = 0;

  for (const std::string& path : request.files) {
    std::size_t printed = 0;
    std::string label = std::string(scanner::to_string(request.kind)) + " " +
                        (path == "-" ? std::string("stdin") : path);
    ProgressLine progress(label, "records");
    ImportCallbacks callbacks;
    callbacks.on_reject = [&](const core::Diagnostic& d) {
      if (printed++ < config.print_errors) {
        std::fprintf(stderr, "%s: %s%s%s\n", d.where.c_str(), d.reason.c_str(),
                     d.detail.empty() ? "" : ": ", d.detail.c_str());
      }
    };
    callbacks.on_progress = [&](const scanner::Progress& p) {
      progress.update(p.records, p.bytes_done, p.bytes_total);
    };
    auto outcome = pipeline->run({request.kind, path, "", request.report_type}, callbacks);
    progress.finish();
    if (!outcome) return core::fail(outcome.error());
    if (outcome->fatal) {
      std::fprintf(stderr, "%s\n", outcome->fatal->to_string().c_str());
      exit_code = std::max(exit_code, core::exit_code(outcome->fatal->code));
    } else if (outcome->totals.rejected > 0) {
      exit_code = std::max(exit_code, core::exit_code(core::ErrorCode::kBadInput));
    }
    if (format == OutputFormat::kJson) {
      print_summary_json(*outcome, request.kind);
    } else {
      print_summary_text(*outcome, request.kind);
    }
  }
  std::fflush(stdout);
  return exit_code;
}

void register_import_command(Commands& commands) {
  auto request = std::make_shared<ImportRequest>();
  auto kind = std::make_shared<std::string>();
  CLI::App* cmd = commands.add(
      "import",
      "import feed files: Shodan banners (JSON lines, search pages, host lookups), Shadowserver "
      "report CSVs, nmap XML. '-' reads stdin; .gz is read as it is",
      "citywatch import shadowserver 2024-05-01-scan_mqtt-nl-geo.csv\n  "
      "zcat banners.json.gz | citywatch import shodan -",
      [request, kind](const Context& context) {
        request->kind = *scanner::parse_feed_kind(*kind);
        return run_import(context.config, *request, context.format);
      });
  cmd->add_option("kind", *kind, "shodan, shadowserver or nmap")
      ->required()
      ->check(CLI::IsMember({"shodan", "shadowserver", "nmap"}));
  cmd->add_option("files", request->files, "files to import ('-' for stdin)")->required();
  cmd->add_option("--report-type", request->report_type,
                  "Shadowserver report type (e.g. scan_mqtt) when the file name does not say it");
}

}  // namespace citywatch::app
