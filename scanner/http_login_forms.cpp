#include "scanner/http_login_forms.h"

#include <simdjson.h>

#include <algorithm>
#include <set>

#include "core/file.h"
#include "core/text.h"

namespace citywatch::scanner {
namespace {

namespace dom = simdjson::dom;

constexpr std::size_t kMaxFile = 1 << 20;
constexpr std::size_t kMaxLine = 8192;
constexpr std::size_t kMaxEntries = 1000;
constexpr std::size_t kMaxBody = 2048;
constexpr std::size_t kMaxPath = 512;
constexpr std::size_t kMaxMarker = 256;
constexpr std::size_t kMaxList = 8;
constexpr std::string_view kFormType = "application/x-www-form-urlencoded";
constexpr std::string_view kJsonType = "application/json";

core::Failure entry_error(const std::string& where, const std::string& message) {
  return core::fail(core::ErrorCode::kConfig, message, where);
}

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 80) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  return true;
}

// Visible ASCII and spaces only: what goes into a request line, a label or a log line.
bool printable(std::string_view s, bool allow_space) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u > 0x7e || u < 0x20 || (!allow_space && u == 0x20)) return false;
  }
  return true;
}

// RFC 6265 cookie-name: a token.
bool cookie_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
    if (std::string_view("()<>@,;:\\\"/[]?={}").find(c) != std::string_view::npos) return false;
  }
  return true;
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  std::size_t pos = 0;
  while ((pos = text.find(from, pos)) != std::string::npos) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
  return text;
}

core::Result<std::string> string_member(dom::object obj, std::string_view key,
                                        const std::string& where, bool required, std::size_t max) {
  dom::element e;
  if (obj[key].get(e) != simdjson::SUCCESS) {
    if (required) return entry_error(where, "missing \"" + std::string(key) + "\"");
    return std::string();
  }
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) {
    return entry_error(where, "\"" + std::string(key) + "\" must be a string");
  }
  if (s.size() > max) {
    return entry_error(
        where, "\"" + std::string(key) + "\" longer than " + std::to_string(max) + " bytes");
  }
  if (required && s.empty()) return entry_error(where, "\"" + std::string(key) + "\" is empty");
  return std::string(s);
}

core::Result<FormVerdict> verdict_member(dom::object obj, std::string_view key,
                                         const std::string& where) {
  std::string k(key);
  dom::object v;
  if (obj[key].get_object().get(v) != simdjson::SUCCESS) {
    return entry_error(where,
                       "\"" + k + "\" must be an object (status, set_cookie, location, body)");
  }
  FormVerdict out;
  for (auto [name, value] : v) {
    if (name == "status") {
      auto add = [&](dom::element e) -> bool {
        std::int64_t n = 0;
        if (e.get_int64().get(n) != simdjson::SUCCESS || n < 100 || n > 599) return false;
        out.status.push_back(static_cast<int>(n));
        return true;
      };
      dom::array arr;
      if (value.get_array().get(arr) == simdjson::SUCCESS) {
        if (arr.size() == 0 || arr.size() > kMaxList) {
          return entry_error(where, k + ".status: 1 to 8 status codes");
        }
        for (dom::element e : arr) {
          if (!add(e)) return entry_error(where, k + ".status: codes are integers 100..599");
        }
      } else if (!add(value)) {
        return entry_error(where, k + ".status: an integer 100..599 or a list of them");
      }
    } else if (name == "set_cookie") {
      auto add = [&](dom::element e) -> bool {
        std::string_view s;
        if (e.get_string().get(s) != simdjson::SUCCESS || !cookie_name(s)) return false;
        out.set_cookie.emplace_back(s);
        return true;
      };
      dom::array arr;
      if (value.get_array().get(arr) == simdjson::SUCCESS) {
        if (arr.size() == 0 || arr.size() > kMaxList) {
          return entry_error(where, k + ".set_cookie: 1 to 8 cookie names");
        }
        for (dom::element e : arr) {
          if (!add(e)) return entry_error(where, k + ".set_cookie: cookie names are tokens");
        }
      } else if (!add(value)) {
        return entry_error(where, k + ".set_cookie: a cookie name or a list of them");
      }
    } else if (name == "location" || name == "body") {
      std::string_view s;
      if (value.get_string().get(s) != simdjson::SUCCESS || s.empty() || s.size() > kMaxMarker ||
          !printable(s, true)) {
        return entry_error(where, k + "." + std::string(name) +
                                      ": a non-empty printable string of at most 256 bytes");
      }
      (name == "location" ? out.location : out.body) = std::string(s);
    } else {
      return entry_error(where, k + ": unknown key \"" + std::string(name) +
                                    "\" (keys: status, set_cookie, location, body)");
    }
  }
  if (out.status.empty() && out.set_cookie.empty() && out.location.empty() && out.body.empty()) {
    return entry_error(where, "\"" + k + "\" names no criterion");
  }
  return out;
}

// The name of a Set-Cookie header value: "sysauth_http=abc; path=/" -> "sysauth_http".
std::string_view cookie_of(std::string_view set_cookie) {
  return core::trim(set_cookie.substr(0, set_cookie.find('=')));
}

core::Result<HttpLoginForm> parse_entry(dom::object obj, const std::string& where) {
  static constexpr std::string_view kKeys[] = {"id",      "vendor", "model", "rule",
                                               "method",  "path",   "body",  "success",
                                               "failure", "source", "note",  "content_type"};
  for (auto [key, value] : obj) {
    (void)value;
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
      return entry_error(where, "unknown key \"" + std::string(key) +
                                    "\" (keys: id, vendor, model, rule, method, path, "
                                    "content_type, body, success, failure, source, note)");
    }
  }
  HttpLoginForm f;
  f.where = where;
  auto str = [&](std::string_view key, bool required, std::size_t max,
                 std::string& out) -> core::Result<void> {
    auto s = string_member(obj, key, where, required, max);
    if (!s) return core::fail(s.error());
    if (!printable(*s, true)) {
      return entry_error(where, "\"" + std::string(key) + "\" must be printable ASCII");
    }
    out = std::move(*s);
    return {};
  };
  std::string note;
  CITYWATCH_TRY(str("id", true, 80, f.id));
  if (!valid_id(f.id)) return entry_error(where, "\"id\" must be lower-case a-z, 0-9, '-', '.'");
  CITYWATCH_TRY(str("vendor", true, 80, f.vendor));
  CITYWATCH_TRY(str("model", false, 80, f.model));
  CITYWATCH_TRY(str("rule", false, 80, f.rule));
  CITYWATCH_TRY(str("method", true, 8, f.method));
  if (f.method != "POST") {
    return entry_error(where, "\"method\" must be \"POST\" (a login form posts its credential)");
  }
  CITYWATCH_TRY(str("path", true, kMaxPath, f.path));
  if (f.path[0] != '/' || !printable(f.path, false) || f.path.find('#') != std::string::npos) {
    return entry_error(where, "\"path\" must start with '/' and hold no space, control or '#'");
  }
  CITYWATCH_TRY(str("content_type", true, 64, f.content_type));
  if (f.content_type != kFormType && f.content_type != kJsonType) {
    return entry_error(where, "\"content_type\" must be " + std::string(kFormType) + " or " +
                                  std::string(kJsonType));
  }
  CITYWATCH_TRY(str("body", true, kMaxBody, f.body));
  if (f.body.find("{password}") == std::string::npos) {
    return entry_error(where, "\"body\" has no {password} placeholder");
  }
  if (f.json_body()) {
    // The placeholders must sit inside JSON strings: a credential holding a quote, once
    // escaped, must still leave a valid JSON object.
    std::string probe = f.render_body("a\"b\\c", "d\"e\\f");
    dom::parser p;
    dom::object o;
    if (p.parse(probe).get_object().get(o) != simdjson::SUCCESS) {
      return entry_error(where,
                         "\"body\" must be a JSON object with {username} and {password} inside "
                         "JSON strings");
    }
  } else {
    std::string rest = replace_all(replace_all(f.body, "{username}", ""), "{password}", "");
    for (char c : rest) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                std::string_view("-._~%&=+*").find(c) != std::string_view::npos;
      if (!ok) {
        return entry_error(where,
                           "\"body\" of a form must be URL-encoded name=value pairs joined by '&' "
                           "(found '" +
                               core::printable_excerpt(std::string_view(&c, 1), 8) + "')");
      }
    }
  }
  auto success = verdict_member(obj, "success", where);
  if (!success) return core::fail(success.error());
  f.success = std::move(*success);
  auto failure = verdict_member(obj, "failure", where);
  if (!failure) return core::fail(failure.error());
  f.failure = std::move(*failure);
  CITYWATCH_TRY(str("source", true, 512, f.source));
  CITYWATCH_TRY(str("note", false, 1024, note));
  return f;
}

}  // namespace

bool FormVerdict::holds(const HttpResponse& r) const {
  if (!status.empty() && std::find(status.begin(), status.end(), r.status) == status.end()) {
    return false;
  }
  if (!set_cookie.empty()) {
    bool found = false;
    for (const auto& [k, v] : r.headers) {
      if (!core::iequals(k, "Set-Cookie")) continue;
      std::string_view name = cookie_of(v);
      for (const auto& want : set_cookie) found = found || name == want;
    }
    if (!found) return false;
  }
  if (!location.empty() && r.header("Location").find(location) == std::string_view::npos) {
    return false;
  }
  if (!body.empty() && core::ifind(r.body, body) == std::string_view::npos) return false;
  return true;
}

std::string HttpLoginForm::render_body(std::string_view username, std::string_view password) const {
  auto encode = [this](std::string_view v) {
    return json_body() ? json_escape(v) : form_urlencode(v);
  };
  // One pass, so a credential that itself reads "{password}" is never expanded again.
  std::string out;
  std::size_t i = 0;
  while (i < body.size()) {
    if (body.compare(i, 10, "{username}") == 0) {
      out += encode(username);
      i += 10;
    } else if (body.compare(i, 10, "{password}") == 0) {
      out += encode(password);
      i += 10;
    } else {
      out += body[i++];
    }
  }
  return out;
}

LoginResult HttpLoginForm::classify(std::string_view response) const {
  auto r = parse_http_response(response);
  if (!r || r->status == 0 || !r->head_complete) return LoginResult::kUnknown;
  bool ok = success.holds(*r);
  bool bad = failure.holds(*r);
  if (ok && !bad) return LoginResult::kAccepted;
  if (bad && !ok) return LoginResult::kRejected;
  return LoginResult::kUnknown;
}

core::Result<HttpLoginForms> HttpLoginForms::load(const std::string& path) {
  auto text = core::read_file(path, kMaxFile, core::ErrorCode::kConfig,
                              "set CITYWATCH_DATA_DIR to the folder holding credentials/");
  if (!text) return core::fail(text.error());
  return parse(*text, path);
}

core::Result<HttpLoginForms> HttpLoginForms::parse(std::string_view text, const std::string& name) {
  if (text.size() > kMaxFile) {
    return core::fail(core::ErrorCode::kConfig, "file larger than 1 MiB", name);
  }
  // Labels and error messages name the file, not the folder it was read from.
  std::string base =
      name.substr(name.find_last_of('/') == std::string::npos ? 0 : name.find_last_of('/') + 1);
  HttpLoginForms forms;
  std::set<std::string> ids;
  dom::parser parser;
  std::size_t line_no = 0, pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = core::trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    std::string where = name + ":" + std::to_string(line_no);
    if (line.empty() || line[0] == '#') continue;
    if (line.size() > kMaxLine) return entry_error(where, "entry longer than 8 KiB");
    if (forms.entries_.size() >= kMaxEntries) {
      return entry_error(where, "more than 1000 entries");
    }
    dom::element root;
    if (auto err = parser.parse(line.data(), line.size(), true).get(root); err) {
      return entry_error(where, std::string("not valid JSON: ") + simdjson::error_message(err));
    }
    dom::object obj;
    if (root.get_object().get(obj) != simdjson::SUCCESS) {
      return entry_error(where, "an entry must be one JSON object per line");
    }
    auto f = parse_entry(obj, where);
    if (!f) return core::fail(f.error());
    if (!ids.insert(f->id).second) return entry_error(where, "duplicate id \"" + f->id + "\"");
    f->where = base + ":" + std::to_string(line_no);
    forms.entries_.push_back(std::make_shared<const HttpLoginForm>(std::move(*f)));
  }
  return forms;
}

std::shared_ptr<const HttpLoginForm> HttpLoginForms::match(std::string_view vendor,
                                                           std::string_view model,
                                                           std::string_view rule_id) const {
  std::shared_ptr<const HttpLoginForm> best;
  int best_score = 0;
  if (vendor.empty()) return best;
  for (const auto& f : entries_) {
    if (!core::iequals(f->vendor, vendor)) continue;
    if (!f->model.empty() && !core::iequals(f->model, model)) continue;
    if (!f->rule.empty() && f->rule != rule_id) continue;
    int score = 1 + (f->model.empty() ? 0 : 2) + (f->rule.empty() ? 0 : 4);
    if (score > best_score) {
      best = f;
      best_score = score;
    }
  }
  return best;
}

std::string form_urlencode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string json_escape(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace citywatch::scanner
