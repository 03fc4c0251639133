#include "notify/planner.h"

#include <gtest/gtest.h>

namespace citywatch::notify {
namespace {

constexpr core::UnixSeconds kNow = 1795000000;

core::Partner partner(std::int64_t id, std::string name, std::string prefix) {
  core::Partner p;
  p.id = id;
  p.name = std::move(name);
  p.prefixes.push_back({*core::Prefix::parse(prefix), 0, {}});
  p.interval = 7 * 86400;
  return p;
}

core::NotifiableFinding finding(std::int64_t id, const char* ip, core::Severity sev,
                                core::FindingKind kind = core::FindingKind::kNoAuth) {
  core::NotifiableFinding f;
  f.item.finding_id = id;
  f.item.ip = *core::IpAddress::parse(ip);
  f.item.port = 1883;
  f.item.kind = kind;
  f.item.severity = sev;
  f.item.observed_at = {kNow - 100};
  f.item.last_seen = kNow - 100;
  f.in_city = "yes";
  return f;
}

PlanInput input() {
  PlanInput in;
  in.partners = {partner(1, "kpn", "192.0.2.0/24"), partner(2, "ziggo", "198.51.100.0/24")};
  in.now = kNow;
  return in;
}

std::vector<std::int64_t> ids(const core::Batch& b) {
  std::vector<std::int64_t> out;
  for (const auto& it : b.items) out.push_back(it.finding_id);
  return out;
}

TEST(Planner, EachPartnerGetsOnlyItsOwnDevicesWorstFirst) {
  PlanInput in = input();
  in.findings = {finding(1, "192.0.2.1", core::Severity::kMedium),
                 finding(2, "198.51.100.1", core::Severity::kHigh),
                 finding(3, "192.0.2.2", core::Severity::kCritical),
                 finding(4, "203.0.113.9", core::Severity::kHigh)};
  Plan plan = plan_batches(in);
  ASSERT_EQ(plan.batches.size(), 2u);
  EXPECT_EQ(plan.batches[0].partner_name, "kpn");
  EXPECT_EQ(ids(plan.batches[0]), (std::vector<std::int64_t>{3, 1}));
  EXPECT_EQ(plan.batches[0].items[0].item, 1);
  EXPECT_EQ(ids(plan.batches[1]), (std::vector<std::int64_t>{2}));
  ASSERT_EQ(plan.unrouted.size(), 1u);
  EXPECT_EQ(plan.unrouted[0].item.finding_id, 4);
}

TEST(Planner, ExemptOutsideResolvedAndHeldFindingsAreNotSent) {
  PlanInput in = input();
  auto exempt = finding(1, "192.0.2.1", core::Severity::kHigh);
  exempt.exempt = true;
  auto outside = finding(2, "192.0.2.2", core::Severity::kHigh);
  outside.in_city = "no";
  auto fixed = finding(3, "192.0.2.3", core::Severity::kHigh);
  fixed.status = core::FindingStatus::kFixed;
  auto held = finding(4, "192.0.2.4", core::Severity::kHigh);
  in.held = {4};
  in.findings = {exempt, outside, fixed, held};
  Plan plan = plan_batches(in);
  EXPECT_TRUE(plan.batches.empty());
  EXPECT_EQ(plan.counts.exempt, 1u);
  EXPECT_EQ(plan.counts.outside_city, 1u);
  EXPECT_EQ(plan.counts.held, 1u);
}

TEST(Planner, SuppressedWithinIntervalUnlessSeverityRose) {
  PlanInput in = input();
  in.findings = {finding(1, "192.0.2.1", core::Severity::kHigh),
                 finding(2, "192.0.2.2", core::Severity::kCritical),
                 finding(3, "192.0.2.3", core::Severity::kHigh)};
  in.states = {{1, 1, kNow - 86400, core::Severity::kHigh, {}, 0, {}},
               {1, 2, kNow - 86400, core::Severity::kHigh, {}, 0, {}},
               {1, 3, kNow - 8 * 86400, core::Severity::kHigh, {}, 0, {}}};
  Plan plan = plan_batches(in);
  ASSERT_EQ(plan.batches.size(), 1u);
  EXPECT_EQ(ids(plan.batches[0]), (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(plan.batches[0].items[0].notice, core::Notice::kSeverityRaised);
  EXPECT_EQ(plan.batches[0].items[1].notice, core::Notice::kRepeat);
  EXPECT_EQ(plan.counts.suppressed, 1u);
}

TEST(Planner, OptOutsByKindAndPause) {
  PlanInput in = input();
  in.partners[0].opt_out_kinds = {core::FindingKind::kExposedService};
  in.partners[1].paused = true;
  in.findings = {finding(1, "192.0.2.1", core::Severity::kHigh, core::FindingKind::kExposedService),
                 finding(2, "192.0.2.2", core::Severity::kHigh),
                 finding(3, "198.51.100.2", core::Severity::kHigh)};
  Plan plan = plan_batches(in);
  ASSERT_EQ(plan.batches.size(), 1u);
  EXPECT_EQ(ids(plan.batches[0]), (std::vector<std::int64_t>{2}));
  EXPECT_EQ(plan.counts.opted_out, 2u);
  EXPECT_TRUE(plan.unrouted.empty());
}

TEST(Planner, RecheckOutcomesGoToTheAcknowledgingPartnerOnce) {
  PlanInput in = input();
  auto fixed = finding(1, "203.0.113.1", core::Severity::kHigh);  // routing changed meanwhile
  fixed.status = core::FindingStatus::kFixed;
  auto still = finding(2, "192.0.2.2", core::Severity::kHigh);
  still.status = core::FindingStatus::kNotified;
  still.item.last_seen = kNow - 10;
  auto waiting = finding(3, "192.0.2.3", core::Severity::kHigh);
  waiting.status = core::FindingStatus::kNotified;
  waiting.item.last_seen = kNow - 10;
  auto told = finding(4, "192.0.2.4", core::Severity::kHigh);
  told.status = core::FindingStatus::kVerified;
  in.findings = {fixed, still, waiting, told};
  in.states = {
      {2, 1, kNow - 20 * 86400, core::Severity::kHigh, kNow - 19 * 86400, kNow, {}},
      {1, 2, kNow - 20 * 86400, core::Severity::kHigh, kNow - 19 * 86400, kNow, {}},
      {1, 3, kNow - 20 * 86400, core::Severity::kHigh, kNow - 19 * 86400, kNow + 5, {}},
      {1, 4, kNow - 20 * 86400, core::Severity::kHigh, kNow - 19 * 86400, kNow, "verified"}};
  Plan plan = plan_batches(in);
  ASSERT_EQ(plan.batches.size(), 2u);
  EXPECT_EQ(plan.batches[0].partner_name, "kpn");
  ASSERT_EQ(ids(plan.batches[0]), (std::vector<std::int64_t>{2}));
  EXPECT_EQ(plan.batches[0].items[0].notice, core::Notice::kRecheck);
  EXPECT_EQ(plan.batches[0].items[0].status, core::FindingStatus::kOpen);
  EXPECT_EQ(plan.batches[1].partner_name, "ziggo");
  EXPECT_EQ(plan.batches[1].items[0].status, core::FindingStatus::kFixed);
  EXPECT_EQ(plan.counts.acknowledged, 2u);
}

}  // namespace
}  // namespace citywatch::notify
