// scanner/tplink_smarthome.h: the TP-Link Kasa smart-home protocol (TCP and UDP 9999): JSON
// obfuscated with an autokey XOR (initial key 171), length-prefixed over TCP. A sysinfo answer
// names the model, hardware and software versions; a get_sysinfo query marks the protocol.
// Stateless.
#pragma once

#include <string>

#include "scanner/byte_reader.h"
#include "scanner/protocol_facts.h"

namespace citywatch::scanner {

std::string tplink_decode(Bytes data);  // bounded by the input

// tcp: the payload has the 4-byte length prefix. Empty facts when it does not decode to JSON.
ProtocolFacts parse_tplink_smarthome(Bytes payload, bool tcp);

}  // namespace citywatch::scanner
