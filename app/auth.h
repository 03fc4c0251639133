// app/auth.h: who may call the API. Roles, password hashing (Argon2id through libsodium's
// crypto_pwhash_str), API and session tokens (32 random bytes, shown once as "cwt_..."; only
// their SHA-256 is stored) and the check of a presented token. Thread-safe: no state beyond
// libsodium's, which initialises once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/time.h"
#include "db/users.h"

namespace citywatch::app {

enum class Role { kAdmin, kAnalyst, kPartner, kScreen };
std::optional<Role> parse_role(std::string_view text);
std::string_view to_string(Role role);

// The authenticated caller of one request.
struct Principal {
  std::int64_t user_id = 0;
  std::string name;
  Role role = Role::kScreen;
  std::optional<std::int64_t> partner_id;
  std::int64_t token_id = 0;
  std::string token_kind;  // api or session
};

inline constexpr std::size_t kMinPasswordLength = 12;
inline constexpr std::size_t kMaxPasswordLength = 1024;

// Argon2id with libsodium's interactive limits. kBadInput for passwords outside the length
// bounds; kInternal when the memory for hashing cannot be had.
core::Result<std::string> hash_password(std::string_view password);
bool verify_password(const std::string& hash, std::string_view password);

struct IssuedToken {
  std::string secret;  // shown to the user once, never stored
  db::NewToken row;
};
IssuedToken issue_token(std::int64_t user_id, std::string kind, std::string label,
                        core::UnixSeconds expires_at);
std::string token_hash(std::string_view secret);

// Why a token was not accepted; the API answers 401 for all of them alike.
enum class AuthFailure { kUnknown, kExpired, kRevoked, kDisabled, kMalformed };
std::string_view to_string(AuthFailure f);

struct AuthResult {
  std::optional<Principal> principal;
  AuthFailure failure = AuthFailure::kUnknown;
  std::optional<core::UnixSeconds> last_used_at;  // before this use
};
// Looks the token up and checks expiry, revocation and the user. Database errors are Errors.
core::Result<AuthResult> authenticate(db::UserStore& users, std::string_view secret,
                                      core::UnixSeconds now);

// "90d", "12h", "30m" -> seconds; nullopt for anything else (max 10 years).
std::optional<core::UnixSeconds> parse_duration(std::string_view text);

// Name of the person running a CLI command, for the audit log: "cli:<unix user>".
std::string cli_actor();

}  // namespace citywatch::app
