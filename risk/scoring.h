// risk/scoring.h: a device's 0-100 risk score from its findings, with one explained
// contribution per finding. Exploitable problems (no authentication, default passwords,
// infections, known-exploited vulnerabilities) weigh more than mere exposure; how sure a finding
// is scales it; contributions combine like independent chances (score = 100 * (1 - prod(1 -
// p/100))), so more problems always raise the score but never past 100. docs/risk.md has the
// tables and worked examples. Pure.
#pragma once

#include <string>
#include <vector>

#include "core/finding.h"
#include "core/risk_score.h"

namespace citywatch::risk {

struct ScoredFinding {
  core::Finding finding;
  bool exempt = false;
};

core::RiskScore score_device(const std::vector<ScoredFinding>& findings);

// {"score": 89, "contributions": [{"kind": ..., "points": ..., "why": ...}, ...]}
std::string explanation_json(const core::RiskScore& score);

// Points a single finding adds on its own (0..95), and the reason text.
double finding_points(const core::Finding& f, std::string* why);

}  // namespace citywatch::risk
