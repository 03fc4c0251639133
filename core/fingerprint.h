// core/fingerprint.h: what a device or service is, as the fingerprint rules decided from what it
// sent: vendor, model, device type, firmware/software version and a CPE 2.3 name, with the rule
// that decided and how sure it is. Plain value type; empty strings mean "not known".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace citywatch::core {

// The device types fingerprint rules may name (data/fingerprints, docs/fingerprints.md).
// Stored and shown as these strings; a rule naming anything else is refused on load.
inline constexpr std::string_view kDeviceTypes[] = {
    "camera",
    "dvr",
    "router",
    "nas",
    "printer",
    "smart-home",
    "building-controller",
    "plc",
    "solar-inverter",
    "mqtt-broker",
    "firewall",
    "modem",
    "access-point",
    "voip",
    "media",
    "server",
    "hmi",
    "ups",
    "iot",
};
bool is_device_type(std::string_view type);

struct Fingerprint {
  std::string vendor;       // "Hikvision"
  std::string model;        // "DS-2CD2042WD"
  std::string device_type;  // one of kDeviceTypes
  std::string version;      // firmware or software version as the device states it
  std::string cpe;          // "cpe:2.3:o:mikrotik:routeros:6.42:*:*:*:*:*:*:*"
  std::string rule_id;      // the rule that decided vendor/type; "" when none matched
  int confidence = 0;       // 0..100: how sure the deciding rule is

  bool empty() const { return vendor.empty() && device_type.empty() && cpe.empty(); }
  friend bool operator==(const Fingerprint&, const Fingerprint&) = default;
};

}  // namespace citywatch::core
