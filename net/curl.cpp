#include "net/curl.h"

#include <curl/curl.h>

#include <mutex>

namespace citywatch::net {

void EasyCleanup::operator()(CURL* handle) const { curl_easy_cleanup(handle); }
void MultiCleanup::operator()(CURLM* handle) const { curl_multi_cleanup(handle); }
void SlistCleanup::operator()(curl_slist* list) const { curl_slist_free_all(list); }
void MimeCleanup::operator()(curl_mime* mime) const { curl_mime_free(mime); }

core::Result<void> ensure_curl_initialised() {
  static std::once_flag once;
  static CURLcode rc = CURLE_OK;
  std::call_once(once, [] { rc = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (rc != CURLE_OK) {
    return core::fail(core::ErrorCode::kUnavailable,
                      std::string("libcurl cannot start: ") + curl_easy_strerror(rc));
  }
  return core::ok();
}

core::Result<EasyHandle> make_easy() {
  CITYWATCH_TRY(ensure_curl_initialised());
  EasyHandle handle(curl_easy_init());
  if (!handle) return core::fail(core::ErrorCode::kUnavailable, "curl_easy_init failed");
  return handle;
}

core::Result<MultiHandle> make_multi() {
  CITYWATCH_TRY(ensure_curl_initialised());
  MultiHandle handle(curl_multi_init());
  if (!handle) return core::fail(core::ErrorCode::kUnavailable, "curl_multi_init failed");
  return handle;
}

core::Result<void> HeaderList::append(const std::string& line) {
  curl_slist* grown = curl_slist_append(list_.get(), line.c_str());
  if (!grown) return core::fail(core::ErrorCode::kInternal, "out of memory for HTTP headers");
  // curl_slist_append returns the same head once the list exists; adopt it the first time.
  if (!list_) list_.reset(grown);
  return core::ok();
}

core::Error curl_error(int code, const char* error_buffer, const std::string& where) {
  auto curl_code = static_cast<CURLcode>(code);
  std::string text = curl_easy_strerror(curl_code);
  if (error_buffer && *error_buffer) text += ": " + std::string(error_buffer);
  core::ErrorCode kind = core::ErrorCode::kUnavailable;
  switch (curl_code) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_LOGIN_DENIED:
      kind = core::ErrorCode::kConfig;
      break;
    case CURLE_OUT_OF_MEMORY:
      kind = core::ErrorCode::kInternal;
      break;
    default:
      break;
  }
  return core::Error{kind, text, where};
}

}  // namespace citywatch::net
