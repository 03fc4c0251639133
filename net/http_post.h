// net/http_post.h: one HTTP(S) POST through libcurl, for webhook delivery to partners: headers,
// connect and total timeouts, TLS verification on unless explicitly switched off, a cap on how
// much of the answer is kept, and the Retry-After header read for the caller. One call, one
// connection; no state between calls, so it is safe from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace citywatch::net {

struct HttpRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // name, value
  std::string body;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds timeout{30000};    // the whole exchange
  std::string ca_file;                         // extra CA bundle; empty: the system's
  bool verify_tls = true;                      // peer and host name; off only for tests
  std::size_t max_response_bytes = 64 * 1024;  // the rest of a longer answer is dropped
};

struct HttpResponse {
  long status = 0;
  std::string body;  // at most max_response_bytes
  bool truncated = false;
  std::optional<std::string> retry_after;  // the raw header value, when sent
};

// POSTs the body. A response of any status is a value (the caller decides what 4xx/5xx mean);
// an Error means no HTTP answer: kUnavailable for timeouts, refused or dropped connections and
// TLS failures (curl's text says which), kConfig for a bad URL or CA file.
core::Result<HttpResponse> http_post(const HttpRequest& request);

// Reads Retry-After (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date (IMF-fixdate,
// "Sun, 06 Nov 1994 08:49:37 GMT"). Returns seconds from `now`, never negative; nullopt when
// the value is neither. Capped at 30 days.
std::optional<core::UnixSeconds> parse_retry_after(std::string_view value, core::UnixSeconds now);

}  // namespace citywatch::net
