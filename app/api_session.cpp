// Login and logout for the dashboard (POST/DELETE /api/v1/session) and "who am I".
#include "app/api.h"
#include "app/api_json.h"
#include "core/json_writer.h"
#include "db/users.h"

namespace citywatch::app {
namespace {

constexpr std::string_view kCookie = "citywatch_session";

ApiResponse login(ApiRequest& req) {
  auto body = JsonBody::parse(req.body);
  if (!body) return error_from(body.error());
  if (auto only = body->only({"user", "password", "cookie"}); !only)
    return error_from(only.error());
  auto user = body->text("user", 128, true);
  if (!user) return error_from(user.error());
  auto password = body->text("password", kMaxPasswordLength, true);
  if (!password) return error_from(password.error());
  auto cookie = body->flag("cookie");
  if (!cookie) return error_from(cookie.error());
  const core::UnixSeconds now = req.now();
  if (!req.services->logins->allowed(**user, now)) {
    return error_response(429, "too_many_requests",
                          "too many failed logins for this user; try again in 15 minutes");
  }
  db::UserStore users(req.store->connection());
  auto found = users.find_user(**user);
  if (!found) return error_from(found.error());
  // The same answer whether the user is unknown, disabled or the password is wrong; the hash
  // check runs either way so timing says nothing either.
  static const std::string kDummy = *hash_password("citywatch-dummy-password");
  const std::string& hash =
      *found && !(*found)->password_hash.empty() ? (*found)->password_hash : kDummy;
  bool ok = verify_password(hash, **password) && *found && !(*found)->disabled &&
            !(*found)->password_hash.empty();
  if (!ok) {
    req.services->logins->failed(**user, now);
    req.audit("session.failed", **user);
    return error_response(401, "unauthorized", "wrong user name or password");
  }
  req.services->logins->succeeded(**user);
  const db::UserRow& u = **found;
  core::UnixSeconds expires = now + req.config->server.session_minutes * 60;
  IssuedToken token = issue_token(u.id, "session", "login", expires);
  auto stored = users.add_token(token.row, now);
  if (!stored) return error_from(stored.error());
  req.principal = Principal{u.id, u.name, *parse_role(u.role), u.partner_id, *stored, "session"};
  if (auto audited = req.audit_now("session.create", u.name); !audited) {
    return error_from(audited.error());
  }
  core::JsonWriter w;
  w.begin_object()
      .field("token", token.secret)
      .field("expires_at", iso_time(expires))
      .field("user", u.name)
      .field("role", u.role)
      .end_object();
  ApiResponse r = json_response(201, w.take());
  if (cookie->value_or(false)) {
    // Secure: the nginx front terminates TLS; the daemon itself listens on loopback.
    r.headers.emplace_back("Set-Cookie",
                           std::string(kCookie) + "=" + token.secret +
                               "; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=" +
                               std::to_string(expires - now));
  }
  return r;
}

ApiResponse logout(ApiRequest& req) {
  db::UserStore users(req.store->connection());
  if (req.principal->token_kind != "session") {
    return error_response(400, "bad_request",
                          "this is an API token; revoke it with DELETE /api/v1/tokens/{id}");
  }
  auto revoked = users.revoke_token(req.principal->token_id, req.now());
  if (!revoked) return error_from(revoked.error());
  if (auto audited = req.audit_now("session.delete", req.principal->name); !audited) {
    return error_from(audited.error());
  }
  ApiResponse r = json_response(200, R"({"logged_out":true})");
  r.headers.emplace_back(
      "Set-Cookie",
      std::string(kCookie) + "=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
  return r;
}

ApiResponse me(ApiRequest& req) {
  const Principal& p = *req.principal;
  core::JsonWriter w;
  w.begin_object().field("user", p.name).field("role", to_string(p.role));
  w.key("partner_id");
  p.partner_id ? w.value(*p.partner_id) : w.null();
  w.field("token_kind", p.token_kind).end_object();
  return json_response(200, w.take());
}

}  // namespace

void add_session_routes(Router& router) {
  Route login_route{
      "POST", "/api/v1/session",
      {},     {},
      login,  "log in with user and password; returns a short-lived token (and a cookie)"};
  router.add(std::move(login_route));
  router.add({"DELETE", "/api/v1/session", everyone(), {}, logout, "log out (revoke the session)"});
  router.add({"GET", "/api/v1/me", everyone(), {}, me, "the caller: user, role, partner"});
}

}  // namespace citywatch::app
