// `citywatch findings`: the findings with their filters; `findings show ID` with history;
// `findings exempt` and `findings sweep` for the lifecycle (docs/risk.md).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "app/command.h"
#include "app/risk_pipeline.h"
#include "core/json_writer.h"
#include "core/location.h"
#include "core/text.h"
#include "db/finding_store.h"
#include "db/store.h"

namespace citywatch::app {
namespace {

struct ListOptions {
  std::vector<std::string> kinds, severities, statuses, districts, in_city;
  std::optional<int> min_score;
  std::string ip;
};

struct ExemptOptions {
  std::int64_t id = 0;
  std::string ip, reason, until, by, note;
};

core::Result<db::FindingFilter> make_filter(const ListOptions& o) {
  db::FindingFilter f;
  auto each = [](const std::vector<std::string>& values, auto parse, auto& out,
                 const char* what) -> core::Result<void> {
    for (const auto& v : values) {
      for (const auto& part : core::split_trimmed(v, ',')) {
        auto p = parse(part);
        if (!p) {
          return core::fail(core::ErrorCode::kUsage,
                            std::string("unknown ") + what + " '" + part + "'");
        }
        out.push_back(*p);
      }
    }
    return core::ok();
  };
  CITYWATCH_TRY(each(o.kinds, core::parse_finding_kind, f.kinds, "kind"));
  CITYWATCH_TRY(each(o.severities, core::parse_severity, f.severities, "severity"));
  CITYWATCH_TRY(each(o.statuses, core::parse_finding_status, f.statuses, "status"));
  for (const auto& v : o.districts) {
    for (const auto& d : core::split_trimmed(v, ',')) f.districts.push_back(d);
  }
  for (const auto& v : o.in_city) {
    for (const auto& part : core::split_trimmed(v, ',')) {
      if (!core::parse_in_city(part)) {
        return core::fail(core::ErrorCode::kUsage,
                          "--in-city takes yes, no, possibly or unknown, not '" + part + "'");
      }
      f.in_city.push_back(part);
    }
  }
  f.min_score = o.min_score;
  if (!o.ip.empty()) {
    auto ip = core::IpAddress::parse(o.ip);
    if (!ip) return core::fail(core::ErrorCode::kUsage, "not an IP address: " + o.ip);
    f.ip = *ip;
  }
  return f;
}

std::string cve_cell(const std::vector<core::CveRef>& cves) {
  std::string out;
  for (const auto& c : cves) {
    if (!out.empty()) out += ' ';
    out += c.id;
    if (c.kev) out += "(KEV)";
    if (!c.verified) out += "(unverified)";
  }
  return out;
}

core::Result<int> run_list(const Context& c, const ListOptions& options) {
  auto filter = make_filter(options);
  if (!filter) return core::fail(filter.error());
  auto store = db::Store::open(c.config.database_path, false);
  if (!store) return core::fail(store.error());
  db::FindingStore findings(store->connection());
  core::SystemClock clock;
  RowWriter out(c.format, {"id", "ip", "port", "transport", "kind", "code", "severity",
                           "confidence", "status", "exempt", "score", "district", "cves",
                           "first_seen", "last_seen", "evidence", "sentence"});
  CITYWATCH_TRY(findings.list(*filter, clock.now(), [&](const db::StoredFinding& s) {
    const core::Finding& f = s.finding;
    std::string evidence;
    for (const auto& e : f.evidence) evidence += (evidence.empty() ? "" : " ") + e;
    out.row({Cell(s.id), Cell(f.ip.to_string()), Cell(static_cast<std::int64_t>(f.port)),
             Cell(std::string(core::to_string(f.transport))),
             Cell(std::string(core::to_string(f.kind))), Cell(f.code),
             Cell(std::string(core::to_string(f.severity))),
             Cell(std::string(core::to_string(f.confidence))),
             Cell(std::string(core::to_string(s.status))),
             s.exempt ? Cell(s.exempt_reason) : Cell(),
             Cell(static_cast<std::int64_t>(s.device_score)), Cell(s.district_code),
             Cell(cve_cell(f.cves)), Cell(core::format_utc(s.first_seen)),
             Cell(core::format_utc(s.last_seen)), Cell(evidence), Cell(f.sentence)});
  }));
  out.finish();
  return 0;
}

core::Result<int> run_show(const Context& c, std::int64_t id) {
  auto store = db::Store::open(c.config.database_path, false);
  if (!store) return core::fail(store.error());
  db::FindingStore findings(store->connection());
  auto ip = findings.device_of(id);
  if (!ip) return core::fail(ip.error());
  if (!*ip) {
    return core::fail(core::ErrorCode::kNotFound,
                      "no finding " + std::to_string(id) + "; see `citywatch findings`");
  }
  db::FindingFilter filter;
  filter.ip = **ip;
  core::SystemClock clock;
  std::optional<db::StoredFinding> found;
  CITYWATCH_TRY(findings.list(filter, clock.now(), [&](const db::StoredFinding& s) {
    if (s.id == id) found = s;
  }));
  auto history = findings.history(id);
  if (!history) return core::fail(history.error());
  const core::Finding& f = found->finding;
  if (c.format == OutputFormat::kJson) {
    core::JsonWriter w;
    w.begin_object().field("id", id).field("ip", f.ip.to_string()).field("port", f.port);
    w.field("kind", core::to_string(f.kind)).field("code", f.code);
    w.field("severity", core::to_string(f.severity));
    w.field("confidence", core::to_string(f.confidence));
    w.field("status", core::to_string(found->status)).field("sentence", f.sentence);
    w.key("history").begin_array();
    for (const auto& e : *history) {
      w.begin_object().field("at", core::format_utc(e.at)).field("event", e.event);
      w.field("status", e.status).field("severity", e.severity).field("evidence", e.evidence);
      w.field("note", e.note).end_object();
    }
    w.end_array().end_object();
    std::printf("%s\n", w.str().c_str());
    return 0;
  }
  std::printf("finding %lld: %s %s on %s port %u (%s, %s, %s)%s\n  %s\nhistory:\n",
              static_cast<long long>(id), std::string(core::to_string(f.kind)).c_str(),
              f.code.c_str(), f.ip.to_string().c_str(), static_cast<unsigned>(f.port),
              std::string(core::to_string(f.severity)).c_str(),
              std::string(core::to_string(f.confidence)).c_str(),
              std::string(core::to_string(found->status)).c_str(),
              found->exempt ? (" exempt: " + found->exempt_reason).c_str() : "",
              f.sentence.c_str());
  for (const auto& e : *history) {
    std::printf("  %s  %-9s %-9s %-8s %s %s\n", core::format_utc(e.at).c_str(), e.event.c_str(),
                e.status.c_str(), e.severity.c_str(), e.evidence.c_str(), e.note.c_str());
  }
  return 0;
}

core::Result<int> run_exempt(const Context& c, const ExemptOptions& o) {
  db::Exemption e;
  static constexpr std::string_view kReasons[] = {"not-ours", "research-honeypot", "accepted-risk"};
  if (std::find(std::begin(kReasons), std::end(kReasons), o.reason) == std::end(kReasons)) {
    return core::fail(core::ErrorCode::kUsage,
                      "--reason must be not-ours, research-honeypot or accepted-risk");
  }
  e.reason = o.reason;
  auto until = core::parse_utc_date(o.until);
  if (!until) until = core::parse_utc_timestamp(o.until);
  if (!until) return core::fail(core::ErrorCode::kUsage, "--until must be a date (YYYY-MM-DD)");
  e.until = *until;
  e.note = o.note;
  e.by = o.by;
  if (e.by.empty()) {
    const char* user = std::getenv("USER");
    e.by = user && *user ? user : "unknown";
  }
  if (!o.ip.empty()) {
    auto ip = core::IpAddress::parse(o.ip);
    if (!ip) return core::fail(core::ErrorCode::kUsage, "not an IP address: " + o.ip);
    e.ip = *ip;
  } else if (o.id > 0) {
    e.finding_id = o.id;
  } else {
    return core::fail(core::ErrorCode::kUsage, "name a finding ID or a device with --ip");
  }
  auto store = db::Store::open(c.config.database_path, false);
  if (!store) return core::fail(store.error());
  core::SystemClock clock;
  auto tx = db::Transaction::begin(store->connection());
  if (!tx) return core::fail(tx.error());
  db::FindingStore findings(store->connection());
  auto id = findings.exempt(e, clock.now());
  if (!id) return core::fail(id.error());
  core::IpAddress device = e.ip ? *e.ip : **findings.device_of(*e.finding_id);
  CITYWATCH_TRY(rescore_devices(*store, {device}, clock.now()));
  CITYWATCH_TRY(tx->commit());
  std::printf("exemption %lld: %s %s until %s (%s, by %s); exempt findings are not notified\n",
              static_cast<long long>(*id),
              e.ip ? ("device " + e.ip->to_string()).c_str()
                   : ("finding " + std::to_string(*e.finding_id)).c_str(),
              e.reason.c_str(), core::format_utc(e.until).c_str(),
              e.note.empty() ? "no note" : e.note.c_str(), e.by.c_str());
  return 0;
}

core::Result<int> run_sweep(const Context& c, std::size_t days, const std::string& now_text) {
  core::SystemClock clock;
  core::UnixSeconds now = clock.now();
  if (!now_text.empty()) {
    auto t = core::parse_utc_date(now_text);
    if (!t) t = core::parse_utc_timestamp(now_text);
    if (!t) return core::fail(core::ErrorCode::kUsage, "--now must be a date (YYYY-MM-DD)");
    now = *t;
  }
  auto store = db::Store::open(c.config.database_path, false);
  if (!store) return core::fail(store.error());
  auto tx = db::Transaction::begin(store->connection());
  if (!tx) return core::fail(tx.error());
  db::FindingStore findings(store->connection());
  core::UnixSeconds cutoff = now - static_cast<core::UnixSeconds>(days) * 86400;
  auto devices = findings.sweep_gone(cutoff, clock.now());
  if (!devices) return core::fail(devices.error());
  CITYWATCH_TRY(rescore_devices(*store, *devices, clock.now()));
  CITYWATCH_TRY(tx->commit());
  std::printf("findings not seen since %s are now gone (not fixed): %zu devices re-scored\n",
              core::format_utc(cutoff).c_str(), devices->size());
  return 0;
}

}  // namespace

void register_findings_command(Commands& commands) {
  auto list = std::make_shared<ListOptions>();
  auto exempt = std::make_shared<ExemptOptions>();
  auto show_id = std::make_shared<std::int64_t>(0);
  auto days = std::make_shared<std::size_t>(0);
  auto sweep_now = std::make_shared<std::string>();
  auto subs = std::make_shared<std::vector<CLI::App*>>();
  CLI::App* cmd = commands.add(
      "findings",
      "list findings (what is insecure, how bad, why), newest evidence and device score; "
      "subcommands: show, exempt, sweep",
      "citywatch findings --kind no-auth,default-password --severity high,critical "
      "--min-score 60 --status open\n  citywatch findings exempt 17 --reason research-honeypot "
      "--until 2027-01-01 --by ciso-team",
      [list, exempt, show_id, days, sweep_now, subs](const Context& c) -> core::Result<int> {
        if ((*subs)[0]->parsed()) return run_show(c, *show_id);
        if ((*subs)[1]->parsed()) return run_exempt(c, *exempt);
        if ((*subs)[2]->parsed()) {
          return run_sweep(c, *days ? *days : c.config.gone_after_days, *sweep_now);
        }
        return run_list(c, *list);
      });
  cmd->add_option("--kind", list->kinds,
                  "no-auth, default-password, vulnerable, exposed-service, infected (comma list)");
  cmd->add_option("--severity", list->severities,
                  "info, low, medium, high, critical (comma list; exact levels)");
  cmd->add_option("--status", list->statuses,
                  "open, notified, fixed, verified, reopened, gone (comma list)");
  cmd->add_option("--min-score", list->min_score, "only devices scoring at least this (0-100)")
      ->check(CLI::Range(0, 100));
  cmd->add_option("--ip", list->ip, "only this device");
  cmd->add_option("--district", list->districts,
                  "only devices in these districts (codes such as WK051828, comma-separated)");
  cmd->add_option("--in-city", list->in_city,
                  "only devices whose location is yes, no, possibly or unknown (comma-separated)");

  CLI::App* show = cmd->add_subcommand("show", "one finding with its history");
  add_example(show, "citywatch findings show 17");
  show->add_option("id", *show_id, "finding id")->required();

  CLI::App* ex = cmd->add_subcommand(
      "exempt",
      "exempt a finding (or with --ip a whole device): it is not notified and shown "
      "as exempt until the date");
  add_example(ex,
              "citywatch findings exempt 17 --reason research-honeypot --until 2027-01-01 "
              "--by ciso-team --note 'TU Delft honeypot'");
  ex->add_option("id", exempt->id, "finding id (see `citywatch findings`)");
  ex->add_option("--ip", exempt->ip, "exempt every finding of this device instead");
  ex->add_option("--reason", exempt->reason, "not-ours, research-honeypot or accepted-risk")
      ->required();
  ex->add_option("--until", exempt->until, "expiry date, YYYY-MM-DD")->required();
  ex->add_option("--by", exempt->by, "who decided (default: $USER)");
  ex->add_option("--note", exempt->note, "free text kept with the exemption");

  CLI::App* sweep = cmd->add_subcommand(
      "sweep", "mark active findings whose service was not seen for a while as gone");
  add_example(sweep, "citywatch findings sweep --older-than 30");
  sweep->add_option("--older-than", *days,
                    "days without a sighting (default [risk] gone_after_days, 30)");
  sweep->add_option("--now", *sweep_now, "reference date instead of today (YYYY-MM-DD)");
  *subs = {show, ex, sweep};
}

}  // namespace citywatch::app
