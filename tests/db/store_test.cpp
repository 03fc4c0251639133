#include "db/store.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/support/test_support.h"

namespace citywatch::db {
namespace {

core::Observation service(const char* ip, std::uint16_t port, core::UnixSeconds t,
                          std::string product = "") {
  core::Observation o;
  o.source = core::Source::kShodan;
  o.ip = *core::IpAddress::parse(ip);
  o.port = port;
  o.observed_at = t;
  o.product = std::move(product);
  o.protocol = "http";
  return o;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::open(dir_.file("s.db"), true);
    ASSERT_TRUE(s) << s.error().to_string();
    store_.emplace(std::move(*s));
    auto id = store_->begin_import(core::Source::kShodan, "test", "", 100);
    ASSERT_TRUE(id);
    import_id_ = *id;
  }
  IngestCounts write(std::vector<core::Observation> chunk) {
    auto counts = store_->write_chunk(chunk, import_id_);
    EXPECT_TRUE(counts) << counts.error().to_string();
    return counts ? *counts : IngestCounts{};
  }
  std::int64_t count(const char* table) { return *store_->count(table); }

  testing::TempDir dir_;
  std::optional<Store> store_;
  std::int64_t import_id_ = 0;
};

TEST_F(StoreTest, SameRecordsTwiceAddNoRows) {
  auto first = write({service("192.0.2.1", 80, 1000), service("192.0.2.1", 443, 1000),
                      service("2001:db8::1", 22, 1000)});
  EXPECT_EQ(first.inserted, 3u);
  auto again = write({service("192.0.2.1", 443, 1000), service("192.0.2.1", 80, 1000)});
  EXPECT_EQ(again.inserted, 0u);
  EXPECT_EQ(again.duplicates, 2u);
  EXPECT_EQ(count("observations"), 3);
  EXPECT_EQ(count("services"), 3);
  EXPECT_EQ(count("devices"), 2);
}

TEST_F(StoreTest, DuplicatesInsideOneChunkCountOnce) {
  auto counts = write({service("192.0.2.1", 80, 1000), service("192.0.2.1", 80, 1000)});
  EXPECT_EQ(counts.inserted, 1u);
  EXPECT_EQ(counts.duplicates, 1u);
}

TEST_F(StoreTest, NewerSightingsWidenSeenTimesAndUpdateDescription) {
  write({service("192.0.2.1", 80, 2000, "lighttpd")});
  write({service("192.0.2.1", 80, 1000, "old-server"), service("192.0.2.1", 80, 3000, "nginx")});
  std::vector<ServiceRecord> services;
  ASSERT_TRUE(store_->for_each_service([&](const ServiceRecord& s) { services.push_back(s); }));
  ASSERT_EQ(services.size(), 1u);
  EXPECT_EQ(services[0].first_seen, 1000);
  EXPECT_EQ(services[0].last_seen, 3000);
  EXPECT_EQ(services[0].product, "nginx");  // the latest sighting describes the service
  EXPECT_EQ(services[0].auth, "unknown");
  EXPECT_EQ(count("observations"), 3);
}

TEST_F(StoreTest, EventsMakeDevicesButNoServices) {
  auto o = service("198.51.100.7", 4717, 5000);
  o.source = core::Source::kShadowserver;
  o.kind = core::ObservationKind::kEvent;
  o.src_port = 4717;
  write({o});
  EXPECT_EQ(count("services"), 0);
  EXPECT_EQ(count("devices"), 1);
}

TEST_F(StoreTest, DevicesListAddressesOfBothFamilies) {
  auto cam = service("2001:db8::42", 554, 1000);
  cam.vendor = "Hikvision";
  cam.firmware = "V5.4.5";
  cam.asn = 1136;
  write({service("192.0.2.9", 23, 1000), cam});
  std::vector<DeviceRecord> devices;
  ASSERT_TRUE(store_->for_each_device([&](const DeviceRecord& d) { devices.push_back(d); }));
  ASSERT_EQ(devices.size(), 2u);
  EXPECT_EQ(devices[0].ip.to_string(), "192.0.2.9");  // IPv4 (integers) sort before IPv6
  EXPECT_EQ(devices[1].ip.to_string(), "2001:db8::42");
  EXPECT_EQ(devices[1].vendor, "Hikvision");
  EXPECT_EQ(devices[1].firmware, "V5.4.5");
  EXPECT_EQ(devices[1].asn, 1136u);
  EXPECT_EQ(devices[1].services, 1);
}

TEST_F(StoreTest, SameKeyFromAnotherSourceIsAnotherObservation) {
  auto a = service("192.0.2.1", 80, 1000);
  auto b = a;
  b.source = core::Source::kNmap;
  EXPECT_EQ(write({a, b}).inserted, 2u);
  EXPECT_EQ(count("services"), 1);
}

TEST_F(StoreTest, FinishedImportsAreRecorded) {
  ImportTotals totals{10, 7, 2, 1, "x.rejects"};
  ASSERT_TRUE(store_->finish_import(import_id_, ImportStatus::kDone, totals, 200));
  auto stmt = store_->connection().prepare(
      "SELECT status, records_read, imported, duplicates, rejected, reject_file FROM imports");
  ASSERT_TRUE(stmt);
  ASSERT_TRUE(*stmt->step());
  EXPECT_EQ(stmt->text(0), "done");
  EXPECT_EQ(stmt->int64(1), 10);
  EXPECT_EQ(stmt->int64(2), 7);
  EXPECT_EQ(stmt->int64(4), 1);
  EXPECT_EQ(stmt->text(5), "x.rejects");
}

// A stand-in for the geolocator: 192.0.2.0/25 is in the city (district D1), the rest outside,
// 2001:db8::/32 not locatable; a feed city of "Elsewhere" contradicts a yes.
void fake_locate(const core::Observation& o, core::Location& out) {
  out = {};
  if (!o.ip.is_v4()) {
    out.note = "not locatable";
    return;
  }
  bool in = (o.ip.v4_value() & 0xff) < 128;
  out.in_city = in ? core::InCity::kYes : core::InCity::kNo;
  out.method = core::LocateMethod::kMmdb;
  out.confidence = 0.8;
  out.latitude = 52.08;
  out.longitude = 4.31;
  out.accuracy_km = 1;
  out.asn = 64496;
  out.organisation = "Demo Telecom";
  if (in) {
    out.district_code = "D1";
    out.district_name = "District One";
  }
  out.feed_city = o.geo.city;
  if (!o.geo.city.empty()) {
    out.feed_in_city = o.geo.city == "Elsewhere" ? core::InCity::kNo : core::InCity::kYes;
    out.feed_disagrees = out.feed_in_city != out.in_city;
  }
}

TEST_F(StoreTest, StoresLocationsAndCountsFeedDisagreements) {
  auto a = service("192.0.2.1", 80, 1000);
  a.geo.city = "Elsewhere";
  auto b = service("192.0.2.1", 443, 1001);
  b.geo.city = "Elsewhere";
  auto c = service("192.0.2.200", 80, 1000);
  auto d = service("2001:db8::1", 80, 1000);
  std::vector<core::Observation> chunk{a, b, c, d};
  auto counts = store_->write_chunk(chunk, import_id_, fake_locate, 5000);
  ASSERT_TRUE(counts) << counts.error().to_string();
  EXPECT_EQ(counts->by_in_city[static_cast<int>(core::InCity::kYes)], 2u);
  EXPECT_EQ(counts->by_in_city[static_cast<int>(core::InCity::kNo)], 1u);
  EXPECT_EQ(counts->by_in_city[static_cast<int>(core::InCity::kUnknown)], 1u);
  EXPECT_EQ(counts->feed_disagreements, 2u);
  // The same records again are duplicates: nothing located, nothing counted twice.
  auto again = store_->write_chunk(chunk, import_id_, fake_locate, 6000);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->feed_disagreements, 0u);

  std::map<std::string, DeviceRecord> devices;
  ASSERT_TRUE(
      store_->for_each_device([&](const DeviceRecord& r) { devices[r.ip.to_string()] = r; }));
  const DeviceRecord& in = devices.at("192.0.2.1");
  EXPECT_EQ(in.location.in_city, core::InCity::kYes);
  EXPECT_EQ(in.location.district_code, "D1");
  EXPECT_EQ(in.location.district_name, "District One");
  EXPECT_EQ(in.location.method, core::LocateMethod::kMmdb);
  EXPECT_DOUBLE_EQ(in.location.confidence, 0.8);
  EXPECT_DOUBLE_EQ(*in.location.accuracy_km, 1);
  EXPECT_EQ(in.location.feed_city, "Elsewhere");
  EXPECT_EQ(in.location.feed_in_city, core::InCity::kNo);
  EXPECT_EQ(in.geo_disagreements, 2);
  EXPECT_EQ(in.located_at, 5000);
  EXPECT_EQ(in.asn, 64496u);  // the feed gave none: filled from the lookup
  EXPECT_EQ(in.org, "Demo Telecom");
  EXPECT_EQ(devices.at("192.0.2.200").location.in_city, core::InCity::kNo);
  EXPECT_TRUE(devices.at("192.0.2.200").location.district_code.empty());
  EXPECT_EQ(devices.at("2001:db8::1").location.in_city, core::InCity::kUnknown);
  EXPECT_EQ(devices.at("2001:db8::1").location.note, "not locatable");
}

TEST_F(StoreTest, UnknownNeverOverwritesALocatedDevice) {
  std::vector<core::Observation> first{service("192.0.2.1", 80, 1000)};
  ASSERT_TRUE(store_->write_chunk(first, import_id_, fake_locate, 1));
  std::vector<core::Observation> later{service("192.0.2.1", 80, 2000)};
  auto unknown = [](const core::Observation&, core::Location& out) { out = {}; };
  ASSERT_TRUE(store_->write_chunk(later, import_id_, unknown, 2));
  std::vector<DeviceRecord> devices;
  ASSERT_TRUE(store_->for_each_device([&](const DeviceRecord& r) { devices.push_back(r); }));
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_EQ(devices[0].location.in_city, core::InCity::kYes);
  EXPECT_EQ(devices[0].location.district_code, "D1");
  EXPECT_EQ(devices[0].last_seen, 2000);
}

TEST_F(StoreTest, FiltersDevicesByInCityAndDistrict) {
  std::vector<core::Observation> chunk{
      service("192.0.2.1", 80, 1000), service("192.0.2.2", 80, 1000),
      service("192.0.2.200", 80, 1000), service("2001:db8::1", 80, 1000)};
  ASSERT_TRUE(store_->write_chunk(chunk, import_id_, fake_locate, 1));
  std::vector<core::Observation> unlocated{service("198.51.100.7", 80, 1000)};
  ASSERT_TRUE(store_->write_chunk(unlocated, import_id_));  // no locator: NULL counts as unknown
  auto ips = [&](const DeviceFilter& f) {
    std::vector<std::string> out;
    EXPECT_TRUE(store_->for_each_device(
        f, [&](const DeviceRecord& r) { out.push_back(r.ip.to_string()); }));
    EXPECT_EQ(*store_->count_devices(f), static_cast<std::int64_t>(out.size()));
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ips({{core::InCity::kYes, core::InCity::kPossibly}, ""}),
            (V{"192.0.2.1", "192.0.2.2"}));
  EXPECT_EQ(ips({{core::InCity::kNo}, ""}), (V{"192.0.2.200"}));
  EXPECT_EQ(ips({{core::InCity::kUnknown}, ""}), (V{"198.51.100.7", "2001:db8::1"}));
  EXPECT_EQ(ips({{}, "D1"}), (V{"192.0.2.1", "192.0.2.2"}));
  EXPECT_EQ(ips({{core::InCity::kNo}, "D1"}), V{});
  EXPECT_EQ(ips({}).size(), 5u);
}

}  // namespace
}  // namespace citywatch::db
