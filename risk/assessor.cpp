#include "risk/assessor.h"

#include <algorithm>
#include <cstdio>

#include "core/text.h"
#include "risk/cpe.h"
#include "risk/exposure.h"
#include "risk/severity.h"
#include "risk/version_compare.h"

namespace citywatch::risk {
namespace {

using core::Confidence;
using core::FindingKind;
using core::Severity;

bool contains(std::string_view text, std::string_view needle) {
  return core::ifind(text, needle) != std::string_view::npos;
}

bool truthy(const std::string* v) {
  return v && (core::iequals(*v, "y") || core::iequals(*v, "yes") || core::iequals(*v, "true") ||
               *v == "1");
}
bool falsy(const std::string* v) {
  return v && (core::iequals(*v, "n") || core::iequals(*v, "no") || core::iequals(*v, "false") ||
               *v == "0");
}

core::Finding base(const core::Observation& o, FindingKind kind, std::string code, Severity s,
                   Confidence c) {
  core::Finding f;
  f.ip = o.ip;
  f.port = o.port;
  f.transport = o.transport;
  f.kind = kind;
  f.code = std::move(code);
  f.severity = s;
  f.confidence = c;
  f.evidence.push_back(o.key().to_string());
  f.observed_at = o.observed_at;
  return f;
}

void secure(const core::Observation& o, FindingKind kind, std::string code,
            std::vector<Verdict>& out) {
  Verdict v;
  v.finding = base(o, kind, std::move(code), Severity::kInfo, Confidence::kConfirmed);
  v.present = false;
  out.push_back(std::move(v));
}

std::string port_text(const core::Observation& o) {
  return "port " + std::to_string(o.port) + "/" + std::string(core::to_string(o.transport));
}

const std::string* any_field(const core::Observation& o,
                             std::initializer_list<std::string_view> names) {
  for (auto n : names) {
    if (const std::string* v = o.field(n)) return v;
  }
  return nullptr;
}

std::string lower_proto(const core::Observation& o) {
  std::string p = core::to_lower(o.protocol);
  if (p.starts_with("telnet")) return "telnet";
  if (p.starts_with("http")) return "http";
  return p;
}

bool is_mqtt(const core::Observation& o) {
  return lower_proto(o) == "mqtt" || o.report_type.find("mqtt") != std::string::npos;
}

// IoT device types: where a vendor default password is a realistic way in.
bool iot_type(std::string_view t) {
  return !t.empty() && t != "server" && t != "media" && t != "mqtt-broker";
}

std::string cve_list_text(const std::vector<core::CveRef>& cves, bool with_facts) {
  std::string text;
  std::size_t shown = std::min<std::size_t>(cves.size(), 3);
  for (std::size_t i = 0; i < shown; ++i) {
    if (i) text += ", ";
    text += cves[i].id;
    if (with_facts && (cves[i].cvss > 0 || cves[i].kev)) {
      text += " (";
      if (cves[i].cvss > 0) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "CVSS %.1f", cves[i].cvss);
        text += buf;
      }
      if (cves[i].kev)
        text += std::string(cves[i].cvss > 0 ? ", " : "") + "known exploited: CISA KEV";
      text += ")";
    }
  }
  if (cves.size() > shown) text += " and " + std::to_string(cves.size() - shown) + " more";
  return text;
}

std::string upper_first(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

}  // namespace

std::string device_label(const core::Fingerprint& fp, const core::Observation& o) {
  std::string vendor = !fp.vendor.empty() ? fp.vendor : o.vendor;
  std::string type = !fp.device_type.empty() ? fp.device_type : std::string();
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"dvr", "video recorder"},
      {"nas", "NAS"},
      {"smart-home", "smart-home hub"},
      {"building-controller", "building controller"},
      {"plc", "PLC"},
      {"solar-inverter", "solar inverter"},
      {"mqtt-broker", "MQTT broker"},
      {"access-point", "access point"},
      {"voip", "VoIP phone"},
      {"media", "media server"},
      {"hmi", "HMI"},
      {"ups", "UPS"},
      {"iot", "IoT device"},
  };
  for (const auto& [t, name] : kNames) {
    if (type == t) type = name;
  }
  if (!vendor.empty() && !type.empty()) return vendor + " " + type;
  if (!vendor.empty()) return vendor + " device";
  if (!type.empty()) return type;
  return "device";
}

void Assessor::assess(const core::Observation& o, std::vector<Verdict>& out) {
  if (o.kind == core::ObservationKind::kEvent) {
    infection(o, out);
    return;
  }
  infection(o, out);  // capture-side Mirai detection arrives as a service observation too
  exposure(o, out);
  no_auth(o, out);
  default_password(o, out);
  vulnerabilities(o, out);
}

void Assessor::exposure(const core::Observation& o, std::vector<Verdict>& out) {
  auto cls = classify_exposure(o.protocol, o.port, o.transport);
  if (!cls) return;
  core::Finding f = base(o, FindingKind::kExposedService, std::string(cls->code), cls->severity,
                         Confidence::kConfirmed);
  f.sentence = upper_first(device_label(o.fingerprint, o)) + ": " + std::string(cls->label) + " (" +
               std::string(cls->group) + ") is reachable from the internet on " + port_text(o) +
               "; close the port or allow only known addresses (VPN, firewall).";
  out.push_back({std::move(f), true});
}

void Assessor::no_auth(const core::Observation& o, std::vector<Verdict>& out) {
  const std::string& ex = o.excerpt;
  std::string proto = lower_proto(o);
  std::string who = upper_first(device_label(o.fingerprint, o));

  // MQTT: Shadowserver's anonymous-access reports and fields, Shodan's CONNACK code.
  if (is_mqtt(o)) {
    const std::string* anon = any_field(o, {"anonymous_access", "mqtt.anonymous"});
    const std::string* code = any_field(o, {"code", "mqtt.code"});
    bool accepted = o.report_type.starts_with("scan_mqtt_anon") || truthy(anon);
    bool refused = falsy(anon);
    if (!anon && code) {
      accepted = accepted || contains(*code, "accepted") || *code == "0";
      refused = contains(*code, "refused") || contains(*code, "not authorized") || *code == "5" ||
                *code == "4";
    }
    if (!anon && !code) {
      std::size_t at = core::ifind(ex, "MQTT Connection Code:");
      if (at != std::string::npos) {
        std::string_view rest = core::trim(std::string_view(ex).substr(at + 21, 3));
        accepted = rest.starts_with("0");
        refused = !rest.empty() && !accepted;
      }
    }
    if (accepted && !refused) {
      core::Finding f =
          base(o, FindingKind::kNoAuth, "mqtt-anonymous", Severity::kHigh, Confidence::kConfirmed);
      f.sentence = who + ": the MQTT broker on " + port_text(o) +
                   " accepts connections without a username or password, so anyone can read "
                   "and publish its messages (often sensor data and device commands); require "
                   "authentication.";
      out.push_back({std::move(f), true});
    } else if (refused) {
      secure(o, FindingKind::kNoAuth, "mqtt-anonymous", out);
    }
  }

  // Telnet: a shell prompt with no login prompt before it.
  if (proto == "telnet" && !ex.empty()) {
    bool login = contains(ex, "login") || contains(ex, "password") || contains(ex, "username") ||
                 contains(ex, "user name") || contains(ex, "user:");
    std::string_view t = core::trim(ex);
    while (!t.empty() && (t.back() == '|' || t.back() == ' ')) t.remove_suffix(1);
    bool prompt = !t.empty() && (t.back() == '#' || t.back() == '$');
    if (prompt && !login) {
      core::Finding f = base(o, FindingKind::kNoAuth, "telnet-open-shell", Severity::kCritical,
                             Confidence::kConfirmed);
      f.sentence = who + ": Telnet on " + port_text(o) +
                   " gives a command shell without asking for a password; anyone can take over "
                   "the device. Disable Telnet.";
      out.push_back({std::move(f), true});
    } else if (login) {
      secure(o, FindingKind::kNoAuth, "telnet-open-shell", out);
    }
  }

  // RTSP: a DESCRIBE answered with the stream description means the video is open.
  if (proto == "rtsp" || core::istarts_with(ex, "RTSP/")) {
    if (core::istarts_with(ex, "RTSP/1.0 200") &&
        (contains(ex, "application/sdp") || contains(ex, "m=video"))) {
      core::Finding f = base(o, FindingKind::kNoAuth, "rtsp-open-stream", Severity::kHigh,
                             Confidence::kConfirmed);
      f.sentence = who + ": the video stream on " + port_text(o) +
                   " (RTSP) can be watched without a password; require authentication.";
      out.push_back({std::move(f), true});
    } else if (core::istarts_with(ex, "RTSP/1.0 401")) {
      secure(o, FindingKind::kNoAuth, "rtsp-open-stream", out);
    }
  }

  // VNC: security type "None", or Shodan's "authentication disabled".
  if (proto == "vnc" || core::istarts_with(ex, "RFB ")) {
    bool none = contains(ex, "authentication disabled");
    bool types = false;
    for (const auto& [k, v] : o.fields) {
      if (k.starts_with("vnc.security_types")) {
        types = true;
        none = none || core::iequals(v, "None");
      }
    }
    if (none) {
      core::Finding f =
          base(o, FindingKind::kNoAuth, "vnc-no-auth", Severity::kCritical, Confidence::kConfirmed);
      f.sentence = who + ": the VNC remote desktop on " + port_text(o) +
                   " needs no password; anyone can see and control the screen. Set a password "
                   "or close the port.";
      out.push_back({std::move(f), true});
    } else if (types) {
      secure(o, FindingKind::kNoAuth, "vnc-no-auth", out);
    }
  }

  // FTP anonymous login (Shodan's ftp.anonymous, Shadowserver's anonymous_login).
  if (proto == "ftp") {
    const std::string* anon = any_field(o, {"ftp.anonymous", "anonymous_login"});
    if (truthy(anon)) {
      core::Finding f =
          base(o, FindingKind::kNoAuth, "ftp-anonymous", Severity::kMedium, Confidence::kConfirmed);
      f.sentence = who + ": the FTP server on " + port_text(o) +
                   " lets anyone log in anonymously; check what it shares or disable it.";
      out.push_back({std::move(f), true});
    } else if (falsy(anon)) {
      secure(o, FindingKind::kNoAuth, "ftp-anonymous", out);
    }
  }

  // Shadowserver's anonymous_access on other protocols.
  if (!is_mqtt(o) && proto != "ftp") {
    const std::string* anon = o.field("anonymous_access");
    std::string code = (proto.empty() ? std::string("service") : proto) + "-anonymous";
    if (truthy(anon)) {
      core::Finding f =
          base(o, FindingKind::kNoAuth, code, Severity::kHigh, Confidence::kConfirmed);
      f.sentence = who + ": the " + (proto.empty() ? "service" : proto) + " service on " +
                   port_text(o) + " accepts anonymous access; require authentication.";
      out.push_back({std::move(f), true});
    } else if (falsy(anon)) {
      secure(o, FindingKind::kNoAuth, code, out);
    }
  }

  // Databases that Shadowserver reports as open answered an unauthenticated query.
  for (std::string_view report : {"scan_redis", "scan_mongodb", "scan_elasticsearch",
                                  "scan_memcached", "scan_couchdb", "scan_cassandra"}) {
    if (o.report_type == report) {
      core::Finding f =
          base(o, FindingKind::kNoAuth, "database-open", Severity::kHigh, Confidence::kConfirmed);
      f.sentence = who + ": the " + std::string(report.substr(5)) + " database on " + port_text(o) +
                   " answers queries without authentication; anyone can read "
                   "or change its data. Require authentication and close the port.";
      out.push_back({std::move(f), true});
    }
  }

  // HTTP admin pages of devices, served without any login.
  if (proto == "http" && iot_type(o.fingerprint.device_type) && !o.fingerprint.vendor.empty()) {
    std::string title;
    if (const std::string* t = any_field(o, {"http.title", "title", "http_title"})) title = *t;
    bool ok = core::istarts_with(ex, "HTTP/1.1 200") || core::istarts_with(ex, "HTTP/1.0 200");
    if (const std::string* c = o.field("http_code")) ok = *c == "200";
    bool auth = contains(ex, "WWW-Authenticate") || o.field("www_authenticate") != nullptr ||
                contains(ex, "password") || contains(title, "login") || contains(title, "log in") ||
                contains(title, "sign in");
    bool admin = false;
    for (std::string_view word : {"status", "setup", "configuration", "settings", "admin",
                                  "dashboard", "control panel", "system"}) {
      admin = admin || contains(title, word);
    }
    if (ok && admin && !auth) {
      core::Finding f =
          base(o, FindingKind::kNoAuth, "http-admin-open", Severity::kHigh, Confidence::kLikely);
      f.sentence = who + ": the web administration page on " + port_text(o) + " (\"" +
                   core::printable_excerpt(title, 60) +
                   "\") opened without a login; likely anyone can change its settings.";
      out.push_back({std::move(f), true});
    } else if (auth) {
      secure(o, FindingKind::kNoAuth, "http-admin-open", out);
    }
  }
}

void Assessor::default_password(const core::Observation& o, std::vector<Verdict>& out) {
  std::string who = upper_first(device_label(o.fingerprint, o));
  std::string proto = lower_proto(o);

  // (a) passive: the capture engine saw a login with credentials on the default list
  // (docs/capture.md: default_credential names the matched entry, login its outcome).
  const std::string* user = o.field("default_credential");
  if (user && *user != "unchecked") {
    const std::string* result = o.field("login");
    bool success = result && *result == "accepted";
    bool failure = result && *result == "rejected";
    if (failure) {
      secure(o, FindingKind::kDefaultPassword, "default-credential-seen", out);
    } else {
      core::Finding f = base(o, FindingKind::kDefaultPassword, "default-credential-seen",
                             success ? Severity::kCritical : Severity::kHigh,
                             success ? Confidence::kConfirmed : Confidence::kLikely);
      f.sentence = who + ": a login with a well-known default username/password (list entry \"" +
                   core::printable_excerpt(*user, 48) + "\") was seen in traffic to " +
                   port_text(o) + (success ? " and it succeeded" : "") + "; change the password.";
      out.push_back({std::move(f), true});
    }
  }
  // (c) active: the login check of an authorised scan.
  if (const std::string* check = o.field("auth.login_check")) {
    if (*check == "default-accepted") {
      core::Finding f = base(o, FindingKind::kDefaultPassword, "default-login-accepted",
                             Severity::kCritical, Confidence::kConfirmed);
      f.sentence = who + ": the authorised login check on " + port_text(o) +
                   " got in with the vendor's default password; change it now.";
      out.push_back({std::move(f), true});
    } else if (*check == "default-rejected") {
      secure(o, FindingKind::kDefaultPassword, "default-login-accepted", out);
    }
  }
  // SNMP answering the community everyone knows ("public").
  if (const std::string* snmp = o.field("default_snmp_access")) {
    if (*snmp == "true") {
      core::Finding f = base(o, FindingKind::kDefaultPassword, "snmp-default-community",
                             Severity::kMedium, Confidence::kConfirmed);
      f.sentence = who + ": SNMP on " + port_text(o) +
                   " answers the default community string, which gives away its configuration "
                   "and sometimes allows changes; change the community or disable SNMP.";
      out.push_back({std::move(f), true});
    } else {
      secure(o, FindingKind::kDefaultPassword, "snmp-default-community", out);
    }
  }
  // (b) inferred: an identified model whose vendor default is public, with its login exposed.
  if (!credentials_ || o.fingerprint.vendor.empty() || !iot_type(o.fingerprint.device_type)) return;
  std::string list_proto = proto == "https" ? "http" : proto;
  const std::string& ex = o.excerpt;
  bool login = false;
  if (list_proto == "telnet") {
    login = contains(ex, "login") || contains(ex, "password") || contains(ex, "username");
  } else if (list_proto == "http") {
    const std::string* title = any_field(o, {"http.title", "title"});
    login = contains(ex, " 401 ") || contains(ex, "WWW-Authenticate") ||
            o.field("www_authenticate") != nullptr || (title && contains(*title, "login"));
  } else if (list_proto == "rtsp") {
    login = core::istarts_with(ex, "RTSP/1.0 401");
  } else if (list_proto == "ftp" || list_proto == "ssh") {
    login = true;
  }
  if (!login) return;
  auto defaults = credentials_->for_vendor(o.fingerprint.vendor, list_proto);
  if (defaults.empty()) return;
  core::Finding f = base(o, FindingKind::kDefaultPassword, "vendor-default-likely",
                         Severity::kMedium, Confidence::kLikely);
  std::string users;
  for (const auto* c : defaults) {
    std::string u = c->username.empty() ? "(empty)" : c->username;
    if (users.find("\"" + u + "\"") == std::string::npos && users.size() < 40) {
      users += (users.empty() ? "\"" : ", \"") + u + "\"";
    }
  }
  f.sentence = who + ": " + o.fingerprint.vendor +
               " devices ship with a documented default "
               "login (user " +
               users + ") and this one's " + list_proto + " login is exposed on " + port_text(o) +
               "; likely default password (not checked: make sure it was changed).";
  out.push_back({std::move(f), true});
}

void Assessor::vulnerabilities(const core::Observation& o, std::vector<Verdict>& out) {
  std::vector<core::CveRef> cves;
  auto add = [&](const core::CveRef& r) {
    auto it =
        std::find_if(cves.begin(), cves.end(), [&](const core::CveRef& c) { return c.id == r.id; });
    if (it == cves.end()) {
      cves.push_back(r);
    } else {
      it->verified = it->verified || r.verified;
      it->kev = it->kev || r.kev;
      it->cvss = std::max(it->cvss, r.cvss);
    }
  };
  bool version_known = false, product_known = false;
  const EolEntry* eol = nullptr;
  std::string product_text;
  std::vector<std::string> cpe_texts = o.cpes;
  if (!o.fingerprint.cpe.empty()) cpe_texts.insert(cpe_texts.begin(), o.fingerprint.cpe);
  for (const auto& text : cpe_texts) {
    auto cpe = parse_cpe(text);
    if (!cpe) continue;
    if (!is_comparable_version(cpe->version) && is_comparable_version(o.fingerprint.version) &&
        core::iequals(cpe->vendor,
                      core::to_lower(o.fingerprint.vendor).substr(0, cpe->vendor.size()))) {
      cpe->version = o.fingerprint.version;
    }
    bool comparable = is_comparable_version(cpe->version);
    if (vulns_) {
      bool known = false;
      for (const auto& r : cves_for(*cpe, *vulns_, &known)) add(r);
      if (known && comparable) product_known = true;
    }
    if (comparable) {
      version_known = true;
      if (product_text.empty()) product_text = cpe->product + " " + cpe->version;
    }
    if (eol_ && !eol) eol = eol_->find(*cpe);
  }
  for (const auto& v : o.vulns) {
    CveFacts facts = vulns_ ? vulns_->facts(v.cve) : CveFacts{};
    add({v.cve, facts.cvss, facts.kev, v.verified});
  }
  std::string who = upper_first(device_label(o.fingerprint, o));
  if (!cves.empty()) {
    std::sort(cves.begin(), cves.end(), [](const core::CveRef& a, const core::CveRef& b) {
      if (a.kev != b.kev) return a.kev;
      if (a.verified != b.verified) return a.verified;
      return a.cvss > b.cvss;
    });
    Severity sev = Severity::kInfo;
    bool any_verified = false, any_kev = false;
    for (const auto& c : cves) {
      Severity s = c.cvss > 0 ? severity_from_cvss(c.cvss) : Severity::kMedium;
      if (c.kev) s = max_severity(raise(s), Severity::kHigh);
      // An unverified CVE counts, but never as more than medium on its own.
      if (!c.verified) s = std::min(s, Severity::kMedium);
      sev = max_severity(sev, s);
      any_verified = any_verified || c.verified;
      any_kev = any_kev || (c.kev && c.verified);
    }
    if (eol) sev = raise(sev);
    core::Finding f = base(o, FindingKind::kVulnerable, "cve", sev,
                           any_verified ? Confidence::kConfirmed : Confidence::kUnverified);
    f.cves = cves;
    std::vector<core::CveRef> verified, unverified;
    for (const auto& c : cves) (c.verified ? verified : unverified).push_back(c);
    std::string s = who + " on " + port_text(o) + ": ";
    if (!verified.empty()) {
      s += (product_text.empty() ? std::string("its software") : product_text) +
           " is affected by " + cve_list_text(verified, true);
      if (any_kev) s += "; attackers are known to exploit this";
    }
    if (!unverified.empty()) {
      s += std::string(verified.empty() ? "" : "; ") + "Shodan lists " +
           cve_list_text(unverified, true) +
           " (unverified: inferred from the version string, not tested)";
    }
    if (eol) {
      s += "; " + eol->product + " " + "before " +
           (eol->end_excluding.empty() ? std::string("any version") : eol->end_excluding) +
           " is end of life since " + eol->eol_date;
    }
    s += ". Update the firmware or software.";
    f.sentence = s;
    out.push_back({std::move(f), true});
  } else if (version_known && product_known && o.vulns.empty()) {
    secure(o, FindingKind::kVulnerable, "cve", out);
  }
  if (eol && cves.empty()) {
    core::Finding f =
        base(o, FindingKind::kVulnerable, "end-of-life", Severity::kMedium, Confidence::kConfirmed);
    f.sentence = who + " on " + port_text(o) + ": " + product_text +
                 " no longer gets security updates (end of life since " + eol->eol_date +
                 "); replace or upgrade it.";
    out.push_back({std::move(f), true});
  } else if (!eol && version_known && eol_) {
    secure(o, FindingKind::kVulnerable, "end-of-life", out);
  }
}

void Assessor::infection(const core::Observation& o, std::vector<Verdict>& out) {
  const std::string& report = o.report_type;
  auto device_level = [&](core::Finding& f) {
    f.port = 0;
    f.transport = core::Transport::kTcp;
  };
  std::string family;
  if (const std::string* v = any_field(o, {"infection", "family", "malware_family"})) {
    family = core::to_lower(*v);
  }
  if (family.empty() && !o.tags.empty() && o.kind == core::ObservationKind::kEvent) {
    family = core::to_lower(o.tags.front());
  }
  // Capture-side detection (Mirai's SYN scan with sequence number = destination address).
  const std::string* mirai = o.field("mirai_scan");
  bool mirai_tag = std::find(o.tags.begin(), o.tags.end(), "mirai-scan") != o.tags.end();
  bool captured = o.source == core::Source::kCapture && family == "mirai";
  if ((mirai && *mirai == "true") || mirai_tag || captured) {
    core::Finding f =
        base(o, FindingKind::kInfected, "mirai", Severity::kCritical, Confidence::kConfirmed);
    device_level(f);
    f.sentence = "The device at " + o.ip.to_string() +
                 " was seen scanning the internet the way the Mirai botnet does; it is "
                 "infected. Power-cycle it, change its password and update its firmware.";
    out.push_back({std::move(f), true});
    return;
  }
  bool infected_report =
      report.starts_with("event4_honeypot_darknet") || report.starts_with("event4_sinkhole") ||
      report.starts_with("compromised_iot") || report.starts_with("botnet_drone");
  bool attacking = report.starts_with("event4_honeypot_brute_force") ||
                   report.starts_with("event4_honeypot_ddos") ||
                   report.starts_with("event4_honeypot_http_scan") ||
                   report.starts_with("event4_honeypot_scan");
  if (infected_report && (report.starts_with("compromised") || !family.empty() ||
                          report.starts_with("event4_sinkhole") || report.starts_with("botnet"))) {
    std::string what = family.empty() ? std::string("malware") : family;
    core::Finding f = base(o, FindingKind::kInfected, family.empty() ? report : family,
                           Severity::kCritical, Confidence::kConfirmed);
    device_level(f);
    std::string count;
    if (const std::string* c = o.field("count")) count = ", " + *c + " times";
    f.sentence = "The device at " + o.ip.to_string() + " sent " + what +
                 " traffic that Shadowserver recorded (" + report + count +
                 "); it is infected. Power-cycle it, change its password and update its "
                 "firmware.";
    out.push_back({std::move(f), true});
  } else if (attacking) {
    std::string app;
    if (const std::string* a = any_field(o, {"application", "infection"})) app = *a;
    core::Finding f = base(o, FindingKind::kInfected, "attacking-honeypots", Severity::kHigh,
                           Confidence::kLikely);
    device_level(f);
    f.sentence = "The device at " + o.ip.to_string() + " attacked Shadowserver's honeypots" +
                 (app.empty() ? std::string() : " (" + app + ")") +
                 "; it is probably compromised and used by a botnet.";
    out.push_back({std::move(f), true});
  }
}

}  // namespace citywatch::risk
