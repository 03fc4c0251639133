// core/risk_score.h: a device's 0-100 risk score and the contributions it is made of, so every
// number can be explained ("72: anonymous MQTT broker, critical, exploitable as is"). Plain
// value type; risk/scoring.h computes it, db/ stores it with the device.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/finding.h"

namespace citywatch::core {

struct ScoreContribution {
  FindingKind kind = FindingKind::kExposedService;
  std::string code;
  std::uint16_t port = 0;
  Severity severity = Severity::kInfo;
  Confidence confidence = Confidence::kConfirmed;
  double points = 0;    // 0..100 on its own, before combining
  std::string why;      // "critical (60) x exploitable (1.2) x confirmed (1.0)"
  bool exempt = false;  // shown, but adds nothing
};

struct RiskScore {
  int score = 0;  // 0..100
  std::vector<ScoreContribution> contributions;
};

}  // namespace citywatch::core
