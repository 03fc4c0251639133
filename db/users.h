// db/users.h: named users, their API and session tokens, and the audit log. Only hashes are
// stored: passwords as Argon2id strings and tokens as SHA-256 hex, both made by the caller
// (app/auth.h), so this file never sees a secret. The user row already has room for single
// sign-on (OIDC issuer + subject, password NULL). Works on a Connection it does not own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "db/sqlite.h"

namespace citywatch::db {

struct UserRow {
  std::int64_t id = 0;
  std::string name;
  std::string role;  // admin, analyst, partner, screen
  std::optional<std::int64_t> partner_id;
  std::string password_hash;  // empty: no password login
  std::string oidc_issuer, oidc_subject;
  bool disabled = false;
  core::UnixSeconds created_at = 0, updated_at = 0;
};

struct TokenRow {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string user_name;
  std::string kind;  // api, session
  std::string label;
  std::string prefix;  // the first characters of the secret, to recognise it
  core::UnixSeconds created_at = 0;
  core::UnixSeconds expires_at = 0;
  std::optional<core::UnixSeconds> last_used_at, revoked_at;
};

struct NewToken {
  std::int64_t user_id = 0;
  std::string kind = "api";
  std::string label;
  std::string hash;
  std::string prefix;
  core::UnixSeconds expires_at = 0;
};

class UserStore {
 public:
  explicit UserStore(Connection& conn) : conn_(conn) {}

  // kBadInput when the name is taken (names compare case-insensitively).
  core::Result<std::int64_t> create_user(const UserRow& user, core::UnixSeconds now);
  core::Result<std::optional<UserRow>> find_user(const std::string& name);
  core::Result<std::optional<UserRow>> find_user_by_id(std::int64_t id);
  core::Result<std::vector<UserRow>> list_users();
  // Each returns false when there is no such user.
  core::Result<bool> set_password(const std::string& name, const std::string& hash,
                                  core::UnixSeconds now);
  core::Result<bool> set_disabled(const std::string& name, bool disabled, core::UnixSeconds now);
  core::Result<bool> delete_user(const std::string& name);
  core::Result<std::int64_t> count_admins();

  core::Result<std::int64_t> add_token(const NewToken& token, core::UnixSeconds now);
  // The token with this hash and its user, whatever their state (the caller checks expiry,
  // revocation and disabled users, so it can say which).
  struct TokenOwner {
    TokenRow token;
    UserRow user;
  };
  core::Result<std::optional<TokenOwner>> find_token(const std::string& hash);
  core::Result<void> touch_token(std::int64_t id, core::UnixSeconds now);
  core::Result<std::vector<TokenRow>> list_tokens(std::optional<std::int64_t> user_id,
                                                  bool include_inactive, core::UnixSeconds now);
  // false when there is no such token or it was already revoked.
  core::Result<bool> revoke_token(std::int64_t id, core::UnixSeconds now);
  // Session tokens past expiry and tokens revoked or expired before `before` are deleted.
  core::Result<int> purge_tokens(core::UnixSeconds now, core::UnixSeconds before);

 private:
  Connection& conn_;
};

struct AuditEntry {
  std::int64_t id = 0;
  core::UnixSeconds at = 0;
  std::string actor;  // user name, "cli:<unix user>" or "daemon"
  std::string role;
  std::string action;  // device.read, token.create, privacy.erase, ...
  std::string object;  // what it was about: an address, a user, a job
  std::string detail;  // JSON
  std::string remote;  // client address of the API call
};

struct AuditFilter {
  std::optional<std::string> actor, action, object;
  std::optional<core::UnixSeconds> since, until;
  std::optional<std::int64_t> before_id;  // cursor: newest first
  std::size_t limit = 100;
};

// Appends entries in one transaction.
core::Result<void> append_audit(Connection& conn, const std::vector<AuditEntry>& entries);
core::Result<std::vector<AuditEntry>> list_audit(Connection& conn, const AuditFilter& filter);
// Entries older than `before` are deleted (retention of the audit log itself).
core::Result<std::int64_t> purge_audit(Connection& conn, core::UnixSeconds before);

}  // namespace citywatch::db
