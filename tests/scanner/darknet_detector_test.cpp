// Mirai-style SYNs (sequence number == destination IPv4 address) flag their source; other SYNs
// are counted as scanners only in darknet mode.
#include "scanner/darknet_detector.h"

#include <gtest/gtest.h>

#include "scanner/capture_engine.h"
#include "tests/support/pcap_builder.h"

namespace citywatch::scanner {
namespace {

using testing::ipv4;

std::vector<core::Observation> run(const std::vector<testing::Frame>& frames, bool darknet,
                                   DarknetTotals& totals) {
  std::vector<core::Observation> out;
  CaptureOptions options;
  options.darknet = darknet;
  CaptureEngine engine(options, [&](core::Observation&& o) { out.push_back(std::move(o)); });
  engine.begin_source("generated", 1);
  std::uint64_t n = 0;
  std::int64_t t = 1700000000;
  for (const auto& f : frames) {
    RawPacket p;
    p.seconds = t++;
    p.wire_length = static_cast<std::uint32_t>(f.size());
    p.data = Bytes(f.data(), f.size());
    engine.on_packet(p, ++n);
  }
  engine.flush();
  totals = engine.darknet();
  return out;
}

TEST(DarknetDetector, MiraiSynsFlagTheirSource) {
  std::vector<testing::Frame> frames;
  std::uint32_t bot = ipv4("203.0.113.9"), honest = ipv4("203.0.113.10");
  for (std::uint32_t i = 0; i < 5; ++i) {
    std::uint32_t dst = ipv4("198.18.0.1") + i * 77;
    frames.push_back(testing::ipv4_tcp(bot, dst, static_cast<std::uint16_t>(40000 + i),
                                       i == 4 ? 2323 : 23, {dst, 0, 0x02}));
    frames.push_back(testing::ipv4_tcp(honest, dst, 50000, 23, {dst + 1, 0, 0x02}));
  }
  DarknetTotals totals;
  auto observations = run(frames, true, totals);
  EXPECT_EQ(totals.mirai_syns, 5u);
  EXPECT_EQ(totals.mirai_sources, 1u);
  EXPECT_EQ(totals.scanner_syns, 5u);
  EXPECT_EQ(totals.scanner_sources, 1u);
  ASSERT_EQ(observations.size(), 1u);
  const core::Observation& o = observations[0];
  EXPECT_EQ(o.ip.to_string(), "203.0.113.9");
  EXPECT_EQ(o.kind, core::ObservationKind::kEvent);
  // Stamped with the last SYN: its time and source port identify the subscriber together.
  EXPECT_EQ(o.port, 40004);
  EXPECT_EQ(o.src_port, 40004);
  EXPECT_EQ(o.observed_at, 1700000008);
  EXPECT_EQ(*o.field("infection"), "mirai");
  EXPECT_EQ(*o.field("scan.syns"), "5");
  EXPECT_EQ(*o.field("scan.ports"), "23,2323");
  EXPECT_EQ(*o.field("scan.first_seen"), "2023-11-14T22:13:20Z");
  EXPECT_EQ(*o.field("scan.last_seen"), "2023-11-14T22:13:28Z");
}

TEST(DarknetDetector, OrdinarySynsAreNotInfections) {
  std::vector<testing::Frame> frames;
  for (std::uint32_t i = 0; i < 100; ++i) {
    std::uint32_t dst = ipv4("198.18.0.1") + i;
    frames.push_back(
        testing::ipv4_tcp(ipv4("192.0.2.1") + i % 7, dst, 1234, 80, {dst ^ 0x5a5a5a5a, 0, 0x02}));
  }
  // A SYN-ACK whose sequence number equals the destination is not a scan.
  frames.push_back(testing::ipv4_tcp(ipv4("192.0.2.50"), ipv4("192.0.2.51"), 80, 1234,
                                     {ipv4("192.0.2.51"), 1, 0x12}));
  DarknetTotals totals;
  auto observations = run(frames, false, totals);
  EXPECT_TRUE(observations.empty());
  EXPECT_EQ(totals.mirai_syns, 0u);
  EXPECT_EQ(totals.scanner_syns, 0u);  // not darknet mode
  auto darknet = run(frames, true, totals);
  EXPECT_EQ(totals.scanner_syns, 100u);
  EXPECT_EQ(totals.scanner_sources, 7u);
}

TEST(DarknetDetector, DistinctCounterIsCloseAndFixedSize) {
  DistinctCounter counter;
  for (std::uint64_t i = 0; i < 200000; ++i) {
    counter.add(
        core::IpAddressHash{}(core::IpAddress::v4(0x20000000u + static_cast<std::uint32_t>(i))));
  }
  double estimate = static_cast<double>(counter.estimate());
  EXPECT_NEAR(estimate, 200000.0, 200000.0 * 0.03);
  EXPECT_LE(sizeof(DistinctCounter), 16384u + 64u);
}

TEST(DarknetDetector, ReportsOnlySourcesActiveSinceTheLastReport) {
  DarknetDetector detector(10, false);
  auto syn = [&](std::uint32_t src, core::UnixSeconds t) {
    DecodedPacket p;
    p.src = core::IpAddress::v4(src);
    p.dst_v4 = 0xc6120001;
    p.dst = core::IpAddress::v4(p.dst_v4);
    p.seq = p.dst_v4;
    p.src_port = static_cast<std::uint16_t>(t);
    detector.on_syn(p, t);
  };
  syn(1, 100);
  syn(2, 101);
  std::vector<std::uint64_t> seen;
  detector.take_changed([&](const ScanSource& s) { seen.push_back(s.syns); });
  EXPECT_EQ(seen.size(), 2u);
  syn(1, 160);
  std::vector<core::UnixSeconds> again;
  detector.take_changed([&](const ScanSource& s) { again.push_back(s.last_seen); });
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0], 160);
  std::size_t none = 0;
  detector.take_changed([&](const ScanSource&) { ++none; });
  EXPECT_EQ(none, 0u);
}

TEST(DarknetDetector, InfectedTableIsBounded) {
  DarknetDetector detector(10, true);
  for (std::uint32_t i = 0; i < 50; ++i) {
    DecodedPacket p;
    p.src = core::IpAddress::v4(0x0a000000 + i);
    p.dst_v4 = 0xc6120000 + i;
    p.dst = core::IpAddress::v4(p.dst_v4);
    p.seq = p.dst_v4;
    p.tcp_flags = tcp_flag::kSyn;
    detector.on_syn(p, 1);
  }
  EXPECT_EQ(detector.totals().mirai_sources, 10u);
  EXPECT_EQ(detector.totals().untracked_syns, 40u);
  std::size_t n = 0;
  detector.for_each_infected([&](const ScanSource&) { ++n; });
  EXPECT_EQ(n, 10u);
}

}  // namespace
}  // namespace citywatch::scanner
