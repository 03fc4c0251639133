#include "db/queries.h"

#include <set>

#include "tests/db/db_fixture.h"

namespace citywatch::db {
namespace {

class QueriesTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    std::vector<core::Observation> chunk;
    for (int i = 1; i <= 30; ++i)
      chunk.push_back(seen("192.0.2." + std::to_string(i), 80, 1000 + i));
    for (int i = 1; i <= 5; ++i) {
      chunk.push_back(
          seen("2001:db8::" + std::to_string(i), 23, 2000 + i, core::Source::kShodan, "telnet"));
    }
    auto mqtt = seen("198.51.100.9", 1883, 3000, core::Source::kShadowserver, "mqtt");
    mqtt.vendor = "Tasmota";
    mqtt.device_type = "smart plug";
    chunk.push_back(mqtt);
    write(chunk);
  }
};

TEST_F(QueriesTest, PagesVisitEveryDeviceOnceAcrossBothFamilies) {
  DeviceQuery f;
  f.limit = 7;
  std::set<std::string> seen_ips;
  int pages = 0;
  while (true) {
    auto rows = list_devices(conn(), {}, f);
    ASSERT_TRUE(rows) << rows.error().to_string();
    for (const auto& d : *rows) EXPECT_TRUE(seen_ips.insert(d.ip.to_string()).second);
    ++pages;
    if (rows->size() < f.limit) break;
    f.after = rows->back().ip;
  }
  EXPECT_EQ(seen_ips.size(), 36u);
  EXPECT_EQ(pages, 6);
  EXPECT_TRUE(seen_ips.contains("2001:db8::5"));
}

TEST_F(QueriesTest, FiltersNarrowTheList) {
  DeviceQuery f;
  f.network = core::Prefix::parse("192.0.2.8/29");
  auto net = list_devices(conn(), {}, f);
  ASSERT_TRUE(net);
  ASSERT_EQ(net->size(), 8u);
  EXPECT_EQ(net->front().ip.to_string(), "192.0.2.8");
  DeviceQuery v6;
  v6.network = core::Prefix::parse("2001:db8::/64");
  EXPECT_EQ(list_devices(conn(), {}, v6)->size(), 5u);
  DeviceQuery proto;
  proto.protocol = "TELNET";
  EXPECT_EQ(list_devices(conn(), {}, proto)->size(), 5u);
  DeviceQuery port;
  port.port = 1883;
  auto plug = list_devices(conn(), {}, port);
  ASSERT_EQ(plug->size(), 1u);
  EXPECT_EQ(plug->front().vendor, "Tasmota");
  DeviceQuery vendor;
  vendor.vendor = "tasmota";
  EXPECT_EQ(list_devices(conn(), {}, vendor)->size(), 1u);
  DeviceQuery recent;
  recent.seen_after = 2000;
  EXPECT_EQ(list_devices(conn(), {}, recent)->size(), 6u);
}

TEST_F(QueriesTest, CursorsAndNetworksCombine) {
  DeviceQuery f;
  f.network = core::Prefix::parse("192.0.2.16/28");
  f.after = core::IpAddress::parse("192.0.2.3");  // below the network: start at its beginning
  auto from_start = list_devices(conn(), {}, f);
  ASSERT_EQ(from_start->size(), 15u);  // .16 to .30
  EXPECT_EQ(from_start->front().ip.to_string(), "192.0.2.16");
  f.after = core::IpAddress::parse("192.0.2.20");  // inside: go on after it
  EXPECT_EQ(list_devices(conn(), {}, f)->front().ip.to_string(), "192.0.2.21");
  f.after = core::IpAddress::parse("2001:db8::1");  // beyond it: nothing left
  EXPECT_TRUE(list_devices(conn(), {}, f)->empty());
  DeviceQuery all_v6;
  all_v6.network = core::Prefix::parse("::/0");
  EXPECT_EQ(list_devices(conn(), {}, all_v6)->size(), 5u);
  ServiceFilter sf;
  sf.network = core::Prefix::parse("192.0.2.16/28");
  sf.limit = 4;
  std::size_t seen = 0;
  while (true) {
    auto rows = list_services(conn(), {}, sf);
    ASSERT_TRUE(rows);
    for (const auto& r : *rows) EXPECT_TRUE(sf.network->contains(r.ip)) << r.ip.to_string();
    seen += rows->size();
    if (rows->size() < sf.limit) break;
    sf.after = ServiceKey{rows->back().ip, rows->back().port, rows->back().transport};
  }
  EXPECT_EQ(seen, 15u);
  ServiceFilter one;
  one.ip = core::IpAddress::parse("2001:db8::3");
  ASSERT_EQ(list_services(conn(), {}, one)->size(), 1u);
}

TEST_F(QueriesTest, PartnersSeeOnlyTheirDevicesInEveryQuery) {
  Visibility partner7{7};
  EXPECT_TRUE(list_devices(conn(), partner7, {})->empty());
  EXPECT_FALSE(*get_device(conn(), partner7, *core::IpAddress::parse("192.0.2.1")));
  // What the notification migration will do: scope partners by their batches.
  ASSERT_TRUE(
      conn().exec("DROP VIEW partner_visible_ips; CREATE TABLE grants (partner_id, ip); "
                  "CREATE VIEW partner_visible_ips AS SELECT partner_id, ip FROM grants;"));
  auto grant = conn().prepare("INSERT INTO grants VALUES (7, ?)");
  bind_ip(*grant, 1, *core::IpAddress::parse("192.0.2.3"));
  ASSERT_TRUE(grant->run());
  auto mine = list_devices(conn(), partner7, {});
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ(mine->front().ip.to_string(), "192.0.2.3");
  EXPECT_TRUE(*get_device(conn(), partner7, *core::IpAddress::parse("192.0.2.3")));
  EXPECT_FALSE(*get_device(conn(), partner7, *core::IpAddress::parse("192.0.2.4")));
  EXPECT_EQ(list_services(conn(), partner7, {})->size(), 1u);
  ObservationFilter of;
  of.ip = *core::IpAddress::parse("192.0.2.4");
  EXPECT_TRUE(list_observations(conn(), partner7, of)->empty());
  EXPECT_TRUE(list_devices(conn(), Visibility{8}, {})->empty());
  EXPECT_EQ(list_devices(conn(), {}, {})->size(), 36u);
}

TEST_F(QueriesTest, ServicesAndObservationsPage) {
  ServiceFilter f;
  f.limit = 10;
  std::size_t total = 0;
  while (true) {
    auto rows = list_services(conn(), {}, f);
    ASSERT_TRUE(rows);
    total += rows->size();
    if (rows->size() < f.limit) break;
    f.after = ServiceKey{rows->back().ip, rows->back().port, rows->back().transport};
  }
  EXPECT_EQ(total, 36u);
  write({seen("192.0.2.1", 80, 5000), seen("192.0.2.1", 443, 5000),
         seen("192.0.2.1", 80, 6000, core::Source::kNmap)});
  ObservationFilter of;
  of.ip = *core::IpAddress::parse("192.0.2.1");
  of.limit = 2;
  auto first = list_observations(conn(), {}, of);
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].observed_at, 6000);
  const auto& last = first->back();
  of.before =
      ObservationCursor{last.observed_at, last.port, static_cast<std::int64_t>(last.transport),
                        static_cast<std::int64_t>(last.source)};
  auto rest = list_observations(conn(), {}, of);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[1].observed_at, 1001);
  auto history = device_history(conn(), *core::IpAddress::parse("192.0.2.1"), 10);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 1u);  // all on day 0 of the epoch
  EXPECT_EQ((*history)[0].observations, 4);
  EXPECT_EQ((*history)[0].sources, "shodan,nmap");
}

TEST_F(QueriesTest, SummaryAndFeedStatus) {
  auto s = summary(conn(), 3000 + 86400, 5);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->devices, 36);
  EXPECT_EQ(s->services, 36);
  EXPECT_EQ(s->devices_by_type.front().key, "unknown");
  EXPECT_EQ(s->services_by_protocol.front().key, "http");
  EXPECT_EQ(s->services_by_port.front().key, "80/tcp");
  auto feeds = feed_status(conn());
  ASSERT_TRUE(feeds);
  ASSERT_EQ(feeds->size(), 1u);
  EXPECT_EQ((*feeds)[0].source, "shodan");
}

}  // namespace
}  // namespace citywatch::db
