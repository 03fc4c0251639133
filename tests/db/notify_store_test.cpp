#include "db/notify_store.h"

#include <gtest/gtest.h>

#include "db/finding_store.h"
#include "db/store.h"
#include "tests/support/test_support.h"

namespace citywatch::db {
namespace {

core::Finding finding(const char* ip, core::UnixSeconds at) {
  core::Finding f;
  f.ip = *core::IpAddress::parse(ip);
  f.port = 1883;
  f.kind = core::FindingKind::kNoAuth;
  f.code = "mqtt-anonymous";
  f.severity = core::Severity::kHigh;
  f.sentence = "open broker";
  f.evidence = {"shodan/" + std::string(ip) + "/1883/tcp/" + std::to_string(at)};
  f.observed_at = at;
  return f;
}

struct Fixture {
  testing::TempDir dir;
  Store store = *Store::open(dir.file("c.db"), true);
  FindingStore findings{store.connection()};
  NotifyStore ns{store.connection()};
  std::int64_t partner_id = 0;

  Fixture() {
    core::Partner p;
    p.name = "kpn";
    p.source = "cli";
    p.prefixes = {{*core::Prefix::parse("192.0.2.0/24"), 64496, "Fibre"}};
    p.asns = {64496};
    partner_id = *ns.upsert_partner(p, 10);
    EXPECT_TRUE(findings.record_present(finding("192.0.2.1", 100), 1));
    EXPECT_TRUE(findings.record_present(finding("192.0.2.2", 100), 1));
  }

  std::string store_batch(core::UnixSeconds now) {
    auto all = *ns.notifiable_findings(now);
    core::Batch b;
    b.partner_id = partner_id;
    b.partner_name = "kpn";
    b.created_at = now;
    int n = 0;
    for (auto& f : all) {
      f.item.item = ++n;
      b.items.push_back(f.item);
    }
    auto tx = *Transaction::begin(store.connection());
    EXPECT_TRUE(ns.store_batch(b, core::DeliveryChannel::kWebhook, 86400));
    EXPECT_TRUE(tx.commit());
    return b.id;
  }
  std::string status_of(std::int64_t id) {
    std::string out;
    EXPECT_TRUE(findings.list({}, 2000000000, [&](const StoredFinding& s) {
      if (s.id == id) out = std::string(core::to_string(s.status));
    }));
    return out;
  }
};

TEST(NotifyStore, PartnersRoundTripWithoutSecrets) {
  Fixture fx;
  auto p = *fx.ns.partner("kpn");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->prefixes.size(), 1u);
  EXPECT_EQ(p->prefixes[0].organisation, "Fibre");
  EXPECT_EQ(p->asns, std::vector<std::uint32_t>{64496});
  core::Partner config_one = *p;
  config_one.name = "ziggo";
  config_one.source = "config";
  ASSERT_TRUE(fx.ns.upsert_partner(config_one, 20));
  config_one.source = "cli";
  auto clash = fx.ns.upsert_partner(config_one, 30);
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().code, core::ErrorCode::kConfig);
  EXPECT_TRUE(*fx.ns.remove_partner("ziggo", 40));
  EXPECT_FALSE(*fx.ns.remove_partner("ziggo", 50));
}

TEST(NotifyStore, BatchesGetStableIdsAndHoldTheirFindings) {
  Fixture fx;
  auto items = *fx.ns.notifiable_findings(1000);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].item.observed_at, std::vector<core::UnixSeconds>{100});
  std::string id = fx.store_batch(1795435200);
  EXPECT_EQ(id, "kpn-20261123T120000Z-1");
  EXPECT_EQ(fx.ns.held_findings()->size(), 2u);
  auto batch = **fx.ns.load_batch(id);
  ASSERT_EQ(batch.items.size(), 2u);
  EXPECT_EQ(batch.items[1].ip.to_string(), "192.0.2.2");
  EXPECT_EQ(fx.ns.partner_states()->size(), 2u);
  // Delivered: no longer held; discarded: the suppression record goes too.
  auto tx = *Transaction::begin(fx.store.connection());
  int attempt = *fx.ns.begin_attempt(id, 1, 1795435201);
  EXPECT_EQ(attempt, 1);
  EXPECT_TRUE(
      fx.ns.finish_attempt(id, {1, "webhook", 1, 0, {}, "delivered", 200, "", "", {}}, 1795435202));
  EXPECT_TRUE(tx.commit());
  EXPECT_TRUE(fx.ns.held_findings()->empty());
  EXPECT_EQ((*fx.ns.summary(id))->status, core::BatchStatus::kDelivered);
}

TEST(NotifyStore, AnInterruptedAttemptIsRecordedAndTheNextOneCounts) {
  Fixture fx;
  std::string id = fx.store_batch(1000);
  EXPECT_EQ(*fx.ns.begin_attempt(id, 4242, 1001), 1);
  EXPECT_EQ((*fx.ns.due_batches(1001))[0].sender_pid, 4242);
  EXPECT_EQ(*fx.ns.begin_attempt(id, 4343, 1002), 2);
  auto attempts = *fx.ns.attempts(id);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].outcome, "interrupted");
  EXPECT_EQ(attempts[1].outcome, "started");
}

TEST(NotifyStore, AcknowledgeNotifiesAndSchedulesTheRecheck) {
  Fixture fx;
  std::string id = fx.store_batch(1000);
  EXPECT_EQ(*fx.ns.acknowledge(id, "kpn-desk", 2000, 86400), 2);
  EXPECT_EQ(*fx.ns.acknowledge(id, "kpn-desk", 2001, 86400), 0);  // again: no change
  EXPECT_EQ(fx.status_of(1), "notified");
  EXPECT_TRUE(fx.ns.recheck_due(2000 + 86399)->empty());
  auto due = *fx.ns.recheck_due(2000 + 86400);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].partner, "kpn");
  // Fixed by a later secure sighting, then verified by another one.
  auto secure = finding("192.0.2.1", 5000);
  EXPECT_TRUE(*fx.findings.record_secure(secure, 5001));
  EXPECT_EQ(fx.status_of(1), "fixed");
  secure.observed_at = 6000;
  EXPECT_TRUE(*fx.findings.record_secure(secure, 6001));
  EXPECT_EQ(fx.status_of(1), "verified");
  EXPECT_FALSE(*fx.findings.record_secure(secure, 6002));  // the same look again: nothing new
  EXPECT_EQ(fx.ns.recheck_due(100000)->size(), 1u);
}

TEST(NotifyStore, FeedbackAndDisputes) {
  Fixture fx;
  std::string id = fx.store_batch(1000);
  EXPECT_TRUE(fx.ns.set_feedback(id, 1, core::Feedback::kCustomerInformed, "", 1100));
  EXPECT_TRUE(fx.ns.set_feedback(id, 2, core::Feedback::kDispute, "our honeypot", 1200));
  auto missing = fx.ns.set_feedback(id, 3, core::Feedback::kFixed, "", 1300);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);
  auto disputes = *fx.ns.open_disputes();
  ASSERT_EQ(disputes.size(), 1u);
  EXPECT_EQ(disputes[0].item, 2);
  EXPECT_EQ(disputes[0].note, "our honeypot");
  EXPECT_EQ(disputes[0].ip.to_string(), "192.0.2.2");
  EXPECT_EQ(fx.ns.feedback(id)->size(), 2u);
  auto history = *fx.findings.history(2);
  EXPECT_EQ(history.back().event, "feedback");
}

TEST(NotifyStore, DiscardReleasesFindingsForTheNextBuild) {
  Fixture fx;
  std::string id = fx.store_batch(1000);
  EXPECT_TRUE(fx.ns.discard(id, 1100));
  EXPECT_TRUE(fx.ns.held_findings()->empty());
  EXPECT_TRUE(fx.ns.partner_states()->empty());
  EXPECT_FALSE(fx.ns.acknowledge(id, "x", 1200, 10));
  EXPECT_FALSE(fx.ns.requeue(id, 1300));
}

}  // namespace
}  // namespace citywatch::db
