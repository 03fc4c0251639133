// scanner/ftp.h: an FTP control connection's start: the 220 greeting, and the USER/PASS a
// client sent with the server's answer (230 accepted, 530 refused). Stateless.
#pragma once

#include "scanner/byte_reader.h"
#include "scanner/protocol_facts.h"

namespace citywatch::scanner {

// facts.protocol is "ftp" (or "smtp" when the greeting says so). `final`: no more bytes come.
ParseOutcome parse_ftp(Bytes server, Bytes client, bool final);

// True when the bytes start like an FTP/SMTP greeting ("220 " or "220-").
bool looks_like_ftp_greeting(Bytes server);

}  // namespace citywatch::scanner
