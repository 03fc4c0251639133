// scanner/vnc.h: the RFB (VNC) server greeting, "RFB 003.008\n": a remote desktop on the
// network, often without a password on cameras and building controllers. Stateless.
#pragma once

#include "scanner/byte_reader.h"
#include "scanner/protocol_facts.h"

namespace citywatch::scanner {

// Empty facts when the bytes are not an RFB greeting.
ProtocolFacts parse_rfb_greeting(Bytes server);

}  // namespace citywatch::scanner
