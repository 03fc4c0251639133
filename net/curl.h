// net/curl.h: the one owner of libcurl handles (STYLE.md section 4): CURL easy handles,
// curl_slist header lists and curl_mime documents, each a unique_ptr with its cleanup, plus the
// process-wide curl_global_init. Only net/*.cpp include this; the rest of citywatch sees
// net/http_client.h and net/smtp_client.h. Handles are single-threaded; init is thread-safe.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

#include "core/result.h"

namespace citywatch::net {

struct EasyCleanup {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistCleanup {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct MimeCleanup {
  void operator()(curl_mime* m) const { curl_mime_free(m); }
};
using Easy = std::unique_ptr<CURL, EasyCleanup>;
using Slist = std::unique_ptr<curl_slist, SlistCleanup>;
using Mime = std::unique_ptr<curl_mime, MimeCleanup>;

// curl_global_init once per process, then a fresh easy handle. kInternal when libcurl cannot.
core::Result<Easy> make_easy();

// Appends to a list, keeping ownership in `list`. kInternal on allocation failure.
core::Result<void> slist_append(Slist& list, const std::string& line);

// An Error from a libcurl code, with curl's text (the error buffer when it has more) and where.
// Timeouts, refused or dropped connections and TLS handshakes are kUnavailable (worth a retry);
// a malformed URL or an unreadable CA file is kConfig.
core::Error curl_error(CURLcode code, const char* error_buffer, const std::string& where);

}  // namespace citywatch::net
