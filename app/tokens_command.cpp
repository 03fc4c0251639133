// `citywatch tokens create|list|revoke` and `citywatch users add|list|passwd|disable|enable|
// remove`: API users and their tokens from the command line, audited as cli:<unix user>.
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>

#include "app/auth.h"
#include "app/command.h"
#include "core/json_writer.h"
#include "db/notify_store.h"
#include "db/store.h"
#include "db/users.h"

namespace citywatch::app {
namespace {

struct TokenArgs {
  std::string user, role, label, expires = "90d";
  std::string partner;  // name of a partner defined with `citywatch partners` or the config
  std::int64_t id = 0;
  bool all = false;
  std::string password_stdin_user;
  bool password_stdin = false;
};

core::Result<void> audit(db::Store& store, const std::string& action, const std::string& object,
                         const std::string& detail = {}) {
  db::AuditEntry e;
  e.at = core::SystemClock().now();
  e.actor = cli_actor();
  e.role = "cli";
  e.action = action;
  e.object = object;
  e.detail = detail;
  return db::append_audit(store.connection(), {e});
}

// One line from stdin, without echo when it is a terminal.
std::string read_password(const std::string& prompt) {
  bool tty = ::isatty(STDIN_FILENO);
  termios old{};
  if (tty) {
    std::fprintf(stderr, "%s", prompt.c_str());
    ::tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::fprintf(stderr, "\n");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

core::Result<db::UserRow> user_for_token(db::UserStore& users, db::Store& store,
                                         const TokenArgs& a) {
  auto found = users.find_user(a.user);
  if (!found) return core::fail(found.error());
  if (*found) {
    if (!a.role.empty() && a.role != (*found)->role) {
      return core::fail(core::ErrorCode::kUsage,
                        "user " + a.user + " has role " + (*found)->role +
                            "; roles are not changed here (make a new user instead)");
    }
    if ((*found)->disabled) {
      return core::fail(core::ErrorCode::kUsage, "user " + a.user + " is disabled");
    }
    return **found;
  }
  if (a.role.empty()) {
    return core::fail(core::ErrorCode::kUsage, "no user " + a.user +
                                                   "; give --role to create it (admin, analyst, "
                                                   "partner, screen)");
  }
  db::UserRow u;
  u.name = a.user;
  u.role = a.role;
  if (a.role == "partner") {
    if (a.partner.empty()) {
      return core::fail(core::ErrorCode::kUsage, "role partner needs --partner NAME");
    }
    db::NotifyStore partners(store.connection());
    auto partner = partners.partner(a.partner);
    if (!partner) return core::fail(partner.error());
    if (!*partner) {
      return core::fail(core::ErrorCode::kUsage,
                        "no partner " + a.partner + "; see `citywatch partners list`");
    }
    u.partner_id = (*partner)->id;
  } else if (!a.partner.empty()) {
    return core::fail(core::ErrorCode::kUsage, "--partner is only for role partner");
  }
  auto id = users.create_user(u, core::SystemClock().now());
  if (!id) return core::fail(id.error());
  CITYWATCH_TRY(audit(store, "user.create", u.name, "{\"role\":\"" + u.role + "\"}"));
  u.id = *id;
  return u;
}

core::Result<int> tokens_create(const Context& c, const TokenArgs& a) {
  auto lifetime = parse_duration(a.expires);
  if (!lifetime) {
    return core::fail(core::ErrorCode::kUsage,
                      "--expires must look like 90d, 12h or 30m (max 10 years)");
  }
  auto store = db::Store::open(c.config.database_path, false);
  if (!store) return core::fail(store.error());
  db::UserStore users(store->connection());
  auto user = user_for_token(users, *store, a);
  if (!user) return core::fail(user.error());
  const core::UnixSeconds now = core::SystemClock().now();
  IssuedToken token = issue_token(user->id, "api", a.label, now + *lifetime);
  auto id = users.add_token(token.row, now);
  if (!id) return core::fail(id.error());
  CITYWATCH_TRY(
      audit(*store, "token.create", user->name, "{\"token_id\":" + std::to_string(*id) + "}"));
  if (c.format == OutputFormat::kJson) {
    core::JsonWriter w;
    w.begin_object()
        .field("id", *id)
        .field("user", user->name)
        .field("role", user->role)
        .field("token", token.secret)
        .field("expires_at", core::format_utc(token.row.expires_at))
        .end_object();
    std::printf("%s\n", w.str().c_str());
  } else {
    std::printf("token %s\n", token.secret.c_str());
    std::printf("id %lld, user %s (%s), expires %s\n", static_cast<long long>(*id),
                user->name.c_str(), user->role.c_str(),
                core::format_utc(token.row.expires_at).c_str());
    std::fprintf(stderr, "The token is shown once and stored only as a hash; keep it now.\n");
  }
  return 0;
}

core::Result<int> tokens_list(const Context& c, const TokenArgs& a) {
  auto store = db::Store::open(c.config.database_path, false);
  if (!store) return core::fail(store.error());
  db::UserStore users(store->connection());
  std::optional<std::int64_t> user_id;
  if (!a.user.empty()) {
    auto found = users.find_user(a.user);
    if (!found) return core::fail(found.error());
    if (!*found) return core::fail(core::ErrorCode::kNotFound, "no user " + a.user);
    user_id = (*found)->id;
  }
  const core::UnixSeconds now = core::SystemClock().now();
  auto rows = users.list_tokens(user_id, a.all, now);
  if (!rows) return core::fail(rows.error());
  RowWriter out(c.format, {"id", "user", "kind", "label", "prefix", "created", "expires",
                           "last_used", "state"});
  auto t = [](std::optional<core::UnixSeconds> v) {
    return v ? Cell(core::format_utc(*v)) : Cell();
  };
  for (const auto& r : *rows) {
    std::string state = r.revoked_at ? "revoked" : r.expires_at <= now ? "expired" : "active";
    out.row({Cell(r.id), Cell(r.user_name), Cell(r.kind), Cell(r.label), Cell(r.prefix + "..."),
             t(r.created_at), t(r.expires_at), t(r.last_used_at), Cell(state)});
  }
  out.finish();
  return 0;
}

core::Result<int> tokens_revoke(const Context& c, const TokenArgs& a) {
  auto store = db::Store::open(c.config.database_path, false);
  if (!store) return core::fail(store.error());
  db::UserStore users(store->connection());
  auto revoked = users.revoke_token(a.id, core::SystemClock().now());
  if (!revoked) return core::fail(revoked.error());
  if (!*revoked) {
    return core::fail(core::ErrorCode::kNotFound,
                      "no active token " + std::to_string(a.id) + " (see citywatch tokens list)");
  }
  CITYWATCH_TRY(audit(*store, "token.revoke", std::to_string(a.id)));
  std::printf("revoked token %lld\n", static_cast<long long>(a.id));
  return 0;
}

core::Result<int> users_add(const Context& c, const TokenArgs& a) {
  if (!parse_role(a.role)) {
    return core::fail(core::ErrorCode::kUsage, "--role must be admin, analyst, partner or screen");
  }
  auto store = db::Store::open(c.config.database_path, false);
  if (!store) return core::fail(store.error());
  db::UserStore users(store->connection());
  auto existing = users.find_user(a.user);
  if (!existing) return core::fail(existing.error());
  if (*existing) return core::fail(core::ErrorCode::kUsage, "user " + a.user + " exists");
  std::string hash;
  if (a.password_stdin) {
    auto hashed = hash_password(read_password("password for " + a.user + ": "));
    if (!hashed) return core::fail(hashed.error());
    hash = *hashed;
  }
  TokenArgs args = a;
  auto user = user_for_token(users, *store, args);
  if (!user) return core::fail(user.error());
  if (!hash.empty()) {
    auto set = users.set_password(user->name, hash, core::SystemClock().now());
    if (!set) return core::fail(set.error());
  }
  std::printf("added user %s (%s)%s\n", user->name.c_str(), user->role.c_str(),
              hash.empty() ? "; no password: API tokens only" : "");
  return 0;
}

core::Result<int> users_list(const Context& c) {
  auto store = db::Store::open(c.config.database_path, false);
  if (!store) return core::fail(store.error());
  db::UserStore users(store->connection());
  auto rows = users.list_users();
  if (!rows) return core::fail(rows.error());
  RowWriter out(c.format, {"name", "role", "partner_id", "password", "disabled", "created"});
  for (const auto& u : *rows) {
    out.row({Cell(u.name), Cell(u.role), u.partner_id ? Cell(*u.partner_id) : Cell(),
             Cell(u.password_hash.empty() ? "no" : "yes"), Cell(u.disabled ? "yes" : "no"),
             Cell(core::format_utc(u.created_at))});
  }
  out.finish();
  return 0;
}

core::Result<int> users_change(const Context& c, const TokenArgs& a, const std::string& what) {
  auto store = db::Store::open(c.config.database_path, false);
  if (!store) return core::fail(store.error());
  db::UserStore users(store->connection());
  const core::UnixSeconds now = core::SystemClock().now();
  auto found = users.find_user(a.user);
  if (!found) return core::fail(found.error());
  if (!*found) return core::fail(core::ErrorCode::kNotFound, "no user " + a.user);
  core::Result<bool> done = false;
  if (what == "passwd") {
    auto hash = hash_password(read_password("new password for " + a.user + ": "));
    if (!hash) return core::fail(hash.error());
    done = users.set_password(a.user, *hash, now);
  } else if (what == "disable" || what == "enable") {
    done = users.set_disabled(a.user, what == "disable", now);
  } else {
    done = users.delete_user(a.user);
  }
  if (!done) return core::fail(done.error());
  CITYWATCH_TRY(audit(*store, "user." + what, a.user));
  std::printf("%s: %s\n", what.c_str(), a.user.c_str());
  return 0;
}

}  // namespace

void register_tokens_command(Commands& commands) {
  auto a = std::make_shared<TokenArgs>();
  CLI::App* cmd = commands.add(
      "tokens", "API tokens: create (shown once), list, revoke",
      "citywatch tokens create --user soc-dashboard --role analyst --expires 90d", nullptr);
  cmd->require_subcommand(1);
  CLI::App* create = cmd->add_subcommand("create", "create a token (and the user, with --role)");
  create->add_option("--user", a->user, "user name")->required();
  create->add_option("--role", a->role, "role for a new user: admin, analyst, partner, screen")
      ->check(CLI::IsMember({"admin", "analyst", "partner", "screen"}));
  create->add_option("--partner", a->partner, "partner name (role partner)");
  create->add_option("--expires", a->expires, "lifetime: 90d, 12h, 30m (default 90d)");
  create->add_option("--label", a->label, "what the token is for");
  add_example(create, "citywatch tokens create --user kpn-abuse --role partner --partner kpn");
  CLI::App* list = cmd->add_subcommand("list", "list tokens (never the secrets)");
  list->add_option("--user", a->user, "only this user's");
  list->add_flag("--all", a->all, "include revoked and expired tokens");
  add_example(list, "citywatch tokens list --user kpn-abuse --all");
  CLI::App* revoke = cmd->add_subcommand("revoke", "revoke a token by id");
  revoke->add_option("id", a->id, "token id (from tokens list)")->required();
  add_example(revoke, "citywatch tokens revoke 12");

  // The command's own run dispatches to the chosen subcommand.
  commands.set_run(cmd, [a, create, list, revoke](const Context& c) -> core::Result<int> {
    if (create->parsed()) return tokens_create(c, *a);
    if (list->parsed()) return tokens_list(c, *a);
    (void)revoke;
    return tokens_revoke(c, *a);
  });
}

void register_users_command(Commands& commands) {
  auto a = std::make_shared<TokenArgs>();
  CLI::App* cmd = commands.add("users", "named users: add, list, passwd, disable, enable, remove",
                               "echo 'a long passphrase' | citywatch users add alice --role "
                               "analyst --password-stdin",
                               nullptr);
  cmd->require_subcommand(1);
  CLI::App* add = cmd->add_subcommand("add", "add a user");
  add->add_option("name", a->user, "user name")->required();
  add->add_option("--role", a->role, "admin, analyst, partner or screen")
      ->required()
      ->check(CLI::IsMember({"admin", "analyst", "partner", "screen"}));
  add->add_option("--partner", a->partner, "partner name (role partner)");
  add->add_flag("--password-stdin", a->password_stdin,
                "read a password (12+ characters) from stdin, for dashboard login");
  add_example(add, "citywatch users add alice --role admin --password-stdin < pw.txt");
  CLI::App* list = cmd->add_subcommand("list", "list users");
  add_example(list, "citywatch users list --format json");
  std::vector<std::pair<CLI::App*, std::string>> changes;
  for (const char* what : {"passwd", "disable", "enable", "remove"}) {
    CLI::App* sub = cmd->add_subcommand(what, std::string(what) + " a user");
    sub->add_option("name", a->user, "user name")->required();
    add_example(sub, std::string("citywatch users ") + what + " alice");
    changes.emplace_back(sub, what);
  }
  commands.set_run(cmd, [a, add, list, changes](const Context& c) -> core::Result<int> {
    if (add->parsed()) return users_add(c, *a);
    if (list->parsed()) return users_list(c);
    for (const auto& [sub, what] : changes) {
      if (sub->parsed()) return users_change(c, *a, what);
    }
    return 64;
  });
}

}  // namespace citywatch::app
