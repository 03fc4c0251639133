// scanner/tls_certificate.h: what a TLS handshake shows in clear text (TLS 1.0-1.2; 1.3
// encrypts the certificate): the client's SNI, the server's version, and the server
// certificate's subject, issuer, validity and whether it is self-signed (X.509 read by
// OpenSSL). Stateless; reads only the bytes given.
#pragma once

#include <cstdint>

#include "core/time.h"
#include "scanner/byte_reader.h"
#include "scanner/http_parser.h"

namespace citywatch::scanner {

// True when the bytes start like a TLS handshake record.
bool looks_like_tls(Bytes data);

// The server's first flight. `now` judges expiry (packet time).
ParseOutcome parse_tls_server(Bytes server, core::UnixSeconds now, bool final);
// The server name the client asked for, or "".
std::string parse_tls_sni(Bytes client);

// One DER certificate.
ProtocolFacts certificate_facts(Bytes der, core::UnixSeconds now);

}  // namespace citywatch::scanner
