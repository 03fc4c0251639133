#include "app/import_pipeline.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "app/logging.h"

namespace citywatch::app {
namespace {

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
      logger("app")->warn("reject_file_unwritable path={} reason={}", path_,
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

}  // namespace

core::Result<ImportPipeline> ImportPipeline::open(const Config& config, db::Store& store,
                                                  const core::Clock& clock, Alerter* alerter) {
  auto ingest = Ingest::open(config, store, clock);
  if (!ingest) return core::fail(ingest.error());
  (*ingest)->alert_critical_findings(alerter);
  return ImportPipeline(config, std::move(*ingest));
}

core::Result<ImportOutcome> ImportPipeline::run(const ImportRequestFile& file,
                                                const ImportCallbacks& callbacks) {
  const Config& config = *config_;
  db::Store& store = ingest_->store();
  const core::Clock& clock = ingest_->clock();
  auto started = std::chrono::steady_clock::now();
  ImportOutcome outcome;
  outcome.path = !file.display_path.empty() ? file.display_path
                 : file.path == "-"         ? "stdin"
                                            : file.path;
  core::Source source = scanner::source_of(file.kind);
  auto import_id = store.begin_import(source, outcome.path, file.report_type, clock.now());
  if (!import_id) return core::fail(import_id.error());
  outcome.import_id = *import_id;

  RejectFile rejects(config.effective_reject_dir(), *import_id, outcome.path);
  core::Diagnostics diag(config.print_errors);
  diag.set_listener([&](const core::Diagnostic& d, std::string_view record) {
    if (callbacks.on_reject) callbacks.on_reject(d);
    rejects.write(d, record);
  });

  ObservationWriter writer(*ingest_, *import_id, config.import_chunk_size);
  scanner::ImportOptions options{
      file.report_type,
      [&] { return writer.error().has_value() || (callbacks.cancelled && callbacks.cancelled()); }};
  auto result = scanner::import_file(
      file.kind, file.path, options, [&](core::Observation&& o) { writer.add(std::move(o)); }, diag,
      callbacks.on_progress);
  writer.flush();

  outcome.report_type = result.report_type;
  outcome.fatal = result.fatal;
  outcome.notes = result.notes;
  outcome.cancelled = result.cancelled && !writer.error();
  outcome.totals.records_read = result.records;
  outcome.totals.imported = writer.imported();
  outcome.totals.duplicates = writer.duplicates();
  outcome.totals.rejected = diag.count();
  outcome.totals.reject_file = rejects.path();
  outcome.reasons = diag.by_reason();
  outcome.risk = writer.risk();
  for (std::size_t i = 0; i < outcome.located.size(); ++i) {
    outcome.located[i] = writer.located(static_cast<core::InCity>(i));
  }
  outcome.feed_disagreements = writer.feed_disagreements();
  outcome.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (const auto& store_error = writer.error()) {
    // The database refused a chunk (disk full, read-only, locked): committed chunks stay,
    // and importing the file again completes it without duplicates.
    (void)store.finish_import(*import_id, db::ImportStatus::kFailed, outcome.totals, clock.now());
    return core::fail(*store_error);
  }
  auto status = outcome.cancelled ? db::ImportStatus::kInterrupted
                : result.fatal    ? db::ImportStatus::kFailed
                                  : db::ImportStatus::kDone;
  CITYWATCH_TRY(store.finish_import(*import_id, status, outcome.totals, clock.now()));
  logger("app")->info(
      "import_done source={} file={} read={} imported={} duplicates={} rejected={} "
      "findings_new={} findings_fixed={}{}",
      scanner::to_string(file.kind), outcome.path, outcome.totals.records_read,
      outcome.totals.imported, outcome.totals.duplicates, outcome.totals.rejected,
      outcome.risk.opened, outcome.risk.fixed, outcome.cancelled ? " cancelled=true" : "");
  return outcome;
}

}  // namespace citywatch::app
