// `citywatch batches build|list|show|send|ack|feedback|retry|discard|unrouted|disputes|
// recheck-due`: per-partner batches of findings, their delivery, the partners' answers and the
// re-check (docs/notifications.md).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <thread>

#include "app/command.h"
#include "app/notify_service.h"
#include "core/text.h"
#include "db/notify_store.h"
#include "notify/feedback.h"
#include "notify/formats.h"

namespace citywatch::app {
namespace {

struct Options {
  std::string id, partner, status, render_format, by, note, now, feedback_file, wait;
  int item = 0;
  std::string feedback;
  bool attempts = false;
  bool once = false;
  std::uint64_t seed = 0;
};

core::Result<core::UnixSeconds> now_of(const Options& o) {
  if (o.now.empty()) return core::SystemClock().now();
  auto t = core::parse_utc_timestamp(o.now);
  if (!t) t = core::parse_utc_date(o.now);
  if (!t) {
    return core::fail(core::ErrorCode::kUsage,
                      "--now takes a UTC time (2026-11-23T12:00:00Z) or a date (YYYY-MM-DD)");
  }
  return *t;
}

core::Result<db::Store> open_store(const Context& c) {
  return db::Store::open(c.config.database_path, false);
}

Cell opt_time(const std::optional<core::UnixSeconds>& t) {
  return t ? Cell(core::format_utc(*t)) : Cell();
}

core::Result<int> run_build(const Context& c, const Options& o) {
  auto now = now_of(o);
  if (!now) return core::fail(now.error());
  auto store = open_store(c);
  if (!store) return core::fail(store.error());
  auto report = build_batches(*store, c.config, *now);
  if (!report) return core::fail(report.error());
  for (const auto& b : report->batches) {
    std::printf("batch %s: %zu items for %s (%s)\n", b.id.c_str(), b.items.size(),
                b.partner_name.c_str(), std::string(core::to_string(b.format)).c_str());
  }
  const auto& n = report->counts;
  std::printf(
      "%zu batches, %zu items, %zu re-check outcomes; %zu findings considered: %zu outside the "
      "city, %zu exempt, %zu already in a batch on its way, %zu sent within the partner's "
      "interval, %zu opted out, %zu acknowledged and waiting for the re-check, %zu unrouted\n",
      report->batches.size(), n.items, n.rechecks, n.considered, n.outside_city, n.exempt, n.held,
      n.suppressed, n.opted_out, n.acknowledged, n.unrouted);
  for (const auto& conflict : report->conflicts)
    std::printf("routing conflict: %s\n", conflict.c_str());
  if (n.unrouted) {
    std::printf("no partner serves %zu findings: see `citywatch batches unrouted`\n", n.unrouted);
  }
  return 0;
}

core::Result<int> run_list(const Context& c, const Options& o) {
  db::BatchFilter filter;
  filter.partner = o.partner;
  for (const auto& s : core::split_trimmed(o.status, ',')) {
    auto st = core::parse_batch_status(s);
    if (!st) {
      return core::fail(core::ErrorCode::kUsage,
                        "--status takes pending, sending, retry, delivered, acknowledged, dead, "
                        "discarded");
    }
    filter.statuses.push_back(*st);
  }
  auto store = open_store(c);
  if (!store) return core::fail(store.error());
  db::NotifyStore ns(store->connection());
  auto list = ns.list_batches(filter);
  if (!list) return core::fail(list.error());
  RowWriter out(c.format,
                {"batch_id", "partner", "channel", "format", "items", "status", "attempts",
                 "created_at", "next_attempt_at", "delivered_at", "acknowledged_at", "last_error"});
  for (const auto& b : *list) {
    out.row({Cell(b.batch_id), Cell(b.partner), Cell(std::string(core::to_string(b.channel))),
             Cell(std::string(core::to_string(b.format))), Cell(static_cast<std::int64_t>(b.items)),
             Cell(std::string(core::to_string(b.status))),
             Cell(static_cast<std::int64_t>(b.attempts)), Cell(core::format_utc(b.created_at)),
             opt_time(b.next_attempt_at), opt_time(b.delivered_at), opt_time(b.acknowledged_at),
             Cell(b.last_error)});
  }
  out.finish();
  return 0;
}

core::Result<int> run_show(const Context& c, const Options& o) {
  auto store = open_store(c);
  if (!store) return core::fail(store.error());
  db::NotifyStore ns(store->connection());
  auto batch = ns.load_batch(o.id);
  if (!batch) return core::fail(batch.error());
  if (!*batch) {
    return core::fail(core::ErrorCode::kNotFound,
                      "no batch " + o.id + "; see `citywatch batches list`");
  }
  if (!o.render_format.empty()) {
    // Exactly the bytes the partner gets (the same on every retry).
    auto f = core::parse_batch_format(o.render_format);
    if (!f) return core::fail(core::ErrorCode::kUsage, "--as takes csv, json or xarf");
    std::string body = notify::render(**batch, *f, c.config.notify.reporter);
    std::fwrite(body.data(), 1, body.size(), stdout);
    return 0;
  }
  RowWriter out(c.format, {"item", "finding_id", "notice", "status", "ip", "port", "src_port",
                           "kind", "code", "severity", "observed_at", "district", "evidence"});
  for (const auto& it : (*batch)->items) {
    std::string times;
    for (auto t : it.observed_at) times += (times.empty() ? "" : " ") + core::format_utc(t);
    out.row({Cell(static_cast<std::int64_t>(it.item)), Cell(it.finding_id),
             Cell(std::string(core::to_string(it.notice))),
             Cell(std::string(core::to_string(it.status))), Cell(it.ip.to_string()),
             Cell(static_cast<std::int64_t>(it.port)),
             it.src_port ? Cell(static_cast<std::int64_t>(*it.src_port)) : Cell(),
             Cell(std::string(core::to_string(it.kind))), Cell(it.code),
             Cell(std::string(core::to_string(it.severity))), Cell(times), Cell(it.district_code),
             Cell(it.summary)});
  }
  out.finish();
  if (c.format == OutputFormat::kTable) {
    auto sum = ns.summary(o.id);
    if (!sum) return core::fail(sum.error());
    std::printf("\nbatch %s for %s: %s, %d attempts\n", o.id.c_str(), (*sum)->partner.c_str(),
                std::string(core::to_string((*sum)->status)).c_str(), (*sum)->attempts);
    auto attempts = ns.attempts(o.id);
    if (!attempts) return core::fail(attempts.error());
    for (const auto& a : *attempts) {
      std::printf(
          "  attempt %d %s %s%s%s%s\n", a.attempt, core::format_utc(a.started_at).c_str(),
          a.outcome.c_str(),
          a.http_status ? (" HTTP " + std::to_string(a.http_status)).c_str() : "",
          a.error.empty() ? "" : (": " + a.error).c_str(),
          a.next_attempt_at ? (", next " + core::format_utc(*a.next_attempt_at)).c_str() : "");
    }
    auto fb = ns.feedback(o.id);
    if (!fb) return core::fail(fb.error());
    for (const auto& f : *fb) {
      std::printf("  feedback item %d: %s %s\n", f.item,
                  f.feedback ? std::string(core::to_string(*f.feedback)).c_str() : "",
                  f.note.c_str());
    }
  }
  return 0;
}

core::Result<int> run_send(const Context& c, const Options& o) {
  auto now = now_of(o);
  if (!now) return core::fail(now.error());
  core::UnixSeconds wait = 0;
  if (!o.wait.empty()) {
    auto w = core::parse_duration(o.wait);
    if (!w) return core::fail(core::ErrorCode::kUsage, "--wait takes a duration like 10m");
    wait = *w;
  }
  auto store = open_store(c);
  if (!store) return core::fail(store.error());
  std::mt19937_64 rng(o.seed ? o.seed : std::random_device{}());
  SendReport total;
  core::UnixSeconds deadline = *now + wait;
  while (true) {
    auto report = send_due(*store, c.config, *now, rng);
    if (!report) return core::fail(report.error());
    total.attempted += report->attempted;
    total.delivered += report->delivered;
    total.retrying += report->retrying;
    total.dead += report->dead;
    total.skipped += report->skipped;
    if (wait == 0 || !o.now.empty()) break;
    // --wait: sleep until the next retry falls due, as long as it is before the deadline.
    db::NotifyStore ns(store->connection());
    auto retry = ns.list_batches({{}, {core::BatchStatus::kRetry, core::BatchStatus::kPending}});
    if (!retry) return core::fail(retry.error());
    core::UnixSeconds next = deadline + 1;
    for (const auto& b : *retry) {
      if (b.channel != core::DeliveryChannel::kPull)
        next = std::min(next, b.next_attempt_at.value_or(*now));
    }
    if (next > deadline) break;
    std::this_thread::sleep_for(std::chrono::seconds(std::max<core::UnixSeconds>(0, next - *now)));
    *now = core::SystemClock().now();
  }
  std::printf(
      "%d attempts: %d delivered, %d to retry, %d dead letters%s\n", total.attempted,
      total.delivered, total.retrying, total.dead,
      total.skipped
          ? (", " + std::to_string(total.skipped) + " skipped (another sender is on them)").c_str()
          : "");
  return 0;
}

core::Result<int> run_ack(const Context& c, const Options& o) {
  auto now = now_of(o);
  if (!now) return core::fail(now.error());
  auto store = open_store(c);
  if (!store) return core::fail(store.error());
  std::string by = o.by;
  if (by.empty()) {
    const char* user = std::getenv("USER");
    by = user && *user ? user : "cli";
  }
  auto n = acknowledge_batch(*store, c.config, o.id, by, "", *now);
  if (!n) return core::fail(n.error());
  std::printf("batch %s acknowledged: %d findings notified, re-check from %s\n", o.id.c_str(), *n,
              core::format_utc(*now + c.config.notify.recheck_after).c_str());
  return 0;
}

core::Result<int> run_feedback(const Context& c, const Options& o) {
  auto now = now_of(o);
  if (!now) return core::fail(now.error());
  std::vector<notify::FeedbackEntry> entries;
  if (!o.feedback_file.empty()) {
    std::ifstream in(o.feedback_file, std::ios::binary);
    if (!in) return core::fail(core::ErrorCode::kNotFound, "cannot read", o.feedback_file);
    std::string body(notify::kMaxFeedbackBody + 1, '\0');
    in.read(body.data(), static_cast<std::streamsize>(body.size()));
    body.resize(static_cast<std::size_t>(in.gcount()));
    auto parsed = notify::parse_feedback_json(body);
    if (!parsed) return core::fail(parsed.error());
    entries = std::move(*parsed);
  } else {
    auto f = core::parse_feedback(o.feedback);
    if (o.item < 1 || !f) {
      return core::fail(core::ErrorCode::kUsage,
                        "give ITEM and STATUS (not-our-customer, customer-informed, fixed, "
                        "dispute), or --json FILE");
    }
    entries.push_back({o.item, *f, o.note});
  }
  auto store = open_store(c);
  if (!store) return core::fail(store.error());
  auto recorded = record_feedback(*store, o.id, entries, "", *now);
  if (!recorded) return core::fail(recorded.error());
  int disputes = 0;
  for (const auto& e : entries) disputes += e.status == core::Feedback::kDispute;
  std::printf("batch %s: feedback on %zu items recorded%s\n", o.id.c_str(), entries.size(),
              disputes ? (", " + std::to_string(disputes) +
                          " disputes queued for the CISO team (`citywatch batches disputes`)")
                             .c_str()
                       : "");
  return 0;
}

core::Result<int> run_requeue(const Context& c, const Options& o, bool discard) {
  auto store = open_store(c);
  if (!store) return core::fail(store.error());
  auto tx = db::Transaction::begin(store->connection());
  if (!tx) return core::fail(tx.error());
  db::NotifyStore ns(store->connection());
  core::UnixSeconds now = core::SystemClock().now();
  CITYWATCH_TRY(discard ? ns.discard(o.id, now) : ns.requeue(o.id, now));
  CITYWATCH_TRY(tx->commit());
  std::printf(discard ? "batch %s discarded; its findings go into the next build\n"
                      : "batch %s will be sent again by the next `batches send`\n",
              o.id.c_str());
  return 0;
}

core::Result<int> run_unrouted(const Context& c, const Options& o) {
  auto now = now_of(o);
  if (!now) return core::fail(now.error());
  auto store = open_store(c);
  if (!store) return core::fail(store.error());
  CITYWATCH_TRY(sync_partners(*store, c.config, *now));
  db::NotifyStore ns(store->connection());
  notify::PlanInput in;
  auto partners = ns.partners();
  if (!partners) return core::fail(partners.error());
  in.partners = std::move(*partners);
  auto findings = ns.notifiable_findings(*now);
  if (!findings) return core::fail(findings.error());
  in.findings = std::move(*findings);
  in.in_city = c.config.notify.in_city;
  in.now = *now;
  auto plan = notify::plan_batches(in);
  RowWriter out(c.format, {"finding_id", "ip", "port", "asn", "kind", "code", "severity",
                           "district", "last_seen", "evidence"});
  for (const auto& f : plan.unrouted) {
    const auto& it = f.item;
    out.row({Cell(it.finding_id), Cell(it.ip.to_string()), Cell(static_cast<std::int64_t>(it.port)),
             it.asn ? Cell(static_cast<std::int64_t>(it.asn)) : Cell(),
             Cell(std::string(core::to_string(it.kind))), Cell(it.code),
             Cell(std::string(core::to_string(it.severity))), Cell(it.district_code),
             Cell(core::format_utc(it.last_seen)), Cell(it.summary)});
  }
  out.finish();
  return 0;
}

core::Result<int> run_disputes(const Context& c) {
  auto store = open_store(c);
  if (!store) return core::fail(store.error());
  db::NotifyStore ns(store->connection());
  auto list = ns.open_disputes();
  if (!list) return core::fail(list.error());
  RowWriter out(c.format, {"id", "batch_id", "item", "partner", "finding_id", "ip", "port", "kind",
                           "code", "note", "created_at"});
  for (const auto& d : *list) {
    out.row({Cell(d.id), Cell(d.batch_id), Cell(static_cast<std::int64_t>(d.item)), Cell(d.partner),
             Cell(d.finding_id), Cell(d.ip.to_string()), Cell(static_cast<std::int64_t>(d.port)),
             Cell(d.kind), Cell(d.code), Cell(d.note), Cell(core::format_utc(d.created_at))});
  }
  out.finish();
  return 0;
}

core::Result<int> run_recheck_due(const Context& c, const Options& o) {
  auto now = now_of(o);
  if (!now) return core::fail(now.error());
  auto store = open_store(c);
  if (!store) return core::fail(store.error());
  db::NotifyStore ns(store->connection());
  auto list = ns.recheck_due(*now);
  if (!list) return core::fail(list.error());
  RowWriter out(c.format, {"finding_id", "partner", "ip", "port", "transport", "kind", "code",
                           "acknowledged_at", "due_at", "last_seen"});
  for (const auto& r : *list) {
    out.row({Cell(r.finding_id), Cell(r.partner), Cell(r.ip.to_string()),
             Cell(static_cast<std::int64_t>(r.port)),
             Cell(std::string(core::to_string(r.transport))), Cell(r.kind), Cell(r.code),
             Cell(core::format_utc(r.acknowledged_at)), Cell(core::format_utc(r.due_at)),
             Cell(core::format_utc(r.last_seen))});
  }
  out.finish();
  return 0;
}

}  // namespace

void register_batches_command(Commands& commands) {
  auto o = std::make_shared<Options>();
  auto subs = std::make_shared<std::vector<CLI::App*>>();
  CLI::App* cmd = commands.add(
      "batches",
      "per-partner batches of findings: build, list, show, send, ack, feedback, retry, discard, "
      "unrouted, disputes, recheck-due",
      "citywatch batches build && citywatch batches send && citywatch batches list",
      [o, subs](const Context& c) -> core::Result<int> {
        const auto& s = *subs;
        if (s[0]->parsed()) return run_build(c, *o);
        if (s[2]->parsed()) return run_show(c, *o);
        if (s[3]->parsed()) return run_send(c, *o);
        if (s[4]->parsed()) return run_ack(c, *o);
        if (s[5]->parsed()) return run_feedback(c, *o);
        if (s[6]->parsed()) return run_requeue(c, *o, false);
        if (s[7]->parsed()) return run_requeue(c, *o, true);
        if (s[8]->parsed()) return run_unrouted(c, *o);
        if (s[9]->parsed()) return run_disputes(c);
        if (s[10]->parsed()) return run_recheck_due(c, *o);
        return run_list(c, *o);
      });
  auto now_option = [o](CLI::App* app) {
    app->add_option("--now", o->now, "act as if it were this UTC time (replays and tests)");
  };
  CLI::App* build = cmd->add_subcommand(
      "build", "collect each partner's due findings into one batch (idempotent)");
  add_example(build, "citywatch batches build");
  now_option(build);
  CLI::App* list = cmd->add_subcommand("list", "the batches with their delivery state");
  add_example(list, "citywatch batches list --partner kpn --status retry,dead");
  list->add_option("--partner", o->partner, "only this partner's");
  list->add_option("--status", o->status, "comma list of statuses");
  CLI::App* show = cmd->add_subcommand("show", "one batch: items, attempts, feedback");
  add_example(show, "citywatch batches show kpn-20261123T113000Z-7 --as xarf > batch.json");
  show->add_option("id", o->id, "batch id")->required();
  show->add_option("--as", o->render_format, "print the body as sent: csv, json or xarf");
  CLI::App* send = cmd->add_subcommand(
      "send", "deliver due batches (webhook, email): one attempt each, retries when due");
  add_example(send, "citywatch batches send --once");
  send->add_flag("--once", o->once,
                 "one pass over the due batches (the default; the daemon repeats it)");
  send->add_option("--wait", o->wait, "keep retrying for up to this long (e.g. 30m)");
  send->add_option("--seed", o->seed, "seed for the backoff jitter (tests)");
  now_option(send);
  CLI::App* ack = cmd->add_subcommand(
      "ack", "the partner acknowledged a batch: its findings become notified, re-check later");
  add_example(ack, "citywatch batches ack kpn-20261123T113000Z-7 --by kpn-abuse-desk");
  ack->add_option("id", o->id, "batch id")->required();
  ack->add_option("--by", o->by, "who acknowledged (default: $USER)");
  now_option(ack);
  CLI::App* fb = cmd->add_subcommand(
      "feedback",
      "the partner's answer on one item: not-our-customer, customer-informed, fixed, dispute");
  add_example(fb,
              "citywatch batches feedback kpn-20261123T113000Z-7 3 dispute --note 'our "
              "honeypot'");
  fb->add_option("id", o->id, "batch id")->required();
  fb->add_option("item", o->item, "item number in the batch");
  fb->add_option("status", o->feedback, "not-our-customer, customer-informed, fixed or dispute");
  fb->add_option("--note", o->note, "free text");
  fb->add_option("--json", o->feedback_file, "read the API's JSON body from this file instead");
  now_option(fb);
  CLI::App* retry = cmd->add_subcommand("retry", "send a dead-letter batch again");
  add_example(retry, "citywatch batches retry kpn-20261123T113000Z-7");
  retry->add_option("id", o->id, "batch id")->required();
  CLI::App* discard =
      cmd->add_subcommand("discard", "give up on a batch; its findings go into the next build");
  add_example(discard, "citywatch batches discard kpn-20261123T113000Z-7");
  discard->add_option("id", o->id, "batch id")->required();
  CLI::App* unrouted = cmd->add_subcommand(
      "unrouted", "findings in the city that no partner serves (for the CISO team)");
  add_example(unrouted, "citywatch batches unrouted --format csv > unrouted.csv");
  now_option(unrouted);
  CLI::App* disputes = cmd->add_subcommand("disputes", "items partners disputed, still open");
  add_example(disputes, "citywatch batches disputes");
  CLI::App* due = cmd->add_subcommand(
      "recheck-due", "acknowledged findings whose re-check time came (to re-scan)");
  add_example(due, "citywatch batches recheck-due --format json");
  now_option(due);
  *subs = {build, list, show, send, ack, fb, retry, discard, unrouted, disputes, due};
}

}  // namespace citywatch::app
