// scanner/snmp.h: one SNMP datagram (v1, v2c, v3) read with a bounded BER reader: version,
// the community (v1/v2c; a credential, kept only until the default-credential check), the PDU
// type and error status, the variable bindings' OIDs and values (sysDescr, sysName,
// sysObjectID are what fingerprinting uses), and the v3 user name. Stateless.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scanner/byte_reader.h"

namespace citywatch::scanner {

struct SnmpMessage {
  int version = 0;  // 1, 2 (v2c) or 3
  std::string community;
  int pdu_type =
      -1;  // 0 get, 1 get-next, 2 response, 3 set, 4 trap v1, 5 getbulk, 6 inform, 7 trap
  int error_status = 0;
  std::vector<std::pair<std::string, std::string>> varbinds;  // OID, value as text
  std::string v3_user;
};

inline constexpr std::size_t kMaxSnmpVarbinds = 64;

std::optional<SnmpMessage> parse_snmp(Bytes datagram);

}  // namespace citywatch::scanner
