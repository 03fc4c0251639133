#include "core/observation.h"

#include <array>

#include "core/enum_names.h"
#include "core/text.h"

namespace citywatch::core {
namespace {

constexpr NameTable<Source, 8> kSources{{
    {Source::kShodan, "shodan"},
    {Source::kShadowserver, "shadowserver"},
    {Source::kNmap, "nmap"},
    {Source::kCapture, "capture"},
    {Source::kActiveScan, "scan"},
    {Source::kMasscan, "masscan"},
    {Source::kZgrab2, "zgrab2"},
    {Source::kCensys, "censys"},
}};

}  // namespace

std::string_view to_string(Transport t) { return t == Transport::kUdp ? "udp" : "tcp"; }

std::optional<Transport> parse_transport(std::string_view text) {
  if (iequals(text, "tcp")) return Transport::kTcp;
  if (iequals(text, "udp")) return Transport::kUdp;
  return std::nullopt;
}

std::string_view to_string(Source s) { return name_of(kSources, s); }

std::optional<Source> parse_source(std::string_view text) { return parse_name(kSources, text); }

std::string ObservationKey::to_string() const {
  return std::string(core::to_string(source)) + "/" + ip.to_string() + "/" + std::to_string(port) +
         "/" + std::string(core::to_string(transport)) + "/" + std::to_string(observed_at);
}

std::optional<ObservationKey> ObservationKey::parse(std::string_view text) {
  std::array<std::string_view, 5> parts;
  for (std::size_t k = 0; k < 5; ++k) {
    std::size_t slash = k < 4 ? text.find('/') : text.size();
    if (slash == std::string_view::npos) return std::nullopt;
    parts[k] = text.substr(0, slash);
    text.remove_prefix(k < 4 ? slash + 1 : slash);
  }
  auto source = parse_source(parts[0]);
  auto ip = IpAddress::parse(parts[1]);
  auto port = parse_int(parts[2], 0, 65535);
  auto transport = parse_transport(parts[3]);
  auto when = parse_int(parts[4], 0, INT64_MAX);
  if (!source || !ip || !port || !transport || !when) return std::nullopt;
  return ObservationKey{*source, *ip, static_cast<std::uint16_t>(*port), *transport, *when};
}

const std::string* Observation::field(std::string_view name) const {
  for (const auto& [key, value] : fields) {
    if (key == name) return &value;
  }
  return nullptr;
}

}  // namespace citywatch::core
