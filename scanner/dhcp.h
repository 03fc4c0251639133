// scanner/dhcp.h: one DHCP (BOOTP) datagram: the message type and what a client says about
// itself: host name (12), vendor class (60), parameter request list (55, the classic DHCP
// fingerprint) and the address it has or asks for. Stateless.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "scanner/byte_reader.h"

namespace citywatch::scanner {

struct DhcpMessage {
  bool from_client = true;  // BOOTREQUEST
  int message_type = 0;     // option 53: 1 discover, 3 request, 8 inform, 2 offer, 5 ack, ...
  std::uint32_t client_address = 0;     // ciaddr, host order
  std::uint32_t your_address = 0;       // yiaddr
  std::uint32_t requested_address = 0;  // option 50
  std::string hostname;
  std::string vendor_class;
  std::string parameter_list;  // "1,3,6,42"
  std::string user_class;
};

std::optional<DhcpMessage> parse_dhcp(Bytes datagram);

}  // namespace citywatch::scanner
