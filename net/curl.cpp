#include "net/curl.h"

#include <curl/curl.h>

#include <mutex>

namespace citywatch::net {

void EasyCleanup::operator()(CURL* handle) const { curl_easy_cleanup(handle); }
void MultiCleanup::operator()(CURLM* handle) const { curl_multi_cleanup(handle); }
void SlistCleanup::operator()(curl_slist* list) const { curl_slist_free_all(list); }

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

}  // namespace citywatch::net
