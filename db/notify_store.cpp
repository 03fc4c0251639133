#include "db/notify_store.h"

#include <algorithm>

#include "core/observation.h"
#include "core/text.h"
#include "db/finding_store.h"
#include "db/store.h"

namespace citywatch::db {
namespace {

core::Transport transport_of(std::int64_t v) {
  return v == 17 ? core::Transport::kUdp : core::Transport::kTcp;
}

std::string join_kinds(const std::vector<core::FindingKind>& kinds) {
  std::string out;
  for (auto k : kinds) out += (out.empty() ? "" : ",") + std::string(core::to_string(k));
  return out;
}

std::optional<core::UnixSeconds> opt_int(const Statement& s, int col) {
  if (s.is_null(col)) return std::nullopt;
  return s.int64(col);
}

constexpr std::string_view kPartnerColumns =
    "id, name, organisation, contact, channel, format, webhook_url, secret_file, secret_env, "
    "ca_file, allow_insecure, email_to, smtp_url, smtp_user, smtp_password_file, "
    "smtp_password_env, interval_seconds, opt_out_kinds, paused, source";

core::Partner read_partner(const Statement& s) {
  core::Partner p;
  p.id = s.int64(0);
  p.name = s.text(1);
  p.organisation = s.text(2);
  p.contact = s.text(3);
  p.channel = core::parse_delivery_channel(s.text(4)).value_or(core::DeliveryChannel::kPull);
  p.format = core::parse_batch_format(s.text(5)).value_or(core::BatchFormat::kCsv);
  p.webhook_url = s.text(6);
  p.hmac_secret = {s.text(7), s.text(8)};
  p.ca_file = s.text(9);
  p.allow_insecure = s.int64(10) != 0;
  p.email_to = s.text(11);
  p.smtp_url = s.text(12);
  p.smtp_user = s.text(13);
  p.smtp_password = {s.text(14), s.text(15)};
  p.interval = s.int64(16);
  for (const auto& k : core::split_trimmed(s.text(17), ',')) {
    if (auto kind = core::parse_finding_kind(k)) p.opt_out_kinds.push_back(*kind);
  }
  p.paused = s.int64(18) != 0;
  p.source = s.text(19);
  return p;
}

constexpr std::string_view kSummarySelect = R"sql(
  SELECT b.batch_id, b.partner_id, p.name, b.format, b.channel, b.created_at, b.status,
         b.item_count, b.attempts, b.next_attempt_at, b.delivered_at, b.acknowledged_at,
         b.last_error,
         (SELECT d.pid FROM deliveries d WHERE d.batch = b.id AND d.outcome = 'started'
            ORDER BY d.attempt DESC LIMIT 1)
  FROM batches b JOIN partners p ON p.id = b.partner_id)sql";

BatchSummary read_summary(const Statement& s) {
  BatchSummary b;
  b.batch_id = s.text(0);
  b.partner_id = s.int64(1);
  b.partner = s.text(2);
  b.format = core::parse_batch_format(s.text(3)).value_or(core::BatchFormat::kCsv);
  b.channel = core::parse_delivery_channel(s.text(4)).value_or(core::DeliveryChannel::kPull);
  b.created_at = s.int64(5);
  b.status = core::parse_batch_status(s.text(6)).value_or(core::BatchStatus::kPending);
  b.items = static_cast<int>(s.int64(7));
  b.attempts = static_cast<int>(s.int64(8));
  b.next_attempt_at = opt_int(s, 9);
  b.delivered_at = opt_int(s, 10);
  b.acknowledged_at = opt_int(s, 11);
  b.last_error = s.text(12);
  b.sender_pid = s.is_null(13) ? 0 : s.int64(13);
  return b;
}

}  // namespace

core::Result<std::int64_t> NotifyStore::upsert_partner(const core::Partner& p,
                                                       core::UnixSeconds now) {
  auto find = conn_.prepare("SELECT id, source, removed_at FROM partners WHERE name = ?");
  if (!find) return core::fail(find.error());
  find->bind(1, p.name);
  auto row = find->step();
  if (!row) return core::fail(row.error());
  std::optional<std::int64_t> id;
  if (*row) {
    id = find->int64(0);
    if (find->text(1) == "config" && p.source == "cli" && find->is_null(2)) {
      return core::fail(
          core::ErrorCode::kConfig,
          "partner " + p.name + " is defined in the configuration file; change it there");
    }
  }
  find->reset();
  std::string sql =
      id ? "UPDATE partners SET organisation = ?1, contact = ?2, channel = ?3, format = ?4, "
           "webhook_url = ?5, secret_file = ?6, secret_env = ?7, ca_file = ?8, "
           "allow_insecure = ?9, email_to = ?10, smtp_url = ?11, smtp_user = ?12, "
           "smtp_password_file = ?13, smtp_password_env = ?14, interval_seconds = ?15, "
           "opt_out_kinds = ?16, paused = ?17, source = ?18, updated_at = ?19, removed_at = NULL "
           "WHERE id = ?20"
         : "INSERT INTO partners (organisation, contact, channel, format, webhook_url, "
           "secret_file, secret_env, ca_file, allow_insecure, email_to, smtp_url, smtp_user, "
           "smtp_password_file, smtp_password_env, interval_seconds, opt_out_kinds, paused, "
           "source, updated_at, created_at, name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
           "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19, ?20)";
  auto u = conn_.prepare(sql);
  if (!u) return core::fail(u.error());
  u->bind_text_or_null(1, p.organisation).bind_text_or_null(2, p.contact);
  u->bind(3, core::to_string(p.channel)).bind(4, core::to_string(p.format));
  u->bind_text_or_null(5, p.webhook_url).bind_text_or_null(6, p.hmac_secret.file);
  u->bind_text_or_null(7, p.hmac_secret.env).bind_text_or_null(8, p.ca_file);
  u->bind(9, p.allow_insecure ? 1 : 0).bind_text_or_null(10, p.email_to);
  u->bind_text_or_null(11, p.smtp_url).bind_text_or_null(12, p.smtp_user);
  u->bind_text_or_null(13, p.smtp_password.file).bind_text_or_null(14, p.smtp_password.env);
  u->bind(15, p.interval).bind_text_or_null(16, join_kinds(p.opt_out_kinds));
  u->bind(17, p.paused ? 1 : 0).bind(18, p.source.empty() ? "cli" : p.source).bind(19, now);
  if (id) {
    u->bind(20, *id);
  } else {
    u->bind(20, p.name);
  }
  CITYWATCH_TRY(u->run());
  std::int64_t pid = id ? *id : conn_.last_insert_rowid();
  auto del = conn_.prepare("DELETE FROM partner_prefixes WHERE partner_id = ?");
  if (!del) return core::fail(del.error());
  del->bind(1, pid);
  CITYWATCH_TRY(del->run());
  auto dela = conn_.prepare("DELETE FROM partner_asns WHERE partner_id = ?");
  if (!dela) return core::fail(dela.error());
  dela->bind(1, pid);
  CITYWATCH_TRY(dela->run());
  CITYWATCH_TRY(add_prefixes(p.name, p.prefixes, now));
  auto ins = conn_.prepare("INSERT OR IGNORE INTO partner_asns (partner_id, asn) VALUES (?, ?)");
  if (!ins) return core::fail(ins.error());
  for (auto asn : p.asns) {
    ins->bind(1, pid).bind(2, static_cast<std::int64_t>(asn));
    CITYWATCH_TRY(ins->run());
  }
  return pid;
}

core::Result<std::size_t> NotifyStore::add_prefixes(
    const std::string& partner, const std::vector<core::PartnerPrefix>& prefixes,
    core::UnixSeconds now) {
  auto find = conn_.prepare("SELECT id FROM partners WHERE name = ? AND removed_at IS NULL");
  if (!find) return core::fail(find.error());
  find->bind(1, partner);
  auto row = find->step();
  if (!row) return core::fail(row.error());
  if (!*row) {
    return core::fail(core::ErrorCode::kNotFound,
                      "no partner " + partner + "; see `citywatch partners list`");
  }
  std::int64_t pid = find->int64(0);
  find->reset();
  auto ins = conn_.prepare(
      "INSERT INTO partner_prefixes (partner_id, prefix, asn, organisation) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (partner_id, prefix) DO UPDATE SET asn = excluded.asn, "
      "organisation = excluded.organisation");
  if (!ins) return core::fail(ins.error());
  for (const auto& p : prefixes) {
    ins->bind(1, pid).bind(2, p.prefix.to_string());
    if (p.asn) {
      ins->bind(3, static_cast<std::int64_t>(p.asn));
    } else {
      ins->bind_null(3);
    }
    ins->bind_text_or_null(4, p.organisation);
    CITYWATCH_TRY(ins->run());
  }
  auto touch = conn_.prepare("UPDATE partners SET updated_at = ? WHERE id = ?");
  if (!touch) return core::fail(touch.error());
  touch->bind(1, now).bind(2, pid);
  CITYWATCH_TRY(touch->run());
  return prefixes.size();
}

core::Result<std::vector<core::Partner>> NotifyStore::partners() {
  auto q = conn_.prepare("SELECT " + std::string(kPartnerColumns) +
                         " FROM partners WHERE removed_at IS NULL ORDER BY id");
  if (!q) return core::fail(q.error());
  auto list = collect<core::Partner>(*q, read_partner);
  if (!list) return list;
  auto pq = conn_.prepare(
      "SELECT prefix, asn, organisation FROM partner_prefixes WHERE partner_id = ? ORDER BY "
      "prefix");
  auto aq = conn_.prepare("SELECT asn FROM partner_asns WHERE partner_id = ? ORDER BY asn");
  if (!pq) return core::fail(pq.error());
  if (!aq) return core::fail(aq.error());
  for (auto& p : *list) {
    pq->bind(1, p.id);
    while (true) {
      auto row = pq->step();
      if (!row) return core::fail(row.error());
      if (!*row) break;
      auto prefix = core::Prefix::parse(pq->text(0));
      if (!prefix) continue;  // written by us from a parsed prefix; cannot happen
      p.prefixes.push_back(
          {*prefix, static_cast<std::uint32_t>(pq->is_null(1) ? 0 : pq->int64(1)), pq->text(2)});
    }
    pq->reset();
    aq->bind(1, p.id);
    while (true) {
      auto row = aq->step();
      if (!row) return core::fail(row.error());
      if (!*row) break;
      p.asns.push_back(static_cast<std::uint32_t>(aq->int64(0)));
    }
    aq->reset();
  }
  return list;
}

core::Result<std::optional<core::Partner>> NotifyStore::partner(const std::string& name) {
  auto all = partners();
  if (!all) return core::fail(all.error());
  for (auto& p : *all) {
    if (p.name == name) return std::optional<core::Partner>(std::move(p));
  }
  return std::optional<core::Partner>();
}

core::Result<bool> NotifyStore::remove_partner(const std::string& name, core::UnixSeconds now) {
  auto u = conn_.prepare(
      "UPDATE partners SET removed_at = ?, updated_at = ? WHERE name = ? AND removed_at IS NULL");
  if (!u) return core::fail(u.error());
  u->bind(1, now).bind(2, now).bind(3, name);
  CITYWATCH_TRY(u->run());
  if (conn_.changes() == 0) return false;
  auto d = conn_.prepare(
      "DELETE FROM partner_prefixes WHERE partner_id = (SELECT id FROM partners WHERE name = ?)");
  if (!d) return core::fail(d.error());
  d->bind(1, name);
  CITYWATCH_TRY(d->run());
  auto da = conn_.prepare(
      "DELETE FROM partner_asns WHERE partner_id = (SELECT id FROM partners WHERE name = ?)");
  if (!da) return core::fail(da.error());
  da->bind(1, name);
  CITYWATCH_TRY(da->run());
  return true;
}

core::Result<std::vector<core::NotifiableFinding>> NotifyStore::notifiable_findings(
    core::UnixSeconds now) {
  auto q = conn_.prepare(R"sql(
    SELECT f.id, f.ip, f.port, f.transport, f.kind, f.code, f.severity, f.confidence, f.status,
           f.sentence, f.evidence, f.cves, f.first_seen, f.last_seen,
           EXISTS (SELECT 1 FROM exemptions e
                   WHERE (e.finding_id = f.id OR e.ip = f.ip) AND e.expires_at > ?1),
           coalesce(d.in_city, 'unknown'), d.district_code, d.district_name, d.asn,
           s.protocol, coalesce(s.vendor, d.vendor), coalesce(s.model, d.model),
           coalesce(s.firmware, s.version, d.firmware)
    FROM findings f
    LEFT JOIN devices d ON d.ip = f.ip
    LEFT JOIN services s ON s.ip = f.ip AND s.port = f.port AND s.transport = f.transport
    WHERE f.status IN ('open', 'notified', 'reopened')
       OR f.id IN (SELECT finding_id FROM partner_findings WHERE acknowledged_at IS NOT NULL)
    ORDER BY f.id)sql");
  if (!q) return core::fail(q.error());
  q->bind(1, now);
  auto src = conn_.prepare(
      "SELECT src_port FROM observations WHERE ip = ? AND port = ? AND transport = ? AND "
      "observed_at = ? AND source = ?");
  if (!src) return core::fail(src.error());
  std::vector<core::NotifiableFinding> out;
  while (true) {
    auto row = q->step();
    if (!row) return core::fail(row.error());
    if (!*row) break;
    core::NotifiableFinding n;
    core::BatchItem& it = n.item;
    it.finding_id = q->int64(0);
    it.ip = column_ip(*q, 1);
    it.port = static_cast<std::uint16_t>(q->int64(2));
    it.transport = transport_of(q->int64(3));
    it.kind = core::parse_finding_kind(q->text(4)).value_or(core::FindingKind::kExposedService);
    it.code = q->text(5);
    it.severity = core::parse_severity(q->text(6)).value_or(core::Severity::kInfo);
    it.confidence = core::parse_confidence(q->text(7)).value_or(core::Confidence::kConfirmed);
    n.status = core::parse_finding_status(q->text(8)).value_or(core::FindingStatus::kOpen);
    it.status = n.status;
    it.summary = q->text(9);
    std::vector<core::ObservationKey> keys;
    for (const auto& e : parse_evidence_json(q->text(10))) {
      if (auto key = core::ObservationKey::parse(e)) keys.push_back(*key);
    }
    it.cves = parse_cves_json(q->text(11));
    it.first_seen = q->int64(12);
    it.last_seen = q->int64(13);
    n.exempt = q->int64(14) != 0;
    n.in_city = q->text(15);
    it.district_code = q->text(16);
    it.district_name = q->text(17);
    it.asn = static_cast<std::uint32_t>(q->is_null(18) ? 0 : q->int64(18));
    it.protocol = q->text(19);
    it.vendor = q->text(20);
    it.model = q->text(21);
    it.version = q->text(22);
    std::sort(keys.begin(), keys.end(),
              [](const auto& a, const auto& b) { return a.observed_at < b.observed_at; });
    for (const auto& k : keys) {
      if (it.observed_at.empty() || it.observed_at.back() != k.observed_at) {
        it.observed_at.push_back(k.observed_at);
      }
    }
    if (it.observed_at.empty()) it.observed_at.push_back(it.last_seen);
    // The device's source port, from the newest observation that recorded one.
    for (auto k = keys.rbegin(); k != keys.rend() && !it.src_port; ++k) {
      bind_ip(*src, 1, k->ip);
      src->bind(2, static_cast<int>(k->port)).bind(3, static_cast<int>(k->transport));
      src->bind(4, k->observed_at).bind(5, static_cast<int>(k->source));
      auto r = src->step();
      if (!r) return core::fail(r.error());
      if (*r && !src->is_null(0)) it.src_port = static_cast<std::uint16_t>(src->int64(0));
      src->reset();
    }
    out.push_back(std::move(n));
  }
  return out;
}

core::Result<std::vector<core::PartnerFindingState>> NotifyStore::partner_states() {
  auto q = conn_.prepare(
      "SELECT partner_id, finding_id, last_sent_at, last_severity, acknowledged_at, "
      "recheck_due_at, outcome_reported FROM partner_findings");
  if (!q) return core::fail(q.error());
  return collect<core::PartnerFindingState>(*q, [](const Statement& s) {
    core::PartnerFindingState st;
    st.partner_id = s.int64(0);
    st.finding_id = s.int64(1);
    st.last_sent_at = s.int64(2);
    st.last_severity = core::parse_severity(s.text(3)).value_or(core::Severity::kInfo);
    st.acknowledged_at = opt_int(s, 4);
    st.recheck_due_at = s.is_null(5) ? 0 : s.int64(5);
    st.outcome_reported = s.text(6);
    return st;
  });
}

core::Result<std::unordered_set<std::int64_t>> NotifyStore::held_findings() {
  auto q = conn_.prepare(
      "SELECT DISTINCT i.finding_id FROM batch_items i JOIN batches b ON b.id = i.batch "
      "WHERE b.status IN ('pending', 'sending', 'retry', 'dead')");
  if (!q) return core::fail(q.error());
  std::unordered_set<std::int64_t> out;
  while (true) {
    auto row = q->step();
    if (!row) return core::fail(row.error());
    if (!*row) break;
    out.insert(q->int64(0));
  }
  return out;
}

core::Result<void> NotifyStore::store_batch(core::Batch& batch, core::DeliveryChannel channel,
                                            core::UnixSeconds recheck_after) {
  // Inside the caller's write transaction max(id) is stable, so the id can be named up front.
  auto next = conn_.prepare("SELECT coalesce(max(id), 0) + 1 FROM batches");
  if (!next) return core::fail(next.error());
  auto r = next->step();
  if (!r) return core::fail(r.error());
  std::int64_t row = next->int64(0);
  next->reset();
  batch.id = batch.partner_name + "-" + core::format_utc_compact(batch.created_at) + "-" +
             std::to_string(row);
  auto ins = conn_.prepare(
      "INSERT INTO batches (id, batch_id, partner_id, format, channel, created_at, status, "
      "item_count) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)");
  if (!ins) return core::fail(ins.error());
  ins->bind(1, row).bind(2, batch.id).bind(3, batch.partner_id);
  ins->bind(4, core::to_string(batch.format)).bind(5, core::to_string(channel));
  ins->bind(6, batch.created_at).bind(7, static_cast<std::int64_t>(batch.items.size()));
  CITYWATCH_TRY(ins->run());
  batch.status = core::BatchStatus::kPending;

  auto item = conn_.prepare(R"sql(
    INSERT INTO batch_items (batch, item, finding_id, notice, status, ip, port, transport,
      protocol, asn, kind, code, severity, confidence, vendor, model, version, cves, summary,
      district_code, district_name, observed_at, src_port, first_seen, last_seen)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
      ?20, ?21, ?22, ?23, ?24, ?25))sql");
  if (!item) return core::fail(item.error());
  auto sent = conn_.prepare(R"sql(
    INSERT INTO partner_findings (partner_id, finding_id, last_batch, last_sent_at, last_severity)
    VALUES (?1, ?2, ?3, ?4, ?5)
    ON CONFLICT (partner_id, finding_id) DO UPDATE SET last_batch = ?3, last_sent_at = ?4,
      last_severity = ?5, acknowledged_at = NULL, recheck_due_at = NULL, outcome_reported = NULL)sql");
  if (!sent) return core::fail(sent.error());
  auto told = conn_.prepare(
      "UPDATE partner_findings SET last_batch = ?3, outcome_reported = ?4, "
      "recheck_due_at = CASE WHEN ?4 = 'open' THEN ?5 ELSE recheck_due_at END "
      "WHERE partner_id = ?1 AND finding_id = ?2");
  if (!told) return core::fail(told.error());
  for (const auto& it : batch.items) {
    Statement& s = *item;
    s.bind(1, row).bind(2, it.item).bind(3, it.finding_id).bind(4, core::to_string(it.notice));
    s.bind(5, core::to_string(it.status));
    bind_ip(s, 6, it.ip);
    s.bind(7, static_cast<int>(it.port)).bind(8, static_cast<int>(it.transport));
    s.bind_text_or_null(9, it.protocol);
    if (it.asn) {
      s.bind(10, static_cast<std::int64_t>(it.asn));
    } else {
      s.bind_null(10);
    }
    s.bind(11, core::to_string(it.kind)).bind(12, it.code);
    s.bind(13, core::to_string(it.severity)).bind(14, core::to_string(it.confidence));
    s.bind_text_or_null(15, it.vendor).bind_text_or_null(16, it.model);
    s.bind_text_or_null(17, it.version).bind_text_or_null(18, cves_json(it.cves));
    s.bind_text_or_null(19, it.summary).bind_text_or_null(20, it.district_code);
    s.bind_text_or_null(21, it.district_name);
    std::string times;
    for (auto t : it.observed_at) times += (times.empty() ? "" : " ") + std::to_string(t);
    s.bind(22, times);
    if (it.src_port) {
      s.bind(23, static_cast<int>(*it.src_port));
    } else {
      s.bind_null(23);
    }
    s.bind(24, it.first_seen).bind(25, it.last_seen);
    CITYWATCH_TRY(s.run());
    if (it.notice == core::Notice::kRecheck) {
      told->bind(1, batch.partner_id).bind(2, it.finding_id).bind(3, row);
      told->bind(4, core::to_string(it.status)).bind(5, batch.created_at + recheck_after);
      CITYWATCH_TRY(told->run());
    } else {
      sent->bind(1, batch.partner_id).bind(2, it.finding_id).bind(3, row);
      sent->bind(4, batch.created_at).bind(5, core::to_string(it.severity));
      CITYWATCH_TRY(sent->run());
    }
  }
  return core::ok();
}

core::Result<std::vector<BatchSummary>> NotifyStore::list_batches(const BatchFilter& filter) {
  std::string sql(kSummarySelect);
  sql += " WHERE 1";
  if (!filter.partner.empty()) sql += " AND p.name = ?";
  if (!filter.statuses.empty()) {
    sql += " AND b.status IN (";
    for (std::size_t i = 0; i < filter.statuses.size(); ++i) sql += i ? ", ?" : "?";
    sql += ")";
  }
  sql += " ORDER BY b.id";
  auto q = conn_.prepare(sql);
  if (!q) return core::fail(q.error());
  int i = 1;
  if (!filter.partner.empty()) q->bind(i++, filter.partner);
  for (auto s : filter.statuses) q->bind(i++, core::to_string(s));
  return collect<BatchSummary>(*q, read_summary);
}

core::Result<std::optional<BatchSummary>> NotifyStore::summary(const std::string& batch_id) {
  auto q = conn_.prepare(std::string(kSummarySelect) + " WHERE b.batch_id = ?");
  if (!q) return core::fail(q.error());
  q->bind(1, batch_id);
  auto row = q->step();
  if (!row) return core::fail(row.error());
  if (!*row) return std::optional<BatchSummary>();
  return std::optional<BatchSummary>(read_summary(*q));
}

core::Result<PartnerEffect> NotifyStore::effect(std::int64_t partner_id) {
  PartnerEffect e;
  auto b = conn_.prepare(
      "SELECT count(*), count(delivered_at), count(acknowledged_at), "
      "sum(status = 'dead') FROM batches WHERE partner_id = ? AND status <> 'discarded'");
  if (!b) return core::fail(b.error());
  b->bind(1, partner_id);
  auto row = b->step();
  if (!row) return core::fail(row.error());
  e.batches = static_cast<int>(b->int64(0));
  e.delivered = static_cast<int>(b->int64(1));
  e.acknowledged = static_cast<int>(b->int64(2));
  e.failed = static_cast<int>(b->int64(3));
  // First notice: the oldest batch of this partner holding the finding (discarded ones never
  // reached it).
  auto f = conn_.prepare(
      "SELECT f.status IN ('fixed', 'verified'), f.status_observed_at - ("
      "  SELECT min(b.created_at) FROM batch_items i JOIN batches b ON b.id = i.batch"
      "  WHERE i.finding_id = pf.finding_id AND b.partner_id = pf.partner_id"
      "    AND b.status <> 'discarded') "
      "FROM partner_findings pf JOIN findings f ON f.id = pf.finding_id WHERE pf.partner_id = ?");
  if (!f) return core::fail(f.error());
  f->bind(1, partner_id);
  std::vector<double> days;
  while (true) {
    auto r = f->step();
    if (!r) return core::fail(r.error());
    if (!*r) break;
    ++e.findings_sent;
    if (f->int64(0) == 1 && !f->is_null(1) && f->int64(1) >= 0) {
      ++e.fixed_after_notice;
      days.push_back(static_cast<double>(f->int64(1)) / 86400.0);
    }
  }
  if (!days.empty()) {
    std::sort(days.begin(), days.end());
    std::size_t mid = days.size() / 2;
    e.median_days_to_fix = days.size() % 2 ? days[mid] : (days[mid - 1] + days[mid]) / 2;
  }
  return e;
}

namespace {

core::Result<std::map<std::string, std::int64_t>> counts_of(Connection& conn, const char* sql) {
  auto q = conn.prepare(sql);
  if (!q) return core::fail(q.error());
  std::map<std::string, std::int64_t> out;
  while (true) {
    auto row = q->step();
    if (!row) return core::fail(row.error());
    if (!*row) break;
    out[q->text(0)] = q->int64(1);
  }
  return out;
}

}  // namespace

core::Result<std::map<std::string, std::int64_t>> NotifyStore::attempts_by_outcome() {
  return counts_of(conn_, "SELECT outcome, count(*) FROM deliveries GROUP BY outcome");
}

core::Result<std::map<std::string, std::int64_t>> NotifyStore::batches_by_status() {
  return counts_of(conn_, "SELECT status, count(*) FROM batches GROUP BY status");
}

core::Result<bool> NotifyStore::mark_fetched(const std::string& batch_id, core::UnixSeconds now) {
  auto u = conn_.prepare(
      "UPDATE batches SET status = 'delivered', delivered_at = ? "
      "WHERE batch_id = ? AND status = 'pending' AND channel = 'pull'");
  if (!u) return core::fail(u.error());
  u->bind(1, now).bind(2, batch_id);
  CITYWATCH_TRY(u->run());
  return conn_.changes() > 0;
}

core::Result<std::int64_t> NotifyStore::row_of(const std::string& batch_id) {
  auto q = conn_.prepare("SELECT id FROM batches WHERE batch_id = ?");
  if (!q) return core::fail(q.error());
  q->bind(1, batch_id);
  auto row = q->step();
  if (!row) return core::fail(row.error());
  if (!*row) {
    return core::fail(core::ErrorCode::kNotFound,
                      "no batch " + batch_id + "; see `citywatch batches list`");
  }
  return q->int64(0);
}

core::Result<std::optional<core::Batch>> NotifyStore::load_batch(const std::string& batch_id) {
  auto sum = summary(batch_id);
  if (!sum) return core::fail(sum.error());
  if (!*sum) return std::optional<core::Batch>();
  auto row = row_of(batch_id);
  if (!row) return core::fail(row.error());
  core::Batch b;
  b.id = batch_id;
  b.partner_id = (*sum)->partner_id;
  b.partner_name = (*sum)->partner;
  b.format = (*sum)->format;
  b.created_at = (*sum)->created_at;
  b.status = (*sum)->status;
  auto q = conn_.prepare(R"sql(
    SELECT item, finding_id, notice, status, ip, port, transport, protocol, asn, kind, code,
           severity, confidence, vendor, model, version, cves, summary, district_code,
           district_name, observed_at, src_port, first_seen, last_seen
    FROM batch_items WHERE batch = ? ORDER BY item)sql");
  if (!q) return core::fail(q.error());
  q->bind(1, *row);
  auto items = collect<core::BatchItem>(*q, [](const Statement& s) {
    core::BatchItem it;
    it.item = static_cast<int>(s.int64(0));
    it.finding_id = s.int64(1);
    it.notice = core::parse_notice(s.text(2)).value_or(core::Notice::kNew);
    it.status = core::parse_finding_status(s.text(3)).value_or(core::FindingStatus::kOpen);
    it.ip = column_ip(s, 4);
    it.port = static_cast<std::uint16_t>(s.int64(5));
    it.transport = transport_of(s.int64(6));
    it.protocol = s.text(7);
    it.asn = static_cast<std::uint32_t>(s.is_null(8) ? 0 : s.int64(8));
    it.kind = core::parse_finding_kind(s.text(9)).value_or(core::FindingKind::kExposedService);
    it.code = s.text(10);
    it.severity = core::parse_severity(s.text(11)).value_or(core::Severity::kInfo);
    it.confidence = core::parse_confidence(s.text(12)).value_or(core::Confidence::kConfirmed);
    it.vendor = s.text(13);
    it.model = s.text(14);
    it.version = s.text(15);
    it.cves = parse_cves_json(s.text(16));
    it.summary = s.text(17);
    it.district_code = s.text(18);
    it.district_name = s.text(19);
    for (const auto& t : core::split_trimmed(s.text(20), ' ')) {
      if (auto v = core::parse_int(t, 0, 1LL << 40)) it.observed_at.push_back(*v);
    }
    if (!s.is_null(21)) it.src_port = static_cast<std::uint16_t>(s.int64(21));
    it.first_seen = s.int64(22);
    it.last_seen = s.int64(23);
    return it;
  });
  if (!items) return core::fail(items.error());
  b.items = std::move(*items);
  return std::optional<core::Batch>(std::move(b));
}

core::Result<std::vector<AttemptRecord>> NotifyStore::attempts(const std::string& batch_id) {
  auto row = row_of(batch_id);
  if (!row) return core::fail(row.error());
  auto q = conn_.prepare(
      "SELECT attempt, channel, pid, started_at, finished_at, outcome, http_status, response, "
      "error, next_attempt_at FROM deliveries WHERE batch = ? ORDER BY attempt");
  if (!q) return core::fail(q.error());
  q->bind(1, *row);
  return collect<AttemptRecord>(*q, [](const Statement& s) {
    AttemptRecord a;
    a.attempt = static_cast<int>(s.int64(0));
    a.channel = s.text(1);
    a.pid = s.is_null(2) ? 0 : s.int64(2);
    a.started_at = s.int64(3);
    a.finished_at = opt_int(s, 4);
    a.outcome = s.text(5);
    a.http_status = s.is_null(6) ? 0 : static_cast<long>(s.int64(6));
    a.response = s.text(7);
    a.error = s.text(8);
    a.next_attempt_at = opt_int(s, 9);
    return a;
  });
}

core::Result<std::vector<ItemFeedback>> NotifyStore::feedback(const std::string& batch_id) {
  auto row = row_of(batch_id);
  if (!row) return core::fail(row.error());
  auto q = conn_.prepare(
      "SELECT item, feedback, feedback_note, feedback_at FROM batch_items "
      "WHERE batch = ? AND feedback IS NOT NULL ORDER BY item");
  if (!q) return core::fail(q.error());
  q->bind(1, *row);
  return collect<ItemFeedback>(*q, [](const Statement& s) {
    return ItemFeedback{static_cast<int>(s.int64(0)), core::parse_feedback(s.text(1)), s.text(2),
                        s.int64(3)};
  });
}

core::Result<std::vector<BatchSummary>> NotifyStore::due_batches(core::UnixSeconds now) {
  auto q = conn_.prepare(std::string(kSummarySelect) +
                         " WHERE b.channel <> 'pull' AND p.paused = 0 AND p.removed_at IS NULL"
                         " AND (b.status IN ('pending', 'sending') OR"
                         " (b.status = 'retry' AND b.next_attempt_at <= ?)) ORDER BY b.id");
  if (!q) return core::fail(q.error());
  q->bind(1, now);
  return collect<BatchSummary>(*q, read_summary);
}

core::Result<int> NotifyStore::begin_attempt(const std::string& batch_id, std::int64_t pid,
                                             core::UnixSeconds now) {
  auto sum = summary(batch_id);
  if (!sum) return core::fail(sum.error());
  if (!*sum) return core::fail(core::ErrorCode::kNotFound, "no batch " + batch_id);
  auto st = (*sum)->status;
  if (st != core::BatchStatus::kPending && st != core::BatchStatus::kRetry &&
      st != core::BatchStatus::kSending) {
    return core::fail(core::ErrorCode::kUsage, "batch " + batch_id + " is " +
                                                   std::string(core::to_string(st)) +
                                                   "; only pending and retrying batches are sent");
  }
  auto row = row_of(batch_id);
  if (!row) return core::fail(row.error());
  auto interrupted = conn_.prepare(
      "UPDATE deliveries SET outcome = 'interrupted', finished_at = ?, "
      "error = 'the sender stopped before the attempt finished' "
      "WHERE batch = ? AND outcome = 'started'");
  if (!interrupted) return core::fail(interrupted.error());
  interrupted->bind(1, now).bind(2, *row);
  CITYWATCH_TRY(interrupted->run());
  int attempt = (*sum)->attempts + 1;
  auto ins = conn_.prepare(
      "INSERT INTO deliveries (batch, attempt, channel, pid, started_at, outcome) "
      "VALUES (?, ?, ?, ?, ?, 'started')");
  if (!ins) return core::fail(ins.error());
  ins->bind(1, *row).bind(2, attempt).bind(3, core::to_string((*sum)->channel));
  ins->bind(4, pid).bind(5, now);
  CITYWATCH_TRY(ins->run());
  auto u = conn_.prepare("UPDATE batches SET status = 'sending', attempts = ? WHERE id = ?");
  if (!u) return core::fail(u.error());
  u->bind(1, attempt).bind(2, *row);
  CITYWATCH_TRY(u->run());
  return attempt;
}

core::Result<void> NotifyStore::finish_attempt(const std::string& batch_id, const AttemptRecord& r,
                                               core::UnixSeconds now) {
  auto row = row_of(batch_id);
  if (!row) return core::fail(row.error());
  auto d = conn_.prepare(
      "UPDATE deliveries SET finished_at = ?, outcome = ?, http_status = ?, response = ?, "
      "error = ?, next_attempt_at = ? WHERE batch = ? AND attempt = ?");
  if (!d) return core::fail(d.error());
  d->bind(1, now).bind(2, r.outcome);
  if (r.http_status) {
    d->bind(3, static_cast<std::int64_t>(r.http_status));
  } else {
    d->bind_null(3);
  }
  d->bind_text_or_null(4, r.response).bind_text_or_null(5, r.error);
  d->bind(6, r.next_attempt_at).bind(7, *row).bind(8, r.attempt);
  CITYWATCH_TRY(d->run());
  std::string status = r.outcome == "delivered" ? "delivered"
                       : r.outcome == "dead"    ? "dead"
                                                : "retry";
  auto b = conn_.prepare(
      "UPDATE batches SET status = CASE WHEN status = 'acknowledged' THEN status ELSE ?1 END, "
      "next_attempt_at = ?2, delivered_at = CASE WHEN ?1 = 'delivered' THEN ?3 "
      "ELSE delivered_at END, last_error = ?4 WHERE id = ?5");
  if (!b) return core::fail(b.error());
  b->bind(1, status).bind(2, r.next_attempt_at).bind(3, now).bind_text_or_null(4, r.error);
  b->bind(5, *row);
  return b->run();
}

core::Result<int> NotifyStore::acknowledge(const std::string& batch_id, const std::string& by,
                                           core::UnixSeconds now, core::UnixSeconds recheck_after) {
  auto sum = summary(batch_id);
  if (!sum) return core::fail(sum.error());
  if (!*sum) {
    return core::fail(core::ErrorCode::kNotFound,
                      "no batch " + batch_id + "; see `citywatch batches list`");
  }
  if ((*sum)->status == core::BatchStatus::kAcknowledged) return 0;  // again: nothing changes
  if ((*sum)->status == core::BatchStatus::kDiscarded) {
    return core::fail(core::ErrorCode::kUsage,
                      "batch " + batch_id + " was discarded; its findings go into a new batch");
  }
  auto row = row_of(batch_id);
  if (!row) return core::fail(row.error());
  auto u = conn_.prepare(
      "UPDATE batches SET status = 'acknowledged', acknowledged_at = ?, acknowledged_by = ?, "
      "next_attempt_at = NULL WHERE id = ?");
  if (!u) return core::fail(u.error());
  u->bind(1, now).bind(2, by).bind(3, *row);
  CITYWATCH_TRY(u->run());
  auto items = conn_.prepare(
      "SELECT finding_id FROM batch_items WHERE batch = ? AND notice <> 'recheck' ORDER BY item");
  if (!items) return core::fail(items.error());
  items->bind(1, *row);
  std::vector<std::int64_t> ids;
  while (true) {
    auto r = items->step();
    if (!r) return core::fail(r.error());
    if (!*r) break;
    ids.push_back(items->int64(0));
  }
  auto pf = conn_.prepare(
      "UPDATE partner_findings SET acknowledged_at = ?, recheck_due_at = ?, "
      "outcome_reported = NULL WHERE partner_id = ? AND finding_id = ?");
  if (!pf) return core::fail(pf.error());
  FindingStore findings(conn_);
  int notified = 0;
  for (auto id : ids) {
    pf->bind(1, now).bind(2, now + recheck_after).bind(3, (*sum)->partner_id).bind(4, id);
    CITYWATCH_TRY(pf->run());
    auto marked = findings.mark_notified(
        id, now, "partner " + (*sum)->partner + " acknowledged batch " + batch_id);
    if (!marked) return core::fail(marked.error());
    notified += *marked ? 1 : 0;
  }
  return notified;
}

core::Result<void> NotifyStore::set_feedback(const std::string& batch_id, int item,
                                             core::Feedback feedback, const std::string& note,
                                             core::UnixSeconds now) {
  auto sum = summary(batch_id);
  if (!sum) return core::fail(sum.error());
  if (!*sum) return core::fail(core::ErrorCode::kNotFound, "no batch " + batch_id);
  auto row = row_of(batch_id);
  if (!row) return core::fail(row.error());
  auto u = conn_.prepare(
      "UPDATE batch_items SET feedback = ?, feedback_note = ?, feedback_at = ? "
      "WHERE batch = ? AND item = ? RETURNING finding_id");
  if (!u) return core::fail(u.error());
  u->bind(1, core::to_string(feedback)).bind_text_or_null(2, note).bind(3, now);
  u->bind(4, *row).bind(5, item);
  auto r = u->step();
  if (!r) return core::fail(r.error());
  if (!*r) {
    return core::fail(core::ErrorCode::kNotFound, "batch " + batch_id + " has no item " +
                                                      std::to_string(item) + " (it has " +
                                                      std::to_string((*sum)->items) + ")");
  }
  std::int64_t finding = u->int64(0);
  u->reset();
  FindingStore findings(conn_);
  CITYWATCH_TRY(findings.note_event(finding, now, "feedback",
                                    (*sum)->partner + ": " +
                                        std::string(core::to_string(feedback)) +
                                        (note.empty() ? "" : " (" + note + ")") + " on batch " +
                                        batch_id + " item " + std::to_string(item)));
  if (feedback == core::Feedback::kDispute) {
    auto d = conn_.prepare(
        "INSERT INTO disputes (batch, item, finding_id, partner_id, note, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (batch, item) DO UPDATE SET note = excluded.note, "
        "created_at = excluded.created_at, resolved_at = NULL, resolution = NULL");
    if (!d) return core::fail(d.error());
    d->bind(1, *row).bind(2, item).bind(3, finding).bind(4, (*sum)->partner_id);
    d->bind_text_or_null(5, note).bind(6, now);
    CITYWATCH_TRY(d->run());
  } else if (feedback == core::Feedback::kFixed) {
    // The partner says it is fixed: look again soon instead of waiting for the re-check time.
    auto pf = conn_.prepare(
        "UPDATE partner_findings SET recheck_due_at = min(coalesce(recheck_due_at, ?1), ?1) "
        "WHERE partner_id = ? AND finding_id = ? AND acknowledged_at IS NOT NULL");
    if (!pf) return core::fail(pf.error());
    pf->bind(1, now).bind(2, (*sum)->partner_id).bind(3, finding);
    CITYWATCH_TRY(pf->run());
  }
  return core::ok();
}

core::Result<std::vector<Dispute>> NotifyStore::open_disputes() {
  auto q = conn_.prepare(R"sql(
    SELECT d.id, b.batch_id, p.name, d.item, d.finding_id, i.ip, i.port, i.kind, i.code,
           d.note, d.created_at
    FROM disputes d JOIN batches b ON b.id = d.batch JOIN partners p ON p.id = d.partner_id
    JOIN batch_items i ON i.batch = d.batch AND i.item = d.item
    WHERE d.resolved_at IS NULL ORDER BY d.id)sql");
  if (!q) return core::fail(q.error());
  return collect<Dispute>(*q, [](const Statement& s) {
    Dispute d;
    d.id = s.int64(0);
    d.batch_id = s.text(1);
    d.partner = s.text(2);
    d.item = static_cast<int>(s.int64(3));
    d.finding_id = s.int64(4);
    d.ip = column_ip(s, 5);
    d.port = static_cast<std::uint16_t>(s.int64(6));
    d.kind = s.text(7);
    d.code = s.text(8);
    d.note = s.text(9);
    d.created_at = s.int64(10);
    return d;
  });
}

core::Result<void> NotifyStore::requeue(const std::string& batch_id, core::UnixSeconds now) {
  (void)now;
  auto u = conn_.prepare(
      "UPDATE batches SET status = 'pending', next_attempt_at = NULL WHERE batch_id = ? AND "
      "status = 'dead'");
  if (!u) return core::fail(u.error());
  u->bind(1, batch_id);
  CITYWATCH_TRY(u->run());
  if (conn_.changes() == 0) {
    return core::fail(core::ErrorCode::kUsage,
                      "batch " + batch_id + " is not dead; nothing to retry");
  }
  return core::ok();
}

core::Result<void> NotifyStore::discard(const std::string& batch_id, core::UnixSeconds now) {
  (void)now;
  auto u = conn_.prepare(
      "UPDATE batches SET status = 'discarded', next_attempt_at = NULL WHERE batch_id = ? AND "
      "status IN ('pending', 'retry', 'dead')");
  if (!u) return core::fail(u.error());
  u->bind(1, batch_id);
  CITYWATCH_TRY(u->run());
  if (conn_.changes() == 0) {
    return core::fail(
        core::ErrorCode::kUsage,
        "batch " + batch_id + " cannot be discarded (only pending, retrying or dead batches)");
  }
  // Its findings were never told: forget what this batch recorded so they go out again.
  auto f = conn_.prepare(
      "DELETE FROM partner_findings WHERE last_batch = (SELECT id FROM batches WHERE batch_id = ?) "
      "AND acknowledged_at IS NULL");
  if (!f) return core::fail(f.error());
  f->bind(1, batch_id);
  return f->run();
}

core::Result<std::vector<RecheckDue>> NotifyStore::recheck_due(core::UnixSeconds now) {
  auto q = conn_.prepare(R"sql(
    SELECT f.id, p.name, f.ip, f.port, f.transport, f.kind, f.code, f.status,
           pf.acknowledged_at, pf.recheck_due_at, f.last_seen
    FROM partner_findings pf JOIN findings f ON f.id = pf.finding_id
    JOIN partners p ON p.id = pf.partner_id
    WHERE pf.acknowledged_at IS NOT NULL AND pf.recheck_due_at <= ? AND f.status = 'notified'
    ORDER BY pf.recheck_due_at, f.id)sql");
  if (!q) return core::fail(q.error());
  q->bind(1, now);
  return collect<RecheckDue>(*q, [](const Statement& s) {
    RecheckDue r;
    r.finding_id = s.int64(0);
    r.partner = s.text(1);
    r.ip = column_ip(s, 2);
    r.port = static_cast<std::uint16_t>(s.int64(3));
    r.transport = transport_of(s.int64(4));
    r.kind = s.text(5);
    r.code = s.text(6);
    r.status = s.text(7);
    r.acknowledged_at = s.int64(8);
    r.due_at = s.int64(9);
    r.last_seen = s.int64(10);
    return r;
  });
}

}  // namespace citywatch::db
