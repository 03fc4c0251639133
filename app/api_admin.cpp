// Administration: users, API tokens and the audit log. Admin only. Secrets are shown once,
// when a token is created; passwords are never shown.
#include "app/api.h"
#include "app/api_json.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "db/users.h"

namespace citywatch::app {
namespace {

void write_user(core::JsonWriter& w, const db::UserRow& u) {
  w.begin_object().field("name", u.name).field("role", u.role);
  w.key("partner_id");
  u.partner_id ? w.value(*u.partner_id) : w.null();
  w.field("password_login", !u.password_hash.empty())
      .field("disabled", u.disabled)
      .field("created_at", iso_time(u.created_at))
      .field("updated_at", iso_time(u.updated_at))
      .end_object();
}

void write_token(core::JsonWriter& w, const db::TokenRow& t, core::UnixSeconds now) {
  w.begin_object()
      .field("id", t.id)
      .field("user", t.user_name)
      .field("kind", t.kind)
      .field("label", t.label)
      .field("prefix", t.prefix)
      .field("created_at", iso_time(t.created_at))
      .field("expires_at", iso_time(t.expires_at));
  field_time(w, "last_used_at", t.last_used_at);
  field_time(w, "revoked_at", t.revoked_at);
  w.field("active", !t.revoked_at && t.expires_at > now).end_object();
}

ApiResponse list_users(ApiRequest& req) {
  db::UserStore users(req.store->connection());
  auto rows = users.list_users();
  if (!rows) return error_from(rows.error());
  core::JsonWriter w;
  w.begin_object().key("items").begin_array();
  for (const auto& u : *rows) write_user(w, u);
  w.end_array().end_object();
  return json_response(200, w.take());
}

ApiResponse create_user(ApiRequest& req) {
  auto body = JsonBody::parse(req.body);
  if (!body) return error_from(body.error());
  if (auto only = body->only({"name", "role", "partner_id", "password"}); !only) {
    return error_from(only.error());
  }
  auto name = body->text("name", 128, true);
  auto role = body->text("role", 16, true);
  auto partner = body->integer("partner_id", 1, INT64_MAX, false);
  auto password = body->text("password", kMaxPasswordLength, false);
  for (const core::Error* e :
       {name ? nullptr : &name.error(), role ? nullptr : &role.error(),
        partner ? nullptr : &partner.error(), password ? nullptr : &password.error()}) {
    if (e) return error_from(*e);
  }
  auto parsed_role = parse_role(**role);
  if (!parsed_role) {
    return error_response(400, "bad_request", "role must be admin, analyst, partner or screen");
  }
  if ((*parsed_role == Role::kPartner) != partner->has_value()) {
    return error_response(400, "bad_request",
                          "partner_id is required for role partner and only for it");
  }
  db::UserRow u;
  u.name = **name;
  u.role = **role;
  u.partner_id = *partner;
  if (*password) {
    auto hash = hash_password(**password);
    if (!hash) return error_from(hash.error());
    u.password_hash = *hash;
  }
  db::UserStore users(req.store->connection());
  auto created = users.create_user(u, req.now());
  if (!created) {
    if (created.error().code == core::ErrorCode::kBadInput) {
      return error_response(409, "conflict", created.error().message);
    }
    return error_from(created.error());
  }
  if (auto audited = req.audit_now("user.create", u.name, "{\"role\":\"" + u.role + "\"}");
      !audited) {
    return error_from(audited.error());
  }
  auto row = users.find_user(u.name);
  if (!row || !*row) return error_response(500, "internal", "the user vanished");
  core::JsonWriter w;
  write_user(w, **row);
  return json_response(201, w.take());
}

// An admin cannot lock everyone out: the last enabled admin is neither disabled nor deleted.
core::Result<bool> is_last_admin(db::UserStore& users, const db::UserRow& u) {
  if (u.role != "admin" || u.disabled) return false;
  auto admins = users.count_admins();
  if (!admins) return core::fail(admins.error());
  return *admins <= 1;
}

ApiResponse update_user(ApiRequest& req) {
  auto body = JsonBody::parse(req.body);
  if (!body) return error_from(body.error());
  if (auto only = body->only({"disabled", "password"}); !only) return error_from(only.error());
  auto disabled = body->flag("disabled");
  auto password = body->text("password", kMaxPasswordLength, false);
  if (!disabled) return error_from(disabled.error());
  if (!password) return error_from(password.error());
  db::UserStore users(req.store->connection());
  auto found = users.find_user(req.params.at("name"));
  if (!found) return error_from(found.error());
  if (!*found) return error_response(404, "not_found", "no user with that name");
  const core::UnixSeconds now = req.now();
  if (*disabled && **disabled) {
    auto last = is_last_admin(users, **found);
    if (!last) return error_from(last.error());
    if (*last) return error_response(409, "conflict", "this is the last enabled admin");
  }
  if (*disabled) {
    if (auto r = users.set_disabled((*found)->name, **disabled, now); !r)
      return error_from(r.error());
  }
  if (*password) {
    auto hash = hash_password(**password);
    if (!hash) return error_from(hash.error());
    if (auto r = users.set_password((*found)->name, *hash, now); !r) return error_from(r.error());
  }
  core::JsonWriter detail;
  detail.begin_object();
  if (*disabled) detail.field("disabled", **disabled);
  if (*password) detail.field("password_changed", true);
  detail.end_object();
  if (auto audited = req.audit_now("user.update", (*found)->name, detail.take()); !audited) {
    return error_from(audited.error());
  }
  auto row = users.find_user((*found)->name);
  if (!row || !*row) return error_response(500, "internal", "the user vanished");
  core::JsonWriter w;
  write_user(w, **row);
  return json_response(200, w.take());
}

ApiResponse delete_user(ApiRequest& req) {
  db::UserStore users(req.store->connection());
  auto found = users.find_user(req.params.at("name"));
  if (!found) return error_from(found.error());
  if (!*found) return error_response(404, "not_found", "no user with that name");
  auto last = is_last_admin(users, **found);
  if (!last) return error_from(last.error());
  if (*last) return error_response(409, "conflict", "this is the last enabled admin");
  if (auto r = users.delete_user((*found)->name); !r) return error_from(r.error());
  if (auto audited = req.audit_now("user.delete", (*found)->name); !audited) {
    return error_from(audited.error());
  }
  return json_response(200, R"({"deleted":true})");
}

ApiResponse list_tokens(ApiRequest& req) {
  QueryReader q(req.query);
  auto user = q.text("user", 128);
  auto inactive = q.text("include_inactive", 8);
  if (!user) return error_from(user.error());
  if (!inactive) return error_from(inactive.error());
  db::UserStore users(req.store->connection());
  std::optional<std::int64_t> user_id;
  if (*user) {
    auto found = users.find_user(**user);
    if (!found) return error_from(found.error());
    if (!*found) return error_response(404, "not_found", "no user with that name");
    user_id = (*found)->id;
  }
  auto rows = users.list_tokens(user_id, inactive->value_or("false") == "true", req.now());
  if (!rows) return error_from(rows.error());
  core::JsonWriter w;
  w.begin_object().key("items").begin_array();
  for (const auto& t : *rows) write_token(w, t, req.now());
  w.end_array().end_object();
  return json_response(200, w.take());
}

ApiResponse create_token(ApiRequest& req) {
  auto body = JsonBody::parse(req.body);
  if (!body) return error_from(body.error());
  if (auto only = body->only({"user", "label", "expires_days"}); !only) {
    return error_from(only.error());
  }
  auto user = body->text("user", 128, true);
  auto label = body->text("label", 200, false);
  auto days = body->integer("expires_days", 1, 3650, false);
  for (const core::Error* e : {user ? nullptr : &user.error(), label ? nullptr : &label.error(),
                               days ? nullptr : &days.error()}) {
    if (e) return error_from(*e);
  }
  db::UserStore users(req.store->connection());
  auto found = users.find_user(**user);
  if (!found) return error_from(found.error());
  if (!*found) return error_response(404, "not_found", "no user with that name");
  const core::UnixSeconds now = req.now();
  IssuedToken token =
      issue_token((*found)->id, "api", label->value_or(""), now + days->value_or(90) * 86400);
  auto id = users.add_token(token.row, now);
  if (!id) return error_from(id.error());
  if (auto audited = req.audit_now("token.create", (*found)->name,
                                   "{\"token_id\":" + std::to_string(*id) + "}");
      !audited) {
    return error_from(audited.error());
  }
  core::JsonWriter w;
  w.begin_object()
      .field("id", *id)
      .field("user", (*found)->name)
      .field("token", token.secret)
      .field("expires_at", iso_time(token.row.expires_at))
      .field("note", "the token is shown once; store it now")
      .end_object();
  return json_response(201, w.take());
}

ApiResponse revoke_token(ApiRequest& req) {
  auto id = core::parse_int(req.params.at("id"), 1, INT64_MAX);
  if (!id) return error_response(400, "bad_request", "token id must be a positive integer");
  db::UserStore users(req.store->connection());
  auto revoked = users.revoke_token(*id, req.now());
  if (!revoked) return error_from(revoked.error());
  if (!*revoked) return error_response(404, "not_found", "no active token with that id");
  if (auto audited = req.audit_now("token.revoke", std::to_string(*id)); !audited) {
    return error_from(audited.error());
  }
  return json_response(200, R"({"revoked":true})");
}

ApiResponse list_audit(ApiRequest& req) {
  QueryReader q(req.query);
  db::AuditFilter f;
  auto limit = q.limit(100, 1000);
  auto actor = q.text("actor", 128);
  auto action = q.text("action", 64);
  auto object = q.text("object", 256);
  auto since = q.time("since");
  auto until = q.time("until");
  auto cursor = q.text("cursor", 512);
  for (const core::Error* e :
       {limit ? nullptr : &limit.error(), actor ? nullptr : &actor.error(),
        action ? nullptr : &action.error(), object ? nullptr : &object.error(),
        since ? nullptr : &since.error(), until ? nullptr : &until.error(),
        cursor ? nullptr : &cursor.error()}) {
    if (e) return error_from(*e);
  }
  f.limit = *limit + 1;
  f.actor = *actor;
  f.action = *action;
  f.object = *object;
  f.since = *since;
  f.until = *until;
  if (*cursor) {
    auto payload = decode_cursor(**cursor, "aud");
    if (!payload) return error_from(payload.error());
    auto id = core::parse_int(*payload, 1, INT64_MAX);
    if (!id) return error_response(400, "bad_request", "cursor is damaged");
    f.before_id = *id;
  }
  auto rows = db::list_audit(req.store->connection(), f);
  if (!rows) return error_from(rows.error());
  std::optional<std::string> next;
  if (rows->size() > *limit) {
    rows->resize(*limit);
    next = encode_cursor("aud", std::to_string(rows->back().id));
  }
  core::JsonWriter items;
  items.begin_array();
  for (const auto& e : *rows) {
    items.begin_object()
        .field("id", e.id)
        .field("at", iso_time(e.at))
        .field("actor", e.actor)
        .field("role", e.role)
        .field("action", e.action)
        .field("object", e.object)
        .key("detail");
    e.detail.empty() ? items.null() : items.raw(e.detail);
    items.field("remote", e.remote).end_object();
  }
  items.end_array();
  return json_response(200, page_body(items.str(), next));
}

}  // namespace

void add_admin_routes(Router& router) {
  const std::vector<Role> admin{Role::kAdmin};
  router.add({"GET", "/api/v1/users", admin, {}, list_users, "users"});
  router.add({"POST",
              "/api/v1/users",
              admin,
              {},
              create_user,
              "create a user (name, role, partner_id for partners, optional password)"});
  router.add({"PATCH",
              "/api/v1/users/{name}",
              admin,
              {},
              update_user,
              "disable/enable a user or set a password"});
  router.add(
      {"DELETE", "/api/v1/users/{name}", admin, {}, delete_user, "delete a user and its tokens"});
  router.add({"GET",
              "/api/v1/tokens",
              admin,
              {"user", "include_inactive"},
              list_tokens,
              "API and session tokens (never the secrets)"});
  router.add({"POST",
              "/api/v1/tokens",
              admin,
              {},
              create_token,
              "create an API token for a user; the secret is shown once"});
  router.add({"DELETE", "/api/v1/tokens/{id}", admin, {}, revoke_token, "revoke a token"});
  router.add({"GET",
              "/api/v1/audit",
              admin,
              {"actor", "action", "object", "since", "until", "limit", "cursor"},
              list_audit,
              "the audit log, newest first"});
}

}  // namespace citywatch::app
