#include "net/curl.h"

#include <mutex>

namespace citywatch::net {

core::Result<Easy> make_easy() {
  static std::once_flag once;
  static CURLcode init = CURLE_OK;
  std::call_once(once, [] { init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (init != CURLE_OK) {
    return core::fail(core::ErrorCode::kInternal,
                      std::string("curl_global_init failed: ") + curl_easy_strerror(init));
  }
  Easy easy(curl_easy_init());
  if (!easy) return core::fail(core::ErrorCode::kInternal, "curl_easy_init failed");
  return easy;
}

core::Result<void> slist_append(Slist& list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list.get(), line.c_str());
  if (!grown) return core::fail(core::ErrorCode::kInternal, "out of memory building headers");
  (void)list.release();  // curl_slist_append returned the same head, now owning the new node
  list.reset(grown);
  return core::ok();
}

core::Error curl_error(CURLcode code, const char* error_buffer, const std::string& where) {
  std::string text = curl_easy_strerror(code);
  if (error_buffer && *error_buffer) text += ": " + std::string(error_buffer);
  core::ErrorCode kind = core::ErrorCode::kUnavailable;
  switch (code) {
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
