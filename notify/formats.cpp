#include "notify/formats.h"

#include <openssl/sha.h>

#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "core/json_writer.h"

namespace citywatch::notify {
namespace {

constexpr std::string_view kCsvColumns[] = {
    "timestamp", "ip",     "port",     "src_port",   "transport",     "protocol",    "asn",
    "kind",      "code",   "severity", "confidence", "vendor",        "model",       "version",
    "cves",      "kev",    "evidence", "district",   "district_name", "observed_at", "first_seen",
    "last_seen", "notice", "status",   "batch_id",   "item",          "finding_id"};

// "2026-11-21 04:20:38": the timestamp form of Shadowserver's reports.
// CVE-YYYY-N...: what the X-ARF cve type accepts (a hand check: this runs per item).
bool is_cve_id(std::string_view id) {
  if (id.size() < 10 || id.size() > 32 || id.substr(0, 4) != "CVE-" || id[8] != '-') return false;
  for (std::size_t i = 4; i < id.size(); ++i) {
    if (i != 8 && (id[i] < '0' || id[i] > '9')) return false;
  }
  return true;
}

std::string sql_time(core::UnixSeconds t) {
  std::string s = core::format_utc(t);
  s[10] = ' ';
  s.pop_back();
  return s;
}

core::UnixSeconds latest(const core::BatchItem& item) {
  return item.observed_at.empty() ? item.last_seen : item.observed_at.back();
}

// Line breaks would split a row for line-based tools; a leading = + - @ would make a
// spreadsheet run the cell as a formula (banners are attacker-controlled text).
std::string csv_text(std::string_view v, bool from_device) {
  std::string s;
  s.reserve(v.size() + 3);
  if (from_device && !v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')) {
    s += '\'';
  }
  for (char c : v) {
    if (c == '\r' || c == '\n') {
      s += ' ';
    } else if (c == '"') {
      s += "\"\"";
    } else {
      s += c;
    }
  }
  return "\"" + s + "\"";
}

std::string cve_list(const std::vector<core::CveRef>& cves) {
  std::string out;
  for (const auto& c : cves) out += (out.empty() ? "" : " ") + c.id;
  return out;
}

bool any_kev(const std::vector<core::CveRef>& cves) {
  for (const auto& c : cves) {
    if (c.kev) return true;
  }
  return false;
}

std::string observed_list(const core::BatchItem& item) {
  std::string out;
  for (auto t : item.observed_at) out += (out.empty() ? "" : " ") + core::format_utc(t);
  return out;
}

void write_item_json(core::JsonWriter& w, const core::Batch& batch, const core::BatchItem& it) {
  w.begin_object();
  w.field("item", it.item).field("finding_id", it.finding_id);
  w.field("notice", core::to_string(it.notice)).field("status", core::to_string(it.status));
  w.field("timestamp", core::format_utc(latest(it))).field("ip", it.ip.to_string());
  w.field("port", static_cast<int>(it.port));
  w.key("src_port");
  if (it.src_port) {
    w.value(static_cast<int>(*it.src_port));
  } else {
    w.null();
  }
  w.field("transport", core::to_string(it.transport)).field("protocol", it.protocol);
  w.field("asn", static_cast<std::int64_t>(it.asn));
  w.field("kind", core::to_string(it.kind)).field("code", it.code);
  w.field("severity", core::to_string(it.severity));
  w.field("confidence", core::to_string(it.confidence));
  w.field("vendor", it.vendor).field("model", it.model).field("version", it.version);
  w.key("cves").begin_array();
  for (const auto& c : it.cves) {
    w.begin_object().field("id", c.id).field("cvss", c.cvss).field("kev", c.kev);
    w.field("verified", c.verified).end_object();
  }
  w.end_array();
  w.field("evidence", it.summary);
  w.field("district", it.district_code).field("district_name", it.district_name);
  w.key("observed_at").begin_array();
  for (auto t : it.observed_at) w.value(core::format_utc(t));
  w.end_array();
  w.field("first_seen", core::format_utc(it.first_seen));
  w.field("last_seen", core::format_utc(it.last_seen));
  w.field("batch_id", batch.id);
  w.end_object();
}

void contact(core::JsonWriter& w, const Reporter& r) {
  w.begin_object().field("org", r.org).field("contact", r.contact).field("domain", r.domain);
  w.end_object();
}

// Tags are "namespace:value" in lower case letters, digits and _ + - . (X-ARF core schema).
std::string tag_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    char l = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '_' || l == '+' ||
              l == '-' || l == '.';
    out += ok ? l : '_';
  }
  if (out.empty() || !((out[0] >= 'a' && out[0] <= 'z') || (out[0] >= '0' && out[0] <= '9'))) {
    out = "x" + out;
  }
  return out;
}

std::string report_uuid(const std::string& batch_id, int item) {
  std::string digest = sha256_hex(batch_id + "/" + std::to_string(item));
  // Version 4 layout (the schema asks for a UUID); the bits come from the hash so a retried
  // batch carries the same report ids.
  digest[12] = '4';
  static constexpr char kVariant[] = "89ab";
  digest[16] = kVariant[std::stoi(digest.substr(16, 1), nullptr, 16) & 3];
  return digest.substr(0, 8) + "-" + digest.substr(8, 4) + "-" + digest.substr(12, 4) + "-" +
         digest.substr(16, 4) + "-" + digest.substr(20, 12);
}

std::string xarf_severity(core::Severity s) {
  return s == core::Severity::kInfo ? "informational" : std::string(core::to_string(s));
}

double confidence_value(core::Confidence c) {
  switch (c) {
    case core::Confidence::kConfirmed:
      return 0.95;
    case core::Confidence::kLikely:
      return 0.7;
    case core::Confidence::kUnverified:
      return 0.5;
  }
  return 0.5;
}

std::string service_name(const core::BatchItem& it) {
  std::string s = it.protocol.empty()
                      ? std::string(core::to_string(it.transport)) + "/" + std::to_string(it.port)
                      : it.protocol;
  std::string product = (it.vendor + " " + it.model);
  if (product != " ")
    s += " (" + std::string(product.front() == ' ' ? product.substr(1) : product) + ")";
  return s.substr(0, 200);
}

void write_xarf_report(core::JsonWriter& w, const core::Batch& batch, const core::BatchItem& it,
                       const Reporter& reporter) {
  XarfClass cls = xarf_class(it);
  w.begin_object();
  w.field("xarf_version", "4.0.0").field("report_id", report_uuid(batch.id, it.item));
  w.field("timestamp", core::format_utc(latest(it)));
  w.key("reporter");
  contact(w, reporter);
  w.key("sender");
  contact(w, reporter);
  w.field("source_identifier", it.ip.to_string());
  std::uint16_t sport = it.src_port.value_or(it.port);
  if (sport > 0) w.field("source_port", static_cast<int>(sport));
  w.field("category", cls.category).field("type", cls.type);
  w.field("evidence_source", cls.type == "cve"   ? "automated_discovery"
                             : cls.type == "bot" ? "honeypot"
                                                 : "automated_scan");
  w.field("confidence", confidence_value(it.confidence));
  w.field("description", it.summary.substr(0, 1000));
  if (cls.category == "vulnerability") {
    w.field("service", service_name(it));
    if (it.port > 0) w.field("service_port", static_cast<int>(it.port));
    if (!it.version.empty()) w.field("service_version", it.version.substr(0, 100));
    w.field("severity", xarf_severity(it.severity));
  }
  if (cls.type == "cve") {
    std::vector<std::string> ids;
    double cvss = 0;
    for (const auto& c : it.cves) {
      if (is_cve_id(c.id) && ids.size() < 10 &&
          std::find(ids.begin(), ids.end(), c.id) == ids.end()) {
        ids.push_back(c.id);
        cvss = std::max(cvss, c.cvss);
      }
    }
    w.field("cve_id", ids.front());
    w.key("cve_ids").begin_array();
    for (const auto& id : ids) w.value(id);
    w.end_array();
    if (cvss > 0 && cvss <= 10) w.field("cvss_score", cvss);
    if (any_kev(it.cves)) w.field("exploitability", "weaponized");
  }
  if (cls.type == "bot") {
    w.field("compromise_evidence", it.summary.empty() ? it.code : it.summary);
    w.field("malware_family", it.code);
  }
  w.key("tags").begin_array();
  w.value("severity:" + tag_value(core::to_string(it.severity)));
  w.value("citywatch:" + tag_value(core::to_string(it.kind)));
  w.value("check:" + tag_value(it.code));
  if (!it.district_code.empty()) w.value("district:" + tag_value(it.district_code));
  w.end_array();
  std::string evidence =
      "Observed (UTC): " + observed_list(it) + "\nService: " + it.ip.to_string() + " " +
      std::string(core::to_string(it.transport)) + "/" + std::to_string(it.port) +
      (it.src_port ? " source port " + std::to_string(*it.src_port) : "") +
      "\nFinding: " + std::string(core::to_string(it.kind)) + " " + it.code + " (" +
      std::string(core::to_string(it.severity)) + ", " +
      std::string(core::to_string(it.confidence)) + ")\n" + it.summary + "\n";
  w.key("evidence").begin_array().begin_object();
  w.field("content_type", "text/plain");
  w.field("description", "When and where citywatch saw the problem");
  w.field("payload", base64(evidence));
  w.field("hash", "sha256:" + sha256_hex(evidence));
  w.field("size", static_cast<std::int64_t>(evidence.size()));
  w.end_object().end_array();
  // Extensions (the core schema allows additional properties): what ties the report to its
  // batch and finding, and the times an abuse desk needs.
  w.key("citywatch").begin_object();
  w.field("batch_id", batch.id).field("item", it.item).field("finding_id", it.finding_id);
  w.field("notice", core::to_string(it.notice)).field("status", core::to_string(it.status));
  w.field("asn", static_cast<std::int64_t>(it.asn)).field("district", it.district_code);
  w.key("observed_at").begin_array();
  for (auto t : it.observed_at) w.value(core::format_utc(t));
  w.end_array();
  w.end_object();
  w.end_object();
}

}  // namespace

std::string base64(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    std::uint32_t v = (static_cast<std::uint8_t>(data[i]) << 16) |
                      (static_cast<std::uint8_t>(data[i + 1]) << 8) |
                      static_cast<std::uint8_t>(data[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < data.size()) {
    std::uint32_t v = static_cast<std::uint8_t>(data[i]) << 16;
    if (i + 1 < data.size()) v |= static_cast<std::uint8_t>(data[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : md) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

XarfClass xarf_class(const core::BatchItem& item) {
  switch (item.kind) {
    case core::FindingKind::kInfected:
      return {"infrastructure", "bot"};
    case core::FindingKind::kExposedService:
      return {"vulnerability", "open"};
    case core::FindingKind::kVulnerable: {
      for (const auto& c : item.cves) {
        if (item.port > 0 && is_cve_id(c.id)) return {"vulnerability", "cve"};
      }
      return {"vulnerability", "misconfiguration"};
    }
    case core::FindingKind::kNoAuth:
    case core::FindingKind::kDefaultPassword:
      return {"vulnerability", "misconfiguration"};
  }
  return {"vulnerability", "misconfiguration"};
}

std::string render_csv(const core::Batch& batch) {
  std::string out;
  for (std::size_t i = 0; i < std::size(kCsvColumns); ++i) {
    out += (i ? ",\"" : "\"") + std::string(kCsvColumns[i]) + "\"";
  }
  out += "\n";
  for (const auto& it : batch.items) {
    out +=
        csv_text(sql_time(latest(it)), false) + "," + csv_text(it.ip.to_string(), false) + "," +
        std::to_string(it.port) + "," + (it.src_port ? std::to_string(*it.src_port) : "") + "," +
        csv_text(core::to_string(it.transport), false) + "," + csv_text(it.protocol, true) + "," +
        (it.asn ? std::to_string(it.asn) : "") + "," + csv_text(core::to_string(it.kind), false) +
        "," + csv_text(it.code, false) + "," + csv_text(core::to_string(it.severity), false) + "," +
        csv_text(core::to_string(it.confidence), false) + "," + csv_text(it.vendor, true) + "," +
        csv_text(it.model, true) + "," + csv_text(it.version, true) + "," +
        csv_text(cve_list(it.cves), false) + "," + (any_kev(it.cves) ? "Y" : "N") + "," +
        csv_text(it.summary, true) + "," + csv_text(it.district_code, false) + "," +
        csv_text(it.district_name, false) + "," + csv_text(observed_list(it), false) + "," +
        csv_text(sql_time(it.first_seen), false) + "," + csv_text(sql_time(it.last_seen), false) +
        "," + csv_text(core::to_string(it.notice), false) + "," +
        csv_text(core::to_string(it.status), false) + "," + csv_text(batch.id, false) + "," +
        std::to_string(it.item) + "," + std::to_string(it.finding_id) + "\n";
  }
  return out;
}

std::string render_json(const core::Batch& batch) {
  core::JsonWriter w;
  w.begin_object().field("batch_id", batch.id).field("partner", batch.partner_name);
  w.field("format", "json").field("created_at", core::format_utc(batch.created_at));
  w.field("item_count", static_cast<std::int64_t>(batch.items.size()));
  w.key("items").begin_array();
  for (const auto& it : batch.items) write_item_json(w, batch, it);
  w.end_array().end_object();
  return w.take() + "\n";
}

std::string render_xarf(const core::Batch& batch, const Reporter& reporter) {
  core::JsonWriter w;
  w.begin_object().field("batch_id", batch.id).field("partner", batch.partner_name);
  w.field("format", "xarf").field("xarf_version", "4.0.0");
  w.field("created_at", core::format_utc(batch.created_at));
  w.field("report_count", static_cast<std::int64_t>(batch.items.size()));
  w.key("reports").begin_array();
  for (const auto& it : batch.items) write_xarf_report(w, batch, it, reporter);
  w.end_array().end_object();
  return w.take() + "\n";
}

std::string render(const core::Batch& batch, core::BatchFormat format, const Reporter& reporter) {
  switch (format) {
    case core::BatchFormat::kCsv:
      return render_csv(batch);
    case core::BatchFormat::kJson:
      return render_json(batch);
    case core::BatchFormat::kXarf:
      return render_xarf(batch, reporter);
  }
  return render_csv(batch);
}

std::string content_type(core::BatchFormat format) {
  return format == core::BatchFormat::kCsv ? "text/csv; charset=utf-8" : "application/json";
}

std::string file_extension(core::BatchFormat format) {
  return format == core::BatchFormat::kCsv ? "csv" : "json";
}

std::string render_summary(const core::Batch& batch, const std::string& city) {
  std::map<std::string, int> by_severity, by_kind;
  int rechecks = 0;
  for (const auto& it : batch.items) {
    if (it.notice == core::Notice::kRecheck) {
      ++rechecks;
      continue;
    }
    ++by_severity[std::string(core::to_string(it.severity))];
    ++by_kind[std::string(core::to_string(it.kind))];
  }
  std::string s = "Insecure internet-connected devices in " + city +
                  " on addresses you route\n\nBatch " + batch.id + ", created " +
                  core::format_utc(batch.created_at) + ": " +
                  std::to_string(batch.items.size() - static_cast<std::size_t>(rechecks)) +
                  " findings and " + std::to_string(rechecks) + " re-check outcomes.\n\n";
  s += "By severity:\n";
  for (std::string_view sev : {"critical", "high", "medium", "low", "info"}) {
    auto it = by_severity.find(std::string(sev));
    if (it != by_severity.end())
      s += "  " + std::string(sev) + ": " + std::to_string(it->second) + "\n";
  }
  s += "By kind:\n";
  for (const auto& [k, n] : by_kind) s += "  " + k + ": " + std::to_string(n) + "\n";
  s += "\nThe attached CSV has one row per finding with the exact UTC times of the observations "
       "(column observed_at), the port and the source port where known, so the subscriber behind "
       "a dynamic address or CGNAT can be found. Rows with notice \"recheck\" report what became "
       "of findings you acknowledged earlier (status fixed, verified, gone or open).\n\n"
       "Please acknowledge the batch and give feedback per item (not-our-customer, "
       "customer-informed, fixed, dispute) citing the batch id " +
       batch.id + " and the item number.\n";
  return s;
}

core::Result<void> validate_xarf_report(const std::string& text) {
  auto bad = [](std::string what) {
    return core::fail(core::ErrorCode::kBadInput, "X-ARF report: " + std::move(what));
  };
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  for (const char* key : {"xarf_version", "report_id", "timestamp", "reporter", "sender",
                          "source_identifier", "category", "type"}) {
    if (!j.contains(key)) return bad(std::string("missing required field ") + key);
  }
  auto str = [&j](const char* key) -> const std::string* {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
  };
  static const std::regex kVersion("^4\\.[0-9]+\\.[0-9]+$");
  static const std::regex kUuid("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
  static const std::regex kDateTime(
      "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})"
      "$");
  static const std::regex kEmail("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");
  static const std::regex kHost(
      "^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$");
  static const std::regex kTag("^[a-z0-9][a-z0-9_+-]*:[a-z0-9][a-z0-9_+\\-.]*$");
  static const std::regex kCve("^CVE-[0-9]{4}-[0-9]+$");
  static const std::regex kHash("^(md5|sha1|sha256|sha512):[a-fA-F0-9]+$");
  if (!str("xarf_version") || !std::regex_match(*str("xarf_version"), kVersion)) {
    return bad("xarf_version must look like 4.0.0");
  }
  if (!str("report_id") || !std::regex_match(*str("report_id"), kUuid)) {
    return bad("report_id must be a UUID");
  }
  if (!str("timestamp") || !std::regex_match(*str("timestamp"), kDateTime)) {
    return bad("timestamp must be an RFC 3339 date-time");
  }
  for (const char* who : {"reporter", "sender"}) {
    const auto& c = j[who];
    if (!c.is_object() || c.size() != 3)
      return bad(std::string(who) + " must hold org, contact, domain only");
    if (!c.contains("org") || !c["org"].is_string() || c["org"].get<std::string>().size() > 200) {
      return bad(std::string(who) + ".org must be a string of at most 200 characters");
    }
    if (!c.contains("contact") || !c["contact"].is_string() ||
        !std::regex_match(c["contact"].get<std::string>(), kEmail)) {
      return bad(std::string(who) + ".contact must be an email address");
    }
    if (!c.contains("domain") || !c["domain"].is_string() ||
        !std::regex_match(c["domain"].get<std::string>(), kHost)) {
      return bad(std::string(who) + ".domain must be a host name");
    }
  }
  if (!str("source_identifier") || str("source_identifier")->empty()) {
    return bad("source_identifier must be a non-empty string");
  }
  auto port_ok = [&j](const char* key) {
    if (!j.contains(key)) return true;
    const auto& p = j[key];
    return p.is_number_integer() && p.get<std::int64_t>() >= 1 && p.get<std::int64_t>() <= 65535;
  };
  if (!port_ok("source_port")) return bad("source_port must be an integer 1-65535");
  if (!port_ok("service_port")) return bad("service_port must be an integer 1-65535");
  static const std::map<std::string, std::vector<std::string>> kTypes{
      {"vulnerability", {"cve", "open", "misconfiguration"}},
      {"infrastructure", {"bot", "botnet", "compromised_server"}},
      {"messaging", {}},
      {"content", {}},
      {"copyright", {}},
      {"connection", {}},
      {"reputation", {}}};
  const std::string* category = str("category");
  const std::string* type = str("type");
  if (!category || !kTypes.contains(*category)) return bad("category is not an X-ARF category");
  if (!type) return bad("type must be a string");
  const auto& types = kTypes.at(*category);
  if (!types.empty() && std::find(types.begin(), types.end(), *type) == types.end()) {
    return bad("type " + *type + " is not one citywatch sends for category " + *category);
  }
  if (j.contains("confidence")) {
    const auto& c = j["confidence"];
    if (!c.is_number() || c.get<double>() < 0 || c.get<double>() > 1) {
      return bad("confidence must be a number from 0 to 1");
    }
  }
  if (j.contains("description") &&
      (!j["description"].is_string() || j["description"].get<std::string>().size() > 1000)) {
    return bad("description must be a string of at most 1000 characters");
  }
  if (j.contains("tags")) {
    if (!j["tags"].is_array() || j["tags"].size() > 20) return bad("tags must be at most 20");
    for (const auto& t : j["tags"]) {
      if (!t.is_string() || !std::regex_match(t.get<std::string>(), kTag)) {
        return bad("tag " + t.dump() + " is not namespace:value");
      }
    }
  }
  if (j.contains("evidence")) {
    if (!j["evidence"].is_array() || j["evidence"].size() > 50) return bad("evidence: at most 50");
    for (const auto& e : j["evidence"]) {
      if (!e.is_object() || !e.contains("content_type") || !e["content_type"].is_string() ||
          !e.contains("payload") || !e["payload"].is_string()) {
        return bad("evidence items need content_type and payload strings");
      }
      for (const auto& [k, v] : e.items()) {
        if (k != "content_type" && k != "payload" && k != "description" && k != "hash" &&
            k != "size") {
          return bad("evidence item has unknown field " + k);
        }
      }
      if (e.contains("hash") &&
          (!e["hash"].is_string() || !std::regex_match(e["hash"].get<std::string>(), kHash))) {
        return bad("evidence hash must be algorithm:hex");
      }
      if (e.contains("size") &&
          (!e["size"].is_number_integer() || e["size"].get<std::int64_t>() < 0 ||
           e["size"].get<std::int64_t>() > 5242880)) {
        return bad("evidence size must be 0-5242880");
      }
    }
  }
  if (*category == "vulnerability") {
    const std::string* service = str("service");
    if (!service || service->size() > 200) return bad("vulnerability reports need a service");
  }
  if (*type == "cve") {
    if (!j.contains("service_port")) return bad("cve reports need service_port");
    if (!str("cve_id") || !std::regex_match(*str("cve_id"), kCve)) {
      return bad("cve reports need cve_id like CVE-2021-44228");
    }
    if (j.contains("cve_ids")) {
      if (!j["cve_ids"].is_array() || j["cve_ids"].size() > 10) return bad("cve_ids: at most 10");
      std::vector<std::string> seen;
      for (const auto& c : j["cve_ids"]) {
        if (!c.is_string() || !std::regex_match(c.get<std::string>(), kCve)) {
          return bad("cve_ids must be CVE ids");
        }
        if (std::find(seen.begin(), seen.end(), c.get<std::string>()) != seen.end()) {
          return bad("cve_ids must be unique");
        }
        seen.push_back(c.get<std::string>());
      }
    }
    if (j.contains("cvss_score") &&
        (!j["cvss_score"].is_number() || j["cvss_score"].get<double>() < 0 ||
         j["cvss_score"].get<double>() > 10)) {
      return bad("cvss_score must be 0-10");
    }
  }
  if (j.contains("severity")) {
    static const std::vector<std::string> kSev{"informational", "low", "medium", "high",
                                               "critical"};
    if (!j["severity"].is_string() ||
        std::find(kSev.begin(), kSev.end(), j["severity"].get<std::string>()) == kSev.end()) {
      return bad("severity must be informational, low, medium, high or critical");
    }
  }
  if (*type == "bot" && !str("compromise_evidence")) {
    return bad("bot reports need compromise_evidence");
  }
  return core::ok();
}

}  // namespace citywatch::notify
