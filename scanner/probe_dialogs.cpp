#include "scanner/probe_dialogs.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/text.h"
#include "scanner/feed.h"
#include "scanner/http_login_forms.h"
#include "scanner/probe_parsers.h"

namespace citywatch::scanner {
namespace {

std::string host_text(const DialogTarget& t) {
  std::string ip = t.ip.to_string();
  if (!t.ip.is_v4()) ip = "[" + ip + "]";
  return ip + ":" + std::to_string(t.port);
}

// Appends up to the cap; the rest is dropped (the connection is still read to its end).
void append_capped(std::string& buf, std::string_view chunk, std::size_t cap) {
  if (buf.size() < cap) buf.append(chunk.substr(0, cap - buf.size()));
}

bool ends_with_prompt(std::string_view text, std::initializer_list<std::string_view> prompts) {
  std::string_view t = core::trim(text);
  for (auto p : prompts) {
    if (t.size() >= p.size() && core::iequals(t.substr(t.size() - p.size()), p)) return true;
  }
  return false;
}

bool shell_prompt(std::string_view text) {
  std::string_view t = core::trim(text);
  return !t.empty() && (t.back() == '#' || t.back() == '$' || t.back() == '>' || t.back() == '%');
}

void add_field(DialogReport& r, std::string name, std::string_view value) {
  if (!value.empty()) r.fields.emplace_back(std::move(name), clean_value(value));
}

void set_product(DialogReport& r, std::string_view server) {
  auto [product, version] = product_version(server);
  r.product = clean_value(product);
  r.version = clean_value(version);
}

// ---------------------------------------------------------------- HTTP, HTTPS, TR-069, SSDP

// One HTTP request and its answer, read to the end of the body (or the cap): what every HTTP
// dialog shares.
class HttpExchange : public Dialog {
 public:
  HttpExchange(Protocol p, const DialogTarget& t, const DialogOptions& o)
      : protocol_(p), target_(t), options_(o) {}
  Step on_data(std::string_view chunk) override {
    append_capped(buf_, chunk, options_.max_response_bytes);
    auto r = parse_http_response(buf_);
    if (!r) return buf_.size() >= 5 ? Step::done() : Step::wait();
    if (r->head_complete && (r->body_complete || buf_.size() >= options_.max_response_bytes)) {
      return Step::done();
    }
    return Step::wait();
  }
  int idle_ms() const override { return 3000; }

 protected:
  DialogReport empty_report() const {
    DialogReport rep;
    rep.protocol = std::string(protocol_name(protocol_));
    return rep;
  }
  Protocol protocol_;
  DialogTarget target_;
  DialogOptions options_;
  std::string buf_;
};

class HttpDialog : public HttpExchange {
 public:
  HttpDialog(Protocol p, const DialogTarget& t, const DialogOptions& o,
             const LoginCredential* credential)
      : HttpExchange(p, t, o) {
    if (credential) {
      auth_ = "Authorization: Basic " + base64(credential->username + ":" + credential->password) +
              "\r\n";
      login_ = true;
    }
  }
  std::string opening() override {
    return "GET / HTTP/1.1\r\nHost: " + host_text(target_) +
           "\r\nUser-Agent: " + options_.user_agent + "\r\nAccept: */*\r\n" + auth_ +
           "Connection: close\r\n\r\n";
  }
  DialogReport report() const override {
    DialogReport rep = empty_report();
    auto r = parse_http_response(buf_);
    if (login_) {
      rep.login = !r || r->status == 0                     ? LoginResult::kUnknown
                  : (r->status >= 200 && r->status < 300)  ? LoginResult::kAccepted
                  : (r->status == 401 || r->status == 403) ? LoginResult::kRejected
                                                           : LoginResult::kUnknown;
      return rep;
    }
    if (!r) {
      rep.excerpt = make_excerpt(buf_);
      return rep;
    }
    rep.identified = true;
    // Headers and the start of the body: what Shodan's HTTP banner holds.
    rep.excerpt = make_excerpt(buf_);
    add_field(rep, "http.status", std::to_string(r->status));
    add_field(rep, "http.server", r->header("Server"));
    add_field(rep, "http.www_authenticate", r->header("WWW-Authenticate"));
    add_field(rep, "http.title", html_title(r->body));
    set_product(rep, r->header("Server"));
    return rep;
  }

 private:
  std::string auth_;
  bool login_ = false;
};

// A device family's web login form (scanner/http_login_forms.h): one POST, the answer read to
// its end (capped) and judged by the form's criteria; a redirect is never followed.
class FormLoginDialog : public HttpExchange {
 public:
  FormLoginDialog(Protocol p, const DialogTarget& t, const DialogOptions& o,
                  const LoginCredential& c)
      : HttpExchange(p, t, o), form_(c.form), body_(c.form->render_body(c.username, c.password)) {}
  std::string opening() override {
    return form_->method + " " + form_->path + " HTTP/1.1\r\nHost: " + host_text(target_) +
           "\r\nUser-Agent: " + options_.user_agent +
           "\r\nAccept: */*\r\nContent-Type: " + form_->content_type +
           "\r\nContent-Length: " + std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" +
           body_;
  }
  DialogReport report() const override {
    DialogReport rep = empty_report();
    // No excerpt: a login page may echo the user name, and the request held the password.
    rep.login = form_->classify(buf_);
    return rep;
  }

 private:
  std::shared_ptr<const HttpLoginForm> form_;
  std::string body_;
};

class SsdpDialog : public Dialog {
 public:
  SsdpDialog(const DialogTarget& t, const DialogOptions& o) : target_(t), options_(o) {}
  std::string opening() override {
    // Unicast to the device itself; MX is ignored for unicast but some stacks require it.
    return "M-SEARCH * HTTP/1.1\r\nHOST: " + host_text(target_) +
           "\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: upnp:rootdevice\r\nUSER-AGENT: " +
           options_.user_agent + "\r\n\r\n";
  }
  Step on_data(std::string_view chunk) override {
    append_capped(buf_, chunk, options_.max_response_bytes);
    return Step::done();
  }
  DialogReport report() const override {
    DialogReport rep;
    rep.protocol = "ssdp";
    rep.excerpt = make_excerpt(buf_);
    if (auto r = parse_http_response(buf_)) {
      rep.identified = true;
      add_field(rep, "upnp.server", r->header("Server"));
      set_product(rep, r->header("Server"));
      add_field(rep, "upnp.location", r->header("Location"));
      add_field(rep, "upnp.st", r->header("ST"));
    }
    return rep;
  }

 private:
  DialogTarget target_;
  DialogOptions options_;
  std::string buf_;
};

// ---------------------------------------------------------------- RTSP

class RtspDialog : public Dialog {
 public:
  RtspDialog(const DialogTarget& t, const DialogOptions& o, const LoginCredential* credential)
      : target_(t), options_(o) {
    if (credential) {
      auth_ = "Authorization: Basic " + base64(credential->username + ":" + credential->password) +
              "\r\n";
      login_ = true;
    }
  }
  std::string opening() override {
    // A login check goes straight to DESCRIBE: OPTIONS needs no authentication.
    if (login_) {
      stage_ = 1;
      return describe();
    }
    return "OPTIONS rtsp://" + host_text(target_) +
           "/ RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: " + options_.user_agent + "\r\n\r\n";
  }
  Step on_data(std::string_view chunk) override {
    std::string& buf = stage_ == 0 ? options_reply_ : describe_reply_;
    append_capped(buf, chunk, options_.max_response_bytes);
    auto r = parse_http_response(buf);
    if (!r) return buf.size() >= 5 ? Step::done() : Step::wait();
    if (!r->head_complete || (!r->body_complete && buf.size() < options_.max_response_bytes)) {
      return Step::wait();
    }
    if (stage_ == 0) {
      stage_ = 1;
      return Step::send(describe());
    }
    return Step::done();
  }
  int idle_ms() const override { return 3000; }
  DialogReport report() const override {
    DialogReport rep;
    rep.protocol = "rtsp";
    auto d = parse_http_response(describe_reply_);
    if (login_) {
      rep.login = !d || d->status == 0                     ? LoginResult::kUnknown
                  : d->status == 200                       ? LoginResult::kAccepted
                  : (d->status == 401 || d->status == 403) ? LoginResult::kRejected
                                                           : LoginResult::kUnknown;
      return rep;
    }
    const std::string& best = d ? describe_reply_ : options_reply_;
    auto r = parse_http_response(best);
    rep.excerpt = make_excerpt(best);
    if (r) {
      rep.identified = true;
      auto o = parse_http_response(options_reply_);
      std::string_view server = r->header("Server");
      if (server.empty() && o) server = o->header("Server");
      add_field(rep, "rtsp.server", server);
      set_product(rep, server);
      add_field(rep, "rtsp.status", std::to_string(r->status));
      if (o) add_field(rep, "rtsp.public", o->header("Public"));
    }
    return rep;
  }

 private:
  std::string describe() const {
    return "DESCRIBE rtsp://" + host_text(target_) +
           "/ RTSP/1.0\r\nCSeq: 2\r\nUser-Agent: " + options_.user_agent +
           "\r\nAccept: application/sdp\r\n" + auth_ + "\r\n";
  }
  DialogTarget target_;
  DialogOptions options_;
  std::string auth_;
  bool login_ = false;
  int stage_ = 0;
  std::string options_reply_, describe_reply_;
};

// ---------------------------------------------------------------- banner-first services

class BannerDialog : public Dialog {
 public:
  BannerDialog(Protocol p, const DialogOptions& o) : protocol_(p), options_(o) {}
  std::string opening() override { return {}; }
  Step on_data(std::string_view chunk) override {
    append_capped(raw_, chunk, options_.max_response_bytes);
    if (protocol_ == Protocol::kTelnet || looks_telnet()) {
      TelnetText t = strip_telnet(raw_);
      std::string replies = t.replies.substr(std::min(t.replies.size(), replied_));
      replied_ = t.replies.size();
      text_ = std::move(t.text);
      if (ends_with_prompt(text_, {"login:", "username:", "user:", "user name:", "password:"}) ||
          shell_prompt(text_)) {
        return Step::done(std::move(replies));
      }
      return replies.empty() ? Step::wait() : Step::send(std::move(replies));
    }
    text_ = raw_;
    if (core::istarts_with(text_, "SSH-") && text_.find('\n') != std::string::npos) {
      return Step::done();
    }
    if (auto code = final_reply_code(text_)) {
      // FTP and SMTP greetings: say goodbye politely.
      return Step::done(*code >= 200 && *code < 400 ? "QUIT\r\n" : "");
    }
    if (raw_.size() >= options_.max_response_bytes) return Step::done();
    return Step::wait();
  }
  Step on_idle() override {
    if (raw_.empty() && protocol_ == Protocol::kBanner && !asked_http_) {
      // A silent unknown service: many speak HTTP.
      asked_http_ = true;
      return Step::send("GET / HTTP/1.0\r\nUser-Agent: " + options_.user_agent + "\r\n\r\n");
    }
    return Step::done();
  }
  int idle_ms() const override { return protocol_ == Protocol::kTelnet ? 1500 : 2000; }
  DialogReport report() const override {
    DialogReport rep;
    rep.protocol = std::string(protocol_name(protocol_));
    rep.excerpt = make_excerpt(text_);
    if (text_.empty()) return rep;
    rep.identified = true;
    if (core::istarts_with(text_, "SSH-")) {
      rep.protocol = "ssh";
      std::string_view id = std::string_view(text_).substr(0, text_.find_first_of("\r\n"));
      add_field(rep, "ssh.banner", id);
      set_product(rep, id);
    } else if (protocol_ == Protocol::kBanner && core::istarts_with(text_, "HTTP/")) {
      rep.protocol = "http";
      if (auto r = parse_http_response(text_)) {
        add_field(rep, "http.server", r->header("Server"));
        add_field(rep, "http.title", html_title(r->body));
      }
    } else if (protocol_ == Protocol::kBanner && looks_telnet()) {
      rep.protocol = "telnet";
    }
    return rep;
  }

 private:
  bool looks_telnet() const { return !raw_.empty() && static_cast<std::uint8_t>(raw_[0]) == 255; }
  Protocol protocol_;
  DialogOptions options_;
  std::string raw_, text_;
  std::size_t replied_ = 0;
  bool asked_http_ = false;
};

// ---------------------------------------------------------------- telnet and FTP logins

class TelnetLogin : public Dialog {
 public:
  TelnetLogin(const DialogOptions& o, const LoginCredential& c) : options_(o), cred_(c) {}
  std::string opening() override { return {}; }
  Step on_data(std::string_view chunk) override {
    append_capped(raw_, chunk, options_.max_response_bytes);
    TelnetText t = strip_telnet(raw_);
    std::string out = t.replies.substr(std::min(t.replies.size(), replied_));
    replied_ = t.replies.size();
    std::string_view after = std::string_view(t.text).substr(std::min(mark_, t.text.size()));
    switch (stage_) {
      case 0:
        if (ends_with_prompt(after, {"login:", "username:", "user:", "user name:"})) {
          out += cred_.username + "\r\n";
          stage_ = 1;
          mark_ = t.text.size();
        }
        break;
      case 1:
        if (ends_with_prompt(after, {"password:"})) {
          out += cred_.password + "\r\n";
          stage_ = 2;
          mark_ = t.text.size();
        } else if (shell_prompt(after)) {
          result_ = LoginResult::kAccepted;  // no password asked: in already
          return Step::done(std::move(out));
        }
        break;
      default:
        if (failure(after)) {
          result_ = LoginResult::kRejected;
          return Step::done(std::move(out));
        }
        if (shell_prompt(after)) {
          result_ = LoginResult::kAccepted;
          return Step::done(std::move(out));
        }
        break;
    }
    return out.empty() ? Step::wait() : Step::send(std::move(out));
  }
  Step on_eof() override {
    if (stage_ == 2) result_ = LoginResult::kRejected;  // hung up on us after the password
    return Step::done();
  }
  int idle_ms() const override { return 3000; }
  DialogReport report() const override {
    DialogReport rep;
    rep.protocol = "telnet";
    rep.login = result_;
    return rep;
  }

 private:
  static bool failure(std::string_view text) {
    for (std::string_view w : {"incorrect", "failed", "invalid", "denied", "wrong", "login:"}) {
      if (core::ifind(text, w) != std::string_view::npos) return true;
    }
    return false;
  }
  DialogOptions options_;
  LoginCredential cred_;
  std::string raw_;
  std::size_t replied_ = 0, mark_ = 0;
  int stage_ = 0;
  LoginResult result_ = LoginResult::kUnknown;
};

class FtpLogin : public Dialog {
 public:
  FtpLogin(const DialogOptions& o, const LoginCredential& c) : options_(o), cred_(c) {}
  std::string opening() override { return {}; }
  Step on_data(std::string_view chunk) override {
    append_capped(buf_, chunk, options_.max_response_bytes);
    auto code = final_reply_code(std::string_view(buf_).substr(mark_));
    if (!code) return Step::wait();
    mark_ = buf_.size();
    if (stage_ == 0) {
      if (*code != 220) return Step::done();
      stage_ = 1;
      return Step::send("USER " + cred_.username + "\r\n");
    }
    if (*code == 230) {
      result_ = LoginResult::kAccepted;
      return Step::done("QUIT\r\n");
    }
    if (stage_ == 1 && *code == 331) {
      stage_ = 2;
      return Step::send("PASS " + cred_.password + "\r\n");
    }
    result_ = *code == 530 ? LoginResult::kRejected : LoginResult::kUnknown;
    return Step::done("QUIT\r\n");
  }
  int idle_ms() const override { return 3000; }
  DialogReport report() const override {
    DialogReport rep;
    rep.protocol = "ftp";
    rep.login = result_;
    return rep;
  }

 private:
  DialogOptions options_;
  LoginCredential cred_;
  std::string buf_;
  std::size_t mark_ = 0;
  int stage_ = 0;
  LoginResult result_ = LoginResult::kUnknown;
};

// ---------------------------------------------------------------- MQTT

class MqttDialog : public Dialog {
 public:
  MqttDialog(const DialogOptions& o, const LoginCredential* c) : options_(o) {
    if (c) cred_ = *c;
  }
  std::string opening() override {
    return mqtt_connect("citywatch-probe", cred_ ? &*cred_ : nullptr);
  }
  Step on_data(std::string_view chunk) override {
    append_capped(buf_, chunk, 64);
    if (buf_.size() < 4) return Step::wait();
    code_ = parse_mqtt_connack(buf_);
    // DISCONNECT, so the broker logs a clean goodbye; nothing is subscribed or published.
    return Step::done(code_ ? std::string("\xe0\x00", 2) : std::string());
  }
  DialogReport report() const override {
    DialogReport rep;
    rep.protocol = "mqtt";
    if (cred_) {
      rep.login = !code_        ? LoginResult::kUnknown
                  : *code_ == 0 ? LoginResult::kAccepted
                  : (*code_ == 4 || *code_ == 5 || *code_ == 0x86 || *code_ == 0x87)
                      ? LoginResult::kRejected
                      : LoginResult::kUnknown;
      return rep;
    }
    if (!code_) {
      rep.excerpt = make_excerpt(buf_);
      return rep;
    }
    rep.identified = true;
    rep.excerpt = "MQTT Connection Code: " + std::to_string(*code_);
    add_field(rep, "mqtt.code", std::to_string(*code_));
    return rep;
  }

 private:
  DialogOptions options_;
  std::optional<LoginCredential> cred_;
  std::string buf_;
  std::optional<std::uint8_t> code_;
};

// ---------------------------------------------------------------- Modbus, CoAP, BACnet, SNMP

class ModbusDialog : public Dialog {
 public:
  std::string opening() override { return modbus_read_device_id(0x4357); }
  Step on_data(std::string_view chunk) override {
    append_capped(buf_, chunk, 600);
    bool complete = false;
    id_ = parse_modbus_device_id(buf_, &complete);
    if (complete || buf_.size() >= 600) return Step::done();
    return buf_.size() >= 8 && !id_ && buf_[2] != 0 ? Step::done() : Step::wait();
  }
  DialogReport report() const override {
    DialogReport rep;
    rep.protocol = "modbus";
    if (!id_) {
      rep.excerpt = buf_.empty() ? std::string() : "non-Modbus answer";
      return rep;
    }
    rep.identified = true;
    rep.excerpt = "Unit ID: " + std::to_string(id_->unit) + "\n";
    if (id_->exception) {
      rep.excerpt += "-- Exception code " + std::to_string(id_->exception_code) +
                     " to Read Device Identification\n";
      return rep;
    }
    rep.excerpt += "-- Device Identification: " + id_->vendor + " " + id_->product + " " +
                   id_->revision + "\n";
    add_field(rep, "modbus.vendor", id_->vendor);
    add_field(rep, "modbus.product", id_->product);
    add_field(rep, "modbus.revision", id_->revision);
    return rep;
  }

 private:
  std::string buf_;
  std::optional<ModbusDeviceId> id_;
};

class CoapDialog : public Dialog {
 public:
  std::string opening() override { return coap_get_well_known_core(0x6377); }
  Step on_data(std::string_view chunk) override {
    if (auto r = parse_coap_response(chunk)) {
      code_ = r->code;
      payload_ = std::string(r->payload.substr(0, 1024));
      return Step::done();
    }
    return Step::wait();  // not CoAP: wait for a real answer until the timeout
  }
  DialogReport report() const override {
    DialogReport rep;
    rep.protocol = "coap";
    if (code_.empty()) return rep;
    rep.identified = true;
    rep.excerpt = make_excerpt("CoAP " + code_ + "\n" + payload_);
    add_field(rep, "coap.code", code_);
    add_field(rep, "coap.resources", payload_);
    return rep;
  }

 private:
  std::string code_, payload_;
};

class BacnetDialog : public Dialog {
 public:
  std::string opening() override { return bacnet_who_is(); }
  Step on_data(std::string_view chunk) override {
    iam_ = parse_bacnet_iam(chunk);
    return iam_ ? Step::done() : Step::wait();
  }
  DialogReport report() const override {
    DialogReport rep;
    rep.protocol = "bacnet";
    if (!iam_) return rep;
    rep.identified = true;
    rep.excerpt = "BACnet I-Am: device instance " + std::to_string(iam_->device_instance) +
                  ", vendor id " + std::to_string(iam_->vendor_id);
    add_field(rep, "bacnet.instance", std::to_string(iam_->device_instance));
    add_field(rep, "bacnet.vendor_id", std::to_string(iam_->vendor_id));
    return rep;
  }

 private:
  std::optional<BacnetIAm> iam_;
};

class SnmpDialog : public Dialog {
 public:
  explicit SnmpDialog(const LoginCredential& c) : community_(c.password) {}
  std::string opening() override { return snmp_get_sysdescr(community_, 0x63770001); }
  Step on_data(std::string_view chunk) override {
    auto r = parse_snmp_response(chunk);
    if (!r || r->request_id != 0x63770001) return Step::wait();
    response_ = r;
    return Step::done();
  }
  DialogReport report() const override {
    DialogReport rep;
    rep.protocol = "snmp";
    // No answer is what a wrong community gets, and what a closed port gets: unknown, then
    // rejected once every retry stayed silent (the prober decides).
    rep.login = response_ ? LoginResult::kAccepted : LoginResult::kRejected;
    if (!response_) return rep;
    rep.identified = true;
    // The community is never in the excerpt: only the value.
    rep.excerpt = make_excerpt("SNMP sysDescr: " + response_->value);
    add_field(rep, "snmp.description", response_->value);
    add_field(rep, "default_snmp_access", "true");
    return rep;
  }

 private:
  std::string community_;
  std::optional<SnmpResponse> response_;
};

void put_u16(std::string& s, std::size_t v) {
  s.push_back(static_cast<char>((v >> 8) & 0xff));
  s.push_back(static_cast<char>(v & 0xff));
}

std::string ber(std::uint8_t tag, std::string_view value) {
  std::string s(1, static_cast<char>(tag));
  if (value.size() < 128) {
    s.push_back(static_cast<char>(value.size()));
  } else {
    s.push_back(static_cast<char>(0x82));
    put_u16(s, value.size());
  }
  s.append(value);
  return s;
}

std::string ber_int(std::int64_t v) {
  std::string bytes;
  do {
    bytes.insert(bytes.begin(), static_cast<char>(v & 0xff));
    v >>= 8;
  } while (v != 0 && v != -1);
  return ber(0x02, bytes);
}

}  // namespace

std::pair<std::string, std::string> product_version(std::string_view server) {
  server = core::trim(server);
  if (core::istarts_with(server, "SSH-")) {
    // SSH-protoversion-softwareversion comments: software "OpenSSH_8.2p1", "dropbear_2014.63"
    std::size_t dash = server.find('-', 4);
    if (dash == std::string_view::npos) return {};
    std::string_view sw = server.substr(dash + 1);
    sw = sw.substr(0, sw.find(' '));
    std::size_t us = sw.find('_');
    if (us == std::string_view::npos) return {std::string(sw), {}};
    return {std::string(sw.substr(0, us)), std::string(sw.substr(us + 1))};
  }
  std::size_t pos = 0;
  while (pos < server.size()) {
    std::size_t end = server.find(' ', pos);
    if (end == std::string_view::npos) end = server.size();
    std::string_view token = server.substr(pos, end - pos);
    std::size_t slash = token.find('/');
    // "UPnP/1.0" names a protocol, not a product.
    if (slash != std::string_view::npos && slash > 0 && slash + 1 < token.size() &&
        std::isdigit(static_cast<unsigned char>(token[slash + 1])) &&
        !core::iequals(token.substr(0, slash), "UPnP")) {
      return {std::string(token.substr(0, slash)), std::string(token.substr(slash + 1))};
    }
    pos = end + 1;
  }
  // No token states a version ("dcs-lig-httpd", "App-webs/"): the first one names the product.
  std::string_view first = server.substr(0, server.find(' '));
  while (!first.empty() && first.back() == '/') first.remove_suffix(1);
  return {std::string(first), {}};
}

std::string_view protocol_name(Protocol p) {
  switch (p) {
    case Protocol::kBanner:
      return "unknown";
    case Protocol::kTelnet:
      return "telnet";
    case Protocol::kFtp:
      return "ftp";
    case Protocol::kSsh:
      return "ssh";
    case Protocol::kSmtp:
      return "smtp";
    case Protocol::kHttp:
      return "http";
    case Protocol::kHttps:
      return "https";
    case Protocol::kTr069:
      return "tr-069";
    case Protocol::kRtsp:
      return "rtsp";
    case Protocol::kMqtt:
      return "mqtt";
    case Protocol::kModbus:
      return "modbus";
    case Protocol::kSsdp:
      return "ssdp";
    case Protocol::kCoap:
      return "coap";
    case Protocol::kBacnet:
      return "bacnet";
    case Protocol::kSnmp:
      return "snmp";
  }
  return "unknown";
}

std::optional<Protocol> parse_protocol(std::string_view name) {
  for (std::size_t i = 0; i < kProtocolCount; ++i) {
    auto p = static_cast<Protocol>(i);
    if (protocol_name(p) == name) return p;
  }
  return std::nullopt;
}

std::optional<Protocol> protocol_for_port(std::uint16_t port, core::Transport transport) {
  if (transport == core::Transport::kUdp) {
    switch (port) {
      case 161:
        return Protocol::kSnmp;
      case 1900:
        return Protocol::kSsdp;
      case 5683:
        return Protocol::kCoap;
      case 47808:
        return Protocol::kBacnet;
      default:
        return std::nullopt;
    }
  }
  switch (port) {
    case 21:
      return Protocol::kFtp;
    case 22:
    case 2222:
      return Protocol::kSsh;
    case 23:
    case 2323:
      return Protocol::kTelnet;
    case 25:
    case 587:
      return Protocol::kSmtp;
    case 80:
    case 81:
    case 8000:
    case 8080:
    case 8081:
    case 8888:
      return Protocol::kHttp;
    case 443:
    case 8443:
      return Protocol::kHttps;
    case 7547:
      return Protocol::kTr069;
    case 554:
    case 8554:
      return Protocol::kRtsp;
    case 1883:
      return Protocol::kMqtt;
    case 502:
      return Protocol::kModbus;
    default:
      return Protocol::kBanner;
  }
}

bool uses_tls(Protocol p) { return p == Protocol::kHttps; }

std::string_view login_protocol(Protocol p) {
  switch (p) {
    case Protocol::kTelnet:
      return "telnet";
    case Protocol::kFtp:
      return "ftp";
    case Protocol::kHttp:
    case Protocol::kHttps:
      return "http";
    case Protocol::kRtsp:
      return "rtsp";
    case Protocol::kMqtt:
      return "mqtt";
    case Protocol::kSnmp:
      return "snmp";
    default:
      return {};
  }
}

std::string_view to_string(LoginResult r) {
  switch (r) {
    case LoginResult::kAccepted:
      return "default-accepted";
    case LoginResult::kRejected:
      return "default-rejected";
    case LoginResult::kUnknown:
      return "unknown";
    case LoginResult::kNone:
      break;
  }
  return "";
}

std::unique_ptr<Dialog> make_probe_dialog(Protocol p, const DialogTarget& target,
                                          const DialogOptions& options) {
  switch (p) {
    case Protocol::kHttp:
    case Protocol::kHttps:
    case Protocol::kTr069:
      return std::make_unique<HttpDialog>(p, target, options, nullptr);
    case Protocol::kRtsp:
      return std::make_unique<RtspDialog>(target, options, nullptr);
    case Protocol::kMqtt:
      return std::make_unique<MqttDialog>(options, nullptr);
    case Protocol::kModbus:
      return std::make_unique<ModbusDialog>();
    case Protocol::kSsdp:
      return std::make_unique<SsdpDialog>(target, options);
    case Protocol::kCoap:
      return std::make_unique<CoapDialog>();
    case Protocol::kBacnet:
      return std::make_unique<BacnetDialog>();
    case Protocol::kSnmp:
      return nullptr;  // a community string is a credential
    case Protocol::kBanner:
    case Protocol::kTelnet:
    case Protocol::kFtp:
    case Protocol::kSsh:
    case Protocol::kSmtp:
      return std::make_unique<BannerDialog>(p, options);
  }
  return nullptr;
}

std::unique_ptr<Dialog> make_login_dialog(Protocol p, const DialogTarget& target,
                                          const DialogOptions& options,
                                          const LoginCredential& credential) {
  switch (p) {
    case Protocol::kHttp:
    case Protocol::kHttps:
      if (credential.form) return std::make_unique<FormLoginDialog>(p, target, options, credential);
      return std::make_unique<HttpDialog>(p, target, options, &credential);
    case Protocol::kRtsp:
      return std::make_unique<RtspDialog>(target, options, &credential);
    case Protocol::kMqtt:
      return std::make_unique<MqttDialog>(options, &credential);
    case Protocol::kTelnet:
      return std::make_unique<TelnetLogin>(options, credential);
    case Protocol::kFtp:
      return std::make_unique<FtpLogin>(options, credential);
    case Protocol::kSnmp:
      return std::make_unique<SnmpDialog>(credential);
    default:
      return nullptr;
  }
}

std::string mqtt_connect(std::string_view client_id, const LoginCredential* credential) {
  std::string var;
  put_u16(var, 4);
  var += "MQTT";
  var.push_back(4);               // protocol level 3.1.1
  std::uint8_t flags = 0x02;      // clean session
  if (credential) flags |= 0xC0;  // username + password
  var.push_back(static_cast<char>(flags));
  put_u16(var, 10);  // keep-alive seconds
  put_u16(var, client_id.size());
  var += client_id;
  if (credential) {
    put_u16(var, credential->username.size());
    var += credential->username;
    put_u16(var, credential->password.size());
    var += credential->password;
  }
  std::string packet(1, '\x10');
  std::size_t len = var.size();
  do {  // remaining length, variable-length encoding
    std::uint8_t b = static_cast<std::uint8_t>(len % 128);
    len /= 128;
    if (len > 0) b |= 0x80;
    packet.push_back(static_cast<char>(b));
  } while (len > 0);
  return packet + var;
}

std::string snmp_get_sysdescr(std::string_view community, std::int32_t request_id) {
  static constexpr char kSysDescr[] = {0x2b, 6, 1, 2, 1, 1, 1, 0};  // 1.3.6.1.2.1.1.1.0
  std::string bind = ber(
      0x30, ber(0x06, std::string_view(kSysDescr, sizeof kSysDescr)) + std::string("\x05\x00", 2));
  std::string pdu = ber(0xA0, ber_int(request_id) + ber_int(0) + ber_int(0) + ber(0x30, bind));
  return ber(0x30, ber_int(1) + ber(0x04, community) + pdu);  // version 1 = v2c
}

std::string modbus_read_device_id(std::uint16_t transaction) {
  std::string s;
  put_u16(s, transaction);
  put_u16(s, 0);  // protocol
  put_u16(s, 5);  // length: unit + 4 PDU bytes
  // Unit 0xFF addresses the gateway/device itself on Modbus/TCP; function 0x2B, MEI 0x0E,
  // read code 1 (basic: vendor, product, revision), first object 0.
  s += std::string("\xff\x2b\x0e\x01\x00", 5);
  return s;
}

std::string coap_get_well_known_core(std::uint16_t message_id) {
  std::string s;
  s.push_back(0x40);  // version 1, confirmable, no token
  s.push_back(0x01);  // GET
  put_u16(s, message_id);
  // Uri-Path (11) ".well-known", then Uri-Path "core" (delta 0).
  s.push_back(static_cast<char>(0xBB));
  s += ".well-known";
  s.push_back(0x04);
  s += "core";
  return s;
}

std::string bacnet_who_is() {
  // BVLC original-unicast-NPDU, NPDU without routing, unconfirmed Who-Is without a range.
  return std::string("\x81\x0a\x00\x08\x01\x00\x10\x08", 8);
}

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  while (i + 2 < in.size()) {
    std::uint32_t v = (std::uint32_t{static_cast<std::uint8_t>(in[i])} << 16) |
                      (std::uint32_t{static_cast<std::uint8_t>(in[i + 1])} << 8) |
                      static_cast<std::uint8_t>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
    i += 3;
  }
  if (i < in.size()) {
    std::uint32_t v = std::uint32_t{static_cast<std::uint8_t>(in[i])} << 16;
    if (i + 1 < in.size()) v |= std::uint32_t{static_cast<std::uint8_t>(in[i + 1])} << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

}  // namespace citywatch::scanner
