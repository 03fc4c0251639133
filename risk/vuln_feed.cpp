#include "risk/vuln_feed.h"

#include <simdjson.h>

#include "core/text.h"
#include "risk/cpe.h"

namespace citywatch::risk {
namespace {

namespace dom = simdjson::dom;

constexpr std::size_t kMaxMatchesPerCve = 20000;
constexpr std::size_t kMaxText = 4096;

std::string str(dom::object obj, std::string_view key, std::size_t max = kMaxText) {
  std::string_view s;
  if (obj[key].get_string().get(s) != simdjson::SUCCESS) return {};
  return std::string(s.substr(0, max));
}

double number(dom::element e) {
  double d = 0;
  if (e.get_double().get(d) == simdjson::SUCCESS) return d;
  std::int64_t i = 0;
  if (e.get_int64().get(i) == simdjson::SUCCESS) return static_cast<double>(i);
  return 0;
}

bool valid_cve_id(std::string_view id) {
  if (id.size() < 9 || id.size() > 32 || !id.starts_with("CVE-")) return false;
  for (char c : id.substr(4)) {
    if (!((c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

void add_match(core::CveRecord& rec, dom::object m) {
  if (rec.matches.size() >= kMaxMatchesPerCve) return;
  bool vulnerable = false;
  if (m["vulnerable"].get_bool().get(vulnerable) != simdjson::SUCCESS || !vulnerable) return;
  core::CpeMatch cm;
  cm.cve = rec.id;
  cm.criteria = str(m, "criteria", 512);
  auto cpe = parse_cpe(cm.criteria);
  if (!cpe) return;
  cm.cpe = *cpe;
  cm.start_including = str(m, "versionStartIncluding", 128);
  cm.start_excluding = str(m, "versionStartExcluding", 128);
  cm.end_including = str(m, "versionEndIncluding", 128);
  cm.end_excluding = str(m, "versionEndExcluding", 128);
  rec.matches.push_back(std::move(cm));
}

// Best CVSS base score: v4.0, v3.1, v3.0, then v2; NVD's own (Primary) entry first.
void read_metrics(core::CveRecord& rec, dom::object metrics) {
  for (std::string_view key : {"cvssMetricV40", "cvssMetricV31", "cvssMetricV30", "cvssMetricV2"}) {
    dom::array list;
    if (metrics[key].get_array().get(list) != simdjson::SUCCESS) continue;
    for (int pass = 0; pass < 2 && rec.cvss == 0; ++pass) {
      for (dom::element item : list) {
        dom::object m, data;
        if (item.get_object().get(m) != simdjson::SUCCESS) continue;
        if (pass == 0 && str(m, "type") != "Primary") continue;
        if (m["cvssData"].get_object().get(data) != simdjson::SUCCESS) continue;
        dom::element score;
        if (data["baseScore"].get(score) != simdjson::SUCCESS) continue;
        rec.cvss = number(score);
        rec.cvss_vector = str(data, "vectorString", 256);
        break;
      }
    }
    if (rec.cvss > 0) return;
  }
}

// One NVD API 2.0 cve object.
bool read_nvd_cve(dom::object cve, core::CveRecord& rec, std::string& problem) {
  rec.id = str(cve, "id", 64);
  if (!valid_cve_id(rec.id)) {
    problem =
        rec.id.empty() ? "no id" : "id is not a CVE id: " + core::printable_excerpt(rec.id, 40);
    return false;
  }
  rec.published = str(cve, "published", 64);
  rec.last_modified = str(cve, "lastModified", 64);
  rec.kev_date = str(cve, "cisaExploitAdd", 32);
  dom::array descriptions;
  if (cve["descriptions"].get_array().get(descriptions) == simdjson::SUCCESS) {
    for (dom::element d : descriptions) {
      dom::object o;
      if (d.get_object().get(o) == simdjson::SUCCESS && str(o, "lang") == "en") {
        rec.description = str(o, "value");
        break;
      }
    }
  }
  dom::object metrics;
  if (cve["metrics"].get_object().get(metrics) == simdjson::SUCCESS) read_metrics(rec, metrics);
  dom::array configurations;
  if (cve["configurations"].get_array().get(configurations) == simdjson::SUCCESS) {
    for (dom::element config : configurations) {
      dom::array nodes;
      if (config["nodes"].get_array().get(nodes) != simdjson::SUCCESS) continue;
      for (dom::element node : nodes) {
        bool negate = false;
        if (node["negate"].get_bool().get(negate) != simdjson::SUCCESS) negate = false;
        if (negate) continue;  // "everything but": not a statement of what is vulnerable
        dom::array matches;
        if (node["cpeMatch"].get_array().get(matches) != simdjson::SUCCESS) continue;
        for (dom::element m : matches) {
          dom::object mo;
          if (m.get_object().get(mo) == simdjson::SUCCESS) add_match(rec, mo);
        }
      }
    }
  }
  return true;
}

// The flattened extracts of the shared test data: {id, description, cvss{}, cpeMatch[]}.
bool read_extract(dom::object r, core::CveRecord& rec, std::string& problem) {
  rec.id = str(r, "id", 64);
  if (!valid_cve_id(rec.id)) {
    problem = "no CVE id";
    return false;
  }
  rec.description = str(r, "description");
  rec.published = str(r, "published", 64);
  rec.last_modified = str(r, "lastModified", 64);
  rec.kev_date = str(r, "cisaExploitAdd", 32);
  dom::object cvss;
  if (r["cvss"].get_object().get(cvss) == simdjson::SUCCESS) {
    dom::element score;
    if (cvss["baseScore"].get(score) == simdjson::SUCCESS) rec.cvss = number(score);
    rec.cvss_vector = str(cvss, "vectorString", 256);
  }
  dom::array matches;
  if (r["cpeMatch"].get_array().get(matches) == simdjson::SUCCESS) {
    for (dom::element m : matches) {
      dom::object mo;
      if (m.get_object().get(mo) == simdjson::SUCCESS) add_match(rec, mo);
    }
  }
  return true;
}

bool read_kev(dom::object v, core::KevEntry& e, std::string& problem) {
  e.cve = str(v, "cveID", 64);
  if (!valid_cve_id(e.cve)) {
    problem = "no valid cveID";
    return false;
  }
  e.vendor = str(v, "vendorProject", 256);
  e.product = str(v, "product", 256);
  e.name = str(v, "vulnerabilityName", 512);
  e.date_added = str(v, "dateAdded", 32);
  e.due_date = str(v, "dueDate", 32);
  e.ransomware = str(v, "knownRansomwareCampaignUse", 32);
  return true;
}

}  // namespace

core::Result<VulnFeedSummary> parse_vuln_feed(std::string_view json, const std::string& name,
                                              const VulnFeedSinks& sinks, core::Diagnostics& diag) {
  if (json.size() > kMaxVulnFileBytes) {
    return core::fail(core::ErrorCode::kBadInput, "file larger than 2 GiB", name);
  }
  dom::parser parser(json.size() + 64);
  simdjson::padded_string padded(json);
  dom::element root;
  if (auto err = parser.parse(padded).get(root); err) {
    return core::fail(core::ErrorCode::kBadInput,
                      std::string("not JSON: ") + simdjson::error_message(err) +
                          " (expected an NVD CVE JSON file or the CISA KEV catalogue)",
                      name);
  }
  dom::object top;
  if (root.get_object().get(top) != simdjson::SUCCESS) {
    return core::fail(core::ErrorCode::kBadInput, "expected a JSON object at the top", name);
  }
  VulnFeedSummary summary;
  auto report = [&](std::size_t n, const std::string& problem, dom::element raw) {
    diag.report(name + " record " + std::to_string(n), "bad record", problem,
                core::printable_excerpt(simdjson::to_string(raw), 256));
  };
  auto emit_cve = [&](core::CveRecord&& rec) {
    if (sinks.cve) sinks.cve(std::move(rec));
  };

  dom::array list;
  if (top["vulnerabilities"].get_array().get(list) == simdjson::SUCCESS) {
    // KEV items carry cveID; NVD pages wrap each record in {"cve": {...}}.
    bool kev = top["catalogVersion"].error() == simdjson::SUCCESS;
    for (dom::element item : list) {
      if (item["cveID"].error() == simdjson::SUCCESS) kev = true;
      break;
    }
    summary.kind = kev ? VulnFeedKind::kKev : VulnFeedKind::kNvd;
    summary.catalog_version = str(top, kev ? "catalogVersion" : "timestamp", 64);
    for (dom::element item : list) {
      ++summary.records;
      std::string problem;
      dom::object obj;
      if (item.get_object().get(obj) != simdjson::SUCCESS) {
        report(summary.records, "not a JSON object", item);
        continue;
      }
      if (kev) {
        core::KevEntry e;
        if (!read_kev(obj, e, problem)) {
          report(summary.records, problem, item);
        } else if (sinks.kev) {
          sinks.kev(std::move(e));
        }
        continue;
      }
      dom::object cve;
      core::CveRecord rec;
      if (obj["cve"].get_object().get(cve) != simdjson::SUCCESS) {
        report(summary.records, "no \"cve\" object", item);
      } else if (!read_nvd_cve(cve, rec, problem)) {
        report(summary.records, problem, item);
      } else {
        emit_cve(std::move(rec));
      }
    }
    return summary;
  }
  if (top["records"].get_array().get(list) == simdjson::SUCCESS) {
    for (dom::element item : list) {
      ++summary.records;
      std::string problem;
      dom::object obj;
      core::CveRecord rec;
      if (item.get_object().get(obj) != simdjson::SUCCESS) {
        report(summary.records, "not a JSON object", item);
      } else if (!read_extract(obj, rec, problem)) {
        report(summary.records, problem, item);
      } else {
        emit_cve(std::move(rec));
      }
    }
    return summary;
  }
  dom::object cve = top;
  dom::object inner;
  if (top["cve"].get_object().get(inner) == simdjson::SUCCESS) cve = inner;
  if (cve["id"].error() == simdjson::SUCCESS &&
      (cve["configurations"].error() == simdjson::SUCCESS ||
       cve["descriptions"].error() == simdjson::SUCCESS)) {
    summary.records = 1;
    core::CveRecord rec;
    std::string problem;
    if (!read_nvd_cve(cve, rec, problem)) {
      report(1, problem, root);
    } else {
      emit_cve(std::move(rec));
    }
    return summary;
  }
  return core::fail(core::ErrorCode::kBadInput,
                    "neither an NVD CVE file (vulnerabilities[].cve, a single CVE record) nor "
                    "the CISA KEV catalogue (vulnerabilities[].cveID)",
                    name);
}

}  // namespace citywatch::risk
