// What every API resource file shares: responses and errors, the router, request helpers,
// the aggregate cache and the login throttle.
#include <algorithm>
#include <memory>
#include <optional>

#include "app/api.h"
#include "app/audit_log.h"
#include "core/json_writer.h"
#include "core/text.h"

namespace citywatch::app {

ApiResponse json_response(int status, std::string body) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

ApiResponse attachment(std::string body, std::string type, const std::string& name) {
  ApiResponse r = json_response(200, std::move(body));
  r.content_type = std::move(type);
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + "\"");
  return r;
}

ApiResponse error_response(int status, std::string_view code, std::string_view message) {
  core::JsonWriter w;
  w.begin_object().key("error").begin_object();
  w.field("status", status).field("code", code).field("message", message);
  w.end_object().end_object();
  return json_response(status, w.take());
}

ApiResponse error_from(const core::Error& error) {
  std::string message = error.message;
  switch (error.code) {
    case core::ErrorCode::kBadInput:
    case core::ErrorCode::kUsage:
      return error_response(400, "bad_request", message);
    case core::ErrorCode::kNotFound:
      return error_response(404, "not_found", message);
    case core::ErrorCode::kUnavailable:
    case core::ErrorCode::kIo:
      // Storage trouble: say what, not where (paths stay in the journal).
      return error_response(503, "unavailable", message);
    case core::ErrorCode::kConfig:
    case core::ErrorCode::kInternal:
      break;
  }
  return error_response(500, "internal", message);
}

core::Result<std::string> AggregateCache::get(
    const std::string& key, core::UnixSeconds now, core::UnixSeconds ttl,
    const std::function<core::Result<std::string>()>& compute) {
  auto cached = [&]() -> std::optional<std::string> {
    auto it = entries_.find(key);
    if (it != entries_.end() && now < it->second.first) return it->second.second;
    return std::nullopt;
  };
  std::shared_ptr<std::mutex> slot;
  {
    std::lock_guard lock(mutex_);
    if (auto hit = cached()) return *hit;
    auto& s = computing_[key];
    if (!s) s = std::make_shared<std::mutex>();
    slot = s;
  }
  std::lock_guard computing(*slot);
  if (ttl > 0) {
    // Whoever held the slot before may have just filled the entry.
    std::lock_guard lock(mutex_);
    if (auto hit = cached()) return *hit;
  }
  auto fresh = compute();
  if (!fresh) return fresh;
  if (ttl > 0) {
    std::lock_guard lock(mutex_);
    if (entries_.size() > 1000) entries_.clear();
    entries_[key] = {now + ttl, *fresh};
  }
  return fresh;
}

namespace {
constexpr core::UnixSeconds kThrottleWindow = 15 * 60;
constexpr std::size_t kThrottleFailures = 5;
}  // namespace

bool LoginThrottle::allowed(const std::string& user, core::UnixSeconds now) {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(core::to_lower(user));
  if (it == failures_.end()) return true;
  std::erase_if(it->second, [&](core::UnixSeconds t) { return now - t > kThrottleWindow; });
  return it->second.size() < kThrottleFailures;
}

void LoginThrottle::failed(const std::string& user, core::UnixSeconds now) {
  std::lock_guard lock(mutex_);
  if (failures_.size() > 10000) failures_.clear();  // bounded memory under a spray of names
  auto& list = failures_[core::to_lower(user)];
  list.push_back(now);
  if (list.size() > kThrottleFailures) list.erase(list.begin());
}

void LoginThrottle::succeeded(const std::string& user) {
  std::lock_guard lock(mutex_);
  failures_.erase(core::to_lower(user));
}

const std::string* ApiRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (core::iequals(k, name)) return &v;
  }
  return nullptr;
}

core::UnixSeconds ApiRequest::now() const { return services->clock->now(); }

db::Visibility ApiRequest::visibility() const {
  db::Visibility v;
  if (principal && principal->role == Role::kPartner) {
    // A partner user without a partner id would see everything through a NULL filter;
    // the schema forbids it, and -1 matches nothing should it ever happen.
    v.partner_id = principal->partner_id.value_or(-1);
  }
  return v;
}

namespace {

db::AuditEntry entry_for(const ApiRequest& req, std::string action, std::string object,
                         std::string detail) {
  db::AuditEntry e;
  e.at = req.now();
  e.actor = req.principal ? req.principal->name : "anonymous";
  e.role = req.principal ? std::string(to_string(req.principal->role)) : "";
  e.action = std::move(action);
  e.object = std::move(object);
  e.detail = std::move(detail);
  e.remote = req.remote;
  return e;
}

}  // namespace

void ApiRequest::audit(std::string action, std::string object, std::string detail) {
  services->audit->record(
      entry_for(*this, std::move(action), std::move(object), std::move(detail)));
}

core::Result<void> ApiRequest::audit_now(std::string action, std::string object,
                                         std::string detail) {
  return services->audit->record_now(
      entry_for(*this, std::move(action), std::move(object), std::move(detail)));
}

void Router::add(Route route) { routes_.push_back(std::move(route)); }

void Router::set_screen_public(std::string_view pattern) {
  for (Route& r : routes_) {
    if (r.pattern == pattern &&
        std::find(r.roles.begin(), r.roles.end(), Role::kScreen) != r.roles.end()) {
      r.screen_public = true;
    }
  }
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  auto segments = [](std::string_view p) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start < p.size()) {
      if (p[start] == '/') {
        ++start;
        continue;
      }
      std::size_t end = p.find('/', start);
      out.push_back(
          p.substr(start, end == std::string_view::npos ? p.size() - start : end - start));
      if (end == std::string_view::npos) break;
      start = end;
    }
    return out;
  };
  auto want = segments(path);
  Match found;
  for (const Route& route : routes_) {
    auto have = segments(route.pattern);
    if (have.size() != want.size()) continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (std::size_t i = 0; i < have.size() && ok; ++i) {
      if (have[i].size() > 2 && have[i].front() == '{' && have[i].back() == '}') {
        auto decoded = percent_decode(want[i], false);
        ok = decoded.has_value() && !decoded->empty();
        if (ok) params[std::string(have[i].substr(1, have[i].size() - 2))] = std::move(*decoded);
      } else {
        ok = have[i] == want[i];
      }
    }
    if (!ok) continue;
    if (route.method == method) {
      found.route = &route;
      found.params = std::move(params);
      return found;
    }
    if (found.allow.find(route.method) == std::string::npos) {
      found.allow += (found.allow.empty() ? "" : ", ") + route.method;
    }
  }
  return found;
}

std::vector<Role> staff() { return {Role::kAdmin, Role::kAnalyst}; }
std::vector<Role> device_readers() { return {Role::kAdmin, Role::kAnalyst, Role::kPartner}; }
std::vector<Role> aggregate_readers() { return {Role::kAdmin, Role::kAnalyst, Role::kScreen}; }
std::vector<Role> everyone() {
  return {Role::kAdmin, Role::kAnalyst, Role::kPartner, Role::kScreen};
}

std::string iso_time(core::UnixSeconds t) { return core::format_utc(t); }

void field_time(core::JsonWriter& w, std::string_view key, std::optional<core::UnixSeconds> t) {
  w.key(key);
  if (t && *t > 0) {
    w.value(core::format_utc(*t));
  } else {
    w.null();
  }
}

std::string page_body(const std::string& items_json, const std::optional<std::string>& next) {
  core::JsonWriter w;
  w.begin_object().key("items").raw(items_json).key("next_cursor");
  next ? w.value(*next) : w.null();
  w.end_object();
  return w.take();
}

std::optional<ApiResponse> refuse_without_audit(ApiRequest& req) {
  if (req.services->audit->healthy()) return std::nullopt;
  return error_response(503, "unavailable",
                        "the audit log cannot be written, so device data is not served; see "
                        "/readyz");
}

std::string query_detail(const ApiRequest& req, std::size_t returned) {
  core::JsonWriter w;
  w.begin_object();
  for (const auto& [k, v] : req.query) {
    if (k != "cursor") w.field(k, v);
  }
  w.field("returned", static_cast<std::int64_t>(returned)).end_object();
  return w.take();
}

void add_api_routes(Router& router) {
  add_health_routes(router);
  add_session_routes(router);
  add_device_routes(router);
  add_finding_routes(router);
  add_stats_routes(router);
  add_ops_routes(router);
  add_admin_routes(router);
  add_batch_routes(router);
  add_screen_routes(router);
  add_index_route(router);
}

}  // namespace citywatch::app
