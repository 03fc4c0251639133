#include "app/notify_service.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <set>

#include "core/diagnostics.h"
#include "db/notify_store.h"
#include "notify/prefix_csv.h"
#include "notify/sender.h"

namespace citywatch::app {
namespace {

std::shared_ptr<spdlog::logger> log() {
  auto l = spdlog::get("notify");
  return l ? l : spdlog::default_logger();
}

constexpr std::size_t kMaxPrefixCsvBytes = 64 << 20;

core::Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::fail(core::ErrorCode::kNotFound, "cannot read the file", path);
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf), in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxPrefixCsvBytes) {
      return core::fail(core::ErrorCode::kBadInput, "file larger than 64 MiB", path);
    }
  }
  if (in.bad()) return core::fail(core::ErrorCode::kIo, "read failed", path);
  return text;
}

// Is the process that began an attempt still running? Then its batch is not ours to resend.
bool sender_alive(std::int64_t pid) {
  if (pid <= 0 || pid == static_cast<std::int64_t>(::getpid())) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace

core::Result<void> sync_partners(db::Store& store, const Config& config, core::UnixSeconds now) {
  db::NotifyStore ns(store.connection());
  auto existing = ns.partners();
  if (!existing) return core::fail(existing.error());
  bool configured_before = false;
  for (const auto& p : *existing) configured_before |= p.source == "config";
  if (config.notify.partners.empty() && !configured_before) return core::ok();
  auto tx = db::Transaction::begin(store.connection());
  if (!tx) return core::fail(tx.error());
  std::set<std::string> names;
  for (const ConfigPartner& cp : config.notify.partners) {
    core::Partner p = cp.partner;
    if (!cp.prefix_csv.empty()) {
      auto text = read_text(cp.prefix_csv);
      if (!text) return core::fail(text.error());
      core::Diagnostics diag;
      auto more = notify::parse_prefix_csv(*text, cp.prefix_csv, diag);
      for (const auto& d : diag.samples()) {
        log()->warn("prefix_csv_reject where={} reason=\"{}\" detail=\"{}\"", d.where, d.reason,
                    d.detail);
      }
      p.prefixes.insert(p.prefixes.end(), more.begin(), more.end());
    }
    auto id = ns.upsert_partner(p, now);
    if (!id) return core::fail(id.error());
    names.insert(p.name);
  }
  for (const auto& p : *existing) {
    if (p.source == "config" && !names.contains(p.name)) {
      auto removed = ns.remove_partner(p.name, now);
      if (!removed) return core::fail(removed.error());
      log()->info("partner_removed name={} reason=\"no longer in the configuration\"", p.name);
    }
  }
  return tx->commit();
}

core::Result<BuildReport> build_batches(db::Store& store, const Config& config,
                                        core::UnixSeconds now) {
  CITYWATCH_TRY(sync_partners(store, config, now));
  // One write transaction from reading to storing: a concurrent build waits, so no finding can
  // go into two batches, and a crash leaves no half batch.
  auto tx = db::Transaction::begin(store.connection());
  if (!tx) return core::fail(tx.error());
  db::NotifyStore ns(store.connection());
  notify::PlanInput in;
  auto partners = ns.partners();
  if (!partners) return core::fail(partners.error());
  in.partners = std::move(*partners);
  auto findings = ns.notifiable_findings(now);
  if (!findings) return core::fail(findings.error());
  in.findings = std::move(*findings);
  auto states = ns.partner_states();
  if (!states) return core::fail(states.error());
  in.states = std::move(*states);
  auto held = ns.held_findings();
  if (!held) return core::fail(held.error());
  in.held = std::move(*held);
  in.in_city = config.notify.in_city;
  in.now = now;
  notify::Plan plan = notify::plan_batches(in);
  BuildReport report;
  for (auto& batch : plan.batches) {
    core::DeliveryChannel channel = core::DeliveryChannel::kPull;
    for (const auto& p : in.partners) {
      if (p.id == batch.partner_id) channel = p.channel;
    }
    CITYWATCH_TRY(ns.store_batch(batch, channel, config.notify.recheck_after));
    log()->info("batch_built batch={} partner={} items={} format={}", batch.id, batch.partner_name,
                batch.items.size(), core::to_string(batch.format));
  }
  CITYWATCH_TRY(tx->commit());
  for (const auto& c : plan.conflicts) log()->warn("routing_conflict {}", c);
  report.batches = std::move(plan.batches);
  report.unrouted = std::move(plan.unrouted);
  report.conflicts = std::move(plan.conflicts);
  report.counts = plan.counts;
  return report;
}

core::Result<SendReport> send_due(db::Store& store, const Config& config, core::UnixSeconds now,
                                  std::mt19937_64& rng) {
  CITYWATCH_TRY(sync_partners(store, config, now));
  db::NotifyStore ns(store.connection());
  auto due = ns.due_batches(now);
  if (!due) return core::fail(due.error());
  auto partners = ns.partners();
  if (!partners) return core::fail(partners.error());
  notify::SenderOptions options;
  options.timeout = std::chrono::seconds(config.notify.timeout);
  options.connect_timeout = std::chrono::seconds(config.notify.connect_timeout);
  options.mail_from = config.notify.mail_from;
  options.city = config.city_name;
  options.reporter = config.notify.reporter;
  notify::Sender sender(options);
  SendReport report;
  for (const db::BatchSummary& b : *due) {
    if (b.status == core::BatchStatus::kSending && sender_alive(b.sender_pid)) {
      ++report.skipped;  // another sender is on it right now
      continue;
    }
    const core::Partner* partner = nullptr;
    for (const auto& p : *partners) {
      if (p.id == b.partner_id) partner = &p;
    }
    if (!partner) continue;
    // The attempt is on disk before a byte leaves: a crash from here on is an interrupted
    // attempt that the next run repeats with the same batch id.
    int attempt = 0;
    {
      auto tx = db::Transaction::begin(store.connection());
      if (!tx) return core::fail(tx.error());
      // Look again inside the write lock: another sender may have taken it, or the partner
      // acknowledged it, since the list was read.
      auto fresh = ns.summary(b.batch_id);
      if (!fresh) return core::fail(fresh.error());
      if (!*fresh ||
          ((*fresh)->status != core::BatchStatus::kPending &&
           (*fresh)->status != core::BatchStatus::kRetry &&
           (*fresh)->status != core::BatchStatus::kSending) ||
          ((*fresh)->status == core::BatchStatus::kSending && sender_alive((*fresh)->sender_pid))) {
        ++report.skipped;
        continue;
      }
      auto n = ns.begin_attempt(b.batch_id, static_cast<std::int64_t>(::getpid()), now);
      if (!n) return core::fail(n.error());
      attempt = *n;
      CITYWATCH_TRY(tx->commit());
    }
    auto batch = ns.load_batch(b.batch_id);
    if (!batch) return core::fail(batch.error());
    ++report.attempted;
    notify::AttemptResult result = sender.send(*partner, **batch, attempt, now);
    db::AttemptRecord rec;
    rec.attempt = attempt;
    rec.http_status = result.http_status;
    rec.response = result.response;
    rec.error = result.error;
    if (result.outcome == notify::AttemptOutcome::kRetry &&
        attempt >= config.notify.retry.max_attempts) {
      result.outcome = notify::AttemptOutcome::kDead;
      rec.error += (rec.error.empty() ? "" : "; ") + std::string("gave up after ") +
                   std::to_string(attempt) + " attempts";
    }
    rec.outcome = std::string(notify::to_string(result.outcome));
    if (result.outcome == notify::AttemptOutcome::kRetry) {
      rec.next_attempt_at =
          now + notify::backoff_delay(config.notify.retry, attempt, result.retry_after, rng);
    }
    {
      auto tx = db::Transaction::begin(store.connection());
      if (!tx) return core::fail(tx.error());
      CITYWATCH_TRY(ns.finish_attempt(b.batch_id, rec, now));
      CITYWATCH_TRY(tx->commit());
    }
    switch (result.outcome) {
      case notify::AttemptOutcome::kDelivered:
        ++report.delivered;
        log()->info("batch_attempt batch={} partner={} attempt={} outcome=delivered http={}",
                    b.batch_id, partner->name, attempt, result.http_status);
        break;
      case notify::AttemptOutcome::kRetry:
        ++report.retrying;
        log()->warn(
            "batch_attempt batch={} partner={} attempt={} outcome=retry http={} error=\"{}\" "
            "next_attempt_at={}",
            b.batch_id, partner->name, attempt, result.http_status, result.error,
            core::format_utc(*rec.next_attempt_at));
        break;
      case notify::AttemptOutcome::kDead:
        ++report.dead;
        log()->error(
            "batch_attempt batch={} partner={} attempt={} outcome=dead http={} error=\"{}\"",
            b.batch_id, partner->name, attempt, result.http_status, rec.error);
        break;
    }
  }
  return report;
}

namespace {

core::Result<void> check_owner(db::NotifyStore& ns, const std::string& id,
                               const std::string& as_partner) {
  auto sum = ns.summary(id);
  if (!sum) return core::fail(sum.error());
  if (!*sum || (!as_partner.empty() && (*sum)->partner != as_partner)) {
    return core::fail(core::ErrorCode::kNotFound,
                      "no batch " + id + "; see `citywatch batches list`");
  }
  return core::ok();
}

}  // namespace

core::Result<int> acknowledge_batch(db::Store& store, const Config& config, const std::string& id,
                                    const std::string& by, const std::string& as_partner,
                                    core::UnixSeconds now) {
  auto tx = db::Transaction::begin(store.connection());
  if (!tx) return core::fail(tx.error());
  db::NotifyStore ns(store.connection());
  CITYWATCH_TRY(check_owner(ns, id, as_partner));
  auto n = ns.acknowledge(id, by, now, config.notify.recheck_after);
  if (!n) return core::fail(n.error());
  CITYWATCH_TRY(tx->commit());
  log()->info("batch_acknowledged batch={} by={} notified={}", id, by, *n);
  return *n;
}

core::Result<std::size_t> record_feedback(db::Store& store, const std::string& id,
                                          const std::vector<notify::FeedbackEntry>& entries,
                                          const std::string& as_partner, core::UnixSeconds now) {
  auto tx = db::Transaction::begin(store.connection());
  if (!tx) return core::fail(tx.error());
  db::NotifyStore ns(store.connection());
  CITYWATCH_TRY(check_owner(ns, id, as_partner));
  for (const auto& e : entries) {
    CITYWATCH_TRY(ns.set_feedback(id, e.item, e.status, e.note, now));
  }
  CITYWATCH_TRY(tx->commit());
  return entries.size();
}

core::Result<std::vector<core::Batch>> open_batches_for(db::Store& store,
                                                        const std::string& partner) {
  db::NotifyStore ns(store.connection());
  auto list =
      ns.list_batches({partner, {core::BatchStatus::kPending, core::BatchStatus::kDelivered}});
  if (!list) return core::fail(list.error());
  std::vector<core::Batch> out;
  for (const auto& b : *list) {
    auto batch = ns.load_batch(b.batch_id);
    if (!batch) return core::fail(batch.error());
    if (*batch) out.push_back(std::move(**batch));
  }
  return out;
}

}  // namespace citywatch::app
