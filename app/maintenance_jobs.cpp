// The maintenance jobs: the retention purge and the feed-staleness check.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "app/alerts.h"
#include "app/jobs.h"
#include "app/logging.h"
#include "app/metrics.h"
#include "core/json_writer.h"
#include "db/queries.h"
#include "db/retention.h"

namespace citywatch::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Deletes regular files under dir (recursively) last written before `before`.
std::int64_t delete_older_files(const fs::path& dir, core::UnixSeconds before) {
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) return 0;
  std::int64_t deleted = 0;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    auto written = fs::last_write_time(it->path(), ec);
    if (ec) continue;
    auto t = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::file_clock::to_sys(written).time_since_epoch())
                 .count();
    if (t < before && fs::remove(it->path(), ec)) ++deleted;
  }
  return deleted;
}

}  // namespace

core::Result<JobResult> run_retention(JobContext& ctx) {
  const RetentionConfig& r = ctx.config.retention;
  const core::UnixSeconds now = ctx.clock.now();
  db::RetentionCutoffs cutoffs;
  cutoffs.now = now;
  cutoffs.observations_before = now - r.observation_days * 86400;
  cutoffs.devices_before = now - r.device_days * 86400;
  cutoffs.audit_before = now - r.audit_days * 86400;
  cutoffs.job_runs_before = now - r.job_run_days * 86400;
  auto purged = db::apply_retention(ctx.store.connection(), cutoffs, ctx.stopping);
  if (!purged) return core::fail(purged.error());
  // Files hold raw records too: reject files, imported drop files, leftover downloads.
  std::int64_t files =
      delete_older_files(ctx.config.effective_reject_dir(), now - r.reject_file_days * 86400);
  if (!ctx.config.dropdir.path.empty()) {
    const fs::path drop = ctx.config.dropdir.path;
    files += delete_older_files(drop / "done", cutoffs.observations_before);
    files += delete_older_files(drop / "failed", cutoffs.observations_before);
  }
  files += delete_older_files(ctx.config.spool_dir(), now - 7 * 86400);
  core::JsonWriter w;
  w.begin_object()
      .field("observations", purged->observations)
      .field("days_rolled_up", purged->days)
      .field("services", purged->services)
      .field("devices", purged->devices)
      .field("findings", purged->findings)
      .field("audit_entries", purged->audit_entries)
      .field("job_runs", purged->job_runs)
      .field("tokens", purged->tokens)
      .field("files", files)
      .end_object();
  logger("app")->info("retention_done observations={} devices={} files={}", purged->observations,
                      purged->devices, files);
  return JobResult{w.take(), purged->cancelled};
}

core::Result<JobResult> run_feed_check(JobContext& ctx) {
  const core::UnixSeconds now = ctx.clock.now();
  auto status = db::feed_status(ctx.store.connection());
  if (!status) return core::fail(status.error());
  db::JobStore jobs(ctx.store.connection());

  struct Feed {
    std::string name;
    std::int64_t stale_after_hours;
  };
  std::vector<Feed> feeds;
  if (ctx.config.shodan.enabled) feeds.push_back({"shodan", ctx.config.shodan.stale_after_hours});
  if (ctx.config.shadowserver.enabled) {
    feeds.push_back({"shadowserver", ctx.config.shadowserver.stale_after_hours});
  }
  if (!ctx.config.dropdir.path.empty()) {
    feeds.push_back({"dropdir", ctx.config.dropdir.stale_after_hours});
  }

  json previous =
      json::parse(ctx.job.checkpoint.empty() ? "{}" : ctx.job.checkpoint, nullptr, false);
  std::set<std::string> was_stale;
  if (previous.is_object() && previous.contains("stale") && previous["stale"].is_array()) {
    for (const auto& s : previous["stale"]) {
      if (s.is_string()) was_stale.insert(s.get<std::string>());
    }
  }

  json now_stale = json::array();
  core::JsonWriter w;
  w.begin_object().key("feeds").begin_array();
  for (const auto& feed : feeds) {
    if (feed.stale_after_hours <= 0) continue;
    // The last success: the newest finished import of that source; for the drop directory,
    // the newest file its job imported. A feed never seen counts from when it was configured.
    std::optional<core::UnixSeconds> last;
    auto job = jobs.get(feed.name);
    if (!job) return core::fail(job.error());
    if (feed.name == "dropdir") {
      if (*job && !(*job)->checkpoint.empty()) {
        json cp = json::parse((*job)->checkpoint, nullptr, false);
        if (cp.is_object() && cp.contains("last_import_at") &&
            cp["last_import_at"].is_number_integer()) {
          last = cp["last_import_at"].get<core::UnixSeconds>();
        }
      }
    } else {
      for (const auto& s : *status) {
        if (s.source == feed.name) last = s.last_success;
      }
    }
    core::UnixSeconds reference = last ? *last : (*job ? (*job)->created_at : now);
    bool stale = now - reference > feed.stale_after_hours * 3600;
    if (ctx.metrics) ctx.metrics->set("citywatch_feed_stale", {{"feed", feed.name}}, stale ? 1 : 0);
    w.begin_object().field("feed", feed.name).field("stale", stale);
    w.key("last_success");
    last ? w.value(core::format_utc(*last)) : w.null();
    w.end_object();
    if (stale) now_stale.push_back(feed.name);
    if (ctx.alerter && stale != was_stale.contains(feed.name)) {
      Alert a;
      a.at = now;
      a.kind = stale ? "feed_stale" : "feed_recovered";
      a.severity = stale ? "warning" : "notice";
      a.title = stale ? "feed " + feed.name + " has brought nothing new for over " +
                            std::to_string(feed.stale_after_hours) + " h"
                      : "feed " + feed.name + " delivers again";
      a.fields = {{"feed", feed.name}, {"last_success", last ? core::format_utc(*last) : "never"}};
      ctx.alerter->raise(std::move(a));
    }
  }
  w.end_array().end_object();
  CITYWATCH_TRY(ctx.save_checkpoint(json{{"stale", now_stale}}.dump()));
  return JobResult{w.take(), false};
}

}  // namespace citywatch::app
