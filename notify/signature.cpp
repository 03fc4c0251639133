#include "notify/signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/text.h"

namespace citywatch::notify {

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::string sign(std::string_view key, core::UnixSeconds t, std::string_view body) {
  std::string message = std::to_string(t) + ".";
  message.append(body);
  return "t=" + std::to_string(t) + ",v1=" + hmac_sha256_hex(key, message);
}

std::optional<ParsedSignature> parse_signature(std::string_view header) {
  ParsedSignature out;
  bool have_t = false;
  for (const auto& part : core::split_trimmed(header, ',')) {
    if (part.starts_with("t=")) {
      auto t = core::parse_int(std::string_view(part).substr(2), 0, 1LL << 40);
      if (!t) return std::nullopt;
      out.t = *t;
      have_t = true;
    } else if (part.starts_with("v1=")) {
      out.v1 = part.substr(3);
    }
  }
  if (!have_t || out.v1.size() != 64) return std::nullopt;
  return out;
}

bool verify(std::string_view key, std::string_view header, std::string_view body) {
  auto parsed = parse_signature(header);
  if (!parsed) return false;
  std::string expected = sign(key, parsed->t, body);
  std::string given = "t=" + std::to_string(parsed->t) + ",v1=" + parsed->v1;
  return expected.size() == given.size() &&
         CRYPTO_memcmp(expected.data(), given.data(), expected.size()) == 0;
}

}  // namespace citywatch::notify
