#include "db/finding_store.h"

#include <algorithm>

#include "core/json_writer.h"
#include "db/store.h"

namespace citywatch::db {
namespace {

constexpr std::size_t kMaxEvidence = 10;  // newest kept; the events table has the rest

// A minimal reader for the JSON arrays of strings this file writes itself.
std::vector<std::string> parse_string_array(std::string_view json) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < json.size()) {
    if (json[i] != '"') {
      ++i;
      continue;
    }
    std::string cur;
    ++i;
    while (i < json.size() && json[i] != '"') {
      if (json[i] == '\\' && i + 1 < json.size()) ++i;
      cur += json[i++];
    }
    ++i;
    out.push_back(std::move(cur));
  }
  return out;
}

// [{"id":..., "cvss":..., "kev":..., "verified":...}] written by cves_json.
std::vector<core::CveRef> parse_cves(std::string_view json) {
  std::vector<core::CveRef> out;
  std::size_t pos = 0;
  while ((pos = json.find("{\"id\":\"", pos)) != std::string_view::npos) {
    core::CveRef r;
    std::size_t start = pos + 7;
    std::size_t end = json.find('"', start);
    if (end == std::string_view::npos) break;
    r.id = std::string(json.substr(start, end - start));
    std::size_t close = json.find('}', end);
    std::string_view obj =
        json.substr(end, close == std::string_view::npos ? json.size() - end : close - end);
    if (auto c = obj.find("\"cvss\":"); c != std::string_view::npos) {
      r.cvss = std::strtod(std::string(obj.substr(c + 7, 8)).c_str(), nullptr);
    }
    r.kev = obj.find("\"kev\":true") != std::string_view::npos;
    r.verified = obj.find("\"verified\":false") == std::string_view::npos;
    out.push_back(std::move(r));
    pos = end;
  }
  return out;
}

core::Transport transport_of(std::int64_t v) {
  return v == 17 ? core::Transport::kUdp : core::Transport::kTcp;
}

}  // namespace

const std::string_view kFindingSelect = R"sql(
  SELECT f.id, f.ip, f.port, f.transport, f.kind, f.code, f.severity, f.confidence, f.status,
         f.sentence, f.evidence, f.cves, f.first_seen, f.last_seen,
         (SELECT e.reason FROM exemptions e
            WHERE (e.finding_id = f.id OR e.ip = f.ip) AND e.expires_at > ?1
            ORDER BY e.id DESC LIMIT 1),
         coalesce(d.risk_score, 0), d.district_code, d.district_name,
         coalesce(d.in_city, 'unknown')
  FROM findings f LEFT JOIN devices d ON d.ip = f.ip)sql";

StoredFinding read_finding(const Statement& s) {
  StoredFinding r;
  r.id = s.int64(0);
  core::Finding& f = r.finding;
  f.ip = column_ip(s, 1);
  f.port = static_cast<std::uint16_t>(s.int64(2));
  f.transport = transport_of(s.int64(3));
  f.kind = core::parse_finding_kind(s.text(4)).value_or(core::FindingKind::kExposedService);
  f.code = s.text(5);
  f.severity = core::parse_severity(s.text(6)).value_or(core::Severity::kInfo);
  f.confidence = core::parse_confidence(s.text(7)).value_or(core::Confidence::kConfirmed);
  r.status = core::parse_finding_status(s.text(8)).value_or(core::FindingStatus::kOpen);
  f.sentence = s.text(9);
  f.evidence = parse_string_array(s.text(10));
  f.cves = parse_cves(s.text(11));
  r.first_seen = s.int64(12);
  r.last_seen = s.int64(13);
  f.observed_at = r.last_seen;
  r.exempt_reason = s.text(14);
  r.exempt = !s.is_null(14);
  r.device_score = static_cast<int>(s.int64(15));
  r.district_code = s.text(16);
  r.district_name = s.text(17);
  r.in_city = s.text(18);
  return r;
}

std::vector<std::string> parse_evidence_json(std::string_view json) {
  return parse_string_array(json);
}
std::vector<core::CveRef> parse_cves_json(std::string_view json) { return parse_cves(json); }

std::string evidence_json(const std::vector<std::string>& evidence) {
  core::JsonWriter w;
  w.begin_array();
  for (const auto& e : evidence) w.value(e);
  w.end_array();
  return w.take();
}

std::string cves_json(const std::vector<core::CveRef>& cves) {
  if (cves.empty()) return {};
  core::JsonWriter w;
  w.begin_array();
  for (const auto& c : cves) {
    w.begin_object()
        .field("id", c.id)
        .field("cvss", c.cvss)
        .field("kev", c.kev)
        .field("verified", c.verified)
        .end_object();
  }
  w.end_array();
  return w.take();
}

core::Result<void> FindingStore::add_event(std::int64_t id, core::UnixSeconds now,
                                           core::UnixSeconds observed_at, std::string_view event,
                                           std::string_view status, std::string_view severity,
                                           std::string_view evidence, std::string_view note) {
  if (!event_) {
    auto s = conn_.prepare(
        "INSERT INTO finding_events (finding_id, at, observed_at, event, status, severity, "
        "evidence, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s) return core::fail(s.error());
    event_.emplace(std::move(*s));
  }
  event_->bind(1, id).bind(2, now).bind(3, observed_at).bind(4, event).bind(5, status);
  event_->bind(6, severity).bind_text_or_null(7, evidence).bind_text_or_null(8, note);
  return event_->run();
}

core::Result<FindingStore::Outcome> FindingStore::record_present(const core::Finding& f,
                                                                 core::UnixSeconds now) {
  if (!find_) {
    auto s = conn_.prepare(
        "SELECT id, status, first_seen, last_seen, status_observed_at, evidence, severity "
        "FROM findings WHERE ip = ? AND port = ? AND transport = ? AND kind = ? AND code = ?");
    if (!s) return core::fail(s.error());
    find_.emplace(std::move(*s));
  }
  Statement& q = *find_;
  bind_ip(q, 1, f.ip);
  q.bind(2, static_cast<int>(f.port)).bind(3, static_cast<int>(f.transport));
  q.bind(4, core::to_string(f.kind)).bind(5, f.code);
  auto row = q.step();
  if (!row) return core::fail(row.error());
  std::string severity(core::to_string(f.severity));
  std::string evidence = f.evidence.empty() ? "" : f.evidence.front();
  if (!*row) {
    q.reset();
    auto ins = conn_.prepare(R"sql(
      INSERT INTO findings (ip, port, transport, kind, code, severity, confidence, status,
        sentence, evidence, cves, first_seen, last_seen, status_observed_at, status_changed_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?))sql");
    if (!ins) return core::fail(ins.error());
    bind_ip(*ins, 1, f.ip);
    ins->bind(2, static_cast<int>(f.port)).bind(3, static_cast<int>(f.transport));
    ins->bind(4, core::to_string(f.kind)).bind(5, f.code).bind(6, severity);
    ins->bind(7, core::to_string(f.confidence)).bind(8, f.sentence);
    ins->bind(9, evidence_json(f.evidence)).bind_text_or_null(10, cves_json(f.cves));
    ins->bind(11, f.observed_at).bind(12, f.observed_at).bind(13, f.observed_at).bind(14, now);
    CITYWATCH_TRY(ins->run());
    std::int64_t id = conn_.last_insert_rowid();
    CITYWATCH_TRY(add_event(id, now, f.observed_at, "opened", "open", severity, evidence, {}));
    return Outcome::kOpened;
  }
  std::int64_t id = q.int64(0);
  auto status = core::parse_finding_status(q.text(1)).value_or(core::FindingStatus::kOpen);
  core::UnixSeconds first = q.int64(2), last = q.int64(3), status_at = q.int64(4);
  std::vector<std::string> ev = parse_string_array(q.text(5));
  std::string old_severity = q.text(6);
  q.reset();

  bool newer = f.observed_at >= last;
  std::string new_status(core::to_string(status));
  bool reopen = !core::is_active(status) && f.observed_at > status_at;
  if (reopen) new_status = "reopened";
  for (const auto& e : f.evidence) {
    if (std::find(ev.begin(), ev.end(), e) == ev.end()) ev.push_back(e);
  }
  if (ev.size() > kMaxEvidence) ev.erase(ev.begin(), ev.end() - kMaxEvidence);
  if (!update_) {
    // Newer evidence decides severity, sentence and CVEs; older evidence only widens the time.
    auto s = conn_.prepare(R"sql(
      UPDATE findings SET
        severity = CASE WHEN ?1 THEN ?2 ELSE severity END,
        confidence = CASE WHEN ?1 THEN ?3 ELSE confidence END,
        sentence = CASE WHEN ?1 THEN ?4 ELSE sentence END,
        cves = CASE WHEN ?1 THEN ?5 ELSE cves END,
        evidence = ?6, first_seen = ?7, last_seen = ?8,
        status_observed_at = CASE WHEN status <> ?9 THEN ?10 ELSE status_observed_at END,
        status_changed_at = CASE WHEN status <> ?9 THEN ?11 ELSE status_changed_at END,
        status = ?9
      WHERE id = ?12)sql");
    if (!s) return core::fail(s.error());
    update_.emplace(std::move(*s));
  }
  Statement& u = *update_;
  u.bind(1, newer ? 1 : 0).bind(2, severity).bind(3, core::to_string(f.confidence));
  u.bind(4, f.sentence).bind_text_or_null(5, cves_json(f.cves)).bind(6, evidence_json(ev));
  u.bind(7, std::min(first, f.observed_at)).bind(8, std::max(last, f.observed_at));
  u.bind(9, new_status).bind(10, f.observed_at).bind(11, now).bind(12, id);
  CITYWATCH_TRY(u.run());
  if (reopen) {
    CITYWATCH_TRY(add_event(id, now, f.observed_at, "reopened", new_status, severity, evidence,
                            "seen again after " + std::string(core::to_string(status))));
  } else if (newer && old_severity != severity) {
    CITYWATCH_TRY(add_event(id, now, f.observed_at, "severity", new_status, severity, evidence,
                            "was " + old_severity));
  }
  return reopen ? Outcome::kReopened : Outcome::kRefreshed;
}

core::Result<bool> FindingStore::record_secure(const core::Finding& f, core::UnixSeconds now) {
  auto q = conn_.prepare(
      "SELECT id, status, last_seen, severity FROM findings "
      "WHERE ip = ? AND port = ? AND transport = ? AND kind = ? AND code = ?");
  if (!q) return core::fail(q.error());
  bind_ip(*q, 1, f.ip);
  q->bind(2, static_cast<int>(f.port)).bind(3, static_cast<int>(f.transport));
  q->bind(4, core::to_string(f.kind)).bind(5, f.code);
  auto row = q->step();
  if (!row) return core::fail(row.error());
  if (!*row) return false;
  std::int64_t id = q->int64(0);
  auto status = core::parse_finding_status(q->text(1)).value_or(core::FindingStatus::kOpen);
  core::UnixSeconds last = q->int64(2);
  std::string severity = q->text(3);
  if (status == core::FindingStatus::kFixed) {
    // A second, later look that is still secure confirms the fix.
    auto at = conn_.prepare("SELECT status_observed_at FROM findings WHERE id = ?");
    if (!at) return core::fail(at.error());
    at->bind(1, id);
    auto r = at->step();
    if (!r) return core::fail(r.error());
    if (!*r || f.observed_at <= at->int64(0)) return false;
    auto v = conn_.prepare(
        "UPDATE findings SET status = 'verified', status_observed_at = ?, status_changed_at = ? "
        "WHERE id = ?");
    if (!v) return core::fail(v.error());
    v->bind(1, f.observed_at).bind(2, now).bind(3, id);
    CITYWATCH_TRY(v->run());
    CITYWATCH_TRY(add_event(id, now, f.observed_at, "verified", "verified", severity,
                            f.evidence.empty() ? "" : f.evidence.front(),
                            "a later look at the same service confirms the fix"));
    return true;
  }
  // Only a later look at the same service can fix it; an older one says nothing about now.
  if (!core::is_active(status) || f.observed_at <= last) return false;
  auto u = conn_.prepare(
      "UPDATE findings SET status = 'fixed', status_observed_at = ?, status_changed_at = ? "
      "WHERE id = ?");
  if (!u) return core::fail(u.error());
  u->bind(1, f.observed_at).bind(2, now).bind(3, id);
  CITYWATCH_TRY(u->run());
  CITYWATCH_TRY(add_event(id, now, f.observed_at, "fixed", "fixed", severity,
                          f.evidence.empty() ? "" : f.evidence.front(),
                          "the same service was seen again without the problem"));
  return true;
}

core::Result<void> FindingStore::set_service_auth(const core::IpAddress& ip, std::uint16_t port,
                                                  core::Transport transport,
                                                  std::string_view auth) {
  auto u =
      conn_.prepare("UPDATE services SET auth = ? WHERE ip = ? AND port = ? AND transport = ?");
  if (!u) return core::fail(u.error());
  u->bind(1, auth);
  bind_ip(*u, 2, ip);
  u->bind(3, static_cast<int>(port)).bind(4, static_cast<int>(transport));
  return u->run();
}

core::Result<std::vector<StoredFinding>> FindingStore::active_for_device(const core::IpAddress& ip,
                                                                         core::UnixSeconds now) {
  auto q = conn_.prepare(std::string(kFindingSelect) +
                         " WHERE f.ip = ?2 AND f.status IN ('open', 'notified', 'reopened')"
                         " ORDER BY f.id");
  if (!q) return core::fail(q.error());
  q->bind(1, now);
  bind_ip(*q, 2, ip);
  std::vector<StoredFinding> out;
  while (true) {
    auto row = q->step();
    if (!row) return core::fail(row.error());
    if (!*row) break;
    out.push_back(read_finding(*q));
  }
  return out;
}

core::Result<void> FindingStore::set_device_risk(const core::IpAddress& ip, int score,
                                                 const std::string& explanation_json) {
  auto u = conn_.prepare("UPDATE devices SET risk_score = ?, risk_explanation = ? WHERE ip = ?");
  if (!u) return core::fail(u.error());
  u->bind(1, score).bind_text_or_null(2, explanation_json);
  bind_ip(*u, 3, ip);
  return u->run();
}

core::Result<void> FindingStore::list(const FindingFilter& filter, core::UnixSeconds now,
                                      const std::function<void(const StoredFinding&)>& fn) {
  std::string sql(kFindingSelect);
  sql += " WHERE 1";
  auto in_list = [&](const char* column, std::size_t n) {
    if (n == 0) return;
    sql += std::string(" AND ") + column + " IN (";
    for (std::size_t i = 0; i < n; ++i) sql += i ? ", ?" : "?";
    sql += ")";
  };
  in_list("f.kind", filter.kinds.size());
  in_list("f.severity", filter.severities.size());
  in_list("f.status", filter.statuses.size());
  in_list("d.district_code", filter.districts.size());
  in_list("coalesce(d.in_city, 'unknown')", filter.in_city.size());
  if (filter.min_score) sql += " AND coalesce(d.risk_score, 0) >= ?";
  if (filter.ip) sql += " AND f.ip = ?";
  sql +=
      " ORDER BY coalesce(d.risk_score, 0) DESC, f.ip, CASE f.severity WHEN 'critical' THEN 0 "
      "WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, f.port, f.id";
  auto q = conn_.prepare(sql);
  if (!q) return core::fail(q.error());
  int i = 1;
  q->bind(i++, now);
  for (auto k : filter.kinds) q->bind(i++, core::to_string(k));
  for (auto s : filter.severities) q->bind(i++, core::to_string(s));
  for (auto s : filter.statuses) q->bind(i++, core::to_string(s));
  for (const auto& d : filter.districts) q->bind(i++, d);
  for (const auto& c : filter.in_city) q->bind(i++, c);
  if (filter.min_score) q->bind(i++, *filter.min_score);
  if (filter.ip) bind_ip(*q, i++, *filter.ip);
  while (true) {
    auto row = q->step();
    if (!row) return core::fail(row.error());
    if (!*row) break;
    fn(read_finding(*q));
  }
  return core::ok();
}

core::Result<std::vector<FindingEvent>> FindingStore::history(std::int64_t finding_id) {
  auto q = conn_.prepare(
      "SELECT at, observed_at, event, status, severity, evidence, note FROM finding_events "
      "WHERE finding_id = ? ORDER BY id");
  if (!q) return core::fail(q.error());
  q->bind(1, finding_id);
  std::vector<FindingEvent> out;
  while (true) {
    auto row = q->step();
    if (!row) return core::fail(row.error());
    if (!*row) break;
    out.push_back(
        {q->int64(0), q->int64(1), q->text(2), q->text(3), q->text(4), q->text(5), q->text(6)});
  }
  return out;
}

core::Result<std::optional<core::IpAddress>> FindingStore::device_of(std::int64_t finding_id) {
  auto q = conn_.prepare("SELECT ip FROM findings WHERE id = ?");
  if (!q) return core::fail(q.error());
  q->bind(1, finding_id);
  auto row = q->step();
  if (!row) return core::fail(row.error());
  if (!*row) return std::optional<core::IpAddress>();
  return std::optional<core::IpAddress>(column_ip(*q, 0));
}

core::Result<bool> FindingStore::mark_notified(std::int64_t id, core::UnixSeconds now,
                                               std::string_view note) {
  auto u = conn_.prepare(
      "UPDATE findings SET status = 'notified', status_changed_at = ? "
      "WHERE id = ? AND status IN ('open', 'reopened')");
  if (!u) return core::fail(u.error());
  u->bind(1, now).bind(2, id);
  CITYWATCH_TRY(u->run());
  if (conn_.changes() == 0) return false;
  auto sev = conn_.prepare("SELECT severity FROM findings WHERE id = ?");
  if (!sev) return core::fail(sev.error());
  sev->bind(1, id);
  auto row = sev->step();
  if (!row) return core::fail(row.error());
  std::string severity = *row ? sev->text(0) : "";
  sev->reset();
  CITYWATCH_TRY(add_event(id, now, 0, "notified", "notified", severity, "", note));
  return true;
}

core::Result<void> FindingStore::note_event(std::int64_t id, core::UnixSeconds now,
                                            std::string_view event, std::string_view note) {
  auto q = conn_.prepare("SELECT status, severity FROM findings WHERE id = ?");
  if (!q) return core::fail(q.error());
  q->bind(1, id);
  auto row = q->step();
  if (!row) return core::fail(row.error());
  if (!*row) return core::fail(core::ErrorCode::kNotFound, "no finding " + std::to_string(id));
  std::string status = q->text(0), severity = q->text(1);
  q->reset();
  return add_event(id, now, 0, event, status, severity, "", note);
}

core::Result<std::int64_t> FindingStore::exempt(const Exemption& e, core::UnixSeconds now) {
  if (e.finding_id) {
    auto ip = device_of(*e.finding_id);
    if (!ip) return core::fail(ip.error());
    if (!*ip) {
      return core::fail(core::ErrorCode::kNotFound, "no finding " + std::to_string(*e.finding_id) +
                                                        "; see `citywatch findings` for the ids");
    }
  }
  auto ins = conn_.prepare(
      "INSERT INTO exemptions (finding_id, ip, reason, note, created_by, created_at, expires_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!ins) return core::fail(ins.error());
  if (e.finding_id) {
    ins->bind(1, *e.finding_id).bind_null(2);
  } else {
    ins->bind_null(1);
    bind_ip(*ins, 2, *e.ip);
  }
  ins->bind(3, e.reason).bind_text_or_null(4, e.note).bind(5, e.by).bind(6, now).bind(7, e.until);
  CITYWATCH_TRY(ins->run());
  std::int64_t id = conn_.last_insert_rowid();
  if (e.finding_id) {
    CITYWATCH_TRY(add_event(*e.finding_id, now, 0, "exempted", "exempt", "", "",
                            e.reason + " by " + e.by + " until " + core::format_utc(e.until) +
                                (e.note.empty() ? "" : ": " + e.note)));
  }
  return id;
}

core::Result<std::optional<LiftedExemption>> FindingStore::lift_exemption(std::int64_t exemption_id,
                                                                          const std::string& by,
                                                                          core::UnixSeconds now) {
  auto q = conn_.prepare(
      "SELECT e.finding_id, coalesce(e.ip, f.ip), e.reason, coalesce(f.status, ''), "
      "coalesce(f.severity, '') FROM exemptions e "
      "LEFT JOIN findings f ON f.id = e.finding_id WHERE e.id = ? AND e.expires_at > ?");
  if (!q) return core::fail(q.error());
  q->bind(1, exemption_id).bind(2, now);
  auto row = q->step();
  if (!row) return core::fail(row.error());
  if (!*row) return std::optional<LiftedExemption>();
  LiftedExemption lifted;
  lifted.id = exemption_id;
  if (!q->is_null(0)) lifted.finding_id = q->int64(0);
  lifted.device = column_ip(*q, 1);
  std::string reason = q->text(2), status = q->text(3), severity = q->text(4);
  q->reset();
  // The row stays, ended now: what was exempt when, and by whom, remains on record.
  auto u = conn_.prepare("UPDATE exemptions SET expires_at = ? WHERE id = ?");
  if (!u) return core::fail(u.error());
  u->bind(1, now).bind(2, exemption_id);
  CITYWATCH_TRY(u->run());
  if (lifted.finding_id) {
    CITYWATCH_TRY(
        add_event(*lifted.finding_id, now, 0, "unexempted", status, severity, "",
                  reason + " exemption " + std::to_string(exemption_id) + " lifted by " + by));
  }
  return std::optional<LiftedExemption>(lifted);
}

core::Result<std::vector<core::IpAddress>> FindingStore::sweep_gone(core::UnixSeconds cutoff,
                                                                    core::UnixSeconds now) {
  auto q = conn_.prepare(
      "SELECT id, ip, severity, status FROM findings "
      "WHERE status IN ('open', 'notified', 'reopened') AND last_seen < ?");
  if (!q) return core::fail(q.error());
  q->bind(1, cutoff);
  struct Gone {
    std::int64_t id;
    core::IpAddress ip;
    std::string severity, status;
  };
  std::vector<Gone> gone;
  while (true) {
    auto row = q->step();
    if (!row) return core::fail(row.error());
    if (!*row) break;
    gone.push_back({q->int64(0), column_ip(*q, 1), q->text(2), q->text(3)});
  }
  auto u = conn_.prepare(
      "UPDATE findings SET status = 'gone', status_observed_at = last_seen, "
      "status_changed_at = ? WHERE id = ?");
  if (!u) return core::fail(u.error());
  std::vector<core::IpAddress> devices;
  for (const auto& g : gone) {
    u->bind(1, now).bind(2, g.id);
    CITYWATCH_TRY(u->run());
    CITYWATCH_TRY(
        add_event(g.id, now, 0, "gone", "gone", g.severity, "",
                  "not seen since before " + core::format_utc(cutoff) + " (was " + g.status + ")"));
    if (std::find(devices.begin(), devices.end(), g.ip) == devices.end()) devices.push_back(g.ip);
  }
  return devices;
}

}  // namespace citywatch::db
