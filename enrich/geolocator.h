// enrich/geolocator.h: where is this address? Puts an IP address in the city or not (or
// possibly), in a district, with a method and a confidence. In order of strength:
//   1. the municipality's own ranges (method municipal-range),
//   2. the operator's prefix map, CIDR -> district or point (prefix-map),
//   3. IP geolocation databases in MaxMind format, tried in the configured order (mmdb),
//   4. the feed's own geo columns, when nothing above placed the address (feed).
// A point with an accuracy radius whose circle crosses the city boundary is "possibly" in the
// city. Private and reserved addresses not covered by 1 or 2 are not locatable.
//
// Decoded database records are cached per record (networks share records), so a lookup costs
// one tree walk and one hash probe once warm. The cache makes a Geolocator single-threaded:
// open one per thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/ip_address.h"
#include "core/location.h"
#include "core/observation.h"
#include "core/result.h"
#include "core/time.h"
#include "enrich/asn_lookup.h"
#include "enrich/district_index.h"
#include "enrich/mmdb_reader.h"
#include "enrich/polygon.h"
#include "enrich/prefix_map.h"

namespace citywatch::enrich {

struct GeoConfig {
  std::string city_name = "'s-Gravenhage";
  std::string city_code = "GM0518";       // picks the city from a boundary file with many
  std::vector<std::string> city_aliases;  // names feeds use for the city ("Den Haag")
  std::string boundary_file;              // GeoJSON, required
  std::string district_file;              // GeoJSON; empty: no districts
  std::string district_code_property;     // empty: statcode, wijkcode, WK_CODE, code
  std::string district_name_property;     // empty: statnaam, wijknaam, WK_NAAM, name
  std::vector<std::string> city_mmdb;     // tried in order (e.g. an IPv4 and an IPv6 file)
  MmdbLayout city_mmdb_layout = MmdbLayout::kAuto;
  std::string asn_mmdb;  // GeoLite2-ASN layout
  std::string asn_csv;   // start,end,asn,organisation
  std::string prefix_map;
  std::vector<core::Prefix> municipal_ranges;
  double assumed_accuracy_km = 0;  // for points that come without a radius (flat DBs, feeds)
  int max_db_age_days = 30;
};

class Geolocator {
 public:
  // Loads every configured file. kConfig for a bad GeoJSON, prefix map or missing file (named
  // with feature or line), kIo for an unreadable or corrupt MMDB. Stale databases and bad ASN
  // CSV lines become warnings().
  static core::Result<Geolocator> open(const GeoConfig& config, const core::Clock& clock);

  // Fills out (reusing its strings' capacity). feed may be null.
  void locate(const core::IpAddress& ip, const core::FeedGeo* feed, core::Location& out);
  core::Location locate(const core::IpAddress& ip, const core::FeedGeo* feed = nullptr);

  const std::vector<std::string>& warnings() const { return warnings_; }
  bool has_city_database() const { return !city_dbs_.empty(); }
  std::size_t district_count() const { return districts_.size(); }
  const DistrictIndex& districts() const { return districts_; }
  const IndexedPolygon& boundary() const { return boundary_; }

  struct Placement {
    core::InCity in_city = core::InCity::kUnknown;
    const District* district = nullptr;
    double share = 1;  // how much of the accuracy circle supports the answer (0..1)
  };
  // A point with an accuracy radius (0: exact) against the boundary and the districts.
  Placement place(GeoPoint p, double radius_km) const;

 private:
  struct CityDb {
    MmdbReader reader;
    MmdbLayout layout;
  };
  // One decoded and placed record, kept small (two cache lines for typical names): its texts
  // share one buffer, since copying them out is most of the per-address cost once warm.
  struct CachedRecord {
    enum Text { kCity, kPostal, kRegion, kCountry, kNote, kTexts };
    core::InCity in_city = core::InCity::kUnknown;
    bool has_point = false;
    bool has_radius = false;
    std::array<std::uint16_t, kTexts> length{};
    const District* district = nullptr;
    double confidence = 0, latitude = 0, longitude = 0, accuracy_km = 0;
    std::string texts;  // city, postal code, region, country code and note, back to back

    void set_texts(const MmdbCityRecord& r, const std::string& note);
    void copy_text(Text which, std::string& to) const;
  };

  Geolocator() = default;
  bool locate_override(const core::IpAddress& ip, core::Location& out) const;
  bool locate_mmdb(const core::IpAddress& ip, core::Location& out);
  const CachedRecord& evaluate(std::size_t db, std::uint32_t offset);
  void locate_asn(const core::IpAddress& ip, core::Location& out);
  void apply_feed(const core::IpAddress& ip, const core::FeedGeo& feed, core::Location& out) const;
  void set_district(const District* d, core::Location& out) const;
  bool names_city(std::string_view name) const;

  GeoConfig config_;
  std::vector<std::string> alias_keys_;  // normalised city names
  IndexedPolygon boundary_;
  DistrictIndex districts_;
  std::vector<CityDb> city_dbs_;
  std::optional<MmdbReader> asn_db_;
  std::optional<AsnRanges> asn_ranges_;
  PrefixTable<PrefixTarget> prefix_map_;
  PrefixTable<bool> municipal_;
  // Decoded records by (database, record offset): an open-addressing table of slots pointing
  // into a vector, so a warm lookup costs one or two cache misses, not a chain of nodes.
  struct CacheSlot {
    std::uint64_t key = kEmptySlot;
    std::uint32_t index = 0;
  };
  static constexpr std::uint64_t kEmptySlot = ~std::uint64_t{0};
  std::vector<CacheSlot> cache_slots_;
  std::vector<CachedRecord> cache_records_;
  std::unordered_map<std::uint32_t, MmdbAsnRecord> asn_cache_;
  std::vector<std::string> warnings_;
  bool reported_db_error_ = false;
};

}  // namespace citywatch::enrich
