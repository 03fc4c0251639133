#include "app/metrics.h"

#include <cmath>
#include <cstdio>

#include "core/check.h"
#include "core/ip_address.h"

namespace citywatch::app {
namespace {

void append_escaped_label(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_escaped_help(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.9g", v);
  }
  return buf;
}

void append_labels(std::string& out, const Labels& labels,
                   const std::pair<std::string, std::string>* extra = nullptr) {
  if (labels.empty() && !extra) return;
  out += '{';
  bool first = true;
  auto one = [&](const std::string& k, const std::string& v) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    append_escaped_label(out, v);
    out += '"';
  };
  for (const auto& [k, v] : labels) one(k, v);
  if (extra) one(extra->first, extra->second);
  out += '}';
}

std::string_view type_name(MetricType t) {
  switch (t) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "gauge";
}

}  // namespace

std::vector<double> duration_buckets() {
  return {0.005, 0.025, 0.1, 0.5, 1, 5, 30, 120, 600, 1800};
}

std::string Metrics::clean_label(std::string_view value) {
  if (core::IpAddress::parse(value) || core::Prefix::parse(value)) return "[address]";
  return std::string(value.substr(0, 128));
}

Labels Metrics::clean(const Labels& labels) {
  Labels out;
  out.reserve(labels.size());
  for (const auto& [k, v] : labels) out.emplace_back(k, clean_label(v));
  return out;
}

Metrics::Metrics() {
  declare("citywatch_http_requests_total", MetricType::kCounter,
          "HTTP requests answered, by route pattern, method and status code");
  declare("citywatch_http_request_duration_seconds", MetricType::kHistogram,
          "Time to answer an HTTP request, by route pattern", duration_buckets());
  declare("citywatch_job_runs_total", MetricType::kCounter,
          "Scheduled job runs that ended, by job kind and outcome (ok, failed, interrupted)");
  declare("citywatch_job_duration_seconds", MetricType::kHistogram,
          "Duration of scheduled job runs, by job kind", duration_buckets());
  declare("citywatch_alerts_total", MetricType::kCounter,
          "Alerts to the SOC, by kind, channel (syslog, webhook) and outcome (sent, failed)");
  declare("citywatch_audit_write_failures_total", MetricType::kCounter,
          "Audit log entries that could not be written");
  declare("citywatch_feed_stale", MetricType::kGauge,
          "1 when a feed has brought nothing new for longer than its stale_after_hours");
  declare("citywatch_scan_ports_total", MetricType::kCounter,
          "Ports probed by scan jobs (address and port pairs), by scope name");
  declare("citywatch_scan_ports_per_second", MetricType::kGauge,
          "Ports per second of a scope's last finished scan job, probing to stored findings");
}

void Metrics::declare(const std::string& name, MetricType type, const std::string& help,
                      std::vector<double> buckets) {
  std::lock_guard lock(mutex_);
  Family& f = families_[name];
  f.type = type;
  f.help = help;
  f.buckets = std::move(buckets);
}

Metrics::Family* Metrics::find(std::string_view name, MetricType type) {
  auto it = families_.find(name);
  // Using an undeclared family, or one as another type, is a bug in our code.
  CITYWATCH_CHECK(it != families_.end() && it->second.type == type);
  return &it->second;
}

void Metrics::inc(std::string_view name, const Labels& labels, double by) {
  Labels l = clean(labels);
  std::lock_guard lock(mutex_);
  find(name, MetricType::kCounter)->series[l].value += by;
}

void Metrics::set(std::string_view name, const Labels& labels, double value) {
  Labels l = clean(labels);
  std::lock_guard lock(mutex_);
  find(name, MetricType::kGauge)->series[l].value = value;
}

void Metrics::observe(std::string_view name, const Labels& labels, double value) {
  Labels l = clean(labels);
  std::lock_guard lock(mutex_);
  Family* f = find(name, MetricType::kHistogram);
  Series& s = f->series[l];
  if (s.counts.empty()) s.counts.assign(f->buckets.size() + 1, 0);
  std::size_t i = 0;
  while (i < f->buckets.size() && value > f->buckets[i]) ++i;
  ++s.counts[i];
  s.sum += value;
  ++s.count;
}

void Metrics::add_collector(Collector collector) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

std::string Metrics::render() {
  // Collectors run without the lock (they read the database); their samples replace the
  // previous scrape's values of the same families.
  std::vector<Collector> collectors;
  {
    std::lock_guard lock(mutex_);
    collectors = collectors_;
  }
  struct Collected final : SampleSink {
    std::map<std::string, std::map<Labels, double>, std::less<>> samples;
    void add(std::string_view family, const Labels& labels, double value) override {
      samples[std::string(family)][clean(labels)] = value;
    }
  } collected;
  for (const auto& c : collectors) c(collected);

  std::lock_guard lock(mutex_);
  for (auto& [name, values] : collected.samples) {
    auto it = families_.find(name);
    CITYWATCH_CHECK(it != families_.end() && it->second.type != MetricType::kHistogram);
    it->second.series.clear();
    for (auto& [labels, value] : values) it->second.series[labels].value = value;
  }

  std::string out;
  for (const auto& [name, f] : families_) {
    if (f.series.empty()) continue;
    out += "# HELP " + name + " ";
    append_escaped_help(out, f.help);
    out += "\n# TYPE " + name + " ";
    out += type_name(f.type);
    out += '\n';
    for (const auto& [labels, s] : f.series) {
      if (f.type != MetricType::kHistogram) {
        out += name;
        append_labels(out, labels);
        out += ' ' + format_value(s.value) + '\n';
        continue;
      }
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i <= f.buckets.size(); ++i) {
        cumulative += s.counts[i];
        std::pair<std::string, std::string> le{
            "le", i < f.buckets.size() ? format_value(f.buckets[i]) : "+Inf"};
        out += name + "_bucket";
        append_labels(out, labels, &le);
        out += ' ' + std::to_string(cumulative) + '\n';
      }
      out += name + "_sum";
      append_labels(out, labels);
      out += ' ' + format_value(s.sum) + '\n';
      out += name + "_count";
      append_labels(out, labels);
      out += ' ' + std::to_string(s.count) + '\n';
    }
  }
  return out;
}

}  // namespace citywatch::app
