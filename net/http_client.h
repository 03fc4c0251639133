// net/http_client.h: a small, honest HTTP(S) client over libcurl for feed fetchers and delivery.
// TLS is always verified; every transfer has a connect timeout, a total timeout and a cap on
// the response size; only http and https are spoken (also after redirects). Transport failures
// (DNS, connect, TLS, timeout, too large, cancelled) are Errors; every HTTP status, 500s
// included, is a Response for the caller to judge. URLs may carry API keys, so log lines use
// url_for_log(). One client per thread: it keeps its connection for reuse.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "net/curl.h"

namespace citywatch::net {

struct ClientOptions {
  std::string user_agent = "citywatch";
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds timeout{120};  // the whole transfer
  std::uint64_t max_response_bytes = 64ull << 20;
  std::string ca_file;  // empty: the system trust store
  bool follow_redirects = true;
};

struct Request {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<std::chrono::seconds> timeout;      // overrides ClientOptions::timeout
  std::optional<std::uint64_t> max_response_bytes;  // overrides the client's cap
};

struct Response {
  long status = 0;
  std::string body;  // empty when download() wrote it to a file
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::uint64_t bytes = 0;
  // The last value of a header (case-insensitive name), nullptr when absent.
  const std::string* header(std::string_view name) const;
};

// Returns true to abort the transfer in flight (shutdown); checked several times a second.
using CancelFn = std::function<bool()>;

class HttpClient {
 public:
  explicit HttpClient(ClientOptions options = {});
  HttpClient(HttpClient&&) noexcept = default;
  HttpClient& operator=(HttpClient&&) noexcept = default;

  core::Result<Response> send(const Request& request, const CancelFn& cancelled = {});
  // Streams the body into path (created or truncated). On any failure the partial file is
  // removed, so a file that exists is complete.
  core::Result<Response> download(const Request& request, const std::string& path,
                                  const CancelFn& cancelled = {});

  const ClientOptions& options() const { return options_; }

 private:
  struct Sink;
  core::Result<Response> perform(const Request& request, Sink& sink, const CancelFn& cancelled);
  ClientOptions options_;
  EasyHandle easy_;
};

// "https://api.example.org/path" from "https://user:pw@api.example.org/path?key=secret":
// what a log line may show of a URL.
std::string url_for_log(std::string_view url);

// RFC 3986 percent-encoding of a query value (everything but unreserved characters).
std::string url_encode(std::string_view value);

}  // namespace citywatch::net
