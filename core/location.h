// core/location.h: where a device is, as far as citywatch can tell: in the city or not (or
// possibly), which district, the point and how precise it is, who routes the address, how the
// answer was found and how sure it is; plus what the feed itself claimed, as a second opinion.
// Plain value type; enrich/ fills it, db/ stores it, app/ prints it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace citywatch::core {

// "possibly": the accuracy circle crosses the city boundary. "unknown": the address could not
// be located at all (private or reserved, not in any database).
enum class InCity : std::uint8_t { kUnknown = 0, kYes = 1, kNo = 2, kPossibly = 3 };
std::string_view to_string(InCity v);
std::optional<InCity> parse_in_city(std::string_view text);

// How the location was found, strongest first. Stored as text in the database.
enum class LocateMethod : std::uint8_t {
  kNone = 0,            // not locatable
  kMunicipalRange = 1,  // one of the municipality's own address ranges
  kPrefixMap = 2,       // the operator's prefix map (CIDR -> district or point)
  kMmdb = 3,            // an IP geolocation database (MaxMind format)
  kFeed = 4,            // the feed's own geo columns, when nothing better placed it
};
std::string_view to_string(LocateMethod m);
std::optional<LocateMethod> parse_locate_method(std::string_view text);

struct Location {
  InCity in_city = InCity::kUnknown;
  std::string district_code;  // e.g. WK051828; empty when unknown or outside
  std::string district_name;  // e.g. "Wijk 28 Centrum"
  std::string city;           // the place name the source gives ("The Hague", "Delft")
  std::string postal_code;
  std::string region;  // first subdivision / state
  std::string country_code;
  std::optional<double> latitude;  // WGS84 degrees
  std::optional<double> longitude;
  std::optional<double> accuracy_km;  // radius around the point the device is likely in
  std::uint32_t asn = 0;              // 0: unknown
  std::string organisation;
  LocateMethod method = LocateMethod::kNone;
  double confidence = 0;  // 0..1: how likely in_city and district are right
  std::string note;       // why it could not be located, or what limited it

  // The feed's own opinion (Shadowserver `city`, Shodan `location`): kept, never trusted
  // over ours, and counted when it contradicts a yes/no of ours.
  std::string feed_city;
  InCity feed_in_city = InCity::kUnknown;
  bool feed_disagrees = false;

  bool located() const { return in_city != InCity::kUnknown; }
};

}  // namespace citywatch::core
