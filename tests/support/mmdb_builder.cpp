#include "tests/support/mmdb_builder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>

#include "tests/support/test_support.h"

namespace citywatch::testing {
namespace {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

}  // namespace

std::string city_record(const std::string& city, double lat, double lon, int accuracy_km,
                        const std::string& country, const std::string& postal) {
  std::string loc = "{\"latitude\":" + number(lat) + ",\"longitude\":" + number(lon);
  if (accuracy_km >= 0) loc += ",\"accuracy_radius\":" + std::to_string(accuracy_km);
  loc += "}";
  std::string out =
      "{\"city\":{\"names\":{\"en\":" + quoted(city) +
      "}},\"country\":{\"iso_code\":" + quoted(country) + "},\"location\":" + loc +
      ",\"subdivisions\":[{\"iso_code\":\"ZH\",\"names\":{\"en\":\"South Holland\"}}]";
  if (!postal.empty()) out += ",\"postal\":{\"code\":" + quoted(postal) + "}";
  return out + "}";
}

std::string flat_record(const std::string& city, double lat, double lon) {
  return "{\"city\":" + quoted(city) + ",\"country_code\":\"NL\",\"latitude\":" + number(lat) +
         ",\"longitude\":" + number(lon) +
         ",\"postcode\":\"2500\",\"state1\":\"South Holland\",\"state2\":\"\",\"timezone\":"
         "\"Europe/Amsterdam\"}";
}

std::string asn_record(unsigned asn, const std::string& organisation) {
  return "{\"autonomous_system_number\":" + std::to_string(asn) +
         ",\"autonomous_system_organization\":" + quoted(organisation) + "}";
}

namespace {

std::string spec_json(const MmdbSpec& spec) {
  std::string json = "{\"database_type\":" + quoted(spec.database_type) +
                     ",\"ip_version\":" + std::to_string(spec.ip_version) +
                     ",\"record_size\":28,\"types\":" + spec.types_json;
  if (spec.build_epoch) json += ",\"build_epoch\":" + std::to_string(*spec.build_epoch);
  json += ",\"networks\":[";
  for (std::size_t i = 0; i < spec.networks.size(); ++i) {
    if (i) json += ",";
    json += "{\"network\":" + quoted(spec.networks[i].network) +
            ",\"record\":" + spec.networks[i].record_json + "}";
  }
  json += "]}";
  return json;
}

}  // namespace

bool build_mmdb(const MmdbSpec& spec, const std::string& path) {
  std::string spec_path = path + ".spec.json";
  write_file(spec_path, spec_json(spec));
  auto r = run({"perl", source_path("tests/support/make_mmdb.pl"), spec_path, path});
  EXPECT_EQ(r.exit_code, 0) << "make_mmdb.pl failed (is libmaxmind-db-writer-perl installed?): "
                            << r.err;
  return r.exit_code == 0;
}

std::string cached_mmdb(const MmdbSpec& spec) {
  auto day = std::chrono::duration_cast<std::chrono::hours>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count() /
             24;
  std::string script = read_file(source_path("tests/support/make_mmdb.pl"));
  std::size_t key = std::hash<std::string>{}(spec_json(spec) + script + std::to_string(day));
  std::string dir = CITYWATCH_TEST_CACHE;
  std::filesystem::create_directories(dir);
  char name[40];
  std::snprintf(name, sizeof name, "%016zx.mmdb", key);
  std::string path = dir + "/" + name;
  if (std::filesystem::exists(path)) return path;
  // Build beside it and rename: concurrent test processes never see half a file.
  std::string tmp = path + ".tmp" + std::to_string(::getpid());
  if (!build_mmdb(spec, tmp)) return "";
  std::filesystem::rename(tmp, path);
  std::filesystem::remove(tmp + ".spec.json");
  return path;
}

}  // namespace citywatch::testing
