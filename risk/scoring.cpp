#include "risk/scoring.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/json_writer.h"

namespace citywatch::risk {
namespace {

double severity_points(core::Severity s) {
  switch (s) {
    case core::Severity::kCritical:
      return 65;
    case core::Severity::kHigh:
      return 45;
    case core::Severity::kMedium:
      return 25;
    case core::Severity::kLow:
      return 10;
    case core::Severity::kInfo:
      return 0;
  }
  return 0;
}

double confidence_factor(core::Confidence c) {
  switch (c) {
    case core::Confidence::kConfirmed:
      return 1.0;
    case core::Confidence::kLikely:
      return 0.7;
    case core::Confidence::kUnverified:
      return 0.5;
  }
  return 0.5;
}

// Exploitable as it stands (weight 1.3) vs. a known weakness (1.0) vs. only reachable (0.6).
double kind_factor(const core::Finding& f, const char** label) {
  bool kev = std::any_of(f.cves.begin(), f.cves.end(),
                         [](const core::CveRef& c) { return c.kev && c.verified; });
  switch (f.kind) {
    case core::FindingKind::kNoAuth:
    case core::FindingKind::kDefaultPassword:
    case core::FindingKind::kInfected:
      *label = "exploitable";
      return 1.3;
    case core::FindingKind::kVulnerable:
      *label = kev ? "known exploited" : "known weakness";
      return kev ? 1.3 : 1.0;
    case core::FindingKind::kExposedService:
      *label = "exposure";
      return 0.6;
  }
  *label = "other";
  return 1.0;
}

}  // namespace

double finding_points(const core::Finding& f, std::string* why) {
  const char* label = "";
  double sev = severity_points(f.severity);
  double kind = kind_factor(f, &label);
  double conf = confidence_factor(f.confidence);
  double points = std::min(95.0, sev * kind * conf);
  if (why) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "%s (%.0f) x %s (%.1f) x %s (%.1f) = %.1f",
                  std::string(core::to_string(f.severity)).c_str(), sev, label, kind,
                  std::string(core::to_string(f.confidence)).c_str(), conf, points);
    *why = buf;
  }
  return points;
}

core::RiskScore score_device(const std::vector<ScoredFinding>& findings) {
  core::RiskScore out;
  double keep = 1.0;  // chance that no finding is a way in
  for (const auto& sf : findings) {
    core::ScoreContribution c;
    c.kind = sf.finding.kind;
    c.code = sf.finding.code;
    c.port = sf.finding.port;
    c.severity = sf.finding.severity;
    c.confidence = sf.finding.confidence;
    c.exempt = sf.exempt;
    c.points = finding_points(sf.finding, &c.why);
    if (sf.exempt) {
      c.why += " (exempt: not counted)";
    } else {
      keep *= 1.0 - c.points / 100.0;
    }
    out.contributions.push_back(std::move(c));
  }
  std::stable_sort(out.contributions.begin(), out.contributions.end(),
                   [](const core::ScoreContribution& a, const core::ScoreContribution& b) {
                     return a.points > b.points;
                   });
  out.score = static_cast<int>(std::lround(100.0 * (1.0 - keep)));
  out.score = std::clamp(out.score, 0, 100);
  return out;
}

std::string explanation_json(const core::RiskScore& score) {
  core::JsonWriter w;
  w.begin_object().field("score", score.score);
  w.field("rule", "score = 100 * (1 - product(1 - points/100)) over non-exempt findings");
  w.key("contributions").begin_array();
  for (const auto& c : score.contributions) {
    w.begin_object()
        .field("kind", core::to_string(c.kind))
        .field("code", c.code)
        .field("port", static_cast<int>(c.port))
        .field("severity", core::to_string(c.severity))
        .field("confidence", core::to_string(c.confidence))
        .field("points", std::round(c.points * 10) / 10)
        .field("why", c.why)
        .field("exempt", c.exempt)
        .end_object();
  }
  w.end_array().end_object();
  return w.take();
}

}  // namespace citywatch::risk
