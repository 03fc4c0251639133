// app/api.h: the HTTP API under /api/v1, independent of the HTTP library. A Route declares
// method, path pattern ("/api/v1/devices/{ip}"), the roles that may call it, the query
// parameters it takes and its handler; the server (http_server.h) authenticates, checks the
// role, parses and checks the query, lends a database connection with a deadline, and turns
// the ApiResponse into HTTP. Each resource has its own file adding its routes (api_*.cpp), so
// findings, districts, scan jobs, partners and batches join with one add_*_routes call.
// Error bodies are always {"error": {"status", "code", "message", "request_id"}}.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/api_query.h"
#include "app/auth.h"
#include "app/config.h"
#include "core/json_writer.h"
#include "core/result.h"
#include "core/time.h"
#include "db/finding_store.h"
#include "db/queries.h"
#include "db/store.h"

namespace citywatch::app {

class Alerter;
class AuditLog;
class Metrics;
class Scheduler;
class JobRegistry;
class StorePool;
class HealthMonitor;
class WebAssets;

struct ApiResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

ApiResponse json_response(int status, std::string body);
ApiResponse error_response(int status, std::string_view code, std::string_view message);
// kBadInput/kUsage 400, kNotFound 404, kUnavailable/kIo 503, kConfig/kInternal 500.
ApiResponse error_from(const core::Error& error);
// A download: the body with its type and the file name the browser saves it as.
ApiResponse attachment(std::string body, std::string type, const std::string& name);

// Answers to aggregate questions are cached for a few seconds: the City Hall screen polls.
// One computation per key at a time: requests that miss while it runs wait for its answer
// instead of running the same heavy query beside it.
class AggregateCache {
 public:
  core::Result<std::string> get(const std::string& key, core::UnixSeconds now,
                                core::UnixSeconds ttl,
                                const std::function<core::Result<std::string>()>& compute);

 private:
  std::mutex mutex_;
  std::map<std::string, std::pair<core::UnixSeconds, std::string>> entries_;
  std::map<std::string, std::shared_ptr<std::mutex>> computing_;  // one per key
};

// Failed password logins per user name: after 5 within 15 minutes, 15 minutes of refusal.
class LoginThrottle {
 public:
  bool allowed(const std::string& user, core::UnixSeconds now);
  void failed(const std::string& user, core::UnixSeconds now);
  void succeeded(const std::string& user);

 private:
  std::mutex mutex_;
  std::map<std::string, std::vector<core::UnixSeconds>> failures_;
};

// A district of the city as the geo setup names it (the district file).
struct DistrictName {
  std::string code, name;
};

struct ApiServices {
  std::function<std::shared_ptr<const Config>()> config;
  // The districts of the configuration in force (for /api/v1/districts).
  std::function<std::shared_ptr<const std::vector<DistrictName>>()> districts;
  std::function<std::shared_ptr<Alerter>()> alerter;
  StorePool* stores = nullptr;
  AuditLog* audit = nullptr;
  Metrics* metrics = nullptr;
  Scheduler* scheduler = nullptr;
  const JobRegistry* jobs = nullptr;
  const core::Clock* clock = nullptr;
  AggregateCache* cache = nullptr;
  LoginThrottle* logins = nullptr;
  HealthMonitor* health = nullptr;
  const WebAssets* web = nullptr;  // the dashboard's files; null: API only
};

struct ApiRequest {
  std::string method, path, route, request_id, remote;
  std::map<std::string, std::string> params;  // from the path pattern, percent-decoded
  QueryParams query;
  std::string body;
  std::string upload_path;  // upload routes: the body as a spooled file
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<Principal> principal;
  db::Store* store = nullptr;
  ApiServices* services = nullptr;
  std::shared_ptr<const Config> config;

  const std::string* header(std::string_view name) const;
  core::UnixSeconds now() const;
  // Partners see only their own devices; everyone else with access sees all.
  db::Visibility visibility() const;
  bool is(Role role) const { return principal && principal->role == role; }
  // Queues an audit entry under the caller's name (reads).
  void audit(std::string action, std::string object, std::string detail = {});
  // Writes an audit entry before answering (changes); an Error when it cannot be written.
  core::Result<void> audit_now(std::string action, std::string object, std::string detail = {});
};

using ApiHandler = std::function<ApiResponse(ApiRequest&)>;

struct Route {
  std::string method;
  std::string pattern;
  std::vector<Role> roles;  // empty: no authentication (health, metrics, login)
  std::set<std::string, std::less<>> query;
  ApiHandler handler;
  std::string summary;  // one line, for the route index
  bool needs_db = true;
  bool upload = false;  // the body is streamed to a spool file, up to max_upload_bytes
  // With server.screen_public, a caller without a token is served as the `screen` role (the
  // City Hall screen and open data: aggregates only). Only for routes screen may call.
  bool screen_public = false;
};

class Router {
 public:
  void add(Route route);
  struct Match {
    const Route* route = nullptr;
    std::map<std::string, std::string> params;
    std::string allow;  // set when the path exists for other methods (405)
  };
  Match match(std::string_view method, std::string_view path) const;
  // Marks the routes with this pattern that the screen role may call as screen_public.
  void set_screen_public(std::string_view pattern);
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Role sets used by the routes.
std::vector<Role> staff();              // admin, analyst
std::vector<Role> device_readers();     // admin, analyst, partner
std::vector<Role> aggregate_readers();  // admin, analyst, screen
std::vector<Role> everyone();           // any authenticated user

// The whole API.
void add_api_routes(Router& router);
void add_session_routes(Router& router);
void add_device_routes(Router& router);
void add_finding_routes(Router& router);
void add_stats_routes(Router& router);
void add_ops_routes(Router& router);
void add_admin_routes(Router& router);
void add_batch_routes(Router& router);  // partners, batches, the pull API, disputes
void add_health_routes(Router& router);
void add_index_route(Router& router);
// The City Hall screen's aggregate routes and the open-data exports; call after the others (it
// marks their aggregate routes as public-when-configured).
void add_screen_routes(Router& router);

// Small helpers shared by the resource files.
std::string iso_time(core::UnixSeconds t);
void field_time(core::JsonWriter& w, std::string_view key, std::optional<core::UnixSeconds> t);
// {"items": [...], "next_cursor": "..."|null}: items_json is the array text.
std::string page_body(const std::string& items_json, const std::optional<std::string>& next);
// Device-level reads are refused (503) while the audit log cannot be written.
std::optional<ApiResponse> refuse_without_audit(ApiRequest& req);
// The filters a listing was called with and how many rows it returned, for its audit entry.
std::string query_detail(const ApiRequest& req, std::size_t returned);
void write_observation(core::JsonWriter& w, const db::ObservationRecord& o);
// The device's score with its explanation, and where it is.
void write_device_risk(core::JsonWriter& w, const db::DeviceRecord& d);
void write_finding(core::JsonWriter& w, const db::StoredFinding& f);
void write_finding_event(core::JsonWriter& w, const db::FindingEvent& e);

}  // namespace citywatch::app
