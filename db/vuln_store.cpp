#include "db/vuln_store.h"

namespace citywatch::db {
namespace {

core::Result<Statement*> prepared(Connection& conn, std::optional<Statement>& slot,
                                  std::string_view sql) {
  if (!slot) {
    auto s = conn.prepare(sql);
    if (!s) return core::fail(s.error());
    slot.emplace(std::move(*s));
  }
  return &*slot;
}

}  // namespace

core::Result<void> VulnStore::put_cve(const core::CveRecord& r) {
  auto put = prepared(conn_, put_cve_,
                      "INSERT OR REPLACE INTO vuln_cves (cve, description, cvss, cvss_vector, "
                      "published, last_modified, kev_date) VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!put) return core::fail(put.error());
  Statement& s = **put;
  s.bind(1, r.id).bind_text_or_null(2, r.description).bind(3, r.cvss);
  s.bind_text_or_null(4, r.cvss_vector).bind_text_or_null(5, r.published);
  s.bind_text_or_null(6, r.last_modified).bind_text_or_null(7, r.kev_date);
  CITYWATCH_TRY(s.run());
  auto del = prepared(conn_, del_matches_, "DELETE FROM vuln_cpe_matches WHERE cve = ?");
  if (!del) return core::fail(del.error());
  (*del)->bind(1, r.id);
  CITYWATCH_TRY((*del)->run());
  auto ins = prepared(conn_, put_match_,
                      "INSERT INTO vuln_cpe_matches (cve, part, vendor, product, version, "
                      "criteria, start_including, start_excluding, end_including, end_excluding) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!ins) return core::fail(ins.error());
  for (const auto& m : r.matches) {
    Statement& i = **ins;
    i.bind(1, r.id).bind(2, std::string_view(&m.cpe.part, 1)).bind(3, m.cpe.vendor);
    i.bind(4, m.cpe.product).bind(5, m.cpe.version).bind(6, m.criteria);
    i.bind_text_or_null(7, m.start_including).bind_text_or_null(8, m.start_excluding);
    i.bind_text_or_null(9, m.end_including).bind_text_or_null(10, m.end_excluding);
    CITYWATCH_TRY(i.run());
  }
  return core::ok();
}

core::Result<void> VulnStore::put_kev(const core::KevEntry& e) {
  auto put = prepared(conn_, put_kev_,
                      "INSERT OR REPLACE INTO vuln_kev (cve, vendor, product, name, date_added, "
                      "due_date, ransomware) VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!put) return core::fail(put.error());
  Statement& s = **put;
  s.bind(1, e.cve).bind_text_or_null(2, e.vendor).bind_text_or_null(3, e.product);
  s.bind_text_or_null(4, e.name).bind_text_or_null(5, e.date_added);
  s.bind_text_or_null(6, e.due_date).bind_text_or_null(7, e.ransomware);
  return s.run();
}

core::Result<std::vector<core::CpeMatch>> VulnStore::matches(const std::string& vendor,
                                                             const std::string& product) {
  auto q = prepared(conn_, matches_,
                    "SELECT cve, part, vendor, product, version, criteria, start_including, "
                    "start_excluding, end_including, end_excluding FROM vuln_cpe_matches "
                    "WHERE vendor = ? AND product = ?");
  if (!q) return core::fail(q.error());
  Statement& s = **q;
  s.bind(1, vendor).bind(2, product);
  std::vector<core::CpeMatch> out;
  while (true) {
    auto row = s.step();
    if (!row) return core::fail(row.error());
    if (!*row) break;
    core::CpeMatch m;
    m.cve = s.text(0);
    std::string part = s.text(1);
    m.cpe.part = part.empty() ? '*' : part[0];
    m.cpe.vendor = s.text(2);
    m.cpe.product = s.text(3);
    m.cpe.version = s.text(4);
    m.criteria = s.text(5);
    m.start_including = s.text(6);
    m.start_excluding = s.text(7);
    m.end_including = s.text(8);
    m.end_excluding = s.text(9);
    out.push_back(std::move(m));
  }
  s.reset();
  return out;
}

core::Result<std::optional<CveRow>> VulnStore::cve(const std::string& id) {
  auto q = prepared(conn_, cve_,
                    "SELECT (SELECT cvss FROM vuln_cves WHERE cve = ?1), "
                    "(SELECT kev_date FROM vuln_cves WHERE cve = ?1), "
                    "EXISTS (SELECT 1 FROM vuln_kev WHERE cve = ?1), "
                    "EXISTS (SELECT 1 FROM vuln_cves WHERE cve = ?1)");
  if (!q) return core::fail(q.error());
  Statement& s = **q;
  s.bind(1, id);
  auto row = s.step();
  if (!row) return core::fail(row.error());
  CveRow r;
  r.cvss = s.is_null(0) ? 0 : s.real(0);
  bool nvd_kev = !s.is_null(1) && !s.text(1).empty();
  bool in_kev = s.int64(2) != 0;
  bool known = s.int64(3) != 0;
  s.reset();
  if (!known && !in_kev) return std::optional<CveRow>();
  r.kev = nvd_kev || in_kev;
  return std::optional<CveRow>(r);
}

core::Result<VulnCounts> VulnStore::counts() {
  auto q = conn_.prepare(
      "SELECT (SELECT count(*) FROM vuln_cves), (SELECT count(*) FROM vuln_cpe_matches), "
      "(SELECT count(*) FROM vuln_kev)");
  if (!q) return core::fail(q.error());
  auto row = q->step();
  if (!row) return core::fail(row.error());
  return VulnCounts{q->int64(0), q->int64(1), q->int64(2)};
}

}  // namespace citywatch::db
