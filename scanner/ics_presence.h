// scanner/ics_presence.h: industrial protocols that should never face the internet: Modbus/TCP
// (502), Siemens S7comm over TPKT/COTP (102), BACnet/IP (UDP 47808) and DNP3 (20000). Only
// presence and a few identifying values (unit id, BACnet device instance and vendor id) are
// taken. Each check validates the framing so a random payload on the port does not count.
// Stateless.
#pragma once

#include "scanner/byte_reader.h"
#include "scanner/protocol_facts.h"

namespace citywatch::scanner {

// TCP, the first bytes of either side. Empty facts when the framing does not fit.
ProtocolFacts detect_modbus(Bytes data);
ProtocolFacts detect_s7(Bytes data);
ProtocolFacts detect_dnp3(Bytes data);

enum class BacnetRole { kNone, kRequest, kAnswer };
// One BACnet/IP datagram. kRequest: the destination is the device; kAnswer (I-Am, acks):
// the source is.
ProtocolFacts detect_bacnet(Bytes datagram, BacnetRole& role);

}  // namespace citywatch::scanner
