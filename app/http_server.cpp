#include "app/http_server.h"

#include <httplib.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>

#include "app/logging.h"
#include "app/metrics.h"
#include "app/store_pool.h"
#include "app/web_assets.h"
#include "core/text.h"
#include "db/users.h"

namespace citywatch::app {
namespace {

constexpr std::string_view kCookie = "citywatch_session";
constexpr std::string_view kCsrfHeader = "X-Citywatch-CSRF";

std::string request_id() {
  std::array<unsigned char, 8> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

// The session cookie's value, or empty.
std::string cookie_token(const httplib::Request& http) {
  std::string header = http.get_header_value("Cookie");
  std::string_view rest = header;
  while (!rest.empty()) {
    auto semi = rest.find(';');
    std::string_view part = core::trim(rest.substr(0, semi));
    if (part.starts_with(kCookie) && part.size() > kCookie.size() && part[kCookie.size()] == '=') {
      return std::string(part.substr(kCookie.size() + 1));
    }
    if (semi == std::string_view::npos) break;
    rest.remove_prefix(semi + 1);
  }
  return {};
}

bool unsafe_method(std::string_view m) { return m != "GET" && m != "HEAD" && m != "OPTIONS"; }

}  // namespace

core::Result<ListenAddress> parse_listen_address(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return core::fail(core::ErrorCode::kConfig,
                      "listen address must be HOST:PORT, e.g. 127.0.0.1:8080");
  }
  ListenAddress a;
  std::string_view host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  a.host = std::string(host);
  auto port = core::parse_int(text.substr(colon + 1), 0, 65535);
  if (!port) return core::fail(core::ErrorCode::kConfig, "listen port must be 0 to 65535");
  a.port = static_cast<int>(*port);
  return a;
}

struct HttpServer::Impl {
  const Router& router;
  ApiServices& services;
  httplib::Server server;
  std::thread thread;

  Impl(const Router& r, ApiServices& s) : router(r), services(s) {}

  void send(httplib::Response& res, ApiResponse response, const std::string& id) {
    if (response.status >= 400 && response.body.starts_with("{\"error\":{")) {
      response.body.insert(10, "\"request_id\":\"" + id + "\",");
    }
    res.status = response.status;
    for (auto& [k, v] : response.headers) {
      res.headers.erase(k);  // replaces a default header (Cache-Control) instead of doubling it
      res.set_header(k, v);
    }
    res.set_header("X-Request-Id", id);
    res.set_content(std::move(response.body), response.content_type);
  }

  // Everything before the handler; nullopt to go on, a response to stop with.
  std::optional<ApiResponse> prepare(const httplib::Request& http, const Route& route,
                                     ApiRequest& req, std::optional<StorePool::Lease>& lease) {
    auto query_start = http.target.find('?');
    auto parsed = parse_query_string(query_start == std::string::npos
                                         ? ""
                                         : std::string_view(http.target).substr(query_start + 1));
    if (!parsed) return error_from(parsed.error());
    req.query = std::move(*parsed);
    if (auto only = QueryReader(req.query).only(route.query); !only)
      return error_from(only.error());

    auto ensure_store = [&]() -> std::optional<ApiResponse> {
      if (lease) return std::nullopt;
      auto got = services.stores->acquire();
      if (!got) {
        logger("app")->warn("api_db_unavailable reason={}", got.error().to_string());
        return error_response(503, "unavailable",
                              "the database cannot be used right now; see /readyz");
      }
      lease.emplace(std::move(*got));
      req.store = &**lease;
      return std::nullopt;
    };

    if (!route.roles.empty()) {
      std::string token;
      bool via_cookie = false;
      std::string auth = http.get_header_value("Authorization");
      if (core::istarts_with(auth, "Bearer ")) {
        token = std::string(core::trim(std::string_view(auth).substr(7)));
      } else if (std::string c = cookie_token(http); !c.empty()) {
        token = c;
        via_cookie = true;
      }
      if (token.empty() && route.screen_public && req.config->server.screen_public) {
        req.principal = Principal{0, "public", Role::kScreen, std::nullopt, 0, "public"};
        if (route.needs_db) {
          if (auto failed = ensure_store()) return failed;
        }
        return std::nullopt;
      }
      if (token.empty()) {
        ApiResponse r = error_response(401, "unauthorized",
                                       "send Authorization: Bearer <token> (citywatch tokens "
                                       "create) or log in with POST /api/v1/session");
        r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"citywatch\"");
        return r;
      }
      if (auto failed = ensure_store()) return failed;
      db::UserStore users(req.store->connection());
      const core::UnixSeconds now = services.clock->now();
      auto result = authenticate(users, token, now);
      if (!result) return error_from(result.error());
      if (!result->principal) {
        ApiResponse r = error_response(401, "unauthorized", to_string(result->failure));
        r.headers.emplace_back("WWW-Authenticate",
                               "Bearer realm=\"citywatch\", error=\"invalid_token\"");
        return r;
      }
      req.principal = result->principal;
      if (std::find(route.roles.begin(), route.roles.end(), req.principal->role) ==
          route.roles.end()) {
        return error_response(
            403, "forbidden",
            "role " + std::string(to_string(req.principal->role)) + " may not use this endpoint");
      }
      // A cookie is sent by browsers on their own; a custom header is not (without CORS,
      // which the daemon does not allow), so it shows the request came from our own pages.
      if (via_cookie && unsafe_method(http.method) &&
          !http.has_header(std::string(kCsrfHeader).c_str())) {
        return error_response(403, "forbidden",
                              "cookie-authenticated changes need the X-Citywatch-CSRF header");
      }
      // last_used_at is informative; writing it once a minute at most keeps reads read-only.
      if (!result->last_used_at || now - *result->last_used_at >= 60) {
        (void)users.touch_token(req.principal->token_id, now);
      }
    }
    if (route.needs_db) {
      if (auto failed = ensure_store()) return failed;
    }
    return std::nullopt;
  }

  void dispatch(const httplib::Request& http, httplib::Response& res,
                const httplib::ContentReader* reader) {
    auto started = std::chrono::steady_clock::now();
    const std::string id = request_id();
    auto match = router.match(http.method, http.path);
    std::string route_label = match.route ? match.route->pattern : "unmatched";
    ApiResponse response;
    ApiRequest req;
    std::optional<StorePool::Lease> lease;
    std::string spooled;
    try {
      std::optional<ApiResponse> asset;
      if (!match.route && match.allow.empty() && services.web &&
          (http.method == "GET" || http.method == "HEAD")) {
        asset = services.web->serve(http.path, http.get_header_value("If-None-Match"));
        if (asset) route_label = "static";
      }
      if (asset) {
        response = std::move(*asset);
      } else if (!match.route) {
        if (!match.allow.empty()) {
          response = error_response(405, "method_not_allowed", "allowed: " + match.allow);
          response.headers.emplace_back("Allow", match.allow);
        } else {
          response = error_response(404, "not_found", "no such endpoint (see docs/api.md)");
        }
      } else {
        const Route& route = *match.route;
        req.method = http.method;
        req.path = http.path;
        req.route = route.pattern;
        req.request_id = id;
        req.remote = http.remote_addr;
        req.params = std::move(match.params);
        req.services = &services;
        req.config = services.config();
        for (const auto& [k, v] : http.headers) req.headers.emplace_back(k, v);
        auto stop = prepare(http, route, req, lease);
        if (!stop && route.upload) {
          stop = receive_upload(http, *reader, req, spooled);
        } else if (!stop) {
          req.body = http.body;
        }
        if (stop) {
          response = std::move(*stop);
        } else {
          if (req.store && !route.upload) {
            req.store->connection().set_deadline(
                started + std::chrono::seconds(req.config->server.request_timeout_seconds));
          }
          response = route.handler(req);
          if (req.store) req.store->connection().clear_deadline();
        }
      }
    } catch (const std::exception& e) {
      logger("app")->error("api_internal_error route={} request={} what={}", route_label, id,
                           e.what());
      response = error_response(500, "internal", "internal error; the log has request " + id);
      if (lease) lease->discard();
    }
    if (!spooled.empty()) {
      std::error_code ec;
      std::filesystem::remove(spooled, ec);
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    services.metrics->inc("citywatch_http_requests_total",
                          {{"route", route_label},
                           {"method", http.method},
                           {"code", std::to_string(response.status)}});
    services.metrics->observe("citywatch_http_request_duration_seconds", {{"route", route_label}},
                              seconds);
    auto log = logger("app");
    // A failing /readyz is expected while storage is down and is polled often: not a warning.
    if (response.status >= 500 && route_label != "/readyz") {
      log->warn("api_request method={} route={} status={} ms={:.1f} user={} request={}",
                http.method, route_label, response.status, seconds * 1000,
                req.principal ? req.principal->name : "-", id);
    } else {
      log->debug("api_request method={} route={} status={} ms={:.1f} user={} request={}",
                 http.method, route_label, response.status, seconds * 1000,
                 req.principal ? req.principal->name : "-", id);
    }
    send(res, std::move(response), id);
  }

  std::optional<ApiResponse> receive_upload(const httplib::Request& http,
                                            const httplib::ContentReader& reader, ApiRequest& req,
                                            std::string& spooled) {
    std::filesystem::path dir = req.config->spool_dir();
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    spooled = (dir / ("upload-" + req.request_id)).string();
    std::ofstream out(spooled, std::ios::binary | std::ios::trunc);
    if (!out) return error_response(503, "unavailable", "cannot spool the upload");
    std::size_t received = 0;
    const std::size_t cap = req.config->server.max_upload_bytes;
    bool too_large = false;
    bool ok = reader([&](const char* data, std::size_t n) {
      received += n;
      if (received > cap) {
        too_large = true;
        return false;
      }
      out.write(data, static_cast<std::streamsize>(n));
      return static_cast<bool>(out);
    });
    out.close();
    if (too_large) {
      return error_response(413, "payload_too_large", "upload larger than server.max_upload_mb");
    }
    if (!ok || !out) return error_response(400, "bad_request", "the upload was cut off");
    (void)http;
    req.upload_path = spooled;
    return std::nullopt;
  }
};

HttpServer::HttpServer(const Router& router, ApiServices& services)
    : impl_(std::make_unique<Impl>(router, services)) {}

HttpServer::~HttpServer() { stop(); }

core::Result<int> HttpServer::start(const ListenAddress& address, std::size_t threads) {
  if (sodium_init() < 0) return core::fail(core::ErrorCode::kInternal, "libsodium cannot start");
  auto& server = impl_->server;
  auto config = impl_->services.config();
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_read_timeout(30);
  server.set_write_timeout(60);
  server.set_keep_alive_timeout(5);
  server.set_keep_alive_max_count(1000);
  server.set_payload_max_length(config->server.max_upload_bytes);
  server.set_tcp_nodelay(true);
  server.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                              {"Cache-Control", "no-store"},
                              {"X-Frame-Options", "DENY"}});

  // Before any body is read: refuse bodies over the limit by their announced length, and
  // chunked bodies where a length is required. Clients that ask "Expect: 100-continue" get the
  // refusal instead of the go-ahead.
  auto refusal = [this](const httplib::Request& http) -> std::optional<ApiResponse> {
    auto match = impl_->router.match(http.method, http.path);
    bool upload = match.route && match.route->upload;
    auto cfg = impl_->services.config();
    std::size_t limit = upload ? cfg->server.max_upload_bytes : cfg->server.max_body_bytes;
    bool has_length = http.has_header("Content-Length");
    std::size_t length = has_length ? http.get_header_value<std::uint64_t>("Content-Length") : 0;
    bool chunked = http.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos;
    if (has_length && length > limit) {
      return error_response(413, "payload_too_large",
                            "request body larger than " + std::to_string(limit) + " bytes");
    }
    if (chunked && !upload) {
      return error_response(411, "length_required", "send the body with a Content-Length");
    }
    return std::nullopt;
  };
  server.set_pre_routing_handler(
      [this, refusal](const httplib::Request& http, httplib::Response& res) {
        auto refuse = refusal(http);
        if (!refuse) return httplib::Server::HandlerResponse::Unhandled;
        impl_->send(res, std::move(*refuse), request_id());
        return httplib::Server::HandlerResponse::Handled;
      });
  server.set_expect_100_continue_handler(
      [this, refusal](const httplib::Request& http, httplib::Response& res) {
        auto refuse = refusal(http);
        if (!refuse) return 100;
        int status = refuse->status;
        impl_->send(res, std::move(*refuse), request_id());
        return status;
      });

  auto plain = [this](const httplib::Request& http, httplib::Response& res) {
    impl_->dispatch(http, res, nullptr);
  };
  auto with_reader = [this](const httplib::Request& http, httplib::Response& res,
                            const httplib::ContentReader& reader) {
    impl_->dispatch(http, res, &reader);
  };
  // Upload routes read their body themselves; everything else gets it read by httplib.
  for (const Route& route : impl_->router.routes()) {
    if (route.upload && route.method == "POST") server.Post(route.pattern, with_reader);
  }
  server.Get(".*", plain);
  server.Post(".*", plain);
  server.Put(".*", plain);
  server.Patch(".*", plain);
  server.Delete(".*", plain);
  server.Options(".*", plain);

  int port = address.port;
  if (port == 0) {
    port = server.bind_to_any_port(address.host);
    if (port < 0) {
      return core::fail(core::ErrorCode::kUnavailable, "cannot listen on " + address.host);
    }
  } else if (!server.bind_to_port(address.host, port)) {
    return core::fail(core::ErrorCode::kUnavailable,
                      "cannot listen on " + address.host + ":" + std::to_string(port) +
                          " (in use, or not an address of this host)");
  }
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  // A stop() before the accept loop runs would be lost: wait until it runs.
  while (!server.is_running()) std::this_thread::yield();
  return port;
}

void HttpServer::stop() {
  if (impl_->thread.joinable()) {
    impl_->server.stop();
    impl_->thread.join();
  }
}

}  // namespace citywatch::app
