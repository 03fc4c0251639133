// scanner/tls_certificate.h: what a TLS handshake shows in clear text (TLS 1.0-1.2; 1.3
// encrypts the certificate): the client's SNI, the server's version, and the server
// certificate's subject, issuer, validity and whether it is self-signed (X.509 read by
// OpenSSL). Stateless; reads only the bytes given.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>

#include "core/time.h"
#include "scanner/byte_reader.h"
#include "scanner/protocol_facts.h"

namespace citywatch::scanner {

// True when the bytes start like a TLS handshake record.
bool looks_like_tls(Bytes data);

// The facts of certificates already read, by a hash of their DER: the same device shows the
// same certificate on every connection, and reading one costs a signature check. Bounded.
class CertificateCache {
 public:
  static constexpr std::size_t kMaxEntries = 4096;
  // Facts of `der`, read once; ssl.cert.expired is judged against `now` on every call.
  ProtocolFacts facts(Bytes der, core::UnixSeconds now);

 private:
  struct Entry {
    ProtocolFacts facts;
    std::optional<core::UnixSeconds> not_after;
  };
  std::unordered_map<std::uint64_t, Entry> entries_;
};

// The server's first flight. `now` judges expiry (packet time). `cache` may be null.
ParseOutcome parse_tls_server(Bytes server, core::UnixSeconds now, bool final,
                              CertificateCache* cache = nullptr);
// The server name the client asked for, or "".
std::string parse_tls_sni(Bytes client);

// One DER certificate.
ProtocolFacts certificate_facts(Bytes der, core::UnixSeconds now);

}  // namespace citywatch::scanner
