#include "risk/severity.h"

namespace citywatch::risk {

core::Severity severity_from_cvss(double score) {
  if (score >= 9.0) return core::Severity::kCritical;
  if (score >= 7.0) return core::Severity::kHigh;
  if (score >= 4.0) return core::Severity::kMedium;
  if (score > 0.0) return core::Severity::kLow;
  return core::Severity::kInfo;
}

core::Severity raise(core::Severity s) {
  return s == core::Severity::kCritical ? s : static_cast<core::Severity>(static_cast<int>(s) + 1);
}

core::Severity max_severity(core::Severity a, core::Severity b) { return a > b ? a : b; }

}  // namespace citywatch::risk
