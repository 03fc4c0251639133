#include "app/auth.h"

#include <pwd.h>
#include <sodium.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <mutex>

#include "core/check.h"
#include "core/text.h"

namespace citywatch::app {
namespace {

void ensure_sodium() {
  static std::once_flag once;
  std::call_once(once, [] { CITYWATCH_CHECK(sodium_init() >= 0); });
}

constexpr std::string_view kTokenPrefix = "cwt_";

}  // namespace

std::optional<Role> parse_role(std::string_view text) {
  if (text == "admin") return Role::kAdmin;
  if (text == "analyst") return Role::kAnalyst;
  if (text == "partner") return Role::kPartner;
  if (text == "screen") return Role::kScreen;
  return std::nullopt;
}

std::string_view to_string(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kAnalyst:
      return "analyst";
    case Role::kPartner:
      return "partner";
    case Role::kScreen:
      return "screen";
  }
  return "screen";
}

core::Result<std::string> hash_password(std::string_view password) {
  ensure_sodium();
  if (password.size() < kMinPasswordLength || password.size() > kMaxPasswordLength) {
    return core::fail(core::ErrorCode::kBadInput,
                      "a password needs " + std::to_string(kMinPasswordLength) + " to " +
                          std::to_string(kMaxPasswordLength) + " characters");
  }
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return core::fail(core::ErrorCode::kInternal,
                      "not enough memory to hash the password (Argon2id needs 64 MiB)");
  }
  return std::string(out.data());
}

bool verify_password(const std::string& hash, std::string_view password) {
  ensure_sodium();
  if (hash.empty() || password.size() > kMaxPasswordLength) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string token_hash(std::string_view secret) {
  ensure_sodium();
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size());
  std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return std::string(hex.data());
}

IssuedToken issue_token(std::int64_t user_id, std::string kind, std::string label,
                        core::UnixSeconds expires_at) {
  ensure_sodium();
  std::array<unsigned char, 32> random{};
  randombytes_buf(random.data(), random.size());
  std::array<char, 64> encoded{};
  sodium_bin2base64(encoded.data(), encoded.size(), random.data(), random.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  IssuedToken t;
  t.secret = std::string(kTokenPrefix) + encoded.data();
  t.row.user_id = user_id;
  t.row.kind = std::move(kind);
  t.row.label = std::move(label);
  t.row.hash = token_hash(t.secret);
  t.row.prefix = t.secret.substr(0, kTokenPrefix.size() + 6);
  t.row.expires_at = expires_at;
  return t;
}

std::string_view to_string(AuthFailure f) {
  switch (f) {
    case AuthFailure::kUnknown:
      return "unknown token";
    case AuthFailure::kExpired:
      return "token expired";
    case AuthFailure::kRevoked:
      return "token revoked";
    case AuthFailure::kDisabled:
      return "user disabled";
    case AuthFailure::kMalformed:
      return "malformed token";
  }
  return "unknown token";
}

core::Result<AuthResult> authenticate(db::UserStore& users, std::string_view secret,
                                      core::UnixSeconds now) {
  AuthResult result;
  if (!secret.starts_with(kTokenPrefix) || secret.size() > 200) {
    result.failure = AuthFailure::kMalformed;
    return result;
  }
  auto found = users.find_token(token_hash(secret));
  if (!found) return core::fail(found.error());
  if (!*found) return result;
  const auto& [token, user] = **found;
  if (token.revoked_at) {
    result.failure = AuthFailure::kRevoked;
  } else if (token.expires_at <= now) {
    result.failure = AuthFailure::kExpired;
  } else if (user.disabled) {
    result.failure = AuthFailure::kDisabled;
  } else if (auto role = parse_role(user.role)) {
    result.principal = Principal{user.id, user.name, *role, user.partner_id, token.id, token.kind};
    result.last_used_at = token.last_used_at;
  }
  return result;
}

std::optional<core::UnixSeconds> parse_duration(std::string_view text) {
  text = core::trim(text);
  if (text.size() < 2) return std::nullopt;
  core::UnixSeconds unit = 0;
  switch (text.back()) {
    case 'd':
      unit = 86400;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'm':
      unit = 60;
      break;
    default:
      return std::nullopt;
  }
  auto n = core::parse_int(text.substr(0, text.size() - 1), 1, 3650LL * 86400);
  if (!n || *n * unit > 3650LL * 86400) return std::nullopt;
  return *n * unit;
}

std::string cli_actor() {
  std::string name;
  if (const char* sudo = std::getenv("SUDO_USER"); sudo && *sudo) {
    name = sudo;
  } else if (passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_name) {
    name = pw->pw_name;
  } else {
    name = "uid" + std::to_string(::geteuid());
  }
  return "cli:" + name;
}

}  // namespace citywatch::app
