// scanner/probe_dialogs.h: what the prober says to each kind of service and how it reads the
// answer, as small state machines with no sockets: the event loop (scanner/prober.h) feeds
// them bytes and sends what they return. Each dialog asks for what fingerprinting needs in the
// fewest round trips and never writes to a device: banner-first services are only listened to,
// RTSP gets OPTIONS and DESCRIBE (never SETUP/PLAY), MQTT a CONNECT then DISCONNECT (never
// SUBSCRIBE/PUBLISH), UDP services one unicast request. Login dialogs (authorised scopes only)
// present one credential and report accepted/rejected; the credential never appears in what a
// dialog reports. One dialog per connection; not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ip_address.h"
#include "core/observation.h"

namespace citywatch::scanner {

struct HttpLoginForm;  // scanner/http_login_forms.h

enum class Protocol : std::uint8_t {
  kBanner,  // unknown TCP service: listen, then ask HTTP
  kTelnet,
  kFtp,
  kSsh,
  kSmtp,
  kHttp,
  kHttps,
  kTr069,
  kRtsp,
  kMqtt,
  kModbus,
  kSsdp,
  kCoap,
  kBacnet,
  kSnmp,
};
inline constexpr std::size_t kProtocolCount = static_cast<std::size_t>(Protocol::kSnmp) + 1;
std::string_view protocol_name(Protocol p);  // the observation's protocol: "http", "ssdp", ...
std::optional<Protocol> parse_protocol(std::string_view name);
// The probe for a port: well-known IoT ports by number, other TCP ports get kBanner, other UDP
// ports nullopt (no generic UDP probe exists).
std::optional<Protocol> protocol_for_port(std::uint16_t port, core::Transport transport);
bool uses_tls(Protocol p);
// Which login check a protocol has ("http", "telnet", ...: the credential list's protocol
// names), or empty when there is none.
std::string_view login_protocol(Protocol p);

// One default credential to try (authorised scopes only). `label` names the list entry for
// evidence ("d-link / D-Link / user admin, default-credentials.csv:1200"); it never holds the
// password. With `form` set, an HTTP(S) check posts the device family's login form instead of
// sending Basic authentication.
struct LoginCredential {
  std::string username;
  std::string password;
  std::string label;
  std::shared_ptr<const HttpLoginForm> form = nullptr;
};

enum class LoginResult : std::uint8_t { kNone, kAccepted, kRejected, kUnknown };
std::string_view to_string(LoginResult r);

struct DialogOptions {
  std::string user_agent = "citywatch-scanner";
  std::size_t max_response_bytes = 16384;  // kept per dialog; the rest is read and dropped
};

// What a dialog learned: the observation's protocol, a text excerpt (binary protocols give a
// readable summary, never raw bytes that could hold a credential), fields for fingerprinting.
struct DialogReport {
  std::string protocol;
  std::string excerpt;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string product, version;  // as the protocol states them ("Server: VLC/3.0.12")
  LoginResult login = LoginResult::kNone;
  bool identified = false;  // the service answered in its protocol
};

struct Step {
  enum class Action : std::uint8_t { kWait, kSend, kDone };
  Action action = Action::kWait;
  std::string data;  // for kSend (and kDone: sent before closing, e.g. DISCONNECT)
  static Step wait() { return {}; }
  static Step send(std::string d) { return {Action::kSend, std::move(d)}; }
  static Step done(std::string d = {}) { return {Action::kDone, std::move(d)}; }
};

class Dialog {
 public:
  virtual ~Dialog() = default;
  // Sent right after the connection (or as the datagram); empty: the server speaks first.
  virtual std::string opening() = 0;
  // A chunk (TCP) or one datagram (UDP) arrived.
  virtual Step on_data(std::string_view chunk) = 0;
  // No byte for the idle time (after some data) or the read timeout (before any).
  virtual Step on_idle() { return Step::done(); }
  // The peer closed its side.
  virtual Step on_eof() { return Step::done(); }
  // Idle time after the last byte before on_idle(); banner services end this way.
  virtual int idle_ms() const { return 1000; }
  virtual DialogReport report() const = 0;
};

struct DialogTarget {
  core::IpAddress ip;
  std::uint16_t port = 0;
};

// A probe (no credential) for the protocol.
std::unique_ptr<Dialog> make_probe_dialog(Protocol p, const DialogTarget& target,
                                          const DialogOptions& options);
// A login check presenting `credential`; nullptr when the protocol has none. An HTTP(S) check
// with a form sends exactly one request (the form's POST), follows no redirect or link and
// reports accepted/rejected/unknown as the form's success and failure criteria say.
std::unique_ptr<Dialog> make_login_dialog(Protocol p, const DialogTarget& target,
                                          const DialogOptions& options,
                                          const LoginCredential& credential);

// "VLC/3.0.12" -> {VLC, 3.0.12}; "SSH-2.0-OpenSSH_8.2p1 Ubuntu" -> {OpenSSH, 8.2p1}; for a
// Server header with several tokens the first one with a version. Empty when none is stated.
std::pair<std::string, std::string> product_version(std::string_view server);

// Payload builders, exposed for tests and the zoo.
std::string mqtt_connect(std::string_view client_id, const LoginCredential* credential);
std::string snmp_get_sysdescr(std::string_view community, std::int32_t request_id);
std::string modbus_read_device_id(std::uint16_t transaction);
std::string coap_get_well_known_core(std::uint16_t message_id);
std::string bacnet_who_is();
std::string base64(std::string_view bytes);

}  // namespace citywatch::scanner
