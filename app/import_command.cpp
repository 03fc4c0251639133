#include "app/import_command.h"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "app/command.h"
#include "app/observation_sink.h"
#include "app/progress.h"
#include "app/risk_pipeline.h"
#include "core/json_writer.h"
#include "db/store.h"

namespace citywatch::app {
namespace {

struct FileOutcome {
  std::string path;
  std::string report_type;
  db::ImportTotals totals;
  std::map<std::string, std::size_t> reasons;
  std::vector<std::string> notes;
  std::optional<core::Error> fatal;
  double seconds = 0;
  AssessCounts risk;
};

// Writes rejected records (already redacted) to one file per import, opened at the first one.
class RejectFile {
 public:
  RejectFile(std::string dir, std::int64_t import_id, const std::string& input)
      : dir_(std::move(dir)), import_id_(import_id), input_(input) {}

  void write(const core::Diagnostic& d, std::string_view record) {
    if (!open()) return;
    out_ << "# " << d.where << ": " << d.reason;
    if (!d.detail.empty()) out_ << ": " << d.detail;
    out_ << '\n' << record << '\n';
  }
  const std::string& path() const { return path_; }

 private:
  bool open() {
    if (out_.is_open()) return true;
    if (failed_) return false;
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    std::string base = input_ == "stdin" ? "stdin" : std::filesystem::path(input_).filename();
    path_ = (std::filesystem::path(dir_) /
             ("import-" + std::to_string(import_id_) + "-" + base + ".rejects"))
                .string();
    out_.open(path_, std::ios::out | std::ios::trunc);
    if (!out_) {
      spdlog::get("app")->warn("reject_file_unwritable path={} reason={}", path_,
                               ec ? ec.message() : "cannot create");
      failed_ = true;
      path_.clear();
      return false;
    }
    return true;
  }
  std::string dir_;
  std::int64_t import_id_;
  std::string input_;
  std::string path_;
  std::ofstream out_;
  bool failed_ = false;
};

void print_summary_text(const FileOutcome& f, scanner::FeedKind kind) {
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

void print_summary_json(const FileOutcome& f, scanner::FeedKind kind) {
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
  auto log = spdlog::get("app");
  auto store = db::Store::open(config.database_path, false);
  if (!store) return core::fail(store.error());
  // Rules and lists are validated before anything is read: a broken rule set stops the run.
  auto pipeline = RiskPipeline::create(config, *store);
  if (!pipeline) return core::fail(pipeline.error());
  core::SystemClock clock;
  std::string reject_dir =
      config.reject_dir.empty() ? config.database_path + ".rejects" : config.reject_dir;
  int exit_code = 0;

  for (const std::string& path : request.files) {
    auto started = std::chrono::steady_clock::now();
    FileOutcome outcome;
    outcome.path = path == "-" ? "stdin" : path;
    core::Source source = scanner::source_of(request.kind);
    auto import_id = store->begin_import(source, outcome.path, request.report_type, clock.now());
    if (!import_id) return core::fail(import_id.error());

    RejectFile rejects(reject_dir, *import_id, outcome.path);
    core::Diagnostics diag(config.print_errors);
    diag.set_listener([&](const core::Diagnostic& d, std::string_view record) {
      if (diag.count() <= config.print_errors) {
        std::fprintf(stderr, "%s: %s%s%s\n", d.where.c_str(), d.reason.c_str(),
                     d.detail.empty() ? "" : ": ", d.detail.c_str());
      }
      rejects.write(d, record);
    });

    ObservationSink sink(*store, **pipeline, *import_id, config.import_chunk_size);
    ProgressLine progress(std::string(scanner::to_string(request.kind)) + " " + outcome.path,
                          "records");
    scanner::ImportOptions options{request.report_type};
    auto result = scanner::import_file(
        request.kind, path, options, [&](core::Observation&& o) { sink.add(std::move(o)); }, diag,
        [&](const scanner::Progress& p) {
          progress.update(p.records, p.bytes_done, p.bytes_total);
        });
    sink.flush();
    progress.finish();
    outcome.totals.imported = sink.inserted();
    outcome.totals.duplicates = sink.duplicates();
    outcome.risk = sink.risk();
    if (const auto& store_error = sink.error()) {
      // The database refused a chunk (disk full, read-only, locked): committed chunks stay,
      // and re-running the import completes it without duplicates.
      (void)store->finish_import(*import_id, db::ImportStatus::kFailed, outcome.totals,
                                 clock.now());
      return core::fail(*store_error);
    }
    outcome.report_type = result.report_type;
    outcome.fatal = result.fatal;
    outcome.notes = result.notes;
    outcome.totals.records_read = result.records;
    outcome.totals.rejected = diag.count();
    outcome.totals.reject_file = rejects.path();
    outcome.reasons = diag.by_reason();
    outcome.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    auto status = result.fatal ? db::ImportStatus::kFailed : db::ImportStatus::kDone;
    CITYWATCH_TRY(store->finish_import(*import_id, status, outcome.totals, clock.now()));
    log->info("import_done source={} file={} read={} imported={} duplicates={} rejected={}",
              scanner::to_string(request.kind), outcome.path, outcome.totals.records_read,
              outcome.totals.imported, outcome.totals.duplicates, outcome.totals.rejected);
    if (result.fatal) {
      std::fprintf(stderr, "%s\n", result.fatal->to_string().c_str());
      int code = core::exit_code(result.fatal->code);
      exit_code = std::max(exit_code, code);
    } else if (diag.count() > 0) {
      exit_code = std::max(exit_code, core::exit_code(core::ErrorCode::kBadInput));
    }
    if (format == OutputFormat::kJson) {
      print_summary_json(outcome, request.kind);
    } else {
      print_summary_text(outcome, request.kind);
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
