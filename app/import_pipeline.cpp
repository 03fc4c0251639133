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

ImportHooks make_import_hooks(const Config&, Alerter*) { return {}; }

core::Result<ImportOutcome> ImportPipeline::run(const ImportRequestFile& file,
                                                const ImportCallbacks& callbacks) {
  auto started = std::chrono::steady_clock::now();
  ImportOutcome outcome;
  outcome.path = !file.display_path.empty() ? file.display_path
                 : file.path == "-"         ? "stdin"
                                            : file.path;
  core::Source source = scanner::source_of(file.kind);
  auto import_id = store_.begin_import(source, outcome.path, file.report_type, clock_.now());
  if (!import_id) return core::fail(import_id.error());
  outcome.import_id = *import_id;

  RejectFile rejects(config_.effective_reject_dir(), *import_id, outcome.path);
  core::Diagnostics diag(config_.print_errors);
  diag.set_listener([&](const core::Diagnostic& d, std::string_view record) {
    if (callbacks.on_reject) callbacks.on_reject(d);
    rejects.write(d, record);
  });

  std::vector<core::Observation> chunk;
  chunk.reserve(config_.import_chunk_size);
  std::optional<core::Error> store_error;
  auto flush = [&]() {
    if (chunk.empty() || store_error) return;
    if (hooks_.before_write) hooks_.before_write(chunk);
    auto counts = store_.write_chunk(chunk, *import_id);
    if (!counts) {
      store_error = counts.error();
      return;
    }
    outcome.totals.imported += counts->inserted;
    outcome.totals.duplicates += counts->duplicates;
    if (hooks_.after_write) {
      if (auto after = hooks_.after_write(store_, chunk); !after) {
        store_error = after.error();
        return;
      }
    }
    chunk.clear();
  };
  scanner::ImportOptions options{
      file.report_type,
      [&] { return store_error.has_value() || (callbacks.cancelled && callbacks.cancelled()); }};
  auto result = scanner::import_file(
      file.kind, file.path, options,
      [&](core::Observation&& o) {
        chunk.push_back(std::move(o));
        if (chunk.size() >= config_.import_chunk_size) flush();
      },
      diag, callbacks.on_progress);
  flush();

  outcome.report_type = result.report_type;
  outcome.fatal = result.fatal;
  outcome.notes = result.notes;
  outcome.cancelled = result.cancelled && !store_error;
  outcome.totals.records_read = result.records;
  outcome.totals.rejected = diag.count();
  outcome.totals.reject_file = rejects.path();
  outcome.reasons = diag.by_reason();
  outcome.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (store_error) {
    // The database refused a chunk (disk full, read-only, locked): committed chunks stay,
    // and importing the file again completes it without duplicates.
    (void)store_.finish_import(*import_id, db::ImportStatus::kFailed, outcome.totals, clock_.now());
    return core::fail(*store_error);
  }
  auto status = outcome.cancelled ? db::ImportStatus::kInterrupted
                : result.fatal    ? db::ImportStatus::kFailed
                                  : db::ImportStatus::kDone;
  CITYWATCH_TRY(store_.finish_import(*import_id, status, outcome.totals, clock_.now()));
  logger("app")->info(
      "import_done source={} file={} read={} imported={} duplicates={} rejected={}{}",
      scanner::to_string(file.kind), outcome.path, outcome.totals.records_read,
      outcome.totals.imported, outcome.totals.duplicates, outcome.totals.rejected,
      outcome.cancelled ? " cancelled=true" : "");
  return outcome;
}

}  // namespace citywatch::app
