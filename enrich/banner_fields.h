// enrich/banner_fields.h: the protocol fields fingerprint rules match on (HTTP Server, SSH
// version string, telnet banner, TLS subject, SNMP sysDescr, the feeds' own device columns, ...),
// taken out of an Observation whatever source it came from. Names are the rule-file keys.
// BannerFields is scratch space reused across observations; one per thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/observation.h"

namespace citywatch::enrich {

enum class Field : std::uint8_t {
  kHttpServer,
  kHttpTitle,
  kHttpWwwAuthenticate,
  kSshBanner,
  kTelnetBanner,
  kFtpBanner,
  kRtspServer,
  kSsdpServer,
  kMqttConnack,
  kTlsSubject,
  kTlsIssuer,
  kSnmpSysdescr,
  kSourceVendor,
  kSourceDeviceType,
  kSourceModel,
  kSourceProduct,
  kSourceFirmware,
  kSourceVersion,
  kSourceCpe,
  kBanner,
  kProtocol,
  kPort,
  kReportType,
  kCount,
};
inline constexpr std::size_t kFieldCount = static_cast<std::size_t>(Field::kCount);

std::string_view field_name(Field f);
std::optional<Field> parse_field(std::string_view name);

struct BannerFields {
  std::array<std::string, kFieldCount> value;
  std::string& operator[](Field f) { return value[static_cast<std::size_t>(f)]; }
  const std::string& operator[](Field f) const { return value[static_cast<std::size_t>(f)]; }
  void clear() {
    for (auto& v : value) v.clear();
  }
};

// Fills `out` from the observation (clearing it first).
void extract_fields(const core::Observation& o, BannerFields& out);

// The value of an RFC 822-style header ("Server", "WWW-Authenticate") in a raw HTTP/RTSP/SSDP
// response; Shadowserver's '|' line breaks count as line breaks. Empty when absent.
std::string_view header_value(std::string_view response, std::string_view name);

}  // namespace citywatch::enrich
