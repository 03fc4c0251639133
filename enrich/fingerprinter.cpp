#include "enrich/fingerprinter.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/text.h"

namespace citywatch::enrich {
namespace {

namespace dom = simdjson::dom;

constexpr std::size_t kMaxRuleLine = 64 * 1024;
constexpr std::size_t kMaxRuleFile = 16 * 1024 * 1024;

core::Failure rule_error(const std::string& where, const std::string& message) {
  return core::fail(core::ErrorCode::kConfig, message, where);
}

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 80) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  return true;
}

// CPE 2.3 component: lower case, spaces to '_', characters CPE reserves escaped.
std::string cpe_component(std::string_view value) {
  if (value.empty()) return "*";
  std::string out;
  for (char c : value) {
    char l = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (l == ' ') {
      out += '_';
    } else if ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '_' || l == '.' ||
               l == '-') {
      out += l;
    } else {
      out += '\\';
      out += l;
    }
  }
  return out;
}

core::Result<std::string> string_member(dom::object obj, std::string_view key,
                                        const std::string& where, bool required) {
  dom::element e;
  if (obj[key].get(e) != simdjson::SUCCESS) {
    if (required) return rule_error(where, "missing \"" + std::string(key) + "\"");
    return std::string();
  }
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) {
    return rule_error(where, "\"" + std::string(key) + "\" must be a string");
  }
  return std::string(s);
}

}  // namespace

std::string render_cpe(std::string_view tmpl, std::string_view version, std::string_view model) {
  std::string out;
  std::size_t i = 0;
  while (i < tmpl.size()) {
    if (tmpl.substr(i, 9) == "{version}") {
      out += cpe_component(version);
      i += 9;
    } else if (tmpl.substr(i, 7) == "{model}") {
      out += cpe_component(model);
      i += 7;
    } else {
      out += tmpl[i++];
    }
  }
  std::size_t parts = static_cast<std::size_t>(std::count(out.begin(), out.end(), ':'));
  // cpe:2.3:part:vendor:product:version:update:edition:language:sw_ed:target_sw:target_hw:other
  if (parts == 4) out += ":*", ++parts;
  while (parts < 12) {
    out += ":*";
    ++parts;
  }
  return out;
}

core::Result<Fingerprinter> Fingerprinter::load_dir(const std::string& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".jsonl") files.push_back(entry.path());
  }
  if (ec) {
    return core::fail(core::ErrorCode::kConfig,
                      "cannot read the fingerprint rules: " + ec.message() +
                          " (set CITYWATCH_DATA_DIR to the folder holding fingerprints/)",
                      dir);
  }
  if (files.empty()) {
    return core::fail(core::ErrorCode::kConfig,
                      "no fingerprint rule files (*.jsonl); set CITYWATCH_DATA_DIR to the "
                      "folder holding fingerprints/",
                      dir);
  }
  std::sort(files.begin(), files.end());
  Fingerprinter f;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::string text;
    if (in) {
      std::ostringstream buf;
      buf << in.rdbuf();
      text = buf.str();
    }
    if (!in && !in.eof()) {
      return core::fail(core::ErrorCode::kIo, "cannot read rule file", path.string());
    }
    if (text.size() > kMaxRuleFile) {
      return core::fail(core::ErrorCode::kConfig, "rule file larger than 16 MiB", path.string());
    }
    CITYWATCH_TRY(f.add_file(text, path.string()));
  }
  f.build_index();
  return f;
}

core::Result<Fingerprinter> Fingerprinter::from_text(std::string_view text,
                                                     const std::string& name) {
  Fingerprinter f;
  CITYWATCH_TRY(f.add_file(text, name));
  f.build_index();
  return f;
}

core::Result<void> Fingerprinter::add_file(std::string_view file, const std::string& name) {
  dom::parser parser;
  std::set<std::string> ids;
  for (const auto& r : rules_) ids.insert(r.id);
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < file.size()) {
    std::size_t end = file.find('\n', pos);
    if (end == std::string_view::npos) end = file.size();
    std::string_view line = core::trim(file.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    std::string where = name + ":" + std::to_string(line_no);
    if (line.empty() || line[0] == '#') continue;
    if (line.size() > kMaxRuleLine) return rule_error(where, "rule longer than 64 KiB");
    dom::element root;
    if (auto err = parser.parse(line.data(), line.size(), true).get(root); err) {
      return rule_error(where, std::string("not valid JSON: ") + simdjson::error_message(err));
    }
    dom::object obj;
    if (root.get_object().get(obj) != simdjson::SUCCESS) {
      return rule_error(where, "a rule must be one JSON object per line");
    }
    static constexpr std::string_view kKeys[] = {
        "id",    "vendor", "model",  "type", "version", "cpe",          "confidence",
        "match", "test",   "expect", "note", "source",  "version_from", "model_from"};
    for (auto [key, value] : obj) {
      (void)value;
      if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
        return rule_error(where, "unknown key \"" + std::string(key) +
                                     "\" (keys: id, vendor, model, type, version, cpe, "
                                     "confidence, match, test, expect, note, source, "
                                     "version_from, model_from)");
      }
    }
    Rule rule;
    rule.where = where;
    auto id = string_member(obj, "id", where, true);
    if (!id) return core::fail(id.error());
    if (!valid_id(*id)) {
      return rule_error(where, "id \"" + *id + "\" must be lower-case letters, digits, '-', '.'");
    }
    if (!ids.insert(*id).second) return rule_error(where, "duplicate rule id \"" + *id + "\"");
    rule.id = *id;
    where += " (" + rule.id + ")";
    rule.where = where;
    for (auto [key, dest] : {std::pair<std::string_view, std::string*>{"vendor", &rule.vendor},
                             {"model", &rule.model},
                             {"type", &rule.device_type},
                             {"version", &rule.version},
                             {"cpe", &rule.cpe_template}}) {
      auto v = string_member(obj, key, where, false);
      if (!v) return core::fail(v.error());
      *dest = *v;
    }
    if (rule.vendor.empty() && rule.device_type.empty()) {
      return rule_error(where, "a rule must name a vendor, a type or both");
    }
    if (!rule.device_type.empty() && !core::is_device_type(rule.device_type)) {
      std::string known;
      for (auto t : core::kDeviceTypes) known += (known.empty() ? "" : ", ") + std::string(t);
      return rule_error(where, "unknown type \"" + rule.device_type + "\" (known: " + known + ")");
    }
    if (!rule.cpe_template.empty()) {
      std::string_view c = rule.cpe_template;
      if (!c.starts_with("cpe:2.3:") || c.size() < 12 ||
          std::string_view("aoh").find(c[8]) == std::string_view::npos || c[9] != ':') {
        return rule_error(where, "cpe must start with cpe:2.3:a:, cpe:2.3:o: or cpe:2.3:h:");
      }
      if (std::count(c.begin(), c.end(), ':') < 4) {
        return rule_error(where, "cpe needs at least part:vendor:product");
      }
    }
    for (auto [key, dest] :
         {std::pair<std::string_view, std::optional<Field>*>{"version_from", &rule.version_from},
          {"model_from", &rule.model_from}}) {
      auto v = string_member(obj, key, where, false);
      if (!v) return core::fail(v.error());
      if (v->empty()) continue;
      auto f = parse_field(*v);
      if (!f) return rule_error(where, std::string(key) + " names an unknown field \"" + *v + "\"");
      *dest = *f;
    }
    dom::element conf;
    if (obj["confidence"].get(conf) == simdjson::SUCCESS) {
      std::int64_t n = 0;
      if (conf.get_int64().get(n) != simdjson::SUCCESS || n < 1 || n > 100) {
        return rule_error(where, "confidence must be a whole number from 1 to 100");
      }
      rule.confidence = static_cast<int>(n);
    }
    dom::object match;
    if (obj["match"].get_object().get(match) != simdjson::SUCCESS) {
      return rule_error(where, "missing \"match\" object (field -> pattern)");
    }
    for (auto [key, value] : match) {
      auto field = parse_field(key);
      if (!field) {
        std::string known;
        for (std::size_t i = 0; i < kFieldCount; ++i) {
          known += (i ? ", " : "") + std::string(field_name(static_cast<Field>(i)));
        }
        return rule_error(
            where, "unknown match field \"" + std::string(key) + "\" (fields: " + known + ")");
      }
      Condition cond;
      cond.field = *field;
      // A copy: lambdas may not capture structured bindings before C++20 as clang 14 reads it.
      std::string field_key(key);
      auto add_pattern = [&](dom::element e) -> core::Result<void> {
        std::string_view text;
        if (e.get_string().get(text) != simdjson::SUCCESS) {
          return rule_error(
              where, "match \"" + field_key + "\" must be a pattern string or a list of them");
        }
        auto p = Pattern::compile(text);
        if (!p) {
          return rule_error(where, "match \"" + field_key + "\": " + p.error().message);
        }
        cond.any_of.push_back(std::move(*p));
        return core::ok();
      };
      if (value.is_array()) {
        for (dom::element item : value.get_array()) CITYWATCH_TRY(add_pattern(item));
        if (cond.any_of.empty()) return rule_error(where, "empty pattern list");
      } else {
        CITYWATCH_TRY(add_pattern(value));
      }
      rule.conditions.push_back(std::move(cond));
    }
    if (rule.conditions.empty()) return rule_error(where, "\"match\" is empty");
    dom::object test;
    if (obj["test"].get_object().get(test) != simdjson::SUCCESS) {
      return rule_error(where,
                        "missing \"test\": every rule carries a banner it must match "
                        "(field -> text, e.g. {\"http.server\": \"App-webs/\"})");
    }
    for (auto [key, value] : test) {
      auto field = parse_field(key);
      std::string_view text;
      if (!field || value.get_string().get(text) != simdjson::SUCCESS) {
        return rule_error(
            where, "test \"" + std::string(key) + "\" must be a known field with a string value");
      }
      rule.test[*field] = std::string(text);
    }
    rule.expect.vendor = rule.vendor;
    rule.expect.model = rule.model;
    rule.expect.device_type = rule.device_type;
    rule.expect.version = rule.version;
    dom::object expect;
    if (obj["expect"].get_object().get(expect) == simdjson::SUCCESS) {
      for (auto [key, value] : expect) {
        std::string_view text;
        if (value.get_string().get(text) != simdjson::SUCCESS) {
          return rule_error(where, "expect values must be strings");
        }
        if (key == "version") {
          rule.expect.version = std::string(text);
        } else if (key == "model") {
          rule.expect.model = std::string(text);
        } else if (key == "vendor") {
          rule.expect.vendor = std::string(text);
        } else if (key == "type") {
          rule.expect.device_type = std::string(text);
        } else if (key == "cpe") {
          rule.expect.cpe = std::string(text);
        } else {
          return rule_error(where, "unknown expect key \"" + std::string(key) +
                                       "\" (vendor, model, type, version, cpe)");
        }
      }
    }
    // The rule must match its own test case, capturing what it expects.
    Captures caps;
    if (!evaluate(rule, rule.test, caps)) {
      return rule_error(where, "the rule does not match its own test case");
    }
    if (caps.version.empty() && rule.version_from) caps.version = rule.test[*rule.version_from];
    if (caps.model.empty() && rule.model_from) caps.model = rule.test[*rule.model_from];
    if (!rule.expect.version.empty() && rule.version.empty() &&
        caps.version != rule.expect.version) {
      return rule_error(where, "test case captured version \"" + caps.version + "\", expected \"" +
                                   rule.expect.version + "\"");
    }
    if (!rule.expect.model.empty() && rule.model.empty() && caps.model != rule.expect.model) {
      return rule_error(where, "test case captured model \"" + caps.model + "\", expected \"" +
                                   rule.expect.model + "\"");
    }
    rules_.push_back(std::move(rule));
  }
  return core::ok();
}

void Fingerprinter::build_index() {
  index_.assign(kFieldCount, {});
  for (std::size_t r = 0; r < rules_.size(); ++r) {
    // Index each rule under its most selective condition: the one whose weakest prefilter is
    // longest. The others are checked only when that one's literal is present.
    std::size_t best = 0, best_len = 0;
    for (std::size_t c = 0; c < rules_[r].conditions.size(); ++c) {
      std::size_t weakest = SIZE_MAX;
      for (const auto& p : rules_[r].conditions[c].any_of) {
        weakest = std::min(weakest, p.prefilter().size());
      }
      if (weakest > best_len) {
        best = c;
        best_len = weakest;
      }
    }
    index_[static_cast<std::size_t>(rules_[r].conditions[best].field)].push_back({r, best});
  }
}

bool Fingerprinter::evaluate(const Rule& rule, const BannerFields& fields,
                             Captures& captures) const {
  for (const auto& cond : rule.conditions) {
    const std::string& value = fields[cond.field];
    if (value.empty()) return false;
    bool any = false;
    for (const auto& p : cond.any_of) {
      if (p.match(value, &captures)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
}

std::size_t Fingerprinter::vendor_count() const {
  std::set<std::string> vendors;
  for (const auto& r : rules_) {
    if (!r.vendor.empty()) vendors.insert(core::to_lower(r.vendor));
  }
  return vendors.size();
}

core::Fingerprint Fingerprinter::identify(const core::Observation& o) const {
  thread_local BannerFields fields;
  extract_fields(o, fields);
  return identify(fields);
}

core::Fingerprint Fingerprinter::identify(const BannerFields& fields) const {
  struct Hit {
    const Rule* rule;
    Captures caps;
  };
  thread_local std::string lowered;
  thread_local std::vector<Hit> hits;
  hits.clear();
  for (std::size_t f = 0; f < kFieldCount && f < index_.size(); ++f) {
    const auto& bucket = index_[f];
    const std::string& value = fields.value[f];
    if (bucket.empty() || value.empty()) continue;
    ascii_lower(value, lowered);
    for (auto [r, c] : bucket) {
      bool candidate = false;
      for (const auto& p : rules_[r].conditions[c].any_of) {
        const std::string& needle = p.prefilter();
        if (::memmem(lowered.data(), lowered.size(), needle.data(), needle.size())) {
          candidate = true;
          break;
        }
      }
      if (!candidate) continue;
      Captures caps;
      if (evaluate(rules_[r], fields, caps)) {
        const Rule& rule = rules_[r];
        if (caps.version.empty() && rule.version_from) caps.version = fields[*rule.version_from];
        if (caps.model.empty() && rule.model_from) caps.model = fields[*rule.model_from];
        hits.push_back({&rule, std::move(caps)});
      }
    }
  }
  core::Fingerprint fp;
  if (hits.empty()) return fp;
  // Most confident first; among equals the rule that checks more, then file order.
  std::stable_sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    if (a.rule->confidence != b.rule->confidence) return a.rule->confidence > b.rule->confidence;
    return a.rule->conditions.size() > b.rule->conditions.size();
  });
  const Hit* primary = nullptr;
  for (const auto& h : hits) {
    if (!h.rule->vendor.empty()) {
      primary = &h;
      break;
    }
  }
  if (!primary) primary = &hits.front();
  const Rule& r = *primary->rule;
  fp.vendor = r.vendor;
  fp.device_type = r.device_type;
  fp.model = r.model.empty() ? primary->caps.model : r.model;
  fp.version = r.version.empty() ? primary->caps.version : r.version;
  fp.rule_id = r.id;
  fp.confidence = r.confidence;
  // Other rules of the same vendor (or vendor-neutral ones) fill what the best one left open.
  for (const auto& h : hits) {
    if (&h == primary) continue;
    bool same = h.rule->vendor.empty() || core::iequals(h.rule->vendor, fp.vendor);
    if (!same) continue;
    if (fp.device_type.empty()) fp.device_type = h.rule->device_type;
    if (fp.model.empty()) fp.model = h.rule->model.empty() ? h.caps.model : h.rule->model;
    if (fp.version.empty()) fp.version = h.rule->version.empty() ? h.caps.version : h.rule->version;
  }
  std::string_view tmpl = r.cpe_template;
  if (tmpl.empty()) {
    for (const auto& h : hits) {
      if (!h.rule->cpe_template.empty() && core::iequals(h.rule->vendor, fp.vendor)) {
        tmpl = h.rule->cpe_template;
        break;
      }
    }
  }
  if (!tmpl.empty()) fp.cpe = render_cpe(tmpl, fp.version, fp.model);
  return fp;
}

}  // namespace citywatch::enrich
