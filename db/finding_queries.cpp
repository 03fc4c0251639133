#include "db/finding_queries.h"

#include <limits>

#include "core/text.h"
#include "db/store.h"

namespace citywatch::db {
namespace {

void bind_list(Statement& s, int index, const std::string& comma_list) {
  s.bind_text_or_null(index, comma_list);
}

ExemptionRow read_exemption(const Statement& r) {
  ExemptionRow e;
  e.id = r.int64(0);
  if (!r.is_null(1)) e.finding_id = r.int64(1);
  if (!r.is_null(2)) e.device = column_ip(r, 2);
  e.whole_device = r.int64(3) != 0;
  e.reason = r.text(4);
  e.note = r.text(5);
  e.by = r.text(6);
  e.created_at = r.int64(7);
  e.expires_at = r.int64(8);
  return e;
}

constexpr std::string_view kExemptionSelect = R"sql(
  SELECT e.id, e.finding_id, coalesce(e.ip, f.ip), e.ip IS NOT NULL, e.reason,
         coalesce(e.note, ''), e.created_by, e.created_at, e.expires_at
  FROM exemptions e LEFT JOIN findings f ON f.id = e.finding_id)sql";

}  // namespace

namespace {

struct SortColumn {
  std::string_view name, sql;
  enum class Type { kInteger, kText, kAddress } type;
};

// Fixed SQL per order; only these texts are ever put into the statement.
constexpr std::array<SortColumn, 9> kSortColumns{{
    {"newest", "f.id", SortColumn::Type::kInteger},
    {"severity",
     "(CASE f.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 "
     "WHEN 'low' THEN 1 ELSE 0 END)",
     SortColumn::Type::kInteger},
    {"score", "coalesce(d.risk_score, 0)", SortColumn::Type::kInteger},
    {"first_seen", "f.first_seen", SortColumn::Type::kInteger},
    {"last_seen", "f.last_seen", SortColumn::Type::kInteger},
    {"kind", "f.kind", SortColumn::Type::kText},
    {"status", "f.status", SortColumn::Type::kText},
    {"district", "coalesce(d.district_name, '')", SortColumn::Type::kText},
    {"ip", "f.ip", SortColumn::Type::kAddress},
}};

const SortColumn& column_of(FindingSort sort) { return kSortColumns[static_cast<int>(sort)]; }

}  // namespace

std::optional<FindingSort> parse_finding_sort(std::string_view name) {
  for (std::size_t i = 0; i < kSortColumns.size(); ++i) {
    if (kSortColumns[i].name == name) return static_cast<FindingSort>(i);
  }
  return std::nullopt;
}

std::string sort_key(const StoredFinding& row, FindingSort sort) {
  switch (sort) {
    case FindingSort::kNewest:
      return std::to_string(row.id);
    case FindingSort::kSeverity:
      return std::to_string(static_cast<int>(row.finding.severity));  // as the CASE ranks it
    case FindingSort::kScore:
      return std::to_string(row.device_score);
    case FindingSort::kFirstSeen:
      return std::to_string(row.first_seen);
    case FindingSort::kLastSeen:
      return std::to_string(row.last_seen);
    case FindingSort::kKind:
      return std::string(core::to_string(row.finding.kind));
    case FindingSort::kStatus:
      return std::string(core::to_string(row.status));
    case FindingSort::kDistrict:
      return row.district_name;
    case FindingSort::kIp:
      return row.finding.ip.to_string();
  }
  return {};
}

core::Result<std::vector<StoredFinding>> list_findings(Connection& conn, const Visibility& who,
                                                       const FindingQuery& q,
                                                       core::UnixSeconds now) {
  // Rows are found by the device's address (its index; a device detail must not scan every
  // finding) or in the chosen order. A partner sees only the findings in its own batches (?3;
  // the view is empty until batches exist).
  constexpr std::string_view kFilters = R"sql(
      AND (?3 IS NULL OR f.id IN (SELECT finding_id FROM partner_visible_findings
                                  WHERE partner_id = ?3))
      AND (?4 IS NULL OR instr(',' || ?4 || ',', ',' || f.kind || ',') > 0)
      AND (?5 IS NULL OR instr(',' || ?5 || ',', ',' || f.severity || ',') > 0)
      AND (?6 IS NULL OR instr(',' || ?6 || ',', ',' || f.status || ',') > 0)
      AND (?7 IS NULL OR instr(',' || ?7 || ',', ',' || d.district_code || ',') > 0)
      AND (?8 IS NULL OR instr(',' || ?8 || ',', ',' || coalesce(d.in_city, 'unknown') || ',') > 0)
      AND (?9 IS NULL OR coalesce(d.risk_score, 0) >= ?9)
      AND (?10 IS NULL OR f.last_seen >= ?10)
      AND (?11 IS NULL OR f.last_seen < ?11)
      AND (?15 IS NULL OR lower(d.vendor) = lower(?15))
      AND (?16 IS NULL OR instr(lower(d.org), lower(?16)) > 0)
      AND (?17 IS NULL OR d.asn = ?17))sql";
  const SortColumn& col = column_of(q.sort);
  const std::string key(col.sql);
  const std::string after = q.ascending ? " > " : " < ";
  const std::string dir = q.ascending ? " ASC" : " DESC";
  // Newest first keeps the plain id range (the primary key walks it); other orders compare the
  // (key, id) pair with the last row shown.
  std::string where = q.sort == FindingSort::kNewest ? "(?2 IS NULL OR f.id" + after + "?2)"
                                                     : "(?2 IS NULL OR " + key + after + "?2 OR (" +
                                                           key + " = ?2 AND f.id" + after + "?14))";
  std::string order = q.sort == FindingSort::kNewest ? " ORDER BY f.id" + dir
                                                     : " ORDER BY " + key + dir + ", f.id" + dir;
  auto stmt =
      conn.prepare(std::string(kFindingSelect) + (q.ip ? " WHERE f.ip = ?12 AND " : " WHERE ") +
                   where + std::string(kFilters) + order + " LIMIT ?13");
  if (!stmt) return core::fail(stmt.error());
  Statement& s = *stmt;
  s.bind(1, now);
  if (q.after_key) {
    switch (col.type) {
      case SortColumn::Type::kInteger: {
        auto v = core::parse_int(*q.after_key, INT64_MIN, INT64_MAX);
        if (!v) return core::fail(core::ErrorCode::kBadInput, "cursor is damaged");
        s.bind(2, static_cast<std::int64_t>(*v));
        break;
      }
      case SortColumn::Type::kText:
        s.bind(2, std::string_view(*q.after_key));
        break;
      case SortColumn::Type::kAddress: {
        auto ip = core::IpAddress::parse(*q.after_key);
        if (!ip) return core::fail(core::ErrorCode::kBadInput, "cursor is damaged");
        bind_ip(s, 2, *ip);
        break;
      }
    }
  }
  s.bind(3, who.partner_id);
  bind_list(s, 4, q.kinds);
  bind_list(s, 5, q.severities);
  bind_list(s, 6, q.statuses);
  bind_list(s, 7, q.districts);
  bind_list(s, 8, q.in_city);
  s.bind(9, q.min_score).bind(10, q.since).bind(11, q.until);
  if (q.ip) bind_ip(s, 12, *q.ip);
  s.bind(13, static_cast<std::int64_t>(q.limit)).bind(14, q.after_id);
  s.bind_text_or_null(15, q.vendor).bind_text_or_null(16, q.operator_name).bind(17, q.asn);
  return collect<StoredFinding>(s, read_finding);
}

core::Result<std::optional<StoredFinding>> get_finding(Connection& conn, const Visibility& who,
                                                       std::int64_t id, core::UnixSeconds now) {
  auto stmt = conn.prepare(std::string(kFindingSelect) + R"sql(
    WHERE f.id = ?2
      AND (?3 IS NULL OR f.id IN (SELECT finding_id FROM partner_visible_findings
                                  WHERE partner_id = ?3)))sql");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, now).bind(2, id).bind(3, who.partner_id);
  auto rows = collect<StoredFinding>(*stmt, read_finding);
  if (!rows) return core::fail(rows.error());
  if (rows->empty()) return std::optional<StoredFinding>();
  return std::optional<StoredFinding>(std::move(rows->front()));
}

core::Result<std::vector<DeviceFindingEvent>> device_finding_history(Connection& conn,
                                                                     const Visibility& who,
                                                                     const core::IpAddress& ip,
                                                                     std::size_t limit) {
  auto stmt = conn.prepare(R"sql(
    SELECT e.finding_id, f.kind, f.code, f.port, e.at, coalesce(e.observed_at, 0), e.event,
           e.status, e.severity, coalesce(e.evidence, ''), coalesce(e.note, '')
    FROM findings f JOIN finding_events e ON e.finding_id = f.id
    WHERE f.ip = ?1
      AND (?2 IS NULL OR f.id IN (SELECT finding_id FROM partner_visible_findings
                                  WHERE partner_id = ?2))
    ORDER BY e.id DESC LIMIT ?3)sql");
  if (!stmt) return core::fail(stmt.error());
  bind_ip(*stmt, 1, ip);
  stmt->bind(2, who.partner_id).bind(3, static_cast<std::int64_t>(limit));
  return collect<DeviceFindingEvent>(*stmt, [](const Statement& r) {
    DeviceFindingEvent d;
    d.finding_id = r.int64(0);
    d.kind = r.text(1);
    d.code = r.text(2);
    d.port = static_cast<std::uint16_t>(r.int64(3));
    d.event = {r.int64(4), r.int64(5), r.text(6), r.text(7), r.text(8), r.text(9), r.text(10)};
    return d;
  });
}

core::Result<std::vector<ExemptionRow>> exemptions_of_finding(Connection& conn,
                                                              std::int64_t finding_id,
                                                              const core::IpAddress& device) {
  auto stmt = conn.prepare(std::string(kExemptionSelect) +
                           " WHERE e.finding_id = ?1 OR e.ip = ?2 ORDER BY e.id DESC");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, finding_id);
  bind_ip(*stmt, 2, device);
  return collect<ExemptionRow>(*stmt, read_exemption);
}

core::Result<std::vector<ExemptionRow>> list_exemptions(Connection& conn, bool all,
                                                        core::UnixSeconds now,
                                                        std::optional<std::int64_t> before_id,
                                                        std::size_t limit) {
  auto stmt = conn.prepare(std::string(kExemptionSelect) + R"sql(
    WHERE e.id < ?1 AND (?2 OR e.expires_at > ?3) ORDER BY e.id DESC LIMIT ?4)sql");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, before_id.value_or(std::numeric_limits<std::int64_t>::max()));
  stmt->bind(2, all ? 1 : 0).bind(3, now).bind(4, static_cast<std::int64_t>(limit));
  return collect<ExemptionRow>(*stmt, read_exemption);
}

core::Result<std::vector<DistrictCounts>> district_counts(Connection& conn, core::UnixSeconds now) {
  // Per device: its worst active, unexempted finding (0 info .. 4 critical) and which kinds it
  // has; then per district.
  auto stmt = conn.prepare(R"sql(
    WITH active AS (
      SELECT f.ip, f.kind,
             CASE f.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2
                             WHEN 'low' THEN 1 ELSE 0 END AS level
      FROM findings f
      WHERE f.status IN ('open', 'notified', 'reopened')
        AND NOT EXISTS (SELECT 1 FROM exemptions e
                        WHERE (e.finding_id = f.id OR e.ip = f.ip) AND e.expires_at > ?1)),
    per_device AS (
      SELECT ip, max(level) AS level, max(kind = ?2) AS k0, max(kind = ?3) AS k1,
             max(kind = ?4) AS k2, max(kind = ?5) AS k3, max(kind = ?6) AS k4
      FROM active GROUP BY ip)
    SELECT coalesce(d.district_code, ''), max(coalesce(d.district_name, '')), count(*),
           count(p.ip), total(p.level = 0), total(p.level = 1), total(p.level = 2),
           total(p.level = 3), total(p.level = 4), total(p.k0), total(p.k1), total(p.k2),
           total(p.k3), total(p.k4)
    FROM devices d LEFT JOIN per_device p ON p.ip = d.ip
    WHERE d.district_code IS NOT NULL OR d.in_city IN ('yes', 'possibly')
    GROUP BY 1 ORDER BY 1)sql");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, now);
  for (int k = 0; k < 5; ++k) {
    stmt->bind(2 + k, core::to_string(static_cast<core::FindingKind>(k)));
  }
  return collect<DistrictCounts>(*stmt, [](const Statement& r) {
    DistrictCounts c;
    c.code = r.text(0);
    c.name = r.text(1);
    c.devices = r.int64(2);
    c.insecure_devices = r.int64(3);
    for (int i = 0; i < 5; ++i) {
      c.by_severity[static_cast<std::size_t>(i)] = static_cast<std::int64_t>(r.real(4 + i));
      c.by_kind[static_cast<std::size_t>(i)] = static_cast<std::int64_t>(r.real(9 + i));
    }
    return c;
  });
}

core::Result<std::vector<FindingCount>> active_finding_counts(Connection& conn) {
  auto stmt = conn.prepare(
      "SELECT kind, severity, count(*) FROM findings "
      "WHERE status IN ('open', 'notified', 'reopened') GROUP BY kind, severity");
  if (!stmt) return core::fail(stmt.error());
  return collect<FindingCount>(*stmt, [](const Statement& r) {
    return FindingCount{r.text(0), r.text(1), r.int64(2)};
  });
}

}  // namespace citywatch::db
