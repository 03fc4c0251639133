#include "enrich/mmdb_reader.h"

#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <initializer_list>

#include "core/text.h"

namespace citywatch::enrich {
namespace {

// Names and codes from a database are third-party text: bounded and made printable.
constexpr std::size_t kMaxTextBytes = 200;

sockaddr_storage to_sockaddr(const core::IpAddress& ip) {
  sockaddr_storage ss{};
  if (ip.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    std::memcpy(&sin->sin_addr, ip.bytes().data() + 12, 4);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    std::memcpy(&sin6->sin6_addr, ip.bytes().data(), 16);
  }
  return ss;
}

// Looks up a path below a record; nullopt when absent. Errors other than "no such path" are
// data corruption.
core::Result<std::optional<MMDB_entry_data_s>> value_at(MMDB_entry_s entry,
                                                        std::initializer_list<const char*> path,
                                                        const std::string& file) {
  const char* keys[8] = {};
  std::size_t n = 0;
  for (const char* k : path) keys[n++] = k;
  keys[n] = nullptr;
  MMDB_entry_data_s data{};
  int rc = MMDB_aget_value(&entry, &data, keys);
  if (rc == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR || rc == MMDB_INVALID_LOOKUP_PATH_ERROR) {
    return std::optional<MMDB_entry_data_s>();
  }
  if (rc != MMDB_SUCCESS) return core::fail(core::ErrorCode::kBadInput, MMDB_strerror(rc), file);
  if (!data.has_data) return std::optional<MMDB_entry_data_s>();
  return std::optional<MMDB_entry_data_s>(data);
}

std::optional<double> as_number(const MMDB_entry_data_s& d) {
  switch (d.type) {
    case MMDB_DATA_TYPE_DOUBLE:
      return d.double_value;
    case MMDB_DATA_TYPE_FLOAT:
      return static_cast<double>(d.float_value);
    case MMDB_DATA_TYPE_UINT16:
      return d.uint16;
    case MMDB_DATA_TYPE_UINT32:
      return d.uint32;
    case MMDB_DATA_TYPE_INT32:
      return d.int32;
    case MMDB_DATA_TYPE_UINT64:
      return static_cast<double>(d.uint64);
    case MMDB_DATA_TYPE_UTF8_STRING:
      return core::parse_double(std::string_view(d.utf8_string, d.data_size));
    default:
      return std::nullopt;
  }
}

std::string as_text(const MMDB_entry_data_s& d) {
  if (d.type == MMDB_DATA_TYPE_UTF8_STRING) {
    return core::printable_excerpt(std::string_view(d.utf8_string, d.data_size), kMaxTextBytes);
  }
  if (auto n = as_number(d)) {
    std::string s = std::to_string(static_cast<long long>(*n));
    return s;
  }
  return {};
}

class RecordReader {
 public:
  RecordReader(MMDB_s* db, std::uint32_t offset, const std::string& file)
      : entry_{db, offset}, file_(file) {}

  core::Result<std::string> text(std::initializer_list<const char*> path) {
    auto v = value_at(entry_, path, file_);
    if (!v) return core::fail(v.error());
    return *v ? as_text(**v) : std::string();
  }
  core::Result<std::optional<double>> number(std::initializer_list<const char*> path) {
    auto v = value_at(entry_, path, file_);
    if (!v) return core::fail(v.error());
    return *v ? as_number(**v) : std::optional<double>();
  }
  core::Result<bool> has(std::initializer_list<const char*> path) {
    auto v = value_at(entry_, path, file_);
    if (!v) return core::fail(v.error());
    return v->has_value();
  }

 private:
  MMDB_entry_s entry_;
  const std::string& file_;
};

#define CW_ASSIGN(dest, expr)                             \
  do {                                                    \
    auto cw_value_ = (expr);                              \
    if (!cw_value_) return core::fail(cw_value_.error()); \
    dest = std::move(*cw_value_);                         \
  } while (false)

}  // namespace

std::optional<MmdbLayout> parse_mmdb_layout(std::string_view text) {
  if (text == "auto") return MmdbLayout::kAuto;
  if (text == "geoip2") return MmdbLayout::kGeoIp2City;
  if (text == "flat") return MmdbLayout::kFlatCity;
  if (text == "asn") return MmdbLayout::kAsn;
  return std::nullopt;
}

std::string_view to_string(MmdbLayout layout) {
  switch (layout) {
    case MmdbLayout::kAuto:
      return "auto";
    case MmdbLayout::kGeoIp2City:
      return "geoip2";
    case MmdbLayout::kFlatCity:
      return "flat";
    case MmdbLayout::kAsn:
      return "asn";
  }
  return "auto";
}

MmdbLayout layout_of_type(std::string_view type) {
  // "GeoLite2-ASN", "DBIP-ASN-Lite (compat=GeoLite2-ASN)", "GeoIP2-ISP"
  if (type.find("ASN") != std::string_view::npos || type.find("ISP") != std::string_view::npos) {
    return MmdbLayout::kAsn;
  }
  // ip-location-db writes "city ipv4" / "city ipv6".
  if (core::istarts_with(type, "city ")) return MmdbLayout::kFlatCity;
  // "GeoIP2-City", "GeoLite2-City", "GeoIP2-City-Europe", "DBIP-City-Lite",
  // "DBIP-Location (compat=City)"
  if (type.find("City") != std::string_view::npos) return MmdbLayout::kGeoIp2City;
  return MmdbLayout::kAuto;
}

void MmdbReader::Close::operator()(MMDB_s* db) const {
  MMDB_close(db);
  delete db;
}

MmdbReader::MmdbReader(std::string path, std::unique_ptr<MMDB_s, Close> db)
    : path_(std::move(path)), db_(std::move(db)) {
  const MMDB_metadata_s& m = db_->metadata;
  metadata_.database_type = m.database_type ? core::printable_excerpt(m.database_type, 100) : "";
  metadata_.build_epoch = m.build_epoch;
  metadata_.ip_version = m.ip_version;
  metadata_.node_count = m.node_count;
}

core::Result<MmdbReader> MmdbReader::open(const std::string& path) {
  auto db = std::make_unique<MMDB_s>();
  if (int rc = MMDB_open(path.c_str(), MMDB_MODE_MMAP, db.get()); rc != MMDB_SUCCESS) {
    // libmaxminddb frees its own state on failure, so MMDB_close must not run here.
    std::string message = MMDB_strerror(rc);
    if (rc == MMDB_IO_ERROR) message += std::string(" (") + std::strerror(errno) + ")";
    return core::fail(core::ErrorCode::kIo,
                      "cannot use this IP geolocation database: " + message +
                          "; replace the file (it may be truncated or not an MMDB)",
                      path);
  }
  return MmdbReader(path, std::unique_ptr<MMDB_s, Close>(db.release()));
}

core::Result<MmdbHit> MmdbReader::lookup(const core::IpAddress& ip) const {
  if (!ip.is_v4() && ipv4_only()) {
    return core::fail(core::ErrorCode::kNotFound, "IPv6 address in an IPv4-only database", path_);
  }
  sockaddr_storage addr = to_sockaddr(ip);
  int err = MMDB_SUCCESS;
  MMDB_lookup_result_s hit =
      MMDB_lookup_sockaddr(db_.get(), reinterpret_cast<const sockaddr*>(&addr), &err);
  if (err == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR) {
    return core::fail(core::ErrorCode::kNotFound, MMDB_strerror(err), path_);
  }
  if (err != MMDB_SUCCESS) return core::fail(core::ErrorCode::kBadInput, MMDB_strerror(err), path_);
  return MmdbHit{hit.found_entry, hit.entry.offset};
}

core::Result<MmdbCityRecord> MmdbReader::city_record(std::uint32_t offset,
                                                     MmdbLayout layout) const {
  RecordReader r(db_.get(), offset, path_);
  if (layout == MmdbLayout::kAuto) {
    bool nested = false;
    CW_ASSIGN(nested, r.has({"location"}));
    layout = nested ? MmdbLayout::kGeoIp2City : MmdbLayout::kFlatCity;
  }
  MmdbCityRecord out;
  if (layout == MmdbLayout::kFlatCity) {
    CW_ASSIGN(out.city, r.text({"city"}));
    CW_ASSIGN(out.postal_code, r.text({"postcode"}));
    CW_ASSIGN(out.region, r.text({"state1"}));
    CW_ASSIGN(out.country_code, r.text({"country_code"}));
    CW_ASSIGN(out.latitude, r.number({"latitude"}));
    CW_ASSIGN(out.longitude, r.number({"longitude"}));
    CW_ASSIGN(out.accuracy_km, r.number({"accuracy_radius"}));
  } else {
    CW_ASSIGN(out.city, r.text({"city", "names", "en"}));
    CW_ASSIGN(out.postal_code, r.text({"postal", "code"}));
    CW_ASSIGN(out.region, r.text({"subdivisions", "0", "names", "en"}));
    CW_ASSIGN(out.country_code, r.text({"country", "iso_code"}));
    CW_ASSIGN(out.latitude, r.number({"location", "latitude"}));
    CW_ASSIGN(out.longitude, r.number({"location", "longitude"}));
    CW_ASSIGN(out.accuracy_km, r.number({"location", "accuracy_radius"}));
  }
  // Coordinates outside WGS84 are broken data, not a place.
  if (out.latitude && (*out.latitude < -90 || *out.latitude > 90)) out.latitude.reset();
  if (out.longitude && (*out.longitude < -180 || *out.longitude > 180)) out.longitude.reset();
  if (!out.latitude || !out.longitude) {
    out.latitude.reset();
    out.longitude.reset();
  }
  if (out.accuracy_km && !(*out.accuracy_km >= 0 && *out.accuracy_km <= 20000)) {
    out.accuracy_km.reset();
  }
  return out;
}

core::Result<MmdbAsnRecord> MmdbReader::asn_record(std::uint32_t offset) const {
  RecordReader r(db_.get(), offset, path_);
  MmdbAsnRecord out;
  std::optional<double> asn;
  CW_ASSIGN(asn, r.number({"autonomous_system_number"}));
  if (asn && *asn > 0 && *asn <= 4294967295.0) out.asn = static_cast<std::uint32_t>(*asn);
  CW_ASSIGN(out.organisation, r.text({"autonomous_system_organization"}));
  if (out.organisation.empty()) CW_ASSIGN(out.organisation, r.text({"organization"}));
  if (out.organisation.empty()) CW_ASSIGN(out.organisation, r.text({"isp"}));
  return out;
}

}  // namespace citywatch::enrich
