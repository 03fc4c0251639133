#include "app/metrics.h"

#include <gtest/gtest.h>

#include "tests/support/prometheus_text.h"

namespace citywatch::app {
namespace {

TEST(Metrics, ExpositionIsStrictlyValid) {
  Metrics m;
  m.inc("citywatch_http_requests_total",
        {{"route", "/api/v1/devices"}, {"method", "GET"}, {"code", "200"}});
  m.inc("citywatch_http_requests_total",
        {{"route", "/api/v1/devices"}, {"method", "GET"}, {"code", "200"}});
  m.inc("citywatch_http_requests_total",
        {{"route", "weird \"quoted\"\\\nroute"}, {"method", "GET"}, {"code", "404"}});
  for (double d : {0.001, 0.02, 0.3, 7.0, 4000.0}) {
    m.observe("citywatch_http_request_duration_seconds", {{"route", "/livez"}}, d);
  }
  m.declare("citywatch_devices", MetricType::kGauge, "Devices stored");
  m.add_collector([](SampleSink& out) { out.add("citywatch_devices", {}, 100000); });
  std::string text = m.render();
  auto doc = testing::parse_prometheus(text);
  EXPECT_TRUE(doc.problems.empty()) << ::testing::PrintToString(doc.problems) << "\n" << text;
  EXPECT_EQ(doc.value("citywatch_http_requests_total",
                      {{"route", "/api/v1/devices"}, {"method", "GET"}, {"code", "200"}}),
            2);
  EXPECT_EQ(doc.value("citywatch_http_requests_total",
                      {{"route", "weird \"quoted\"\\\nroute"}, {"method", "GET"}, {"code", "404"}}),
            1);
  EXPECT_EQ(doc.value("citywatch_http_request_duration_seconds_count", {{"route", "/livez"}}), 5);
  EXPECT_EQ(doc.value("citywatch_http_request_duration_seconds_bucket",
                      {{"route", "/livez"}, {"le", "0.025"}}),
            2);
  EXPECT_EQ(doc.value("citywatch_http_request_duration_seconds_bucket",
                      {{"route", "/livez"}, {"le", "+Inf"}}),
            5);
  EXPECT_EQ(doc.value("citywatch_devices"), 100000);
  EXPECT_EQ(doc.types["citywatch_http_request_duration_seconds"], "histogram");
}

TEST(Metrics, AddressesNeverBecomeLabelValues) {
  Metrics m;
  m.inc("citywatch_alerts_total",
        {{"kind", "192.0.2.7"}, {"channel", "2001:db8::1"}, {"outcome", "10.0.0.0/8"}});
  std::string text = m.render();
  EXPECT_EQ(text.find("192.0.2.7"), std::string::npos);
  EXPECT_EQ(text.find("2001:db8"), std::string::npos);
  EXPECT_EQ(text.find("10.0.0.0"), std::string::npos);
  EXPECT_NE(text.find(R"(kind="[address]")"), std::string::npos);
  EXPECT_EQ(Metrics::clean_label("/api/v1/devices/{ip}"), "/api/v1/devices/{ip}");
}

TEST(Metrics, CollectorsReplaceTheirValuesEachScrape) {
  Metrics m;
  m.declare("citywatch_services", MetricType::kGauge, "Services stored");
  int n = 1;
  m.add_collector([&n](SampleSink& out) { out.add("citywatch_services", {}, n); });
  EXPECT_NE(m.render().find("citywatch_services 1\n"), std::string::npos);
  n = 7;
  EXPECT_NE(m.render().find("citywatch_services 7\n"), std::string::npos);
}

}  // namespace
}  // namespace citywatch::app
