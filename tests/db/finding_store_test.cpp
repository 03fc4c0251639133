#include "db/finding_store.h"

#include <gtest/gtest.h>

#include "db/store.h"
#include "tests/support/test_support.h"

namespace citywatch::db {
namespace {

core::Finding finding(core::UnixSeconds at, core::Severity s = core::Severity::kHigh) {
  core::Finding f;
  f.ip = *core::IpAddress::parse("192.0.2.7");
  f.port = 1883;
  f.kind = core::FindingKind::kNoAuth;
  f.code = "mqtt-anonymous";
  f.severity = s;
  f.sentence = "open broker";
  f.evidence = {"shodan/192.0.2.7/1883/tcp/" + std::to_string(at)};
  f.observed_at = at;
  return f;
}

struct Fixture {
  testing::TempDir dir;
  Store store = *Store::open(dir.file("c.db"), true);
  FindingStore findings{store.connection()};

  std::vector<StoredFinding> all() {
    std::vector<StoredFinding> out;
    EXPECT_TRUE(findings.list({}, 2000000000, [&](const StoredFinding& s) { out.push_back(s); }));
    return out;
  }
};

TEST(FindingStore, OpensRefreshesFixesReopensAndKeepsHistory) {
  Fixture fx;
  using O = FindingStore::Outcome;
  EXPECT_EQ(*fx.findings.record_present(finding(100), 1), O::kOpened);
  EXPECT_EQ(*fx.findings.record_present(finding(200), 2), O::kRefreshed);
  auto f = fx.all();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].status, core::FindingStatus::kOpen);
  EXPECT_EQ(f[0].first_seen, 100);
  EXPECT_EQ(f[0].last_seen, 200);
  EXPECT_EQ(f[0].finding.evidence.size(), 2u);

  // An older "secure" look changes nothing; a newer one fixes it.
  EXPECT_FALSE(*fx.findings.record_secure(finding(150), 3));
  EXPECT_TRUE(*fx.findings.record_secure(finding(300), 4));
  EXPECT_EQ(fx.all()[0].status, core::FindingStatus::kFixed);
  // Evidence older than the fix does not reopen it; newer does.
  EXPECT_EQ(*fx.findings.record_present(finding(250), 5), O::kRefreshed);
  EXPECT_EQ(fx.all()[0].status, core::FindingStatus::kFixed);
  EXPECT_EQ(*fx.findings.record_present(finding(400, core::Severity::kCritical), 6), O::kReopened);
  auto r = fx.all()[0];
  EXPECT_EQ(r.status, core::FindingStatus::kReopened);
  EXPECT_EQ(r.finding.severity, core::Severity::kCritical);

  auto h = fx.findings.history(r.id);
  ASSERT_TRUE(h.has_value());
  std::vector<std::string> events;
  for (const auto& e : *h) events.push_back(e.event);
  EXPECT_EQ(events, (std::vector<std::string>{"opened", "fixed", "reopened"}));
}

TEST(FindingStore, SweepMarksGoneNeverFixed) {
  Fixture fx;
  ASSERT_TRUE(fx.findings.record_present(finding(100), 1));
  auto devices = fx.findings.sweep_gone(150, 7);
  ASSERT_TRUE(devices.has_value());
  EXPECT_EQ(devices->size(), 1u);
  EXPECT_EQ(fx.all()[0].status, core::FindingStatus::kGone);
  EXPECT_TRUE(fx.findings.sweep_gone(150, 8)->empty());
  EXPECT_EQ(*fx.findings.record_present(finding(500), 9), FindingStore::Outcome::kReopened);
}

TEST(FindingStore, ExemptionsHoldUntilTheirExpiry) {
  Fixture fx;
  ASSERT_TRUE(fx.findings.record_present(finding(100), 1));
  auto id = fx.all()[0].id;
  Exemption e;
  e.finding_id = id;
  e.reason = "research-honeypot";
  e.by = "ciso";
  e.until = 1000;
  ASSERT_TRUE(fx.findings.exempt(e, 10));
  auto in_force = fx.findings.active_for_device(*core::IpAddress::parse("192.0.2.7"), 500);
  ASSERT_TRUE(in_force.has_value());
  EXPECT_TRUE((*in_force)[0].exempt);
  EXPECT_EQ((*in_force)[0].exempt_reason, "research-honeypot");
  auto expired = fx.findings.active_for_device(*core::IpAddress::parse("192.0.2.7"), 1500);
  EXPECT_FALSE((*expired)[0].exempt);
  e.finding_id = 999;
  auto missing = fx.findings.exempt(e, 10);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);
}

TEST(FindingStore, FiltersByKindSeverityAndStatus) {
  Fixture fx;
  ASSERT_TRUE(fx.findings.record_present(finding(100), 1));
  auto other = finding(100, core::Severity::kLow);
  other.kind = core::FindingKind::kExposedService;
  other.code = "mqtt";
  ASSERT_TRUE(fx.findings.record_present(other, 1));
  FindingFilter f;
  f.kinds = {core::FindingKind::kExposedService};
  std::size_t n = 0;
  ASSERT_TRUE(fx.findings.list(f, 0, [&](const StoredFinding& s) {
    ++n;
    EXPECT_EQ(s.finding.code, "mqtt");
  }));
  EXPECT_EQ(n, 1u);
  f = {};
  f.severities = {core::Severity::kHigh, core::Severity::kCritical};
  f.statuses = {core::FindingStatus::kOpen};
  n = 0;
  ASSERT_TRUE(fx.findings.list(f, 0, [&](const StoredFinding&) { ++n; }));
  EXPECT_EQ(n, 1u);
}

}  // namespace
}  // namespace citywatch::db
