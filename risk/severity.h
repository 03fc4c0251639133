// risk/severity.h: the severity scale (Shadowserver's five levels) and how CVSS and the
// aggravating facts (KEV, end of life) move a finding on it. docs/risk.md has the table.
#pragma once

#include "core/finding.h"

namespace citywatch::risk {

// CVSS v3 qualitative ratings: 0 info, 0.1-3.9 low, 4.0-6.9 medium, 7.0-8.9 high, 9.0+ critical.
core::Severity severity_from_cvss(double score);
// One level up, critical stays critical.
core::Severity raise(core::Severity s);
core::Severity max_severity(core::Severity a, core::Severity b);

}  // namespace citywatch::risk
