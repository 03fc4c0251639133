#include "net/http_post.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "core/text.h"
#include "net/curl.h"

namespace citywatch::net {
namespace {

struct Sink {
  HttpResponse* response;
  std::size_t cap;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::size_t bytes = size * n;
  std::string& body = sink->response->body;
  if (body.size() < sink->cap) {
    body.append(data, std::min(bytes, sink->cap - body.size()));
  }
  if (body.size() >= sink->cap && bytes > 0) sink->response->truncated = true;
  return bytes;  // keep reading (and dropping) so the connection ends cleanly
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  std::string_view line(data, size * n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size() && line.size() < 256 && core::istarts_with(line, kName)) {
    response->retry_after = std::string(core::trim(line.substr(kName.size())));
  }
  return size * n;
}

std::optional<int> month_of(std::string_view m) {
  static constexpr std::array<std::string_view, 12> kMonths{
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == m) return static_cast<int>(i) + 1;
  }
  return std::nullopt;
}

}  // namespace

core::Result<HttpResponse> http_post(const HttpRequest& request) {
  auto easy = make_easy();
  if (!easy) return core::fail(easy.error());
  CURL* h = easy->get();
  HttpResponse response;
  Sink sink{&response, request.max_response_bytes};
  HeaderList headers;
  for (const auto& [name, value] : request.headers) {
    CITYWATCH_TRY(headers.append(name + ": " + value));
  }
  // libcurl adds "Expect: 100-continue" to larger POSTs; receivers need not know it.
  CITYWATCH_TRY(headers.append("Expect:"));
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect is an answer, not a new target
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, request.verify_tls ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, request.verify_tls ? 2L : 0L);
  if (!request.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, request.ca_file.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &response);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "citywatch/0.1 (+notifications)");
  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) return core::fail(curl_error(rc, error, request.url));
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

std::optional<core::UnixSeconds> parse_retry_after(std::string_view value, core::UnixSeconds now) {
  constexpr core::UnixSeconds kCap = 30 * 86400;
  value = core::trim(value);
  if (value.empty() || value.size() > 64) return std::nullopt;
  if (auto n = core::parse_int(value, 0, 1LL << 40)) return std::min<core::UnixSeconds>(*n, kCap);
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  if (value.size() != 29 || value[3] != ',' || value.substr(25) != " GMT") return std::nullopt;
  auto day = core::parse_int(value.substr(5, 2), 1, 31);
  auto month = month_of(value.substr(8, 3));
  auto year = core::parse_int(value.substr(12, 4), 1970, 9999);
  if (!day || !month || !year || value[7] != ' ' || value[11] != ' ' || value[16] != ' ') {
    return std::nullopt;
  }
  std::string iso = std::string(value.substr(12, 4)) + "-" + (*month < 10 ? "0" : "") +
                    std::to_string(*month) + "-" + std::string(value.substr(5, 2)) + "T" +
                    std::string(value.substr(17, 8)) + "Z";
  auto at = core::parse_utc_timestamp(iso);
  if (!at) return std::nullopt;
  return std::clamp<core::UnixSeconds>(*at - now, 0, kCap);
}

}  // namespace citywatch::net
