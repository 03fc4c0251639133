// core/observation.h: one thing seen about one address at one time, from any source.
// Importers, the capture engine and the active prober all produce Observations; enrichment,
// risk and storage consume them. Plain value type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/fingerprint.h"
#include "core/ip_address.h"
#include "core/time.h"

namespace citywatch::core {

enum class Transport : std::uint8_t { kTcp = 6, kUdp = 17 };
std::string_view to_string(Transport t);
std::optional<Transport> parse_transport(std::string_view text);

enum class ObservationKind : std::uint8_t {
  kService = 1,  // the address answered on ip:port (a banner, a scan result)
  kEvent = 2,    // the address did something: attacked a honeypot, hit a darknet, was sinkholed
};

// Where an observation came from. The numeric values are stored in the database: append only.
enum class Source : std::uint8_t {
  kShodan = 1,
  kShadowserver = 2,
  kNmap = 3,
  kCapture = 4,
  kActiveScan = 5,
  kMasscan = 6,
  kZgrab2 = 7,
  kCensys = 8,
};
std::string_view to_string(Source s);
std::optional<Source> parse_source(std::string_view text);

struct VulnRef {
  std::string cve;
  bool verified = false;  // Shodan marks most as unverified: inferred from a version string
  friend bool operator==(const VulnRef&, const VulnRef&) = default;
};

// What the feed itself says about where the address is; a second opinion next to our own
// geolocation.
struct FeedGeo {
  std::string country_code;
  std::string region;
  std::string city;
  std::optional<double> latitude;
  std::optional<double> longitude;
  friend bool operator==(const FeedGeo&, const FeedGeo&) = default;
};

// (source, ip, port, transport, observed_at): the same record arriving twice is one record.
struct ObservationKey {
  Source source = Source::kShodan;
  IpAddress ip;
  std::uint16_t port = 0;
  Transport transport = Transport::kTcp;
  UnixSeconds observed_at = 0;

  // "shodan/192.0.2.1/80/tcp/1700000000": evidence references in findings and exports.
  std::string to_string() const;
  static std::optional<ObservationKey> parse(std::string_view text);
  friend auto operator<=>(const ObservationKey&, const ObservationKey&) = default;
};

// Upper bound for the stored excerpt of raw data (banner, response); longer data is cut.
inline constexpr std::size_t kMaxExcerptBytes = 2048;

struct Observation {
  Source source = Source::kShodan;
  ObservationKind kind = ObservationKind::kService;
  IpAddress ip;
  std::uint16_t port = 0;  // for events: the port the device used (its source port)
  Transport transport = Transport::kTcp;
  UnixSeconds observed_at = 0;
  std::optional<std::uint16_t> src_port;  // the device's source port, where known

  std::string protocol;     // service or module name: http, ftp, telnet, mqtt, ...
  std::string report_type;  // Shadowserver report ("scan_mqtt"), Shodan module, nmap method
  std::string product;
  std::string version;
  std::string vendor;
  std::string model;
  std::string device_type;
  std::string firmware;           // the device's firmware version, when the source states it
  std::vector<std::string> cpes;  // as given by the source (CPE 2.2 URI or 2.3 formatted)
  std::vector<std::string> hostnames;
  std::vector<std::string> tags;
  std::string org;
  std::string isp;
  std::uint32_t asn = 0;
  FeedGeo geo;
  std::vector<VulnRef> vulns;
  std::string excerpt;  // redacted and at most kMaxExcerptBytes
  // Every other named value the source gave (Shadowserver columns, Shodan http.title, nmap
  // script output), for later stages. Secret values are redacted before they get here.
  std::vector<std::pair<std::string, std::string>> fields;
  // What the fingerprint rules made of it (enrich/), filled before storage; empty otherwise.
  Fingerprint fingerprint;

  ObservationKey key() const { return {source, ip, port, transport, observed_at}; }
  // nullptr when absent
  const std::string* field(std::string_view name) const;
};

}  // namespace citywatch::core
