// scanner/ssh_banner.h: the SSH identification line (RFC 4253 section 4.2),
// "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1", from the first bytes a side sent. Stateless.
#pragma once

#include "scanner/byte_reader.h"
#include "scanner/protocol_facts.h"

namespace citywatch::scanner {

// Works for either side: servers may send other lines before theirs, which are skipped.
ParseOutcome parse_ssh_banner(Bytes data);

}  // namespace citywatch::scanner
