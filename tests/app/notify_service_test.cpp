// The functions the HTTP API will call for pull partners: a partner sees, acknowledges and
// answers only its own batches.
#include "app/notify_service.h"

#include <gtest/gtest.h>

#include "db/finding_store.h"
#include "db/notify_store.h"
#include "tests/support/test_support.h"

namespace citywatch::app {
namespace {

TEST(NotifyService, APullPartnerOnlyEverSeesItsOwnBatches) {
  testing::TempDir dir;
  Config config;
  config.database_path = dir.file("c.db");
  for (auto [name, prefix] :
       {std::pair<const char*, const char*>{"kpn", "192.0.2.0/25"}, {"ziggo", "192.0.2.128/25"}}) {
    ConfigPartner cp;
    cp.partner.name = name;
    cp.partner.source = "config";
    cp.partner.prefixes = {{*core::Prefix::parse(prefix), 0, {}}};
    config.notify.partners.push_back(cp);
  }
  config.notify.in_city = {"unknown"};  // no geolocation in this test
  auto store = db::Store::open(config.database_path, true);
  ASSERT_TRUE(store);
  db::FindingStore fs(store->connection());
  for (const char* ip : {"192.0.2.1", "192.0.2.200"}) {
    core::Finding f;
    f.ip = *core::IpAddress::parse(ip);
    f.port = 23;
    f.code = "telnet";
    f.sentence = "telnet";
    f.observed_at = 100;
    f.evidence = {"shodan/" + std::string(ip) + "/23/tcp/100"};
    ASSERT_TRUE(fs.record_present(f, 100));
  }
  auto report = build_batches(*store, config, 1000);
  ASSERT_TRUE(report) << report.error().to_string();
  ASSERT_EQ(report->batches.size(), 2u);
  auto kpn = open_batches_for(*store, "kpn");
  ASSERT_TRUE(kpn);
  ASSERT_EQ(kpn->size(), 1u);
  EXPECT_EQ((*kpn)[0].items[0].ip.to_string(), "192.0.2.1");
  std::string ziggo_batch =
      report->batches[1].partner_name == "ziggo" ? report->batches[1].id : report->batches[0].id;
  auto stolen = acknowledge_batch(*store, config, ziggo_batch, "kpn", "kpn", 2000);
  ASSERT_FALSE(stolen);
  EXPECT_EQ(stolen.error().code, core::ErrorCode::kNotFound);
  auto answer =
      record_feedback(*store, ziggo_batch, {{1, core::Feedback::kDispute, "x"}}, "kpn", 2000);
  EXPECT_FALSE(answer);
  auto own = acknowledge_batch(*store, config, ziggo_batch, "ziggo", "ziggo", 2000);
  ASSERT_TRUE(own);
  EXPECT_EQ(*own, 1);
  EXPECT_TRUE(open_batches_for(*store, "ziggo")->empty());
}

}  // namespace
}  // namespace citywatch::app
