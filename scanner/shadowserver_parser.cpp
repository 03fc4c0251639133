#include "scanner/shadowserver_parser.h"

#include <array>

#include "core/redact.h"
#include "core/text.h"
#include "core/time.h"

namespace citywatch::scanner {
namespace {

// Column names as they stand in the header, normalised: lower case, BOM and spaces gone.
std::string normalise(std::string_view name) {
  if (name.size() >= 3 && name.substr(0, 3) == "\xEF\xBB\xBF") name.remove_prefix(3);
  return core::to_lower(core::trim(name));
}

// SNMP communities that ship as defaults on nearly every agent.
bool is_well_known_community(std::string_view value) {
  static constexpr std::array<std::string_view, 2> kDefaults{"public", "private"};
  for (auto d : kDefaults) {
    if (core::iequals(value, d)) return true;
  }
  return false;
}

std::string service_from_report(std::string_view report) {
  for (std::string_view prefix : {"scan6_", "scan_"}) {
    if (report.substr(0, prefix.size()) == prefix) return std::string(report.substr(prefix.size()));
  }
  return {};
}

}  // namespace

std::string ShadowserverParser::report_type_from_filename(std::string_view path) {
  auto slash = path.find_last_of('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  for (std::string_view ext : {".gz", ".csv"}) {
    if (name.size() > ext.size() && core::iequals(name.substr(name.size() - ext.size()), ext)) {
      name.remove_suffix(ext.size());
    }
  }
  // Shadowserver names files YYYY-MM-DD-<report type>-<recipient/geo...>.
  if (name.size() > 11 && name[4] == '-' && name[7] == '-' && name[10] == '-' &&
      core::parse_utc_date(name.substr(0, 10))) {
    name.remove_prefix(11);
  }
  name = name.substr(0, name.find('-'));
  // Report types are lower-case words joined by '_' and digits; anything else is not one.
  if (name.empty()) return {};
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return {};
  }
  return std::string(name);
}

std::optional<std::size_t> ShadowserverParser::column(std::string_view name) const {
  auto it = index_.find(std::string(name));
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

core::Result<void> ShadowserverParser::set_header(const std::vector<std::string_view>& names) {
  names_.clear();
  index_.clear();
  for (std::size_t i = 0; i < names.size(); ++i) {
    names_.push_back(normalise(names[i]));
    index_.emplace(names_.back(), i);  // the first of duplicate names wins
  }
  auto first = [&](std::initializer_list<std::string_view> options) -> std::optional<std::size_t> {
    for (auto name : options) {
      if (auto c = column(name)) return c;
    }
    return std::nullopt;
  };
  // The device is src_ip in event reports; ip in scan reports. A report with both is an event
  // report if its type says so.
  bool type_says_event = report_type_.rfind("event", 0) == 0;
  bool has_ip = column("ip").has_value();
  bool has_src = column("src_ip").has_value();
  event_ = has_src && (type_says_event || !has_ip);
  Columns c;
  if (event_) {
    c.ip = column("src_ip");
    c.port = column("src_port");
    c.src_port = column("src_port");
    c.asn = first({"src_asn", "asn"});
    c.geo = first({"src_geo", "geo"});
    c.region = first({"src_region", "region"});
    c.city = first({"src_city", "city"});
    c.hostname = first({"src_hostname", "hostname"});
  } else {
    c.ip = first({"ip", "src_ip"});
    c.port = first({"port", "src_port"});
    c.asn = column("asn");
    c.geo = column("geo");
    c.region = column("region");
    c.city = column("city");
    c.hostname = column("hostname");
  }
  c.timestamp = column("timestamp");
  c.protocol = column("protocol");
  c.tag = column("tag");
  c.vendor = column("device_vendor");
  c.type = column("device_type");
  c.model = first({"device_model", "modelfull", "modelshort"});
  c.version = column("device_version");
  c.firmware = column("firmware");
  c.product = column("product");
  c.severity = column("severity");
  c.infection = column("infection");
  c.application = column("application");
  if (!c.ip) {
    return core::fail(core::ErrorCode::kBadInput,
                      "no address column (ip or src_ip) in the header; is this a Shadowserver "
                      "report?");
  }
  if (!c.timestamp) {
    return core::fail(core::ErrorCode::kBadInput, "no timestamp column in the header");
  }
  cols_ = c;
  mapped_.assign(names_.size(), false);
  for (auto col : {c.ip, c.port, c.src_port, c.asn, c.geo, c.region, c.city, c.hostname,
                   c.timestamp, c.protocol, c.vendor, c.type, c.model, c.version, c.product}) {
    if (col) mapped_[*col] = true;
  }
  return core::ok();
}

void ShadowserverParser::parse_row(const std::vector<std::string_view>& values,
                                   const std::string& where, std::string_view raw,
                                   const ObservationSink& sink, core::Diagnostics& diag) {
  if (row_width_ == 0) {
    // Reports gain columns over time and some writers list a new column in the header before
    // they fill it. When the first row is short by trailing columns, that layout holds for the
    // file: the missing trailing columns are empty, and only rows of another width are bad.
    row_width_ = names_.size();
    if (values.size() < names_.size() && values.size() > 1) {
      row_width_ = values.size();
      std::string missing;
      for (std::size_t i = values.size(); i < names_.size(); ++i) {
        missing += (missing.empty() ? "" : ", ") + names_[i];
      }
      notes_.push_back("the header names " + std::to_string(names_.size()) +
                       " columns but the rows have " + std::to_string(values.size()) +
                       "; read as empty: " + missing);
    }
  }
  if (values.size() != row_width_) {
    diag.report(where, "wrong column count",
                "expected " + std::to_string(row_width_) + " columns, found " +
                    std::to_string(values.size()),
                raw);
    return;
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (auto bad = core::find_invalid_utf8(values[i])) {
      diag.report(where, "invalid UTF-8",
                  "column " + names_[i] + " has an invalid byte at offset " + std::to_string(*bad),
                  raw);
      return;
    }
  }
  auto get = [&](const std::optional<std::size_t>& col) -> std::string_view {
    return col && *col < values.size() ? core::trim(values[*col]) : std::string_view();
  };

  core::Observation o;
  o.source = core::Source::kShadowserver;
  o.kind = event_ ? core::ObservationKind::kEvent : core::ObservationKind::kService;
  o.report_type = report_type_;

  auto ip = core::IpAddress::parse(get(cols_.ip));
  if (!ip) {
    diag.report(where, "bad address", "not an IP address: " + clean_value(get(cols_.ip)), raw);
    return;
  }
  o.ip = *ip;
  auto when = core::parse_utc_timestamp(get(cols_.timestamp));
  if (!when) {
    diag.report(where, "bad timestamp",
                "cannot read timestamp " + clean_value(get(cols_.timestamp)), raw);
    return;
  }
  o.observed_at = *when;
  if (std::string_view port = get(cols_.port); !port.empty()) {
    auto n = core::parse_int(port, 0, 65535);
    if (!n) {
      diag.report(where, "bad port", "port is " + clean_value(port), raw);
      return;
    }
    o.port = static_cast<std::uint16_t>(*n);
  }
  if (cols_.src_port) {
    if (auto n = core::parse_int(get(cols_.src_port), 0, 65535)) {
      o.src_port = static_cast<std::uint16_t>(*n);
    }
  }
  // "protocol" holds the transport in every current report; older ones put the application
  // there, which then names the service.
  std::string_view protocol = get(cols_.protocol);
  if (auto t = core::parse_transport(protocol)) {
    o.transport = *t;
  } else if (!protocol.empty()) {
    o.protocol = core::to_lower(clean_value(protocol));
  }
  std::string_view tags = get(cols_.tag);
  for (auto& tag : core::split_trimmed(tags, ',')) {
    if (o.tags.size() < kMaxListItems) o.tags.push_back(clean_value(tag));
  }
  if (o.protocol.empty()) {
    if (std::string_view app = get(cols_.application); !app.empty()) {
      o.protocol = core::to_lower(clean_value(app));
    } else if (!o.tags.empty() && !event_) {
      o.protocol = core::to_lower(o.tags.front());
    } else {
      o.protocol = service_from_report(report_type_);
    }
  }
  o.asn = parse_asn(get(cols_.asn));
  o.geo.country_code = clean_value(get(cols_.geo));
  o.geo.region = clean_value(get(cols_.region));
  o.geo.city = clean_value(get(cols_.city));
  if (std::string_view host = get(cols_.hostname); !host.empty()) {
    o.hostnames.push_back(clean_value(host));
  }
  o.vendor = clean_value(get(cols_.vendor));
  o.device_type = clean_value(get(cols_.type));
  o.model = clean_value(get(cols_.model));
  o.firmware = clean_value(get(cols_.version));
  if (o.firmware.empty()) o.firmware = clean_value(get(cols_.firmware));
  o.product = clean_value(get(cols_.product));

  // Raw service data, for the excerpt; Shadowserver writes line breaks in banners as '|'.
  for (std::string_view name :
       {"banner", "raw_response", "response", "serverid_raw", "sysdesc", "server", "header"}) {
    if (auto col = column(name); col && *col < values.size() && !values[*col].empty()) {
      o.excerpt = make_excerpt(values[*col]);
      break;
    }
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (mapped_[i] || values[i].empty()) continue;
    std::string_view value = core::trim(values[i]);
    if (names_[i] == "community") {
      // The device answers a community everyone knows: that is the finding. The value itself
      // is a credential and is not kept (add_field redacts it).
      add_field(o, "default_snmp_access", is_well_known_community(value) ? "true" : "false");
    }
    add_field(o, names_[i], value);
  }
  sink(std::move(o));
}

}  // namespace citywatch::scanner
