// app/http_server.h: the API's HTTP side, on cpp-httplib. Every request goes through one
// dispatch: route match (404/405), size limits (413/411, checked before the body is read),
// query parsing, authentication by bearer token or session cookie (401), role (403), CSRF
// header for cookie-authenticated changes, a database connection with a deadline, the
// handler, then metrics and a log line with the route pattern (never the raw path: it may hold
// an address). Uploads are authenticated first, then streamed to a spool file. Keeps
// httplib out of every other header.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "app/api.h"
#include "core/result.h"

namespace citywatch::app {

struct ListenAddress {
  std::string host;
  int port = 0;  // 0: any free port
};
// "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:0".
core::Result<ListenAddress> parse_listen_address(std::string_view text);

class HttpServer {
 public:
  HttpServer(const Router& router, ApiServices& services);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving on a thread; returns the port (the real one when 0 was asked).
  core::Result<int> start(const ListenAddress& address, std::size_t threads);
  // Stops accepting; requests in progress finish.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace citywatch::app
