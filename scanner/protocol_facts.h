// scanner/protocol_facts.h: what a protocol parser found in one flow or datagram, before it
// becomes a core::Observation. Values are raw here; the capture engine bounds and redacts them
// on the way out. A Credential seen in clear text lives only in this struct: the engine matches
// it against the default-credential list and drops it, so it never reaches an observation, an
// excerpt or a log line. Plain value types.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace citywatch::scanner {

struct Credential {
  std::string username;
  std::string password;
  bool has_password = true;  // MQTT may send a user name alone
};

struct ProtocolFacts {
  std::string protocol;  // http, ssh, telnet, ftp, rtsp, ssdp, mqtt, ssl, snmp, dhcp, mdns, ...
  std::string product;
  std::string version;
  std::string vendor;
  std::string model;
  std::string device_type;
  std::string firmware;
  std::vector<std::string> hostnames;
  std::vector<std::pair<std::string, std::string>> fields;  // names as in docs/capture.md
  std::string banner;  // the server's own words, for the excerpt (redacted on the way out)
  std::optional<Credential> credential;
  std::optional<bool> login_accepted;  // what the server answered to the credential

  void add(std::string name, std::string_view value) {
    if (!value.empty()) fields.emplace_back(std::move(name), std::string(value));
  }
  const std::string* field(std::string_view name) const {
    for (const auto& [k, v] : fields) {
      if (k == name) return &v;
    }
    return nullptr;
  }
  bool empty() const { return protocol.empty(); }
};

// What a stream parser returns: the facts so far, and whether more bytes could add to them.
struct ParseOutcome {
  bool complete = false;  // enough seen: more bytes would add nothing
  ProtocolFacts facts;    // empty protocol: not this protocol
};

// "OpenSSH_8.2p1" -> ("OpenSSH", "8.2p1"); "Apache/2.4.3 (Fedora)" -> ("Apache", "2.4.3");
// "lighttpd" -> ("lighttpd", "").
std::pair<std::string, std::string> split_product(std::string_view text);

}  // namespace citywatch::scanner
