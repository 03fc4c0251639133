// tests/support/mmdb_builder.h: builds small MaxMind DB files for tests with Debian's
// libmaxmind-db-writer-perl (tests/support/make_mmdb.pl), so tests never depend on where a
// real database puts a real address.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace citywatch::testing {

struct MmdbNetwork {
  std::string network;      // CIDR
  std::string record_json;  // the record as a JSON object
};

// A GeoIP2/GeoLite2 City record as JSON. accuracy_km < 0 leaves the radius out.
std::string city_record(const std::string& city, double lat, double lon, int accuracy_km,
                        const std::string& country = "NL", const std::string& postal = "");
// An ip-location-db flat record as JSON.
std::string flat_record(const std::string& city, double lat, double lon);
std::string asn_record(unsigned asn, const std::string& organisation);

struct MmdbSpec {
  std::string database_type = "GeoLite2-City";
  int ip_version = 6;
  std::optional<long long> build_epoch;  // default: now
  std::string types_json = "{}";         // key type overrides, e.g. {"latitude": "float"}
  std::vector<MmdbNetwork> networks;
};

// Writes the database to path; fails the current test (returning false) when perl fails.
bool build_mmdb(const MmdbSpec& spec, const std::string& path);

// The same, built once into the build tree's test cache and shared by every test process
// (ctest runs each test on its own); keyed by the spec, the writer script and the day, so a
// cached file never grows stale. Returns the path, or "" after failing the current test.
std::string cached_mmdb(const MmdbSpec& spec);

}  // namespace citywatch::testing
