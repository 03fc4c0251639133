// Aggregates: the summary, the districts and the trends. The `screen` role (City Hall screen,
// open data) gets the same figures with every count below server.screen_min_count hidden
// (null), so no small group of devices can be singled out; no address ever appears here.
#include <map>

#include "app/api.h"
#include "core/json_writer.h"
#include "db/finding_queries.h"

namespace citywatch::app {
namespace {

struct Counter {
  bool suppress = false;
  std::int64_t min_count = 0;
  // A count as JSON: the number, or null when it is small enough to single devices out.
  void write(core::JsonWriter& w, std::string_view key, std::int64_t n) const {
    w.key(key);
    if (suppress && n > 0 && n < min_count) {
      w.null();
    } else {
      w.value(n);
    }
  }
};

void write_counts(core::JsonWriter& w, std::string_view key, const std::vector<db::CountRow>& rows,
                  const Counter& c) {
  w.key(key).begin_array();
  for (const auto& r : rows) {
    w.begin_object().field("key", r.key);
    c.write(w, "count", r.count);
    w.end_object();
  }
  w.end_array();
}

Counter counter_for(const ApiRequest& req) {
  return Counter{req.is(Role::kScreen), req.config->server.screen_min_count};
}

void write_suppression(core::JsonWriter& w, const Counter& c) {
  w.key("suppressed_below");
  c.suppress ? w.value(c.min_count) : w.null();
}

ApiResponse summary(ApiRequest& req) {
  Counter c = counter_for(req);
  const core::UnixSeconds now = req.now();
  auto body = req.services->cache->get(
      c.suppress ? "summary:screen" : "summary:full", now,
      req.config->server.aggregate_cache_seconds, [&]() -> core::Result<std::string> {
        auto s = db::summary(req.store->connection(), now, 20);
        if (!s) return core::fail(s.error());
        core::JsonWriter w;
        w.begin_object().field("city", req.config->city_name).field("generated_at", iso_time(now));
        c.write(w, "devices", s->devices);
        c.write(w, "services", s->services);
        c.write(w, "devices_new_7d", s->devices_new_7d);
        c.write(w, "devices_seen_7d", s->devices_seen_7d);
        write_counts(w, "devices_by_type", s->devices_by_type, c);
        write_counts(w, "services_by_protocol", s->services_by_protocol, c);
        write_counts(w, "services_by_port", s->services_by_port, c);
        write_suppression(w, c);
        w.end_object();
        return w.take();
      });
  if (!body) return error_from(body.error());
  return json_response(200, *body);
}

ApiResponse trends(ApiRequest& req) {
  QueryReader q(req.query);
  auto days = q.integer("days", 1, 366);
  if (!days) return error_from(days.error());
  const std::int64_t n = days->value_or(30);
  Counter c = counter_for(req);
  const core::UnixSeconds now = req.now();
  const std::int64_t today = now / 86400;
  auto body = req.services->cache->get(
      std::string(c.suppress ? "trends:screen:" : "trends:full:") + std::to_string(n), now,
      req.config->server.aggregate_cache_seconds, [&]() -> core::Result<std::string> {
        auto rows = db::trends(req.store->connection(), today - n + 1, today + 1);
        if (!rows) return core::fail(rows.error());
        core::JsonWriter w;
        w.begin_object().field("generated_at", iso_time(now)).key("days").begin_array();
        for (const auto& d : *rows) {
          w.begin_object().field("date", iso_time(d.day * 86400).substr(0, 10));
          c.write(w, "new_devices", d.new_devices);
          c.write(w, "devices_seen", d.devices_seen);
          c.write(w, "observations", d.observations);
          c.write(w, "new_findings", d.new_findings);
          c.write(w, "fixed_findings", d.fixed_findings);
          c.write(w, "reopened_findings", d.reopened_findings);
          w.end_object();
        }
        w.end_array();
        write_suppression(w, c);
        w.end_object();
        return w.take();
      });
  if (!body) return error_from(body.error());
  return json_response(200, *body);
}

void write_district(core::JsonWriter& w, const db::DistrictCounts& d, const Counter& c) {
  c.write(w, "devices", d.devices);
  c.write(w, "insecure_devices", d.insecure_devices);
  w.key("insecure_by_severity").begin_object();
  for (int i = 4; i >= 0; --i) {
    c.write(w, core::to_string(static_cast<core::Severity>(i)),
            d.by_severity[static_cast<std::size_t>(i)]);
  }
  w.end_object();
  w.key("insecure_by_kind").begin_object();
  for (int i = 0; i < 5; ++i) {
    c.write(w, core::to_string(static_cast<core::FindingKind>(i)),
            d.by_kind[static_cast<std::size_t>(i)]);
  }
  w.end_object();
}

ApiResponse districts(ApiRequest& req) {
  Counter c = counter_for(req);
  const core::UnixSeconds now = req.now();
  auto names = req.services->districts ? req.services->districts() : nullptr;
  auto body = req.services->cache->get(
      c.suppress ? "districts:screen" : "districts:full", now,
      req.config->server.aggregate_cache_seconds, [&]() -> core::Result<std::string> {
        auto rows = db::district_counts(req.store->connection(), now);
        if (!rows) return core::fail(rows.error());
        std::map<std::string, const db::DistrictCounts*> by_code;
        db::DistrictCounts city;  // every device in the city, with or without a district
        for (const auto& r : *rows) {
          by_code[r.code] = &r;
          city.devices += r.devices;
          city.insecure_devices += r.insecure_devices;
          for (std::size_t i = 0; i < 5; ++i) {
            city.by_severity[i] += r.by_severity[i];
            city.by_kind[i] += r.by_kind[i];
          }
        }
        core::JsonWriter w;
        w.begin_object().field("city", req.config->city_name).field("generated_at", iso_time(now));
        w.key("districts").begin_array();
        auto district = [&](const std::string& code, const std::string& name) {
          w.begin_object().field("code", code).field("name", name);
          auto it = by_code.find(code);
          write_district(w, it != by_code.end() ? *it->second : db::DistrictCounts{}, c);
          w.end_object();
          if (it != by_code.end()) by_code.erase(it);
        };
        // Every district of the map, also those with nothing found (a map needs them all),
        // then any the database knows from an older district file.
        if (names) {
          for (const auto& n : *names) district(n.code, n.name);
        }
        std::vector<std::pair<std::string, std::string>> rest;
        for (const auto& [code, row] : by_code) {
          if (!code.empty()) rest.emplace_back(code, row->name);
        }
        for (const auto& [code, name] : rest) district(code, name);
        w.end_array();
        // Placed in the city but in no district (district maps lag boundary changes).
        w.key("no_district").begin_object();
        auto none = by_code.find("");
        write_district(w, none != by_code.end() ? *none->second : db::DistrictCounts{}, c);
        w.end_object();
        w.key("city_total").begin_object();
        write_district(w, city, c);
        w.end_object();
        write_suppression(w, c);
        w.end_object();
        return w.take();
      });
  if (!body) return error_from(body.error());
  return json_response(200, *body);
}

}  // namespace

void add_stats_routes(Router& router) {
  router.add({"GET",
              "/api/v1/stats/summary",
              aggregate_readers(),
              {},
              summary,
              "counts of devices and services, by type, protocol and port"});
  router.add({"GET",
              "/api/v1/trends",
              aggregate_readers(),
              {"days"},
              trends,
              "per day: new devices, devices seen, observations, findings new / fixed / reopened"});
  router.add({"GET",
              "/api/v1/districts",
              aggregate_readers(),
              {},
              districts,
              "per district: devices, insecure devices by worst severity and by kind"});
}

}  // namespace citywatch::app
