#include "net/http_client.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>

namespace citywatch::net {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string trim_copy(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

}  // namespace

// Where the body goes: memory or a file, with the byte cap enforced as data arrives.
struct HttpClient::Sink {
  std::uint64_t cap = 0;
  std::uint64_t bytes = 0;
  bool too_large = false;
  bool write_failed = false;
  std::string* memory = nullptr;
  std::FILE* file = nullptr;
  std::vector<std::pair<std::string, std::string>> headers;
  const CancelFn* cancelled = nullptr;

  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
    auto* self = static_cast<Sink*>(user);
    std::size_t len = size * n;
    if (self->bytes + len > self->cap) {
      self->too_large = true;
      return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
    }
    self->bytes += len;
    if (self->memory) {
      self->memory->append(data, len);
    } else if (self->file && std::fwrite(data, 1, len, self->file) != len) {
      self->write_failed = true;
      return 0;
    }
    return len;
  }

  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
    auto* self = static_cast<Sink*>(user);
    std::size_t len = size * n;
    std::string_view line(data, len);
    if (line.starts_with("HTTP/")) {
      self->headers.clear();  // a new response (after a redirect or 100 Continue)
    } else if (auto colon = line.find(':');
               colon != std::string_view::npos && self->headers.size() < 200) {
      std::string name;
      for (char c : line.substr(0, colon)) name += lower(c);
      self->headers.emplace_back(std::move(name), trim_copy(line.substr(colon + 1)));
    }
    return len;
  }

  static int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* self = static_cast<Sink*>(user);
    return self->cancelled && *self->cancelled && (*self->cancelled)() ? 1 : 0;
  }
};

const std::string* Response::header(std::string_view name) const {
  const std::string* found = nullptr;
  for (const auto& [k, v] : headers) {
    if (k.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < k.size() && same; ++i) same = k[i] == lower(name[i]);
    if (same) found = &v;
  }
  return found;
}

HttpClient::HttpClient(ClientOptions options) : options_(std::move(options)) {}

core::Result<Response> HttpClient::send(const Request& request, const CancelFn& cancelled) {
  Response response;
  Sink sink;
  sink.memory = &response.body;
  auto done = perform(request, sink, cancelled);
  if (!done) return done;
  done->body = std::move(response.body);
  return done;
}

core::Result<Response> HttpClient::download(const Request& request, const std::string& path,
                                            const CancelFn& cancelled) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) {
    return core::fail(core::ErrorCode::kIo, "cannot create the download file", path);
  }
  Sink sink;
  sink.file = file;
  auto done = perform(request, sink, cancelled);
  bool closed = std::fclose(file) == 0;
  if (done && !closed) {
    done = core::fail(core::ErrorCode::kIo, "cannot write the download file", path);
  }
  if (!done) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  return done;
}

core::Result<Response> HttpClient::perform(const Request& request, Sink& sink,
                                           const CancelFn& cancelled) {
  if (!easy_) {
    auto made = make_easy();
    if (!made) return core::fail(made.error());
    easy_ = std::move(*made);
  } else {
    curl_easy_reset(easy_.get());
  }
  CURL* h = easy_.get();
  const std::string where = url_for_log(request.url);
  sink.cap = request.max_response_bytes.value_or(options_.max_response_bytes);
  sink.cancelled = &cancelled;

  HeaderList headers;
  for (const auto& [name, value] : request.headers) {
    CITYWATCH_TRY(headers.append(name + ": " + value));
  }
  // libcurl would otherwise send "Expect: 100-continue" for large bodies and wait for it.
  CITYWATCH_TRY(headers.append("Expect:"));

  auto timeout = request.timeout.value_or(options_.timeout);
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, options_.follow_redirects ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT, static_cast<long>(timeout.count()));
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(sink.cap));
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // whatever libcurl can decode
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Sink::on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &Sink::on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &Sink::on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &sink);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  if (request.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "POST") {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.method != "GET") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
  }

  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
      return core::fail(core::ErrorCode::kBadInput,
                        "response larger than " + std::to_string(sink.cap) +
                            " bytes; refused (raise the limit in the configuration if expected)",
                        where);
    }
    if (sink.write_failed) {
      return core::fail(core::ErrorCode::kIo, "cannot write the response to disk", where);
    }
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
      return core::fail(core::ErrorCode::kUnavailable, "transfer cancelled (shutting down)", where);
    }
    return core::fail(core::ErrorCode::kUnavailable,
                      std::string("HTTP request failed: ") + curl_easy_strerror(rc), where);
  }
  Response response;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  response.headers = std::move(sink.headers);
  response.bytes = sink.bytes;
  if (auto log = spdlog::get("net")) {
    log->debug("http_done method={} url={} status={} bytes={}", request.method, where,
               response.status, response.bytes);
  }
  return response;
}

std::string url_for_log(std::string_view url) {
  std::string_view rest = url;
  std::string scheme;
  if (auto p = rest.find("://"); p != std::string_view::npos) {
    scheme = std::string(rest.substr(0, p + 3));
    rest.remove_prefix(p + 3);
  }
  auto authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string_view path;
  if (authority_end != std::string_view::npos) {
    path = rest.substr(authority_end);
    path = path.substr(0, path.find_first_of("?#"));
  }
  return scheme + std::string(authority) + std::string(path);
}

std::string url_encode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size() * 3);
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') ||
                      u == '-' || u == '.' || u == '_' || u == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

}  // namespace citywatch::net
