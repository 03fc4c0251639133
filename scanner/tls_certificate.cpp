#include "scanner/tls_certificate.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>
#include <string>

#include "core/text.h"

namespace citywatch::scanner {
namespace {

constexpr std::size_t kMaxHandshakeBytes = 64 * 1024;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

std::string name_entry(X509_NAME* name, int nid) {
  int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) return {};
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, data);
  if (n < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

void add_name(ProtocolFacts& f, const std::string& prefix, X509_NAME* name) {
  if (name == nullptr) return;
  static constexpr std::pair<int, const char*> kParts[] = {
      {NID_commonName, "CN"}, {NID_organizationName, "O"},     {NID_organizationalUnitName, "OU"},
      {NID_countryName, "C"}, {NID_stateOrProvinceName, "ST"}, {NID_localityName, "L"}};
  for (const auto& [nid, key] : kParts) f.add(prefix + key, name_entry(name, nid));
}

std::optional<core::UnixSeconds> asn1_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return core::days_from_civil(tm.tm_year + 1900, static_cast<unsigned>(tm.tm_mon + 1),
                               static_cast<unsigned>(tm.tm_mday)) *
             86400 +
         tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

// Concatenated handshake-record payloads from the start of the stream; stops at the first
// non-handshake record (change cipher spec, application data, alert).
std::string handshake_bytes(Bytes data, bool& stopped, bool& partial) {
  std::string out;
  std::size_t pos = 0;
  stopped = partial = false;
  while (pos + 5 <= data.size() && out.size() < kMaxHandshakeBytes) {
    std::uint8_t type = data[pos];
    std::size_t length = be16(data.data() + pos + 3);
    if (data[pos + 1] != 3) {
      stopped = true;
      return out;
    }
    if (type != 22) {
      stopped = true;
      return out;
    }
    std::size_t available = std::min(length, data.size() - pos - 5);
    out.append(reinterpret_cast<const char*>(data.data() + pos + 5), available);
    if (available < length) {
      partial = true;
      return out;
    }
    pos += 5 + length;
  }
  if (pos < data.size()) partial = true;
  return out;
}

}  // namespace

bool looks_like_tls(Bytes data) {
  return data.size() >= 3 && data[0] == 22 && data[1] == 3 && data[2] <= 4;
}

namespace {
ProtocolFacts read_certificate(Bytes der, std::optional<core::UnixSeconds>& not_after);
}  // namespace

ProtocolFacts certificate_facts(Bytes der, core::UnixSeconds now) {
  std::optional<core::UnixSeconds> not_after;
  ProtocolFacts f = read_certificate(der, not_after);
  if (not_after) f.add("ssl.cert.expired", *not_after < now ? "true" : "false");
  return f;
}

ProtocolFacts CertificateCache::facts(Bytes der, core::UnixSeconds now) {
  std::uint64_t key = core::fnv1a64(as_text(der)) ^ (std::uint64_t{der.size()} << 48);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= kMaxEntries) entries_.clear();
    Entry e;
    e.facts = read_certificate(der, e.not_after);
    it = entries_.emplace(key, std::move(e)).first;
  }
  ProtocolFacts f = it->second.facts;
  if (it->second.not_after) {
    f.add("ssl.cert.expired", *it->second.not_after < now ? "true" : "false");
  }
  return f;
}

namespace {
ProtocolFacts read_certificate(Bytes der, std::optional<core::UnixSeconds>& not_after) {
  ProtocolFacts f;
  f.protocol = "ssl";
  const unsigned char* p = der.data();
  std::unique_ptr<X509, X509Free> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) {
    f.add("ssl.cert.error", "unreadable certificate");
    return f;
  }
  add_name(f, "ssl.cert.subject.", X509_get_subject_name(cert.get()));
  add_name(f, "ssl.cert.issuer.", X509_get_issuer_name(cert.get()));
  // Self-signed: issued by itself (names and key identifiers agree) and its own key verifies
  // the signature.
  bool self_issued = X509_check_issued(cert.get(), cert.get()) == X509_V_OK;
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  bool self_signed = self_issued && key != nullptr && X509_verify(cert.get(), key) == 1;
  f.add("ssl.cert.self_signed", self_signed ? "true" : "false");
  not_after = asn1_time(X509_get0_notAfter(cert.get()));
  if (not_after) f.add("ssl.cert.expires", core::format_utc(*not_after));
  if (auto before = asn1_time(X509_get0_notBefore(cert.get()))) {
    f.add("ssl.cert.issued", core::format_utc(*before));
  }
  int sig = X509_get_signature_nid(cert.get());
  if (sig != NID_undef) f.add("ssl.cert.sig_alg", OBJ_nid2ln(sig));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (X509_digest(cert.get(), EVP_sha256(), digest, &digest_len) == 1) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned i = 0; i < digest_len; ++i) {
      hex += kHex[digest[i] >> 4];
      hex += kHex[digest[i] & 0xf];
    }
    f.add("ssl.cert.fingerprint.sha256", hex);
  }
  return f;
}
}  // namespace

ParseOutcome parse_tls_server(Bytes server, core::UnixSeconds now, bool final,
                              CertificateCache* cache) {
  ParseOutcome out;
  if (!looks_like_tls(server)) return out;
  out.facts.protocol = "ssl";
  bool stopped = false, partial = false;
  std::string hs = handshake_bytes(server, stopped, partial);
  Bytes msgs(reinterpret_cast<const std::uint8_t*>(hs.data()), hs.size());
  std::size_t pos = 0;
  std::string version;
  while (pos + 4 <= msgs.size()) {
    std::uint8_t type = msgs[pos];
    std::size_t length =
        (std::size_t{msgs[pos + 1]} << 16) | (std::size_t{msgs[pos + 2]} << 8) | msgs[pos + 3];
    if (pos + 4 + length > msgs.size()) break;  // the rest is still on its way
    Bytes body = msgs.subspan(pos + 4, length);
    if (type == 2 && body.size() >= 2) {  // ServerHello
      std::uint16_t v = be16(body.data());
      version = v == 0x0304   ? "TLSv1.3"
                : v == 0x0303 ? "TLSv1.2"
                : v == 0x0302 ? "TLSv1.1"
                : v == 0x0301 ? "TLSv1"
                              : "SSLv3";
      // TLS 1.3 says so in supported_versions; it then encrypts the certificate.
      ByteReader r(body);
      r.skip(2 + 32);
      r.skip(r.u8());
      r.skip(3);
      std::size_t ext_len = r.u16();
      Bytes ext = r.bytes(ext_len);
      ByteReader e(ext);
      while (r.ok() && e.remaining() >= 4) {
        std::uint16_t et = e.u16();
        Bytes ed = e.bytes(e.u16());
        if (et == 0x002b && ed.size() == 2 && be16(ed.data()) == 0x0304) version = "TLSv1.3";
      }
    } else if (type == 11) {  // Certificate: a 3-byte list length, then 3-byte length + DER
      if (body.size() >= 6) {
        std::size_t first = (std::size_t{body[3]} << 16) | (std::size_t{body[4]} << 8) | body[5];
        if (6 + first <= body.size()) {
          Bytes der = body.subspan(6, first);
          ProtocolFacts cert = cache ? cache->facts(der, now) : certificate_facts(der, now);
          for (auto& field : cert.fields) out.facts.fields.push_back(std::move(field));
          out.facts.add("ssl.version", version);
          out.complete = true;
          return out;
        }
      }
    }
    pos += 4 + length;
  }
  out.facts.add("ssl.version", version);
  out.complete = final || stopped || version == "TLSv1.3";
  return out;
}

std::string parse_tls_sni(Bytes client) {
  if (!looks_like_tls(client) || client.size() < 9 || client[5] != 1) return {};
  ByteReader r(
      client.subspan(9, std::min(client.size() - 9, std::size_t{be16(client.data() + 3)})));
  r.skip(2 + 32);
  r.skip(r.u8());
  r.skip(r.u16());
  r.skip(r.u8());
  Bytes ext = r.bytes(r.u16());
  if (!r.ok()) return {};
  ByteReader e(ext);
  while (e.remaining() >= 4) {
    std::uint16_t type = e.u16();
    ByteReader d(e.bytes(e.u16()));
    if (!e.ok()) return {};
    if (type != 0) continue;
    d.skip(2);
    if (d.u8() != 0) return {};
    Bytes name = d.bytes(d.u16());
    if (!d.ok()) return {};
    return std::string(as_text(name));
  }
  return {};
}

}  // namespace citywatch::scanner
