// risk/assessor.h: from one observation (with its fingerprint) to verdicts about the checks of
// docs/risk.md: no authentication, default password, known vulnerabilities / end of life,
// exposed dangerous service, infection. A verdict either says the problem is there (a Finding
// with severity, confidence, evidence and a sentence) or that this observation shows it is not
// (present = false: the evidence a stored finding needs to become `fixed`). Checks that the
// observation cannot decide say nothing. Not thread-safe (the VulnLookup caches); one per thread.
#pragma once

#include <vector>

#include "core/finding.h"
#include "core/observation.h"
#include "risk/credential_list.h"
#include "risk/eol_list.h"
#include "risk/vuln_index.h"

namespace citywatch::risk {

struct Verdict {
  core::Finding finding;  // for present == false only the identity (ip, port, kind, code) counts
  bool present = true;
};

class Assessor {
 public:
  // Any of the three may be null: that knowledge is then simply not used.
  Assessor(const CredentialList* credentials, const EolList* eol, VulnLookup* vulns)
      : credentials_(credentials), eol_(eol), vulns_(vulns) {}

  // Appends this observation's verdicts to `out`.
  void assess(const core::Observation& o, std::vector<Verdict>& out);

 private:
  void exposure(const core::Observation& o, std::vector<Verdict>& out);
  void no_auth(const core::Observation& o, std::vector<Verdict>& out);
  void default_password(const core::Observation& o, std::vector<Verdict>& out);
  void vulnerabilities(const core::Observation& o, std::vector<Verdict>& out);
  void infection(const core::Observation& o, std::vector<Verdict>& out);

  const CredentialList* credentials_;
  const EolList* eol_;
  VulnLookup* vulns_;
};

// "MikroTik router", "Hikvision camera", "camera", "device": how sentences name the device.
std::string device_label(const core::Fingerprint& fp, const core::Observation& o);

}  // namespace citywatch::risk
