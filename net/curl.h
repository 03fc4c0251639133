// net/curl.h: the one owner of libcurl handles (STYLE.md section 4): CURL easy handles, CURLM
// multi handles, curl_slist header lists and curl_mime documents, each a unique_ptr with its
// cleanup function.
// Nothing else in the tree calls curl_*_init or *_cleanup. Move-only; a handle belongs to one
// thread at a time, as libcurl requires.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"

// Forward declarations keep <curl/curl.h> out of every file that includes this one.
typedef void CURL;
typedef void CURLM;
struct curl_slist;
struct curl_mime;

namespace citywatch::net {

struct EasyCleanup {
  void operator()(CURL* handle) const;
};
struct MultiCleanup {
  void operator()(CURLM* handle) const;
};
struct SlistCleanup {
  void operator()(curl_slist* list) const;
};
struct MimeCleanup {
  void operator()(curl_mime* mime) const;
};

using EasyHandle = std::unique_ptr<CURL, EasyCleanup>;
using MultiHandle = std::unique_ptr<CURLM, MultiCleanup>;
using MimeHandle = std::unique_ptr<curl_mime, MimeCleanup>;

// curl_global_init once per process, thread-safe; kUnavailable when libcurl cannot start.
core::Result<void> ensure_curl_initialised();

core::Result<EasyHandle> make_easy();
core::Result<MultiHandle> make_multi();

// A header list; append() copies the text.
class HeaderList {
 public:
  core::Result<void> append(const std::string& line);
  curl_slist* get() const { return list_.get(); }

 private:
  std::unique_ptr<curl_slist, SlistCleanup> list_;
};

// An Error from a libcurl result code (a CURLcode), with curl's text (the error buffer when it
// has more) and where. Timeouts, refused or dropped connections and TLS handshakes are
// kUnavailable (worth a retry); a malformed URL or an unreadable CA file is kConfig.
core::Error curl_error(int code, const char* error_buffer, const std::string& where);

}  // namespace citywatch::net
