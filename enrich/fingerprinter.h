// enrich/fingerprinter.h: the fingerprint engine. Rules are data (data/fingerprints/*.jsonl, one
// JSON rule per line, format in docs/fingerprints.md); this is the matcher. A rule set is
// validated completely when loaded: a broken rule is a kConfig error naming file:line and what
// is wrong, so citywatch refuses to run (exit 78) instead of silently skipping it. Each rule
// carries a test banner, which must match the rule itself at load time.
// Immutable after load: identify() is safe from many threads (scratch space is thread-local).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/fingerprint.h"
#include "core/observation.h"
#include "core/result.h"
#include "enrich/banner_fields.h"
#include "enrich/pattern.h"

namespace citywatch::enrich {

struct Condition {
  Field field = Field::kBanner;
  std::vector<Pattern> any_of;  // the condition holds when one of them matches
};

struct Rule {
  std::string id;
  std::string vendor, model, device_type, version;
  std::string cpe_template;  // may use {version} and {model}
  int confidence = 80;
  // Take version / model verbatim from a field (a feed's firmware column) when no capture did.
  std::optional<Field> version_from, model_from;
  std::vector<Condition> conditions;  // all must hold
  std::string where;                  // file:line
  BannerFields test;                  // the rule's own test case
  core::Fingerprint expect;           // what the test case must give (engine-wide test)
};

class Fingerprinter {
 public:
  // Every *.jsonl file in dir, in name order. kNotFound when dir has none; kConfig on any
  // broken rule.
  static core::Result<Fingerprinter> load_dir(const std::string& dir);
  // One rule file's text; `name` is used in error locations. Used by tests and the fuzzer.
  static core::Result<Fingerprinter> from_text(std::string_view text, const std::string& name);

  core::Fingerprint identify(const core::Observation& o) const;
  core::Fingerprint identify(const BannerFields& fields) const;

  const std::vector<Rule>& rules() const { return rules_; }
  std::size_t vendor_count() const;

 private:
  core::Result<void> add_file(std::string_view text, const std::string& name);
  void build_index();
  bool evaluate(const Rule& rule, const BannerFields& fields, Captures& captures) const;

  std::vector<Rule> rules_;
  // Per field: (rule index, condition index) whose prefilter is looked for in that field.
  std::vector<std::vector<std::pair<std::size_t, std::size_t>>> index_;
};

// "cpe:2.3:o:mikrotik:routeros:{version}" with version "6.42" ->
// "cpe:2.3:o:mikrotik:routeros:6.42:*:*:*:*:*:*:*"; an unknown version becomes "*".
std::string render_cpe(std::string_view tmpl, std::string_view version, std::string_view model);

}  // namespace citywatch::enrich
