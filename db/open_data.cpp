#include "db/open_data.h"

namespace citywatch::db {

namespace {

// A finding counts on a day from its first sighting until it was resolved (fixed, verified or
// gone: when the evidence for its present status was observed); "fixed that day" is its first
// move to fixed, on the day the evidence showed it (as /api/v1/trends counts). Exemptions in force
// now take a finding out of every day: published history is recomputed with today's knowledge.
constexpr std::string_view kDistrictDays = R"sql(
WITH RECURSIVE days(d) AS (SELECT ?1 UNION ALL SELECT d + 1 FROM days WHERE d < ?2),
f AS (
  SELECT f.ip, dv.district_code AS code, dv.district_name AS name, f.first_seen,
         CASE WHEN f.status IN ('fixed', 'verified', 'gone') THEN f.status_observed_at END
           AS resolved_at,
         (SELECT min(coalesce(e.observed_at, e.at)) FROM finding_events e
          WHERE e.finding_id = f.id AND e.status = 'fixed') AS fixed_at
  FROM findings f JOIN devices dv ON dv.ip = f.ip
  WHERE dv.district_code IS NOT NULL AND coalesce(dv.in_city, 'yes') IN ('yes', 'possibly')
    AND NOT EXISTS (SELECT 1 FROM exemptions x
                    WHERE (x.finding_id = f.id OR x.ip = f.ip) AND x.expires_at > ?3)
)
SELECT days.d, f.code, max(f.name),
       count(DISTINCT CASE WHEN f.first_seen < (days.d + 1) * 86400
                            AND (f.resolved_at IS NULL OR f.resolved_at >= (days.d + 1) * 86400)
                           THEN f.ip END),
       sum(f.first_seen >= days.d * 86400 AND f.first_seen < (days.d + 1) * 86400),
       sum(f.fixed_at >= days.d * 86400 AND f.fixed_at < (days.d + 1) * 86400)
FROM days CROSS JOIN f
GROUP BY days.d, f.code
ORDER BY days.d, f.code
)sql";

}  // namespace

core::Result<std::vector<DistrictDay>> district_days(Connection& conn, std::int64_t first_day,
                                                     std::int64_t last_day, core::UnixSeconds now) {
  auto stmt = conn.prepare(kDistrictDays);
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, first_day).bind(2, last_day).bind(3, static_cast<std::int64_t>(now));
  std::vector<DistrictDay> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return core::fail(row.error());
    if (!*row) break;
    DistrictDay d;
    d.day = stmt->int64(0);
    d.code = stmt->text(1);
    d.name = stmt->text(2);
    d.insecure_devices = stmt->int64(3);
    d.new_findings = stmt->int64(4);
    d.fixed_findings = stmt->int64(5);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace citywatch::db
