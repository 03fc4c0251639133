#include "db/users.h"

namespace citywatch::db {
namespace {

constexpr std::string_view kUserColumns =
    "id, name, role, partner_id, password_hash, oidc_issuer, oidc_subject, disabled, "
    "created_at, updated_at";

UserRow read_user(const Statement& s, int base = 0) {
  UserRow u;
  u.id = s.int64(base);
  u.name = s.text(base + 1);
  u.role = s.text(base + 2);
  if (!s.is_null(base + 3)) u.partner_id = s.int64(base + 3);
  u.password_hash = s.text(base + 4);
  u.oidc_issuer = s.text(base + 5);
  u.oidc_subject = s.text(base + 6);
  u.disabled = s.int64(base + 7) != 0;
  u.created_at = s.int64(base + 8);
  u.updated_at = s.int64(base + 9);
  return u;
}

constexpr std::string_view kTokenColumns =
    "t.id, t.user_id, u.name, t.kind, t.label, t.prefix, t.created_at, t.expires_at, "
    "t.last_used_at, t.revoked_at";

TokenRow read_token(const Statement& s) {
  TokenRow t;
  t.id = s.int64(0);
  t.user_id = s.int64(1);
  t.user_name = s.text(2);
  t.kind = s.text(3);
  t.label = s.text(4);
  t.prefix = s.text(5);
  t.created_at = s.int64(6);
  t.expires_at = s.int64(7);
  if (!s.is_null(8)) t.last_used_at = s.int64(8);
  if (!s.is_null(9)) t.revoked_at = s.int64(9);
  return t;
}

core::Result<std::optional<UserRow>> one_user(Statement& s) {
  auto row = s.step();
  if (!row) return core::fail(row.error());
  if (!*row) return std::optional<UserRow>();
  return std::optional<UserRow>(read_user(s));
}

}  // namespace

core::Result<std::int64_t> UserStore::create_user(const UserRow& user, core::UnixSeconds now) {
  auto existing = find_user(user.name);
  if (!existing) return core::fail(existing.error());
  if (*existing) {
    return core::fail(core::ErrorCode::kBadInput, "a user named '" + user.name + "' exists");
  }
  auto stmt = conn_.prepare(
      "INSERT INTO users (name, role, partner_id, password_hash, oidc_issuer, oidc_subject, "
      "disabled, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, user.name).bind(2, user.role).bind(3, user.partner_id);
  stmt->bind_text_or_null(4, user.password_hash)
      .bind_text_or_null(5, user.oidc_issuer)
      .bind_text_or_null(6, user.oidc_subject)
      .bind(7, user.disabled ? 1 : 0)
      .bind(8, now);
  CITYWATCH_TRY(stmt->run());
  return conn_.last_insert_rowid();
}

core::Result<std::optional<UserRow>> UserStore::find_user(const std::string& name) {
  auto stmt = conn_.prepare("SELECT " + std::string(kUserColumns) + " FROM users WHERE name = ?");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, name);
  return one_user(*stmt);
}

core::Result<std::optional<UserRow>> UserStore::find_user_by_id(std::int64_t id) {
  auto stmt = conn_.prepare("SELECT " + std::string(kUserColumns) + " FROM users WHERE id = ?");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, id);
  return one_user(*stmt);
}

core::Result<std::vector<UserRow>> UserStore::list_users() {
  auto stmt = conn_.prepare("SELECT " + std::string(kUserColumns) + " FROM users ORDER BY name");
  if (!stmt) return core::fail(stmt.error());
  std::vector<UserRow> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return core::fail(row.error());
    if (!*row) break;
    out.push_back(read_user(*stmt));
  }
  return out;
}

core::Result<bool> UserStore::set_password(const std::string& name, const std::string& hash,
                                           core::UnixSeconds now) {
  auto stmt = conn_.prepare("UPDATE users SET password_hash = ?2, updated_at = ?3 WHERE name = ?1");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, name).bind_text_or_null(2, hash).bind(3, now);
  CITYWATCH_TRY(stmt->run());
  return conn_.changes() > 0;
}

core::Result<bool> UserStore::set_disabled(const std::string& name, bool disabled,
                                           core::UnixSeconds now) {
  auto stmt = conn_.prepare("UPDATE users SET disabled = ?2, updated_at = ?3 WHERE name = ?1");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, name).bind(2, disabled ? 1 : 0).bind(3, now);
  CITYWATCH_TRY(stmt->run());
  return conn_.changes() > 0;
}

core::Result<bool> UserStore::delete_user(const std::string& name) {
  auto stmt = conn_.prepare("DELETE FROM users WHERE name = ?");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, name);
  CITYWATCH_TRY(stmt->run());
  return conn_.changes() > 0;
}

core::Result<std::int64_t> UserStore::count_admins() {
  auto stmt = conn_.prepare("SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0");
  if (!stmt) return core::fail(stmt.error());
  auto row = stmt->step();
  if (!row) return core::fail(row.error());
  return stmt->int64(0);
}

core::Result<std::int64_t> UserStore::add_token(const NewToken& token, core::UnixSeconds now) {
  auto stmt = conn_.prepare(
      "INSERT INTO tokens (user_id, kind, label, hash, prefix, created_at, expires_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, token.user_id).bind(2, token.kind).bind_text_or_null(3, token.label);
  stmt->bind(4, token.hash).bind(5, token.prefix).bind(6, now).bind(7, token.expires_at);
  CITYWATCH_TRY(stmt->run());
  return conn_.last_insert_rowid();
}

core::Result<std::optional<UserStore::TokenOwner>> UserStore::find_token(const std::string& hash) {
  auto stmt = conn_.prepare("SELECT " + std::string(kTokenColumns) +
                            ", u.id, u.name, u.role, u.partner_id, u.password_hash, "
                            "u.oidc_issuer, u.oidc_subject, u.disabled, u.created_at, "
                            "u.updated_at FROM tokens t JOIN users u ON u.id = t.user_id "
                            "WHERE t.hash = ?");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, hash);
  auto row = stmt->step();
  if (!row) return core::fail(row.error());
  if (!*row) return std::optional<TokenOwner>();
  TokenOwner owner{read_token(*stmt), read_user(*stmt, 10)};
  return std::optional<TokenOwner>(std::move(owner));
}

core::Result<void> UserStore::touch_token(std::int64_t id, core::UnixSeconds now) {
  auto stmt = conn_.prepare("UPDATE tokens SET last_used_at = ? WHERE id = ?");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, now).bind(2, id);
  return stmt->run();
}

core::Result<std::vector<TokenRow>> UserStore::list_tokens(std::optional<std::int64_t> user_id,
                                                           bool include_inactive,
                                                           core::UnixSeconds now) {
  auto stmt = conn_.prepare("SELECT " + std::string(kTokenColumns) +
                            " FROM tokens t JOIN users u ON u.id = t.user_id "
                            "WHERE (?1 IS NULL OR t.user_id = ?1) AND (?2 = 1 OR "
                            "(t.revoked_at IS NULL AND t.expires_at > ?3)) ORDER BY t.id");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, user_id).bind(2, include_inactive ? 1 : 0).bind(3, now);
  std::vector<TokenRow> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return core::fail(row.error());
    if (!*row) break;
    out.push_back(read_token(*stmt));
  }
  return out;
}

core::Result<bool> UserStore::revoke_token(std::int64_t id, core::UnixSeconds now) {
  auto stmt = conn_.prepare("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, now).bind(2, id);
  CITYWATCH_TRY(stmt->run());
  return conn_.changes() > 0;
}

core::Result<int> UserStore::purge_tokens(core::UnixSeconds now, core::UnixSeconds before) {
  auto stmt = conn_.prepare(
      "DELETE FROM tokens WHERE (kind = 'session' AND expires_at <= ?1) OR "
      "coalesce(revoked_at, expires_at) < ?2");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, now).bind(2, before);
  CITYWATCH_TRY(stmt->run());
  return conn_.changes();
}

core::Result<void> append_audit(Connection& conn, const std::vector<AuditEntry>& entries) {
  if (entries.empty()) return core::ok();
  auto tx = Transaction::begin(conn);
  if (!tx) return core::fail(tx.error());
  auto stmt = conn.prepare(
      "INSERT INTO audit_log (at, actor, role, action, object, detail, remote) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!stmt) return core::fail(stmt.error());
  for (const auto& e : entries) {
    stmt->bind(1, e.at).bind(2, e.actor).bind_text_or_null(3, e.role).bind(4, e.action);
    stmt->bind_text_or_null(5, e.object)
        .bind_text_or_null(6, e.detail)
        .bind_text_or_null(7, e.remote);
    CITYWATCH_TRY(stmt->run());
  }
  return tx->commit();
}

core::Result<std::vector<AuditEntry>> list_audit(Connection& conn, const AuditFilter& f) {
  auto stmt = conn.prepare(
      "SELECT id, at, actor, role, action, object, detail, remote FROM audit_log "
      "WHERE id < coalesce(?1, 9223372036854775807) AND (?2 IS NULL OR actor = ?2) "
      "AND (?3 IS NULL OR action = ?3) AND (?4 IS NULL OR object = ?4) "
      "AND (?5 IS NULL OR at >= ?5) AND (?6 IS NULL OR at < ?6) ORDER BY id DESC LIMIT ?7");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, f.before_id).bind(2, f.actor).bind(3, f.action).bind(4, f.object);
  stmt->bind(5, f.since).bind(6, f.until).bind(7, static_cast<std::int64_t>(f.limit));
  std::vector<AuditEntry> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return core::fail(row.error());
    if (!*row) break;
    AuditEntry e;
    e.id = stmt->int64(0);
    e.at = stmt->int64(1);
    e.actor = stmt->text(2);
    e.role = stmt->text(3);
    e.action = stmt->text(4);
    e.object = stmt->text(5);
    e.detail = stmt->text(6);
    e.remote = stmt->text(7);
    out.push_back(std::move(e));
  }
  return out;
}

core::Result<std::int64_t> purge_audit(Connection& conn, core::UnixSeconds before) {
  auto stmt = conn.prepare("DELETE FROM audit_log WHERE at < ?");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, before);
  CITYWATCH_TRY(stmt->run());
  return conn.changes();
}

}  // namespace citywatch::db
