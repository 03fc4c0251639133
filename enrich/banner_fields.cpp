#include "enrich/banner_fields.h"

#include <array>

#include "core/text.h"

namespace citywatch::enrich {
namespace {

constexpr std::array<std::string_view, kFieldCount> kNames{
    "http.server",
    "http.title",
    "http.www_authenticate",
    "ssh.banner",
    "telnet.banner",
    "ftp.banner",
    "rtsp.server",
    "ssdp.server",
    "mqtt.connack",
    "tls.subject",
    "tls.issuer",
    "snmp.sysdescr",
    "source.vendor",
    "source.device_type",
    "source.model",
    "source.product",
    "source.firmware",
    "source.version",
    "source.cpe",
    "banner",
    "protocol",
    "port",
    "report_type",
};

const std::string* first_field(const core::Observation& o,
                               std::initializer_list<std::string_view> names) {
  for (auto name : names) {
    if (const std::string* v = o.field(name); v && !v->empty()) return v;
  }
  return nullptr;
}

void set_first(std::string& out, const core::Observation& o,
               std::initializer_list<std::string_view> names) {
  if (!out.empty()) return;
  if (const std::string* v = first_field(o, names)) out = *v;
}

// "CN=x;O=y;OU=z" from whichever names the source uses.
void distinguished_name(std::string& out, const core::Observation& o, std::string_view cn_shodan,
                        std::string_view o_shodan, std::string_view ou_shodan,
                        std::string_view cn_ss, std::string_view o_ss, std::string_view ou_ss) {
  auto add = [&](std::string_view label, const std::string* v) {
    if (!v || v->empty()) return;
    if (!out.empty()) out += ';';
    out.append(label).append("=").append(*v);
  };
  add("CN", first_field(o, {cn_shodan, cn_ss}));
  add("O", first_field(o, {o_shodan, o_ss}));
  add("OU", first_field(o, {ou_shodan, ou_ss}));
}

std::string_view html_title(std::string_view body) {
  // Most banners have no '<' at all: look for one before the slower case-blind search.
  if (body.find('<') == std::string_view::npos) return {};
  std::size_t open = core::ifind(body, "<title");
  if (open == std::string_view::npos) return {};
  std::size_t start = body.find('>', open);
  if (start == std::string_view::npos) return {};
  std::size_t end = core::ifind(body, "</title", start);
  if (end == std::string_view::npos) end = body.size();
  return core::trim(body.substr(start + 1, end - start - 1));
}

}  // namespace

std::string_view field_name(Field f) { return kNames[static_cast<std::size_t>(f)]; }

std::optional<Field> parse_field(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Field>(i);
  }
  return std::nullopt;
}

std::string_view header_value(std::string_view response, std::string_view name) {
  std::size_t pos = 0;
  while (pos < response.size()) {
    std::size_t end = response.find_first_of("\n|", pos);
    if (end == std::string_view::npos) end = response.size();
    std::string_view line = response.substr(pos, end - pos);
    if (line.size() > name.size() && line[name.size()] == ':' && core::istarts_with(line, name)) {
      return core::trim(line.substr(name.size() + 1));
    }
    pos = end + 1;
  }
  return {};
}

void extract_fields(const core::Observation& o, BannerFields& out) {
  out.clear();
  const std::string& ex = o.excerpt;
  std::string_view proto = o.protocol;
  std::string_view report = o.report_type;
  bool ssdp = proto == "upnp" || proto == "ssdp" || report.find("ssdp") != std::string_view::npos;

  // HTTP
  if (!ssdp) set_first(out[Field::kHttpServer], o, {"http.server", "server"});
  set_first(out[Field::kHttpTitle], o, {"http.title", "title", "http_title"});
  set_first(out[Field::kHttpWwwAuthenticate], o, {"www_authenticate", "http.www_authenticate"});
  bool http_text = core::istarts_with(ex, "HTTP/");
  if (http_text && !ssdp) {
    if (out[Field::kHttpServer].empty()) out[Field::kHttpServer] = header_value(ex, "Server");
    if (out[Field::kHttpWwwAuthenticate].empty()) {
      out[Field::kHttpWwwAuthenticate] = header_value(ex, "WWW-Authenticate");
    }
  }
  if (out[Field::kHttpTitle].empty() && (http_text || proto.starts_with("http"))) {
    out[Field::kHttpTitle] = html_title(ex);
  }
  // RTSP
  if (core::istarts_with(ex, "RTSP/")) {
    out[Field::kRtspServer] = header_value(ex, "Server");
    if (out[Field::kHttpWwwAuthenticate].empty()) {
      out[Field::kHttpWwwAuthenticate] = header_value(ex, "WWW-Authenticate");
    }
  }
  // SSDP / UPnP
  if (ssdp) {
    set_first(out[Field::kSsdpServer], o, {"server", "upnp.server"});
    if (out[Field::kSsdpServer].empty()) out[Field::kSsdpServer] = header_value(ex, "Server");
  }
  // SSH: the identification string
  set_first(out[Field::kSshBanner], o, {"serverid_raw"});
  if (out[Field::kSshBanner].empty() && core::istarts_with(ex, "SSH-")) {
    out[Field::kSshBanner] = ex.substr(0, ex.find_first_of("\r\n"));
  }
  // Telnet and FTP speak first: their banner is the excerpt.
  if (proto.starts_with("telnet") || report.find("telnet") != std::string_view::npos) {
    out[Field::kTelnetBanner] = ex;
  }
  if (proto == "ftp" || report.find("ftp") != std::string_view::npos) out[Field::kFtpBanner] = ex;
  // MQTT CONNACK: Shadowserver's text code, Shodan's "MQTT Connection Code: N"
  if (proto == "mqtt" || report.find("mqtt") != std::string_view::npos) {
    set_first(out[Field::kMqttConnack], o, {"code", "mqtt.code"});
    if (out[Field::kMqttConnack].empty()) {
      std::size_t at = core::ifind(ex, "Connection Code:");
      if (at != std::string_view::npos) {
        out[Field::kMqttConnack] = core::trim(std::string_view(ex).substr(at + 16, 4));
      }
    }
  }
  distinguished_name(out[Field::kTlsSubject], o, "ssl.cert.subject.CN", "ssl.cert.subject.O",
                     "ssl.cert.subject.OU", "subject_common_name", "subject_organization_name",
                     "subject_organization_unit_name");
  distinguished_name(out[Field::kTlsIssuer], o, "ssl.cert.issuer.CN", "ssl.cert.issuer.O",
                     "ssl.cert.issuer.OU", "issuer_common_name", "issuer_organization_name",
                     "issuer_organization_unit_name");
  set_first(out[Field::kSnmpSysdescr], o, {"sysdesc", "snmp.description"});

  out[Field::kSourceVendor] = o.vendor;
  out[Field::kSourceDeviceType] = o.device_type;
  out[Field::kSourceModel] = o.model;
  out[Field::kSourceProduct] = o.product;
  out[Field::kSourceFirmware] = o.firmware;
  out[Field::kSourceVersion] = o.version;
  for (const auto& cpe : o.cpes) {
    if (!out[Field::kSourceCpe].empty()) out[Field::kSourceCpe] += ' ';
    out[Field::kSourceCpe] += cpe;
  }
  out[Field::kBanner] = ex;
  out[Field::kProtocol] = o.protocol;
  out[Field::kPort] = std::to_string(o.port);
  out[Field::kReportType] = o.report_type;
}

}  // namespace citywatch::enrich
