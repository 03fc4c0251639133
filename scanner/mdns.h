// scanner/mdns.h: one multicast DNS datagram (RFC 6762): the service types and instance names
// a responder announces (PTR/SRV records such as _ipp._tcp.local) and its host names (A/AAAA
// owners). Name compression is followed with a bound on jumps. Stateless.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scanner/byte_reader.h"

namespace citywatch::scanner {

struct MdnsMessage {
  bool response = false;
  std::vector<std::string> services;   // "_ipp._tcp.local"
  std::vector<std::string> instances;  // "Printer._ipp._tcp.local"
  std::vector<std::string> hostnames;  // "printer.local"
};

inline constexpr std::size_t kMaxMdnsNames = 32;

std::optional<MdnsMessage> parse_mdns(Bytes datagram);

}  // namespace citywatch::scanner
