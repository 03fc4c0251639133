// The API's finding reads against a real database: filters and keyset pages, partner scoping
// through the view, exemptions in force, per-district counts of insecure devices, the device's
// finding history, evidence by key, and new / fixed per day in the trends.
#include "db/finding_queries.h"

#include <map>
#include <set>

#include "db/queries.h"
#include "tests/db/db_fixture.h"

namespace citywatch::db {
namespace {

using core::FindingKind;
using core::Severity;

constexpr core::UnixSeconds kDay = 86400;

class FindingQueriesTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    // Devices 192.0.2.1-4 in district A, .5-.6 in B, .7 in the city without a district,
    // .8 outside the city.
    std::vector<core::Observation> chunk;
    for (int i = 1; i <= 8; ++i) chunk.push_back(seen(ip(i), 23, 10 * kDay + i));
    write(chunk);
    exec(
        "UPDATE devices SET in_city = 'yes', district_code = 'WK0001', district_name = 'A' "
        "WHERE ip BETWEEN 3221225985 AND 3221225988");
    exec(
        "UPDATE devices SET in_city = 'yes', district_code = 'WK0002', district_name = 'B' "
        "WHERE ip BETWEEN 3221225989 AND 3221225990");
    exec("UPDATE devices SET in_city = 'possibly' WHERE ip = 3221225991");
    exec("UPDATE devices SET in_city = 'no' WHERE ip = 3221225992");
    // Findings: .1 critical infected + high telnet; .2 high telnet; .3 medium no-auth (later
    // fixed); .5 low ftp; .7 high telnet; .8 critical.
    id_infected_ =
        finding(ip(1), 0, 10 * kDay, FindingKind::kInfected, "mirai", Severity::kCritical);
    id_telnet1_ = finding(ip(1), 23, 10 * kDay + 1);
    id_telnet2_ = finding(ip(2), 23, 11 * kDay);
    id_mqtt_ =
        finding(ip(3), 1883, 11 * kDay, FindingKind::kNoAuth, "mqtt-anonymous", Severity::kMedium);
    finding(ip(5), 21, 12 * kDay, FindingKind::kExposedService, "ftp", Severity::kLow);
    finding(ip(7), 23, 12 * kDay);
    finding(ip(8), 23, 12 * kDay, FindingKind::kInfected, "mirai", Severity::kCritical);
    core::Finding secure;
    secure.ip = *core::IpAddress::parse(ip(3));
    secure.port = 1883;
    secure.kind = FindingKind::kNoAuth;
    secure.code = "mqtt-anonymous";
    secure.observed_at = 13 * kDay;
    FindingStore store(conn());
    ASSERT_TRUE(store.record_secure(secure, 13 * kDay));
  }
  static std::string ip(int i) { return "192.0.2." + std::to_string(i); }
  void exec(const std::string& sql) { ASSERT_TRUE(conn().exec(sql)) << sql; }
  std::vector<StoredFinding> list(FindingQuery q, Visibility who = {}) {
    auto rows = list_findings(conn(), who, q, kNow);
    EXPECT_TRUE(rows) << rows.error().to_string();
    return rows ? *rows : std::vector<StoredFinding>{};
  }
  static std::set<std::int64_t> ids(const std::vector<StoredFinding>& rows) {
    std::set<std::int64_t> out;
    for (const auto& r : rows) out.insert(r.id);
    return out;
  }
  std::int64_t insecure_in_a(core::UnixSeconds now) {
    auto rows = district_counts(conn(), now);
    EXPECT_TRUE(rows);
    for (const auto& r : *rows) {
      if (r.code == "WK0001") return r.insecure_devices;
    }
    return -1;
  }
  static constexpr core::UnixSeconds kNow = 20 * kDay;
  std::int64_t id_infected_ = 0, id_telnet1_ = 0, id_telnet2_ = 0, id_mqtt_ = 0;
};

TEST_F(FindingQueriesTest, PagesNewestFirstVisitEveryFindingOnce) {
  FindingQuery q;
  q.limit = 3;
  std::set<std::int64_t> seen_ids;
  std::int64_t last = INT64_MAX;
  while (true) {
    auto rows = list(q);
    for (const auto& r : rows) {
      EXPECT_LT(r.id, last);
      last = r.id;
      EXPECT_TRUE(seen_ids.insert(r.id).second);
    }
    if (rows.size() < q.limit) break;
    q.after_key = std::to_string(rows.back().id);
  }
  EXPECT_EQ(static_cast<std::int64_t>(seen_ids.size()), count("findings"));
}

TEST_F(FindingQueriesTest, EveryOrderPagesThroughEveryFindingOnceInOrder) {
  ASSERT_TRUE(conn().exec("UPDATE devices SET risk_score = 90 WHERE ip = 3221225985"));
  for (auto name : {"newest", "severity", "score", "first_seen", "last_seen", "kind", "status",
                    "district", "ip"}) {
    for (bool ascending : {false, true}) {
      SCOPED_TRACE(std::string(name) + (ascending ? " asc" : " desc"));
      FindingQuery q;
      q.sort = *parse_finding_sort(name);
      q.ascending = ascending;
      q.limit = 2;
      std::vector<StoredFinding> all;
      while (true) {
        auto rows = list(q);
        all.insert(all.end(), rows.begin(), rows.end());
        if (rows.size() < q.limit) break;
        q.after_key = sort_key(rows.back(), q.sort);
        q.after_id = rows.back().id;
      }
      EXPECT_EQ(static_cast<std::int64_t>(ids(all).size()), count("findings"));
      EXPECT_EQ(static_cast<std::int64_t>(all.size()), count("findings"));
      // Ordered by the key (numbers as numbers), ties by id, both in the chosen direction.
      for (std::size_t i = 1; i < all.size(); ++i) {
        auto a = sort_key(all[i - 1], q.sort), b = sort_key(all[i], q.sort);
        bool numeric = q.sort == FindingSort::kSeverity || q.sort == FindingSort::kScore ||
                       q.sort == FindingSort::kFirstSeen || q.sort == FindingSort::kLastSeen ||
                       q.sort == FindingSort::kNewest;
        int cmp = numeric ? (std::stoll(a) < std::stoll(b) ? -1 : std::stoll(a) > std::stoll(b))
                          : (a < b ? -1 : a > b);
        if (q.sort == FindingSort::kIp) continue;  // address order is the stored form's
        if (cmp == 0) cmp = all[i - 1].id < all[i].id ? -1 : 1;
        EXPECT_EQ(cmp, ascending ? -1 : 1) << a << " then " << b;
      }
    }
  }
}

TEST_F(FindingQueriesTest, VendorAndOperatorFilters) {
  ASSERT_TRUE(
      conn().exec("UPDATE devices SET vendor = 'Hikvision', org = 'Example Telecom BV', "
                  "asn = 64500 WHERE ip = 3221225985"));
  FindingQuery vendor;
  vendor.vendor = "hikvision";  // any case
  EXPECT_EQ(list(vendor).size(), 2u);
  FindingQuery org;
  org.operator_name = "telecom";
  EXPECT_EQ(list(org).size(), 2u);
  FindingQuery asn;
  asn.asn = 64500;
  EXPECT_EQ(list(asn).size(), 2u);
  asn.asn = 64501;
  EXPECT_TRUE(list(asn).empty());
}

TEST_F(FindingQueriesTest, FiltersCombine) {
  FindingQuery critical;
  critical.severities = "critical";
  EXPECT_EQ(list(critical).size(), 2u);
  FindingQuery in_a;
  in_a.districts = "WK0001";
  EXPECT_EQ(ids(list(in_a)),
            (std::set<std::int64_t>{id_infected_, id_telnet1_, id_telnet2_, id_mqtt_}));
  FindingQuery two;
  two.districts = "WK0001,WK0002";
  two.kinds = "exposed-service";
  EXPECT_EQ(list(two).size(), 3u);  // telnet .1, .2 and ftp .5
  FindingQuery fixed;
  fixed.statuses = "fixed";
  EXPECT_EQ(ids(list(fixed)), (std::set<std::int64_t>{id_mqtt_}));
  FindingQuery window;
  window.since = 11 * kDay;
  window.until = 12 * kDay;
  EXPECT_EQ(ids(list(window)), (std::set<std::int64_t>{id_telnet2_, id_mqtt_}));
  FindingQuery outside;
  outside.in_city = "no";
  EXPECT_EQ(list(outside).size(), 1u);
  FindingQuery one;
  one.ip = core::IpAddress::parse(ip(1));
  EXPECT_EQ(list(one).size(), 2u);
  ASSERT_TRUE(conn().exec("UPDATE devices SET risk_score = 90 WHERE ip = 3221225985"));
  FindingQuery scored;
  scored.min_score = 80;
  EXPECT_EQ(ids(list(scored)), (std::set<std::int64_t>{id_infected_, id_telnet1_}));
}

TEST_F(FindingQueriesTest, PartnersSeeOnlyFindingsTheViewGrantsThem) {
  Visibility partner{7};
  EXPECT_TRUE(list({}, partner).empty());  // no batches yet: nothing
  auto none = get_finding(conn(), partner, id_telnet2_, kNow);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  exec("CREATE TABLE grants (partner_id, finding_id); INSERT INTO grants VALUES (7, " +
       std::to_string(id_telnet2_) + "), (8, " + std::to_string(id_mqtt_) +
       "); DROP VIEW partner_visible_findings; "
       "CREATE VIEW partner_visible_findings AS SELECT partner_id, finding_id FROM grants;");
  EXPECT_EQ(ids(list({}, partner)), (std::set<std::int64_t>{id_telnet2_}));
  auto mine = get_finding(conn(), partner, id_telnet2_, kNow);
  ASSERT_TRUE(mine && *mine);
  EXPECT_EQ((*mine)->finding.ip.to_string(), ip(2));
  auto history = device_finding_history(conn(), partner, *core::IpAddress::parse(ip(3)), 10);
  ASSERT_TRUE(history);
  EXPECT_TRUE(history->empty());  // partner 8's finding, not 7's
}

TEST_F(FindingQueriesTest, DistrictCountsCountInsecureDevicesByWorstSeverityAndKind) {
  auto rows = district_counts(conn(), kNow);
  ASSERT_TRUE(rows) << rows.error().to_string();
  std::map<std::string, DistrictCounts> by;
  for (const auto& r : *rows) by[r.code] = r;
  ASSERT_EQ(by.size(), 3u);  // A, B and "in the city, no district"; .8 is outside
  const auto& a = by["WK0001"];
  EXPECT_EQ(a.name, "A");
  EXPECT_EQ(a.devices, 4);
  EXPECT_EQ(a.insecure_devices, 2);  // .1 and .2; .3's finding was fixed
  EXPECT_EQ(a.by_severity[static_cast<std::size_t>(Severity::kCritical)], 1);
  EXPECT_EQ(a.by_severity[static_cast<std::size_t>(Severity::kHigh)], 1);
  EXPECT_EQ(a.by_kind[static_cast<std::size_t>(FindingKind::kExposedService)], 2);
  EXPECT_EQ(a.by_kind[static_cast<std::size_t>(FindingKind::kInfected)], 1);
  EXPECT_EQ(by["WK0002"].insecure_devices, 1);
  EXPECT_EQ(by[""].devices, 1);

  // An exemption in force takes the device out; an expired one does not.
  FindingStore store(conn());
  Exemption e;
  e.finding_id = id_telnet2_;
  e.reason = "accepted-risk";
  e.by = "ciso";
  e.until = kNow + kDay;
  auto exemption = store.exempt(e, kNow - 10);
  ASSERT_TRUE(exemption);
  EXPECT_EQ(insecure_in_a(kNow), 1);
  EXPECT_EQ(insecure_in_a(kNow + 2 * kDay), 2);

  auto lifted = store.lift_exemption(*exemption, "ciso", kNow);
  ASSERT_TRUE(lifted && *lifted);
  EXPECT_EQ((*lifted)->device.to_string(), ip(2));
  EXPECT_EQ(insecure_in_a(kNow), 2);
  auto again = store.lift_exemption(*exemption, "ciso", kNow + 1);
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);  // already ended
  auto rows_after = exemptions_of_finding(conn(), id_telnet2_, *core::IpAddress::parse(ip(2)));
  ASSERT_TRUE(rows_after);
  ASSERT_EQ(rows_after->size(), 1u);
  EXPECT_EQ(rows_after->front().expires_at, kNow);
  auto history = store.history(id_telnet2_);
  ASSERT_TRUE(history);
  EXPECT_EQ(history->back().event, "unexempted");
  EXPECT_EQ(history->back().status, "open");
}

TEST_F(FindingQueriesTest, DeviceHistoryEvidenceAndActiveCounts) {
  auto history = device_finding_history(conn(), {}, *core::IpAddress::parse(ip(3)), 10);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ(history->front().event.event, "fixed");  // newest first
  EXPECT_EQ(history->back().event.event, "opened");

  auto key =
      core::ObservationKey::parse("shodan/" + ip(4) + "/23/tcp/" + std::to_string(10 * kDay + 4));
  ASSERT_TRUE(key);
  auto found = get_observation(conn(), {}, *key);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->port, 23);
  key->observed_at += 1;
  EXPECT_FALSE(*get_observation(conn(), {}, *key));

  auto counts = active_finding_counts(conn());
  ASSERT_TRUE(counts);
  std::int64_t total = 0;
  for (const auto& c : *counts) total += c.count;
  EXPECT_EQ(total, count("findings") - 1);  // all but the fixed one
}

TEST_F(FindingQueriesTest, TrendsCountNewAndFixedOnTheDayObserved) {
  auto days = trends(conn(), 9, 15);
  ASSERT_TRUE(days);
  std::map<std::int64_t, TrendDay> by;
  for (const auto& d : *days) by[d.day] = d;
  EXPECT_EQ(by[10].new_findings, 2);
  EXPECT_EQ(by[11].new_findings, 2);
  EXPECT_EQ(by[12].new_findings, 3);
  EXPECT_EQ(by[13].fixed_findings, 1);
  std::int64_t opened = 0;
  for (const auto& d : *days) opened += d.new_findings;
  EXPECT_EQ(opened, count("findings"));
}

}  // namespace
}  // namespace citywatch::db
