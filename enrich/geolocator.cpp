#include "enrich/geolocator.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <numbers>

#include "core/text.h"

namespace citywatch::enrich {
namespace {

// How likely the answer is right, before the geometry is considered. The municipality knows
// its own ranges; an operator knows which district a prefix serves (a point is a little less
// sure: it may be an office, not the subscribers). MaxMind states that an address lies within
// the accuracy radius with about 67% probability; an in-city answer whose whole circle is in
// the city is a good deal surer than that. A database without a radius says nothing about its
// own precision, and a feed's columns are someone else's geolocation of unknown vintage.
constexpr double kConfidenceMunicipal = 1.0;
constexpr double kConfidencePrefixDistrict = 0.95;
constexpr double kConfidencePrefixPoint = 0.9;
constexpr double kConfidenceMmdb = 0.8;
constexpr double kConfidenceMmdbNoRadius = 0.6;
constexpr double kConfidenceFeedPoint = 0.5;
constexpr double kConfidenceFeedCity = 0.4;
// A circle that crosses the boundary never makes "possibly" a certain no.
constexpr double kMinPossibly = 0.01;

constexpr std::size_t kMaxCachedRecords = 1u << 20;
constexpr std::size_t kInitialCacheSlots = 1u << 12;

std::size_t slot_of(std::uint64_t key, std::size_t mask) {
  return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ULL) >> 20) & mask;
}
constexpr std::size_t kMaxPrefixMapBytes = 64u << 20;

// Points spread evenly over the unit disk (centre plus rings of equal area), to estimate how
// much of an accuracy circle lies in the city or a district.
struct Disk {
  static constexpr int kRings = 6, kPerRing = 12;
  std::array<std::pair<double, double>, 1 + kRings * kPerRing> points{};
  Disk() {
    std::size_t n = 1;
    for (int r = 0; r < kRings; ++r) {
      double radius = std::sqrt((r + 0.5) / kRings);
      for (int k = 0; k < kPerRing; ++k) {
        double angle = 2 * std::numbers::pi * (k + 0.5 * (r % 2)) / kPerRing;
        points[n++] = {radius * std::sin(angle), radius * std::cos(angle)};
      }
    }
  }
};
const Disk kDisk;

template <typename Fn>
double share_of_disk(GeoPoint centre, double radius_km, Fn&& inside) {
  int hits = 0;
  for (const auto& [north, east] : kDisk.points) {
    if (inside(offset_km(centre, north * radius_km, east * radius_km))) ++hits;
  }
  return static_cast<double>(hits) / static_cast<double>(kDisk.points.size());
}

// "'s-Gravenhage" and "S-GRAVENHAGE" and "s Gravenhage" are one name.
std::string name_key(std::string_view name) {
  std::string key;
  for (char c : name) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) key += c;
    if (c >= 'A' && c <= 'Z') key += static_cast<char>(c - 'A' + 'a');
  }
  return key;
}

core::Result<std::string> read_small_file(const std::string& path, std::size_t max_bytes,
                                          const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return core::fail(core::ErrorCode::kConfig,
                      std::string("cannot read the ") + what + " (check the [geo] section)", path);
  }
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes) {
      return core::fail(core::ErrorCode::kConfig,
                        std::string("the ") + what + " is larger than " +
                            std::to_string(max_bytes >> 20) + " MiB",
                        path);
    }
  }
  return text;
}

std::vector<std::string> properties(const std::string& configured,
                                    std::initializer_list<const char*> defaults) {
  if (!configured.empty()) return {configured};
  return {defaults.begin(), defaults.end()};
}

void reset(core::Location& out) {
  out.in_city = core::InCity::kUnknown;
  out.district_code.clear();
  out.district_name.clear();
  out.city.clear();
  out.postal_code.clear();
  out.region.clear();
  out.country_code.clear();
  out.latitude.reset();
  out.longitude.reset();
  out.accuracy_km.reset();
  out.asn = 0;
  out.organisation.clear();
  out.method = core::LocateMethod::kNone;
  out.confidence = 0;
  out.note.clear();
  out.feed_city.clear();
  out.feed_in_city = core::InCity::kUnknown;
  out.feed_disagrees = false;
}

std::shared_ptr<spdlog::logger> logger() { return spdlog::get("enrich"); }

}  // namespace

core::Result<Geolocator> Geolocator::open(const GeoConfig& config, const core::Clock& clock) {
  Geolocator geo;
  geo.config_ = config;
  geo.alias_keys_.push_back(name_key(config.city_name));
  for (const auto& alias : config.city_aliases) geo.alias_keys_.push_back(name_key(alias));

  // The boundary: every feature of the file, or only the city's when it holds several places.
  if (config.boundary_file.empty()) {
    return core::fail(
        core::ErrorCode::kConfig,
        "no city boundary: set [geo] boundary to a GeoJSON file of the city's outline");
  }
  GeoJsonOptions boundary_options;
  boundary_options.code_properties = {"gemeentecode", "statcode", "GM_CODE", "code"};
  boundary_options.name_properties = {"gemeentenaam", "statnaam", "GM_NAAM", "name"};
  auto outline = read_geojson_file(config.boundary_file, boundary_options);
  if (!outline) return core::fail(outline.error());
  MultiPolygon shape;
  bool several = outline->size() > 1;
  if (!several && core::istarts_with((*outline)[0].code, "GM") &&
      (*outline)[0].code != config.city_code) {
    return core::fail(core::ErrorCode::kConfig,
                      "the boundary is " + (*outline)[0].code + " but the city is " +
                          config.city_code +
                          " ([city] code); set [geo] boundary to the city's outline",
                      config.boundary_file);
  }
  // Parts of one outline (islands) often come as features without codes: those all count.
  bool coded = std::any_of(outline->begin(), outline->end(),
                           [](const GeoFeature& f) { return !f.code.empty(); });
  for (const GeoFeature& f : *outline) {
    if (several && coded && f.code != config.city_code) continue;
    shape.insert(shape.end(), f.geometry.begin(), f.geometry.end());
  }
  if (shape.empty()) {
    return core::fail(core::ErrorCode::kConfig,
                      "the file has " + std::to_string(outline->size()) +
                          " features and none has the city's code " + config.city_code +
                          " (property gemeentecode, statcode, GM_CODE or code); set [city] code "
                          "or cut the city's outline out of the file",
                      config.boundary_file);
  }
  geo.boundary_ = IndexedPolygon(shape);

  if (!config.district_file.empty()) {
    GeoJsonOptions options;
    options.code_properties =
        properties(config.district_code_property, {"statcode", "wijkcode", "WK_CODE", "code"});
    options.name_properties =
        properties(config.district_name_property, {"statnaam", "wijknaam", "WK_NAAM", "name"});
    auto features = read_geojson_file(config.district_file, options);
    if (!features) return core::fail(features.error());
    for (const GeoFeature& f : *features) {
      if (f.code.empty()) {
        return core::fail(core::ErrorCode::kConfig,
                          f.label() + " has no district code (looked for property " +
                              options.code_properties.front() +
                              (options.code_properties.size() > 1 ? " and others" : "") +
                              "); name the property with [geo] district_code_property",
                          config.district_file);
      }
    }
    geo.districts_ = DistrictIndex::build(*features);
  }

  for (const core::Prefix& p : config.municipal_ranges) geo.municipal_.insert(p, true);

  if (!config.prefix_map.empty()) {
    auto text = read_small_file(config.prefix_map, kMaxPrefixMapBytes, "prefix map");
    if (!text) return core::fail(text.error());
    core::Diagnostics diag(1);
    auto entries = parse_prefix_map(*text, config.prefix_map, diag);
    // The prefix map is configuration: a wrong line would silently misplace devices.
    if (diag.count() > 0) {
      const core::Diagnostic& d = diag.samples().front();
      return core::fail(
          core::ErrorCode::kConfig,
          d.reason + (d.detail.empty() ? "" : ": " + d.detail) +
              (diag.count() > 1 ? " (and " + std::to_string(diag.count() - 1) + " more bad lines)"
                                : ""),
          d.where);
    }
    for (auto& [prefix, target] : entries) {
      if (!target.district_code.empty() && !geo.districts_.by_code(target.district_code)) {
        return core::fail(core::ErrorCode::kConfig,
                          "district " + core::printable_excerpt(target.district_code, 40) +
                              " is not in the district file " + config.district_file,
                          target.where);
      }
      std::string where = target.where;
      if (!geo.prefix_map_.insert(prefix, std::move(target))) {
        return core::fail(core::ErrorCode::kConfig,
                          "prefix " + prefix.to_string() + " is listed twice", where);
      }
    }
  }

  auto check_age = [&](const MmdbReader& r) {
    const auto& m = r.metadata();
    core::UnixSeconds age = clock.now() - static_cast<core::UnixSeconds>(m.build_epoch);
    if (m.build_epoch > 0 && age > static_cast<core::UnixSeconds>(config.max_db_age_days) * 86400) {
      std::string text = "IP geolocation database " + r.path() + " (" + m.database_type +
                         ") was built " +
                         core::format_utc(static_cast<core::UnixSeconds>(m.build_epoch)) + ", " +
                         std::to_string(age / 86400) +
                         " days ago: locations drift as address blocks move, and GeoLite2's "
                         "licence requires current data; update it (geoipupdate, or citywatch "
                         "geodb fetch --accept-geolite2-eula)";
      geo.warnings_.push_back(text);
    }
  };

  for (const std::string& path : config.city_mmdb) {
    auto reader = MmdbReader::open(path);
    if (!reader) return core::fail(reader.error());
    MmdbLayout layout = config.city_mmdb_layout;
    MmdbLayout named = layout_of_type(reader->metadata().database_type);
    if (named == MmdbLayout::kAsn) {
      return core::fail(core::ErrorCode::kConfig,
                        "this is an ASN database (" + reader->metadata().database_type +
                            "), not a city database: name it in [geo] asn_mmdb",
                        path);
    }
    if (layout == MmdbLayout::kAuto) layout = named;  // kAuto stays: decide per record
    check_age(*reader);
    geo.city_dbs_.push_back({std::move(*reader), layout});
  }
  if (!config.asn_mmdb.empty()) {
    auto reader = MmdbReader::open(config.asn_mmdb);
    if (!reader) return core::fail(reader.error());
    MmdbLayout named = layout_of_type(reader->metadata().database_type);
    if (named == MmdbLayout::kGeoIp2City || named == MmdbLayout::kFlatCity) {
      return core::fail(core::ErrorCode::kConfig,
                        "this is a city database (" + reader->metadata().database_type +
                            "), not an ASN database: name it in [geo] city_mmdb",
                        config.asn_mmdb);
    }
    check_age(*reader);
    geo.asn_db_.emplace(std::move(*reader));
  }
  if (!config.asn_csv.empty()) {
    core::Diagnostics diag(3);
    auto ranges = AsnRanges::read_file(config.asn_csv, diag);
    if (!ranges) return core::fail(ranges.error());
    if (diag.count() > 0) {
      std::string text = "ASN range file " + config.asn_csv + ": " + std::to_string(diag.count()) +
                         " bad lines left out";
      for (const auto& d : diag.samples()) text += "; " + d.where + ": " + d.reason;
      geo.warnings_.push_back(text);
    }
    geo.asn_ranges_.emplace(std::move(*ranges));
  }
  if (auto log = logger()) {
    for (const auto& w : geo.warnings_) log->warn("geo_warning {}", w);
  }
  return geo;
}

core::Location Geolocator::locate(const core::IpAddress& ip, const core::FeedGeo* feed) {
  core::Location out;
  locate(ip, feed, out);
  return out;
}

void Geolocator::locate(const core::IpAddress& ip, const core::FeedGeo* feed, core::Location& out) {
  reset(out);
  if (!locate_override(ip, out)) {
    if (ip.is_special_purpose()) {
      out.note =
          "private or reserved address (RFC 6890): no database can place it; list it in the "
          "prefix map or the municipal ranges to place it";
    } else {
      locate_mmdb(ip, out);
    }
  }
  locate_asn(ip, out);
  if (feed) apply_feed(ip, *feed, out);
}

void Geolocator::set_district(const District* d, core::Location& out) const {
  if (!d) return;
  out.district_code = d->code;
  out.district_name = d->name;
}

Geolocator::Placement Geolocator::place(GeoPoint p, double radius_km) const {
  Placement out;
  bool inside = boundary_.contains(p);
  out.district = inside ? districts_.find(p) : nullptr;
  if (!(radius_km > 0)) {
    out.in_city = inside ? core::InCity::kYes : core::InCity::kNo;
    return out;
  }
  if (!boundary_.distance_to_edge_km(p, radius_km)) {
    // The whole circle lies on one side of the boundary.
    out.in_city = inside ? core::InCity::kYes : core::InCity::kNo;
    if (out.district) {
      const District* d = out.district;
      out.share = share_of_disk(p, radius_km, [d](GeoPoint q) { return d->shape.contains(q); });
    }
    return out;
  }
  out.in_city = core::InCity::kPossibly;
  out.share =
      std::max(kMinPossibly,
               share_of_disk(p, radius_km, [this](GeoPoint q) { return boundary_.contains(q); }));
  return out;
}

bool Geolocator::locate_override(const core::IpAddress& ip, core::Location& out) const {
  const PrefixTarget* target = prefix_map_.find(ip);
  if (municipal_.find(ip)) {
    out.in_city = core::InCity::kYes;
    out.method = core::LocateMethod::kMunicipalRange;
    out.confidence = kConfidenceMunicipal;
    out.city = config_.city_name;
    // The prefix map may know the district of a municipal range.
    if (target && !target->district_code.empty()) {
      set_district(districts_.by_code(target->district_code), out);
    } else if (target && target->latitude) {
      GeoPoint p{*target->latitude, *target->longitude};
      if (boundary_.contains(p)) set_district(districts_.find(p), out);
    }
    return true;
  }
  if (!target) return false;
  out.method = core::LocateMethod::kPrefixMap;
  if (!target->label.empty()) out.note = target->label;
  if (!target->district_code.empty()) {
    out.in_city = core::InCity::kYes;
    out.city = config_.city_name;
    out.confidence = kConfidencePrefixDistrict;
    set_district(districts_.by_code(target->district_code), out);
    return true;
  }
  GeoPoint p{*target->latitude, *target->longitude};
  double radius = target->accuracy_km.value_or(0);
  Placement placed = place(p, radius);
  out.in_city = placed.in_city;
  set_district(placed.district, out);
  out.latitude = p.lat;
  out.longitude = p.lon;
  if (target->accuracy_km) out.accuracy_km = *target->accuracy_km;
  if (placed.in_city != core::InCity::kNo) out.city = config_.city_name;
  out.confidence = kConfidencePrefixPoint * placed.share;
  return true;
}

const Geolocator::CachedRecord& Geolocator::evaluate(std::size_t db, std::uint32_t offset) {
  std::uint64_t key = (static_cast<std::uint64_t>(db) << 32) | offset;
  if (cache_slots_.empty()) cache_slots_.resize(kInitialCacheSlots);
  std::size_t mask = cache_slots_.size() - 1;
  std::size_t slot = slot_of(key, mask);
  while (cache_slots_[slot].key != kEmptySlot) {
    if (cache_slots_[slot].key == key) return cache_records_[cache_slots_[slot].index];
    slot = (slot + 1) & mask;
  }
  // A miss: decode and place the record, then remember it. The table stays at most half full;
  // past the record limit it starts over rather than grow without bound.
  if (cache_records_.size() >= kMaxCachedRecords) {
    cache_records_.clear();
    std::fill(cache_slots_.begin(), cache_slots_.end(), CacheSlot{});
  } else if ((cache_records_.size() + 1) * 2 > cache_slots_.size()) {
    std::vector<CacheSlot> bigger(cache_slots_.size() * 2);
    std::size_t bigger_mask = bigger.size() - 1;
    for (const CacheSlot& s : cache_slots_) {
      if (s.key == kEmptySlot) continue;
      std::size_t at = slot_of(s.key, bigger_mask);
      while (bigger[at].key != kEmptySlot) at = (at + 1) & bigger_mask;
      bigger[at] = s;
    }
    cache_slots_ = std::move(bigger);
  }
  mask = cache_slots_.size() - 1;
  slot = slot_of(key, mask);
  while (cache_slots_[slot].key != kEmptySlot) slot = (slot + 1) & mask;
  cache_slots_[slot] = {key, static_cast<std::uint32_t>(cache_records_.size())};
  CachedRecord& cached = cache_records_.emplace_back();
  auto record = city_dbs_[db].reader.city_record(offset, city_dbs_[db].layout);
  if (!record) {
    cached.set_texts({}, "database error: " + record.error().to_string());
    if (!reported_db_error_) {
      reported_db_error_ = true;
      if (auto log = logger()) log->warn("geodb_corrupt_record {}", record.error().to_string());
    }
  } else if (!record->latitude) {
    cached.set_texts(*record, "the database gives no coordinates for this address" +
                                  (record->country_code.empty()
                                       ? std::string()
                                       : " (country level only: " + record->country_code + ")"));
  } else {
    cached.set_texts(*record, {});
    cached.has_point = true;
    cached.latitude = *record->latitude;
    cached.longitude = *record->longitude;
    cached.has_radius = record->accuracy_km.has_value();
    cached.accuracy_km = record->accuracy_km.value_or(0);
    double radius = record->accuracy_km.value_or(config_.assumed_accuracy_km);
    Placement placed = place({cached.latitude, cached.longitude}, radius);
    cached.in_city = placed.in_city;
    cached.district = placed.district;
    double base = cached.has_radius ? kConfidenceMmdb : kConfidenceMmdbNoRadius;
    cached.confidence = base * placed.share;
  }
  return cached;
}

void Geolocator::CachedRecord::set_texts(const MmdbCityRecord& r, const std::string& note) {
  const std::string* parts[kTexts] = {&r.city, &r.postal_code, &r.region, &r.country_code, &note};
  for (int i = 0; i < kTexts; ++i) {
    // MmdbReader caps its texts at 200 bytes; notes are ours.
    std::size_t n = std::min<std::size_t>(parts[i]->size(), 4096);
    length[static_cast<std::size_t>(i)] = static_cast<std::uint16_t>(n);
    texts.append(*parts[i], 0, n);
  }
}

void Geolocator::CachedRecord::copy_text(Text which, std::string& to) const {
  std::size_t at = 0;
  for (int i = 0; i < which; ++i) at += length[static_cast<std::size_t>(i)];
  to.assign(texts.data() + at, length[static_cast<std::size_t>(which)]);
}

bool Geolocator::locate_mmdb(const core::IpAddress& ip, core::Location& out) {
  if (city_dbs_.empty()) {
    out.note = "no IP geolocation database configured ([geo] city_mmdb)";
    return false;
  }
  bool skipped_v4_only = false;
  for (std::size_t i = 0; i < city_dbs_.size(); ++i) {
    const MmdbReader& reader = city_dbs_[i].reader;
    if (!ip.is_v4() && reader.ipv4_only()) {
      skipped_v4_only = true;
      continue;
    }
    auto hit = reader.lookup(ip);
    if (!hit) {
      out.note = "database error: " + hit.error().to_string();
      continue;
    }
    if (!hit->found) continue;
    const CachedRecord& c = evaluate(i, hit->offset);
    c.copy_text(CachedRecord::kCity, out.city);
    c.copy_text(CachedRecord::kPostal, out.postal_code);
    c.copy_text(CachedRecord::kRegion, out.region);
    c.copy_text(CachedRecord::kCountry, out.country_code);
    c.copy_text(CachedRecord::kNote, out.note);
    if (!c.has_point) continue;  // maybe a later database knows more
    out.in_city = c.in_city;
    set_district(c.district, out);
    out.latitude = c.latitude;
    out.longitude = c.longitude;
    if (c.has_radius) out.accuracy_km = c.accuracy_km;
    out.method = core::LocateMethod::kMmdb;
    out.confidence = c.confidence;
    return true;
  }
  if (out.note.empty()) {
    out.note = skipped_v4_only && city_dbs_.size() == 1
                   ? "IPv6 address, but the geolocation database holds IPv4 only"
                   : "not in the IP geolocation database";
  }
  return false;
}

void Geolocator::locate_asn(const core::IpAddress& ip, core::Location& out) {
  if (asn_db_ && !(!ip.is_v4() && asn_db_->ipv4_only())) {
    auto hit = asn_db_->lookup(ip);
    if (hit && hit->found) {
      auto it = asn_cache_.find(hit->offset);
      if (it == asn_cache_.end()) {
        if (asn_cache_.size() >= kMaxCachedRecords) asn_cache_.clear();
        auto record = asn_db_->asn_record(hit->offset);
        it = asn_cache_.emplace(hit->offset, record ? *record : MmdbAsnRecord{}).first;
      }
      if (it->second.asn != 0) {
        out.asn = it->second.asn;
        out.organisation = it->second.organisation;
        return;
      }
    }
  }
  if (asn_ranges_) {
    if (auto info = asn_ranges_->find(ip)) {
      out.asn = info->asn;
      out.organisation = info->organisation;
    }
  }
}

bool Geolocator::names_city(std::string_view name) const {
  std::string key = name_key(name);
  return !key.empty() &&
         std::find(alias_keys_.begin(), alias_keys_.end(), key) != alias_keys_.end();
}

void Geolocator::apply_feed(const core::IpAddress& ip, const core::FeedGeo& feed,
                            core::Location& out) const {
  out.feed_city = core::printable_excerpt(feed.city, 200);
  bool has_point = feed.latitude && feed.longitude;
  if (has_point) {
    out.feed_in_city = boundary_.contains({*feed.latitude, *feed.longitude}) ? core::InCity::kYes
                                                                             : core::InCity::kNo;
  } else if (!feed.city.empty()) {
    out.feed_in_city = names_city(feed.city) ? core::InCity::kYes : core::InCity::kNo;
  }
  if (out.feed_in_city == core::InCity::kUnknown) return;

  if (out.method == core::LocateMethod::kNone && !ip.is_special_purpose()) {
    // Nothing of ours placed it: the feed's opinion is better than none, and says so.
    out.method = core::LocateMethod::kFeed;
    out.note = "placed by the feed's own geo columns";
    out.city = out.feed_city;
    if (out.country_code.empty()) out.country_code = feed.country_code;
    if (has_point) {
      GeoPoint p{*feed.latitude, *feed.longitude};
      Placement placed = place(p, config_.assumed_accuracy_km);
      out.in_city = placed.in_city;
      set_district(placed.district, out);
      out.latitude = p.lat;
      out.longitude = p.lon;
      if (config_.assumed_accuracy_km > 0) out.accuracy_km = config_.assumed_accuracy_km;
      out.confidence = kConfidenceFeedPoint * placed.share;
    } else {
      out.in_city = out.feed_in_city;
      out.confidence = kConfidenceFeedCity;
    }
    return;
  }
  bool ours_sure = out.in_city == core::InCity::kYes || out.in_city == core::InCity::kNo;
  out.feed_disagrees = ours_sure && out.in_city != out.feed_in_city;
}

}  // namespace citywatch::enrich
