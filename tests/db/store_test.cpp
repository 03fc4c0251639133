#include "db/store.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace citywatch::db
