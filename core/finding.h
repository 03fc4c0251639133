// core/finding.h: one security problem of one device or service: what kind, how bad, how sure,
// the evidence (observation keys), the CVEs involved and a sentence a person can act on.
// Produced by risk/, stored by db/, notified by notify/. Plain value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ip_address.h"
#include "core/observation.h"
#include "core/time.h"

namespace citywatch::core {

enum class FindingKind : std::uint8_t {
  kNoAuth,           // anyone can use it: anonymous MQTT, open telnet shell, open VNC, ...
  kDefaultPassword,  // the vendor's default credentials work, or very likely do
  kVulnerable,       // outdated firmware or software with known vulnerabilities (CVE, KEV, EOL)
  kExposedService,   // a dangerous service reachable from the internet (telnet, ICS, RDP, ...)
  kInfected,         // darknet, honeypot or sinkhole evidence that the device is compromised
};
std::string_view to_string(FindingKind kind);
std::optional<FindingKind> parse_finding_kind(std::string_view text);

// Shadowserver's five levels; CVSS v3 maps onto them (risk/severity.h).
enum class Severity : std::uint8_t { kInfo, kLow, kMedium, kHigh, kCritical };
std::string_view to_string(Severity s);
std::optional<Severity> parse_severity(std::string_view text);

// How sure the finding is. A likely default password (vendor default known, login exposed) and
// a CVE that Shodan only inferred from a version string are never presented as facts.
enum class Confidence : std::uint8_t { kConfirmed, kLikely, kUnverified };
std::string_view to_string(Confidence c);
std::optional<Confidence> parse_confidence(std::string_view text);

// Lifecycle (ARCHITECTURE.md): open -> notified -> fixed -> verified, or reopened; gone when the
// service is simply not seen again (never counted as fixed).
enum class FindingStatus : std::uint8_t { kOpen, kNotified, kFixed, kVerified, kReopened, kGone };
std::string_view to_string(FindingStatus s);
std::optional<FindingStatus> parse_finding_status(std::string_view text);
// open, notified and reopened: the problem is believed to be there now.
bool is_active(FindingStatus s);

struct CveRef {
  std::string id;        // "CVE-2018-14847"
  double cvss = 0;       // base score, 0 when unknown
  bool kev = false;      // in CISA's Known Exploited Vulnerabilities catalogue
  bool verified = true;  // false: a feed inferred it (Shodan's unverified vulns)
  friend bool operator==(const CveRef&, const CveRef&) = default;
};

struct Finding {
  IpAddress ip;
  std::uint16_t port = 0;  // 0 with kTcp: the finding is about the device, not one service
  Transport transport = Transport::kTcp;
  FindingKind kind = FindingKind::kExposedService;
  // Stable, short name of the check within its kind ("mqtt-anonymous", "telnet", "cve",
  // "mirai"); (ip, port, transport, kind, code) identifies a finding across observations.
  std::string code;
  Severity severity = Severity::kInfo;
  Confidence confidence = Confidence::kConfirmed;
  std::vector<std::string> evidence;  // ObservationKey::to_string() of what showed it
  std::vector<CveRef> cves;
  std::string sentence;         // "Telnet (port 23) is reachable from the internet; ..."
  UnixSeconds observed_at = 0;  // when the evidence was seen
};

}  // namespace citywatch::core
