// scanner/http_login_forms.h: the web login forms of known device families
// (data/credentials/http-login-forms.jsonl, docs/scanning.md "HTTP form logins"): for each
// family, which fingerprint it applies to, the one login request to send (method, path, content
// type, body template with {username}/{password}) and how the answer tells success from failure
// (status, Set-Cookie name, Location, body marker). An answer that is not clearly one or the
// other is kUnknown, never kAccepted. The file is treated as hostile: bounded sizes, every field
// checked, the first bad line a kConfig error naming file:line. Immutable once loaded; entries
// are shared (shared_ptr) with the login credentials that use them; safe to share between
// threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "scanner/probe_dialogs.h"
#include "scanner/probe_parsers.h"

namespace citywatch::scanner {

// What an answer must show to count as success (or failure): every criterion given must hold.
struct FormVerdict {
  std::vector<int> status;              // one of these status codes; empty: any
  std::vector<std::string> set_cookie;  // a Set-Cookie with one of these names; empty: none asked
  std::string location;                 // the Location header contains this; empty: not asked
  std::string body;                     // the body contains this (any case); empty: not asked
  bool holds(const HttpResponse& response) const;
};

struct HttpLoginForm {
  std::string id;      // "openwrt-luci"
  std::string vendor;  // the fingerprint's vendor (any case), required
  std::string model;   // optional: the fingerprint's model (any case)
  std::string rule;    // optional: the fingerprint rule id that must have decided
  std::string method = "POST";
  std::string path;          // "/cgi-bin/luci/"
  std::string content_type;  // application/x-www-form-urlencoded or application/json
  std::string body;          // template: {username} and {password}, encoded for the content type
  FormVerdict success, failure;
  std::string source;  // where the form's behaviour is documented
  std::string where;   // "http-login-forms.jsonl:3", for labels and errors

  bool json_body() const { return content_type == "application/json"; }
  // The body with the credential encoded for the content type (URL-encoded or a JSON string).
  std::string render_body(std::string_view username, std::string_view password) const;
  // kAccepted only when success holds and failure does not; kRejected the other way round;
  // kUnknown for anything else (no answer, both, neither).
  LoginResult classify(std::string_view response) const;
};

class HttpLoginForms {
 public:
  // kConfig naming file:line on any malformed entry.
  static core::Result<HttpLoginForms> load(const std::string& path);
  static core::Result<HttpLoginForms> parse(std::string_view text, const std::string& name);

  // The most specific entry for a fingerprint (rule beats model beats vendor only; the first in
  // the file among equals), or nullptr.
  std::shared_ptr<const HttpLoginForm> match(std::string_view vendor, std::string_view model,
                                             std::string_view rule_id) const;
  std::size_t size() const { return entries_.size(); }
  const std::vector<std::shared_ptr<const HttpLoginForm>>& entries() const { return entries_; }

 private:
  std::vector<std::shared_ptr<const HttpLoginForm>> entries_;
};

// application/x-www-form-urlencoded encoding of one value (RFC 3986 unreserved kept, the rest
// %XX), and the inside of a JSON string; exposed for tests.
std::string form_urlencode(std::string_view value);
std::string json_escape(std::string_view value);

}  // namespace citywatch::scanner
