// app/metrics.h: the daemon's metrics in the Prometheus text exposition format (version
// 0.0.4). Counters, gauges and histograms are declared once with their help text; values come
// from code paths (requests, job runs, alerts) or from collectors run at scrape time (figures
// read from the database, so they survive restarts). A label value that is an IP address is
// never exposed: it is replaced by "[address]" (addresses of residents are personal data and
// label values end up in long-lived time series). Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace citywatch::app {

using Labels = std::vector<std::pair<std::string, std::string>>;

enum class MetricType { kCounter, kGauge, kHistogram };

// Where collectors put scrape-time values.
class SampleSink {
 public:
  virtual ~SampleSink() = default;
  virtual void add(std::string_view family, const Labels& labels, double value) = 0;
};

class Metrics {
 public:
  Metrics();

  void declare(const std::string& name, MetricType type, const std::string& help,
               std::vector<double> buckets = {});
  void inc(std::string_view name, const Labels& labels = {}, double by = 1);
  void set(std::string_view name, const Labels& labels, double value);
  void observe(std::string_view name, const Labels& labels, double value);

  using Collector = std::function<void(SampleSink&)>;
  void add_collector(Collector collector);

  // The whole exposition, families in name order, each with # HELP and # TYPE once.
  std::string render();

  // Label values as they will be exposed (addresses masked, length capped).
  static std::string clean_label(std::string_view value);

 private:
  struct Series {
    double value = 0;                   // counters and gauges
    std::vector<std::uint64_t> counts;  // histograms: per bucket (not cumulative), then +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  struct Family {
    MetricType type = MetricType::kGauge;
    std::string help;
    std::vector<double> buckets;
    std::map<Labels, Series> series;
  };
  Family* find(std::string_view name, MetricType type);
  static Labels clean(const Labels& labels);

  std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;
  std::vector<Collector> collectors_;
};

// Buckets for durations from 5 ms to about 30 minutes.
std::vector<double> duration_buckets();

}  // namespace citywatch::app
