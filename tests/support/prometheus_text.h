// tests/support/prometheus_text.h: a strict reader of the Prometheus text exposition format
// (0.0.4) for tests: every family announced by # HELP and # TYPE once, before its samples and
// with its samples together; names and label names well formed; label values correctly
// escaped; values numbers; histogram buckets ascending and cumulative with +Inf equal to
// _count. Returns the problems found (empty: valid) and the samples.
#pragma once

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace citywatch::testing {

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct PromDocument {
  std::vector<std::string> problems;
  std::vector<PromSample> samples;
  std::map<std::string, std::string> types;
  double value(const std::string& name,
               const std::map<std::string, std::string>& labels = {}) const {
    for (const auto& s : samples) {
      if (s.name == name && s.labels == labels) return s.value;
    }
    return -1;
  }
};

inline bool parse_labels(const std::string& text, std::map<std::string, std::string>& out) {
  std::size_t i = 0;
  static const std::regex name_re("[a-zA-Z_][a-zA-Z0-9_]*");
  while (i < text.size()) {
    auto eq = text.find('=', i);
    if (eq == std::string::npos) return false;
    std::string name = text.substr(i, eq - i);
    if (!std::regex_match(name, name_re) || eq + 1 >= text.size() || text[eq + 1] != '"') {
      return false;
    }
    std::string value;
    std::size_t j = eq + 2;
    for (; j < text.size() && text[j] != '"'; ++j) {
      if (text[j] == '\\') {
        if (j + 1 >= text.size()) return false;
        char n = text[++j];
        if (n == 'n') {
          value += '\n';
        } else if (n == '\\' || n == '"') {
          value += n;
        } else {
          return false;
        }
      } else if (text[j] == '\n') {
        return false;
      } else {
        value += text[j];
      }
    }
    if (j >= text.size()) return false;
    if (!out.emplace(name, value).second) return false;
    i = j + 1;
    if (i < text.size()) {
      if (text[i] != ',') return false;
      ++i;
    }
  }
  return true;
}

inline PromDocument parse_prometheus(const std::string& text) {
  PromDocument doc;
  static const std::regex help_re(R"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$)");
  static const std::regex type_re(
      R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$)");
  static const std::regex sample_re(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$)");
  std::set<std::string> helped, finished;
  std::string current;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  if (!text.empty() && text.back() != '\n') doc.problems.push_back("no final newline");
  auto family_of = [&](const std::string& name) {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string s = suffix;
      if (name.size() > s.size() && name.ends_with(s)) {
        std::string base = name.substr(0, name.size() - s.size());
        if (doc.types.count(base) && doc.types[base] == "histogram") return base;
      }
    }
    return name;
  };
  while (std::getline(in, line)) {
    ++n;
    std::smatch m;
    std::string where = "line " + std::to_string(n) + ": ";
    if (line.empty()) continue;
    if (std::regex_match(line, m, help_re)) {
      if (!helped.insert(m[1]).second)
        doc.problems.push_back(where + "second HELP for " + m[1].str());
      if (!current.empty() && current != m[1]) finished.insert(current);
      current = m[1];
      continue;
    }
    if (std::regex_match(line, m, type_re)) {
      if (doc.types.count(m[1])) doc.problems.push_back(where + "second TYPE for " + m[1].str());
      doc.types[m[1]] = m[2];
      continue;
    }
    if (line[0] == '#') {
      doc.problems.push_back(where + "unknown comment: " + line);
      continue;
    }
    if (!std::regex_match(line, m, sample_re)) {
      doc.problems.push_back(where + "not a sample: " + line);
      continue;
    }
    PromSample s;
    s.name = m[1];
    if (m[2].matched && !parse_labels(m[3], s.labels)) {
      doc.problems.push_back(where + "bad labels: " + line);
    }
    std::string v = m[4];
    if (v == "+Inf") {
      s.value = 1e308;
    } else if (v == "NaN" || v == "-Inf") {
      s.value = 0;
    } else {
      char* end = nullptr;
      s.value = std::strtod(v.c_str(), &end);
      if (!end || *end) doc.problems.push_back(where + "bad value: " + v);
    }
    std::string family = family_of(s.name);
    if (!doc.types.count(family))
      doc.problems.push_back(where + "sample before its TYPE: " + s.name);
    if (!helped.count(family)) doc.problems.push_back(where + "sample without HELP: " + s.name);
    if (family != current || finished.count(family)) {
      doc.problems.push_back(where + "samples of " + family + " not together");
    }
    doc.samples.push_back(std::move(s));
  }
  // Histograms: buckets ascending in le, counts cumulative, +Inf == _count.
  std::map<std::string, std::vector<std::pair<double, double>>> buckets;
  for (const auto& s : doc.samples) {
    if (!s.name.ends_with("_bucket")) continue;
    auto labels = s.labels;
    std::string le = labels["le"];
    labels.erase("le");
    std::string key = s.name;
    for (const auto& [k, v] : labels) key += "|" + k + "=" + v;
    buckets[key].push_back({le == "+Inf" ? 1e308 : std::strtod(le.c_str(), nullptr), s.value});
  }
  for (const auto& [key, list] : buckets) {
    for (std::size_t i = 1; i < list.size(); ++i) {
      if (list[i].first <= list[i - 1].first) doc.problems.push_back(key + ": le not ascending");
      if (list[i].second < list[i - 1].second) doc.problems.push_back(key + ": not cumulative");
    }
    if (list.empty() || list.back().first != 1e308)
      doc.problems.push_back(key + ": no +Inf bucket");
  }
  return doc;
}

}  // namespace citywatch::testing
