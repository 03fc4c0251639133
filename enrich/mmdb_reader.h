// enrich/mmdb_reader.h: one open MaxMind-format database (MMDB), the only owner of libmaxminddb
// in citywatch. Reads the record layouts users actually have: GeoIP2/GeoLite2 City and DB-IP
// City Lite (city.names.en, location.*, postal.code, subdivisions), the flat layout of the
// ip-location-db files (city, latitude, longitude, postcode, state1, country_code) and the
// GeoLite2-ASN layout. Move-only. Lookups and decoding only read the memory map, so one reader
// may serve many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/ip_address.h"
#include "core/result.h"

struct MMDB_s;  // keeps <maxminddb.h> out of every file that includes this one

namespace citywatch::enrich {

enum class MmdbLayout {
  kAuto,        // decide from the metadata, or from each record's keys when it says nothing
  kGeoIp2City,  // MaxMind GeoIP2/GeoLite2 City, DB-IP City Lite
  kFlatCity,    // ip-location-db: city, latitude, longitude, postcode, state1, country_code
  kAsn,         // GeoLite2-ASN, DB-IP ASN Lite, GeoIP2-ISP
};
std::optional<MmdbLayout> parse_mmdb_layout(std::string_view text);  // auto, geoip2, flat, asn
std::string_view to_string(MmdbLayout layout);
// The layout a database_type names ("GeoLite2-City", "DBIP-City-Lite", "city ipv4",
// "GeoLite2-ASN"), or kAuto when it does not say.
MmdbLayout layout_of_type(std::string_view database_type);

struct MmdbMetadata {
  std::string database_type;
  std::uint64_t build_epoch = 0;  // seconds since the epoch
  int ip_version = 6;
  std::uint32_t node_count = 0;
};

struct MmdbCityRecord {
  std::string city, postal_code, region, country_code;
  std::optional<double> latitude, longitude, accuracy_km;
};

struct MmdbAsnRecord {
  std::uint32_t asn = 0;
  std::string organisation;
};

struct MmdbHit {
  bool found = false;        // false is normal: private, unrouted or simply not covered
  std::uint32_t offset = 0;  // the data record; networks sharing a record share the offset
};

class MmdbReader {
 public:
  // kIo naming the file when it is missing, truncated or corrupt.
  static core::Result<MmdbReader> open(const std::string& path);

  const std::string& path() const { return path_; }
  const MmdbMetadata& metadata() const { return metadata_; }
  bool ipv4_only() const { return metadata_.ip_version == 4; }

  // An Error (kBadInput) only when the search tree is corrupt. IPv6 on an ipv4_only() database
  // is refused here as kNotFound; callers check ipv4_only() first.
  core::Result<MmdbHit> lookup(const core::IpAddress& ip) const;
  // Decodes a record found by lookup(). Missing fields stay empty; wrong types count as
  // missing. kAuto picks geoip2 or flat from the record's own keys.
  core::Result<MmdbCityRecord> city_record(std::uint32_t offset, MmdbLayout layout) const;
  core::Result<MmdbAsnRecord> asn_record(std::uint32_t offset) const;

 private:
  struct Close {
    void operator()(MMDB_s* db) const;
  };
  MmdbReader(std::string path, std::unique_ptr<MMDB_s, Close> db);

  std::string path_;
  std::unique_ptr<MMDB_s, Close> db_;
  MmdbMetadata metadata_;
};

}  // namespace citywatch::enrich
