// scanner/telnet.h: a telnet session's first bytes: option negotiation stripped, the banner and
// login prompts the server shows, and the user name and password a client typed at them (for
// the default-credential check only; the engine never stores them). Stateless.
#pragma once

#include <string>

#include "scanner/byte_reader.h"
#include "scanner/protocol_facts.h"

namespace citywatch::scanner {

// The text a side sent with IAC command sequences removed; `options` collects the option
// numbers the side offered or asked for (WILL and DO), comma-separated, in order.
std::string strip_telnet(Bytes data, std::string* options = nullptr);

// server: what the server sent; client: what the client typed. `final` when no more bytes
// will come (flow end or byte cap): only then is a session without a login judged.
ParseOutcome parse_telnet(Bytes server, Bytes client, bool final);

}  // namespace citywatch::scanner
