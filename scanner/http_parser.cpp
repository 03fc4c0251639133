#include "scanner/http_parser.h"

#include <array>

#include "core/text.h"

namespace citywatch::scanner {
namespace {

constexpr std::size_t kMaxTitleBytes = 256;

bool is_token_char(char c) { return (c >= 'A' && c <= 'Z') || c == '-' || c == '_'; }

std::string_view next_line(std::string_view text, std::size_t& pos, bool& complete_line) {
  std::size_t end = text.find('\n', pos);
  complete_line = end != std::string_view::npos;
  if (!complete_line) end = text.size();
  std::string_view line = text.substr(pos, end - pos);
  pos = complete_line ? end + 1 : end;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool parse_status_line(std::string_view line, HttpHead& head) {
  if (!(line.starts_with("HTTP/1.") || line.starts_with("RTSP/1.") || line.starts_with("HTTP/2"))) {
    return false;
  }
  std::size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return false;
  head.version = line.substr(0, sp);
  std::string_view rest = line.substr(sp + 1);
  auto code = core::parse_int(rest.substr(0, 3), 100, 999);
  if (!code) return false;
  head.status = static_cast<int>(*code);
  head.reason = core::trim(rest.size() > 3 ? rest.substr(4) : std::string_view());
  return true;
}

bool parse_request_line(std::string_view line, HttpHead& head) {
  std::size_t sp = line.find(' ');
  if (sp == std::string_view::npos || sp == 0 || sp > 16) return false;
  for (std::size_t i = 0; i < sp; ++i) {
    if (!is_token_char(line[i])) return false;
  }
  std::size_t sp2 = line.rfind(' ');
  if (sp2 == sp) return false;
  std::string_view version = line.substr(sp2 + 1);
  if (!(version.starts_with("HTTP/") || version.starts_with("RTSP/"))) return false;
  head.request = true;
  head.method = line.substr(0, sp);
  head.target = line.substr(sp + 1, sp2 - sp - 1);
  head.version = version;
  return true;
}

// The text between <title> and </title>, when the body holds it.
std::optional<std::string_view> find_title(std::string_view body, bool& need_more) {
  need_more = false;
  std::size_t open = core::ifind(body, "<title");
  if (open == std::string_view::npos) return std::nullopt;
  std::size_t gt = body.find('>', open);
  if (gt == std::string_view::npos) {
    need_more = true;
    return std::nullopt;
  }
  std::size_t close = core::ifind(body, "</title", gt);
  if (close == std::string_view::npos) {
    need_more = body.size() - gt < kMaxTitleBytes;
    if (!need_more) return core::trim(body.substr(gt + 1, kMaxTitleBytes));
    return std::nullopt;
  }
  return core::trim(body.substr(gt + 1, std::min(close - gt - 1, kMaxTitleBytes)));
}

// "http" or "rtsp", from a status line's version.
std::string protocol_of(std::string_view version) {
  return version.starts_with("RTSP") ? "rtsp" : "http";
}

}  // namespace

std::string_view HttpHead::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (core::iequals(k, name)) return v;
  }
  return {};
}

std::optional<HttpHead> parse_http_head(std::string_view text) {
  HttpHead head;
  std::size_t pos = 0;
  bool complete_line = false;
  std::string_view first = next_line(text, pos, complete_line);
  if (!complete_line) {
    // Too little to judge unless what is there already rules it out.
    if (!(first.starts_with("HTTP/") || first.starts_with("RTSP/") ||
          (!first.empty() && is_token_char(first[0])))) {
      return std::nullopt;
    }
    if (!first.starts_with("HTTP/") && !first.starts_with("RTSP/")) {
      std::size_t sp = first.find(' ');
      if (sp == std::string_view::npos && first.size() > 16) return std::nullopt;
      for (std::size_t i = 0; i < std::min(first.size(), sp); ++i) {
        if (!is_token_char(first[i])) return std::nullopt;
      }
      head.request = true;
    }
    return head;
  }
  if (!parse_status_line(first, head) && !parse_request_line(first, head)) return std::nullopt;
  while (pos < text.size()) {
    std::string_view line = next_line(text, pos, complete_line);
    if (!complete_line) break;
    if (line.empty()) {
      head.complete = true;
      head.head_size = pos;
      break;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;  // tolerate junk lines
    if (head.headers.size() < kMaxHttpHeaders) {
      head.headers.emplace_back(core::trim(line.substr(0, colon)),
                                core::trim(line.substr(colon + 1)));
    }
  }
  return head;
}

ParseOutcome parse_http_response(Bytes data) {
  ParseOutcome out;
  std::string_view text = as_text(data);
  auto head = parse_http_head(text);
  if (!head || head->request) return out;
  out.facts.protocol = head->status == 0 ? "http" : protocol_of(head->version);
  if (head->status == 0) return out;  // the status line is still on its way
  const std::string p = out.facts.protocol;
  ProtocolFacts& f = out.facts;
  f.add(p + ".status", std::to_string(head->status));
  std::string_view server = head->header("Server");
  f.add(p + ".server", server);
  if (!server.empty()) {
    auto [product, version] = split_product(server);
    f.product = product;
    f.version = version;
  }
  f.add(p + ".www_authenticate", head->header("WWW-Authenticate"));
  if (p == "rtsp") f.add("rtsp.public", head->header("Public"));
  f.add(p + ".location", head->header("Location"));
  if (!head->complete) {
    f.banner = std::string(text);
    return out;
  }
  f.banner = std::string(text.substr(0, head->head_size));
  out.complete = true;
  std::string_view type = head->header("Content-Type");
  if (p == "http" && (type.empty() || core::ifind(type, "html") != std::string_view::npos)) {
    bool need_more = false;
    auto title = find_title(text.substr(head->head_size), need_more);
    if (title) f.add("http.title", *title);
    // Without the title yet, wait for more of the body (the flow's byte cap bounds the wait).
    if (!title && (need_more ||
                   core::ifind(text.substr(head->head_size), "</head") == std::string_view::npos)) {
      auto length = core::parse_int(head->header("Content-Length"), 0, 1LL << 40);
      std::size_t body = text.size() - head->head_size;
      out.complete = length && static_cast<std::size_t>(*length) <= body;
    }
  }
  return out;
}

ParseOutcome parse_http_request(Bytes data) {
  ParseOutcome out;
  std::string_view text = as_text(data);
  auto head = parse_http_head(text);
  if (!head || !head->request) return out;
  out.facts.protocol = head->version.starts_with("RTSP") ? "rtsp" : "http";
  if (head->method.empty()) return out;
  const std::string p = out.facts.protocol;
  ProtocolFacts& f = out.facts;
  f.add(p + ".method", head->method);
  f.add(p + ".user_agent", head->header("User-Agent"));
  f.add(p + ".host", head->header("Host"));
  std::string_view auth = head->header("Authorization");
  if (core::istarts_with(auth, "Basic ")) {
    if (auto decoded = decode_base64(core::trim(auth.substr(6)))) {
      std::size_t colon = decoded->find(':');
      if (colon != std::string::npos) {
        f.credential = Credential{decoded->substr(0, colon), decoded->substr(colon + 1)};
      }
    }
  }
  out.complete = head->complete;
  return out;
}

ProtocolFacts parse_ssdp(Bytes datagram) {
  ProtocolFacts f;
  auto head = parse_http_head(as_text(datagram));
  if (!head || !head->complete) return f;
  bool notify = head->request && head->method == "NOTIFY";
  bool answer = !head->request && head->status == 200 && !head->header("ST").empty();
  if (!notify && !answer) return f;
  f.protocol = "ssdp";
  std::string_view server = head->header("SERVER");
  f.add("ssdp.server", server);
  f.add("ssdp.location", head->header("LOCATION"));
  f.add(notify ? "ssdp.nt" : "ssdp.st", head->header(notify ? "NT" : "ST"));
  f.add("ssdp.nts", head->header("NTS"));
  f.add("ssdp.usn", head->header("USN"));
  // SERVER is "OS/version UPnP/1.0 product/version": the product is the last token that is not
  // the UPnP version.
  std::string_view best;
  for (const auto& token : core::split_trimmed(server, ' ')) {
    if (token.find('/') != std::string::npos && !core::istarts_with(token, "UPnP/")) {
      best = server.substr(server.find(token), token.size());
    }
  }
  if (!best.empty()) {
    auto [product, version] = split_product(best);
    f.product = product;
    f.version = version;
  }
  f.banner = std::string(as_text(datagram).substr(0, head->head_size));
  return f;
}

std::optional<std::string> decode_base64(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3 + 3);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+' || c == '-') {
      v = 62;
    } else if (c == '/' || c == '_') {
      v = 63;
    } else if (c == '=') {
      break;
    } else {
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

}  // namespace citywatch::scanner
