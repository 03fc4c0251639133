#include "scanner/shodan_parser.h"

#include <simdjson.h>

#include <array>
#include <optional>

#include "core/text.h"
#include "core/time.h"

namespace citywatch::scanner {
namespace {

namespace dom = simdjson::dom;

std::string_view string_of(dom::element e) {
  std::string_view s;
  if (e.get_string().get(s) == simdjson::SUCCESS) return s;
  return {};
}

std::string_view string_at(dom::object obj, std::string_view key) {
  dom::element e;
  if (obj[key].get(e) != simdjson::SUCCESS) return {};
  return string_of(e);
}

std::optional<double> number_at(dom::object obj, std::string_view key) {
  dom::element e;
  if (obj[key].get(e) != simdjson::SUCCESS) return std::nullopt;
  double d = 0;
  if (e.is_double() || e.is_int64() || e.is_uint64()) {
    if (e.get_double().get(d) == simdjson::SUCCESS) return d;
    std::int64_t i = 0;
    if (e.get_int64().get(i) == simdjson::SUCCESS) return static_cast<double>(i);
  }
  return std::nullopt;
}

// Scalars as text, for fields: strings as they are, numbers and booleans printed.
std::optional<std::string> scalar_text(dom::element e) {
  std::int64_t i = 0;
  std::uint64_t u = 0;
  double d = 0;
  bool b = false;
  switch (e.type()) {
    case dom::element_type::STRING:
      return std::string(string_of(e));
    case dom::element_type::INT64:
      if (e.get_int64().get(i) == simdjson::SUCCESS) return std::to_string(i);
      return std::nullopt;
    case dom::element_type::UINT64:
      if (e.get_uint64().get(u) == simdjson::SUCCESS) return std::to_string(u);
      return std::nullopt;
    case dom::element_type::DOUBLE:
      if (e.get_double().get(d) == simdjson::SUCCESS) return std::to_string(d);
      return std::nullopt;
    case dom::element_type::BOOL:
      if (e.get_bool().get(b) == simdjson::SUCCESS) return b ? "true" : "false";
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

void string_list(dom::object obj, std::string_view key, std::vector<std::string>& out) {
  dom::array arr;
  if (obj[key].get_array().get(arr) != simdjson::SUCCESS) return;
  for (dom::element item : arr) {
    if (out.size() >= kMaxListItems) break;
    std::string_view s = string_of(item);
    if (!s.empty()) out.push_back(clean_value(s));
  }
}

// Scalar members of a nested module object, flattened as "module.key" fields.
void flatten(core::Observation& o, std::string_view prefix, dom::element e, int depth) {
  dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) return;
  for (auto [key, value] : obj) {
    std::string name = std::string(prefix) + "." + std::string(key);
    if (auto text = scalar_text(value)) {
      add_field(o, name, *text);
    } else if (depth > 0 && value.is_object()) {
      flatten(o, name, value, depth - 1);
    }
  }
}

// Protocol name from a Shodan module: "http-simple-new" -> "http", "rtsp-tcp" -> "rtsp".
std::string protocol_from_module(std::string_view module) {
  auto dash = module.find('-');
  return core::to_lower(module.substr(0, dash));
}

struct BannerError {
  std::string reason;
  std::string detail;
};

std::optional<BannerError> map_banner(dom::object b, core::Observation& o) {
  o.source = core::Source::kShodan;
  o.kind = core::ObservationKind::kService;

  std::string_view ip_text = string_at(b, "ip_str");
  if (ip_text.empty()) ip_text = string_at(b, "ipv6");
  std::optional<core::IpAddress> ip;
  if (!ip_text.empty()) {
    ip = core::IpAddress::parse(ip_text);
  } else {
    std::uint64_t numeric = 0;
    if (b["ip"].get_uint64().get(numeric) == simdjson::SUCCESS && numeric <= 0xffffffffULL) {
      ip = core::IpAddress::v4(static_cast<std::uint32_t>(numeric));
    }
  }
  if (!ip) {
    return BannerError{"bad address", ip_text.empty()
                                          ? "no ip_str, ipv6 or ip field"
                                          : "not an IP address: " + clean_value(ip_text)};
  }
  o.ip = *ip;

  std::int64_t port = -1;
  if (b["port"].get_int64().get(port) != simdjson::SUCCESS || port < 0 || port > 65535) {
    return BannerError{"bad port", "port missing or outside 0..65535"};
  }
  o.port = static_cast<std::uint16_t>(port);

  std::string_view transport = string_at(b, "transport");
  if (!transport.empty()) {
    auto t = core::parse_transport(transport);
    if (!t) return BannerError{"bad transport", "transport is " + clean_value(transport)};
    o.transport = *t;
  }

  std::string_view timestamp = string_at(b, "timestamp");
  auto when = core::parse_utc_timestamp(timestamp);
  if (!when) {
    return BannerError{"bad timestamp", timestamp.empty()
                                            ? "no timestamp"
                                            : "cannot read timestamp " + clean_value(timestamp)};
  }
  o.observed_at = *when;

  o.product = clean_value(string_at(b, "product"));
  o.version = clean_value(string_at(b, "version"));
  o.device_type = clean_value(string_at(b, "devicetype"));
  o.org = clean_value(string_at(b, "org"));
  o.isp = clean_value(string_at(b, "isp"));
  o.asn = parse_asn(string_at(b, "asn"));
  string_list(b, "cpe23", o.cpes);
  string_list(b, "cpe", o.cpes);
  string_list(b, "hostnames", o.hostnames);
  string_list(b, "tags", o.tags);

  dom::object shodan;
  if (b["_shodan"].get_object().get(shodan) == simdjson::SUCCESS) {
    std::string_view module = string_at(shodan, "module");
    o.report_type = clean_value(module);
    o.protocol = protocol_from_module(module);
  }

  dom::object loc;
  if (b["location"].get_object().get(loc) == simdjson::SUCCESS) {
    o.geo.country_code = clean_value(string_at(loc, "country_code"));
    o.geo.region = clean_value(string_at(loc, "region_code"));
    o.geo.city = clean_value(string_at(loc, "city"));
    o.geo.latitude = number_at(loc, "latitude");
    o.geo.longitude = number_at(loc, "longitude");
    if (o.geo.latitude && (*o.geo.latitude < -90 || *o.geo.latitude > 90)) o.geo.latitude.reset();
    if (o.geo.longitude && (*o.geo.longitude < -180 || *o.geo.longitude > 180)) {
      o.geo.longitude.reset();
    }
  }

  dom::object vulns;
  if (b["vulns"].get_object().get(vulns) == simdjson::SUCCESS) {
    for (auto [cve, detail] : vulns) {
      if (o.vulns.size() >= kMaxListItems * 8) break;
      bool verified = false;
      dom::object d;
      if (detail.get_object().get(d) == simdjson::SUCCESS) {
        bool v = false;
        if (d["verified"].get_bool().get(v) == simdjson::SUCCESS) verified = v;
      }
      o.vulns.push_back({clean_value(cve), verified});
    }
  }

  o.excerpt = make_excerpt(string_at(b, "data"));
  for (std::string_view key : {"os", "info", "title"}) {
    add_field(o, key, string_at(b, key));
  }
  // Module-specific objects carry what fingerprinting matches on (http.server, http.title,
  // ssl.cert.subject.CN, ftp.anonymous, mqtt.code, snmp.description, ...).
  static constexpr std::array<std::string_view, 12> kModules{
      "http", "ftp", "ssh", "telnet", "mqtt", "snmp", "rtsp", "upnp", "ssl", "vnc", "rdp", "ntp"};
  for (std::string_view module : kModules) {
    dom::element e;
    if (b[module].get(e) == simdjson::SUCCESS) {
      flatten(o, module, e, module == "ssl" ? 2 : 1);
    }
  }
  return std::nullopt;
}

}  // namespace

struct ShodanParser::Impl {
  dom::parser parser{kMaxDocumentBytes};
  std::string padded;

  simdjson::error_code load(std::string_view json, dom::element& root) {
    padded.assign(json);
    padded.resize(json.size() + simdjson::SIMDJSON_PADDING);
    return parser.parse(padded.data(), json.size(), false).get(root);
  }
};

ShodanParser::ShodanParser() : impl_(std::make_unique<Impl>()) {}
ShodanParser::~ShodanParser() = default;
ShodanParser::ShodanParser(ShodanParser&&) noexcept = default;

bool ShodanParser::is_complete_json(std::string_view json) {
  dom::element root;
  return json.size() <= kMaxDocumentBytes && impl_->load(json, root) == simdjson::SUCCESS;
}

std::size_t ShodanParser::parse(std::string_view json, const std::string& where,
                                const ObservationSink& sink, core::Diagnostics& diag) {
  if (json.size() > kMaxDocumentBytes) {
    diag.report(where, "record too large",
                "JSON text of " + std::to_string(json.size()) + " bytes exceeds the limit",
                json.substr(0, 256));
    return 1;
  }
  dom::element root;
  if (auto err = impl_->load(json, root); err != simdjson::SUCCESS) {
    std::string reason = err == simdjson::UTF8_ERROR ? "invalid UTF-8" : "invalid JSON";
    std::string detail = simdjson::error_message(err);
    if (err == simdjson::TAPE_ERROR || err == simdjson::INCOMPLETE_ARRAY_OR_OBJECT ||
        err == simdjson::UNCLOSED_STRING) {
      detail += " (the line looks cut off)";
    }
    diag.report(where, reason, detail, json);
    return 1;
  }
  dom::object top;
  if (root.get_object().get(top) != simdjson::SUCCESS) {
    diag.report(where, "not a banner", "expected a JSON object", json);
    return 1;
  }
  // A search page or host lookup wraps the banners in an array.
  dom::array list;
  bool wrapped = top["matches"].get_array().get(list) == simdjson::SUCCESS ||
                 top["data"].get_array().get(list) == simdjson::SUCCESS;
  auto one = [&](dom::object banner, const std::string& at, dom::element raw) {
    core::Observation o;
    if (auto err = map_banner(banner, o)) {
      diag.report(at, err->reason, err->detail, wrapped ? simdjson::to_string(raw) : json);
      return;
    }
    sink(std::move(o));
  };
  if (!wrapped) {
    one(top, where, root);
    return 1;
  }
  std::size_t n = 0;
  for (dom::element item : list) {
    ++n;
    std::string at = where + " banner " + std::to_string(n);
    dom::object banner;
    if (item.get_object().get(banner) != simdjson::SUCCESS) {
      diag.report(at, "not a banner", "expected a JSON object", simdjson::to_string(item));
      continue;
    }
    one(banner, at, item);
  }
  return n;
}

}  // namespace citywatch::scanner
