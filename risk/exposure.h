// risk/exposure.h: which services are dangerous to expose to the internet, and how dangerous:
// remote shells, industrial protocols, UPnP, TR-069, remote desktops, databases. The table is
// in exposure.cpp and docs/risk.md; a service is classed by its protocol name (Shodan module,
// Shadowserver tag, nmap service name) and, when that says nothing, by its port.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/finding.h"
#include "core/observation.h"

namespace citywatch::risk {

struct ExposureClass {
  std::string_view code;   // "telnet", "modbus", "rdp", ...
  std::string_view group;  // "remote shell", "industrial control", ...
  std::string_view label;  // "Telnet", "Modbus/TCP", ...
  core::Severity severity;
};

std::optional<ExposureClass> classify_exposure(std::string_view protocol, std::uint16_t port,
                                               core::Transport transport);

}  // namespace citywatch::risk
