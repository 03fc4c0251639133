// The feed jobs: Shodan API searches, Shadowserver API reports and the drop directory. Each
// fetches into the spool directory first and imports through the one import path
// (ImportPipeline), so a crash at any point loses nothing: the next run resumes from the
// checkpoint or fetches again, and the idempotent import adds each record once.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "app/import_pipeline.h"
#include "app/jobs.h"
#include "app/logging.h"
#include "app/secrets.h"
#include "core/json_writer.h"
#include "net/http_client.h"
#include "scanner/rate_gate.h"
#include "scanner/shadowserver_api.h"
#include "scanner/shodan_api.h"

namespace citywatch::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

net::ClientOptions client_options(const Config& config) {
  net::ClientOptions o;
  o.user_agent = config.http_client.user_agent;
  o.timeout = std::chrono::seconds(config.http_client.timeout_seconds);
  o.connect_timeout = std::chrono::seconds(config.http_client.connect_timeout_seconds);
  o.max_response_bytes = config.http_client.max_download_bytes;
  o.ca_file = config.http_client.ca_file;
  return o;
}

json checkpoint_of(const db::JobRow& job) {
  if (job.checkpoint.empty()) return json::object();
  json cp = json::parse(job.checkpoint, nullptr, false);
  return cp.is_object() ? cp : json::object();
}

template <typename T>
T value_or(const json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end()) return fallback;
  if constexpr (std::is_same_v<T, std::string>) {
    return it->is_string() ? it->template get<std::string>() : fallback;
  } else if constexpr (std::is_same_v<T, bool>) {
    return it->is_boolean() ? it->template get<bool>() : fallback;
  } else {
    return it->is_number_integer() ? it->template get<T>() : fallback;
  }
}

core::Result<void> ensure_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return core::fail(core::ErrorCode::kIo, "cannot create directory: " + ec.message(),
                      dir.string());
  }
  return core::ok();
}

struct Totals {
  std::int64_t files = 0, read = 0, imported = 0, duplicates = 0, rejected = 0, failed = 0;
  void add(const ImportOutcome& o) {
    ++files;
    read += static_cast<std::int64_t>(o.totals.records_read);
    imported += static_cast<std::int64_t>(o.totals.imported);
    duplicates += static_cast<std::int64_t>(o.totals.duplicates);
    rejected += static_cast<std::int64_t>(o.totals.rejected);
    if (o.fatal) ++failed;
  }
  void write(core::JsonWriter& w) const {
    w.field("files", files)
        .field("records_read", read)
        .field("imported", imported)
        .field("duplicates", duplicates)
        .field("rejected", rejected)
        .field("failed_files", failed);
  }
};

std::string net_slug(const std::string& network) {
  std::string s;
  for (char c : network) s += (c == '/' || c == ':') ? '_' : c;
  return s;
}

// A file name in `dir` that does not exist yet: name, name.1, name.2, ...
fs::path free_name(const fs::path& dir, const std::string& name) {
  fs::path p = dir / name;
  for (int i = 1; fs::exists(p) && i < 10000; ++i) p = dir / (name + "." + std::to_string(i));
  return p;
}

}  // namespace

core::Result<JobResult> run_shodan_fetch(JobContext& ctx) {
  const ShodanFeedConfig& cfg = ctx.config.shodan;
  auto log = logger("app");
  auto key = read_secret(cfg.api_key_file, "CITYWATCH_SHODAN_API_KEY", "the Shodan API key");
  if (!key) return core::fail(key.error());
  const fs::path spool = ctx.config.spool_dir();
  CITYWATCH_TRY(ensure_dir(spool));

  // Resume where an interrupted run stopped, if it was fetching the same networks.
  json cp = checkpoint_of(ctx.job);
  std::string networks_key;
  for (const auto& n : cfg.networks) networks_key += n + ",";
  if (value_or<std::string>(cp, "networks", "") != networks_key) {
    if (auto old = value_or<std::string>(cp, "spool", ""); !old.empty()) {
      std::error_code ec;
      fs::remove(old, ec);
    }
    cp = json{{"networks", networks_key}, {"net", 0}, {"page", 1}, {"fetched", false}};
  }

  net::HttpClient http(client_options(ctx.config));
  scanner::RateGate gate(
      std::chrono::milliseconds(cfg.min_interval_ms), {},
      [&](scanner::RateGate::Clock::duration d) {
        return ctx.sleep(std::chrono::duration_cast<std::chrono::milliseconds>(d) +
                         std::chrono::milliseconds(1));
      });
  scanner::ShodanApiOptions options;
  options.base_url = cfg.base_url;
  options.api_key = *key;
  options.max_pages = static_cast<int>(cfg.max_pages);
  scanner::ShodanApi api(options, http, gate);
  auto pipeline = ImportPipeline::open(ctx.config, ctx.store, ctx.clock, ctx.alerter);
  if (!pipeline) return core::fail(pipeline.error());
  auto save = [&]() { return ctx.save_checkpoint(cp.dump()); };

  Totals totals;
  std::int64_t pages = 0, banners = 0;
  std::vector<std::string> truncated;
  for (auto i = value_or<std::size_t>(cp, "net", 0); i < cfg.networks.size(); ++i) {
    const std::string& network = cfg.networks[i];
    auto prefix = core::Prefix::parse(network);
    if (!prefix) {
      return core::fail(core::ErrorCode::kConfig, "not a CIDR prefix: " + network);
    }
    std::string spool_file = value_or<std::string>(cp, "spool", "");
    if (spool_file.empty()) {
      spool_file = (spool / ("shodan-" + net_slug(network) + "-" + std::to_string(ctx.clock.now()) +
                             ".jsonl"))
                       .string();
      cp["spool"] = spool_file;
      CITYWATCH_TRY(save());
    }
    if (!value_or<bool>(cp, "fetched", false)) {
      std::ofstream out(spool_file, std::ios::app | std::ios::binary);
      if (!out) return core::fail(core::ErrorCode::kIo, "cannot write the spool file", spool_file);
      auto fetched = api.search_all(
          scanner::shodan_net_query(*prefix, cfg.query), value_or<int>(cp, "page", 1),
          [&](const scanner::ShodanPage& page) -> core::Result<void> {
            out << page.json_line << '\n';
            out.flush();
            if (!out) {
              return core::fail(core::ErrorCode::kIo, "cannot write the spool file", spool_file);
            }
            ++pages;
            banners += static_cast<std::int64_t>(page.summary.matches);
            cp["page"] = page.number + 1;
            return save();
          },
          ctx.stopping);
      if (!fetched) return core::fail(fetched.error());
      if (fetched->cancelled) return JobResult{"{}", true};
      if (fetched->truncated) {
        truncated.push_back(network);
        log->warn("shodan_results_truncated network={} total={} max_pages={}", network,
                  fetched->total, cfg.max_pages);
      }
      cp["fetched"] = true;
      CITYWATCH_TRY(save());
    }
    auto outcome =
        pipeline->run({scanner::FeedKind::kShodan, spool_file,
                       "shodan-api " + scanner::shodan_net_query(*prefix, cfg.query), ""},
                      {{}, {}, ctx.stopping});
    if (!outcome) return core::fail(outcome.error());
    if (outcome->cancelled) return JobResult{"{}", true};
    totals.add(*outcome);
    std::error_code ec;
    fs::remove(spool_file, ec);
    cp["net"] = i + 1;
    cp["page"] = 1;
    cp["fetched"] = false;
    cp["spool"] = "";
    CITYWATCH_TRY(save());
  }
  CITYWATCH_TRY(ctx.save_checkpoint(""));
  core::JsonWriter w;
  w.begin_object()
      .field("networks", static_cast<std::int64_t>(cfg.networks.size()))
      .field("pages", pages)
      .field("banners", banners);
  totals.write(w);
  w.key("truncated").begin_array();
  for (const auto& n : truncated) w.value(n);
  w.end_array().end_object();
  return JobResult{w.take(), false};
}

core::Result<JobResult> run_shadowserver_fetch(JobContext& ctx) {
  const ShadowserverFeedConfig& cfg = ctx.config.shadowserver;
  auto key =
      read_secret(cfg.api_key_file, "CITYWATCH_SHADOWSERVER_API_KEY", "the Shadowserver API key");
  if (!key) return core::fail(key.error());
  auto secret =
      read_secret(cfg.secret_file, "CITYWATCH_SHADOWSERVER_SECRET", "the Shadowserver API secret");
  if (!secret) return core::fail(secret.error());
  const fs::path spool = ctx.config.spool_dir();
  CITYWATCH_TRY(ensure_dir(spool));

  net::HttpClient http(client_options(ctx.config));
  scanner::ShadowserverApiOptions options;
  options.api_url = cfg.api_url;
  options.download_url = cfg.download_url;
  options.api_key = *key;
  options.secret = *secret;
  options.reports = cfg.reports;
  options.types = cfg.types;
  scanner::ShadowserverApi api(options, http);

  core::UnixSeconds now = ctx.clock.now();
  std::string to = core::format_utc(now).substr(0, 10);
  std::string from = core::format_utc(now - cfg.lookback_days * 86400).substr(0, 10);
  auto listed = api.list(from, to, ctx.stopping);
  if (!listed) return core::fail(listed.error());

  db::JobStore jobs(ctx.store.connection());
  auto pipeline = ImportPipeline::open(ctx.config, ctx.store, ctx.clock, ctx.alerter);
  if (!pipeline) return core::fail(pipeline.error());
  Totals totals;
  std::int64_t already = 0;
  for (const auto& report : listed->reports) {
    if (ctx.stopping()) return JobResult{"{}", true};
    auto seen = jobs.has_feed_item("shadowserver", report.id);
    if (!seen) return core::fail(seen.error());
    if (*seen) {
      ++already;
      continue;
    }
    fs::path file = spool / ("shadowserver-" + report.id + "-" + report.file);
    std::string part = file.string() + ".part";
    auto downloaded = api.download(report, part, ctx.stopping);
    if (!downloaded) {
      if (ctx.stopping()) return JobResult{"{}", true};
      return core::fail(downloaded.error());
    }
    std::error_code ec;
    fs::rename(part, file, ec);
    if (ec) return core::fail(core::ErrorCode::kIo, "cannot rename: " + ec.message(), part);
    auto outcome = pipeline->run({scanner::FeedKind::kShadowserver, file.string(),
                                  "shadowserver-api " + report.file, report.type},
                                 {{}, {}, ctx.stopping});
    if (!outcome) return core::fail(outcome.error());
    if (outcome->cancelled) return JobResult{"{}", true};
    totals.add(*outcome);
    // A damaged report is kept as done too: downloading it again would not mend it, and its
    // import record says what was wrong.
    CITYWATCH_TRY(
        jobs.add_feed_item("shadowserver", report.id, ctx.clock.now(), outcome->import_id));
    fs::remove(file, ec);
  }
  core::JsonWriter w;
  w.begin_object()
      .field("from", from)
      .field("to", to)
      .field("listed", static_cast<std::int64_t>(listed->reports.size()))
      .field("skipped_unsafe", static_cast<std::int64_t>(listed->skipped))
      .field("already_imported", already);
  totals.write(w);
  w.end_object();
  return JobResult{w.take(), false};
}

core::Result<JobResult> run_dropdir_import(JobContext& ctx) {
  const fs::path root = ctx.config.dropdir.path;
  if (root.empty()) {
    return core::fail(core::ErrorCode::kConfig, "feeds.dropdir.path is not set");
  }
  auto pipeline = ImportPipeline::open(ctx.config, ctx.store, ctx.clock, ctx.alerter);
  if (!pipeline) return core::fail(pipeline.error());
  Totals totals;
  const std::pair<scanner::FeedKind, const char*> kinds[] = {
      {scanner::FeedKind::kShodan, "shodan"},
      {scanner::FeedKind::kShadowserver, "shadowserver"},
      {scanner::FeedKind::kNmap, "nmap"}};
  for (const auto& [kind, name] : kinds) {
    const fs::path dir = root / name;
    CITYWATCH_TRY(ensure_dir(dir));
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      std::string file = entry.path().filename().string();
      // Writers drop files as .part/.tmp or dot-files and rename when complete.
      if (!entry.is_regular_file() || file.starts_with('.') || file.ends_with(".part") ||
          file.ends_with(".tmp")) {
        continue;
      }
      files.push_back(entry.path());
    }
    if (ec) return core::fail(core::ErrorCode::kIo, "cannot list: " + ec.message(), dir.string());
    std::sort(files.begin(), files.end());
    for (const auto& path : files) {
      if (ctx.stopping()) return JobResult{"{}", true};
      auto outcome =
          pipeline->run({kind, path.string(), path.string(), ""}, {{}, {}, ctx.stopping});
      if (!outcome) return core::fail(outcome.error());
      if (outcome->cancelled) return JobResult{"{}", true};
      totals.add(*outcome);
      const fs::path dest_dir = root / (outcome->fatal ? "failed" : "done") / name;
      CITYWATCH_TRY(ensure_dir(dest_dir));
      fs::rename(path, free_name(dest_dir, path.filename().string()), ec);
      if (ec) {
        return core::fail(core::ErrorCode::kIo,
                          "imported, but cannot move it out of the drop directory: " + ec.message(),
                          path.string());
      }
      json cp = checkpoint_of(ctx.job);
      cp["last_import_at"] = ctx.clock.now();
      CITYWATCH_TRY(ctx.save_checkpoint(cp.dump()));
    }
  }
  core::JsonWriter w;
  w.begin_object();
  totals.write(w);
  w.end_object();
  return JobResult{w.take(), false};
}

}  // namespace citywatch::app
