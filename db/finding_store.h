// db/finding_store.h: findings in the database and their lifecycle (ARCHITECTURE.md, docs/
// risk.md): a present verdict opens a finding or refreshes it (last_seen, evidence), or reopens
// it when it had been fixed or gone; a secure verdict from a newer observation of the same
// service marks it fixed; a sweep marks findings not seen for a while gone. Every status change
// is kept in finding_events. Exemptions (finding or device, reason, who, expiry) and the
// device's score live here too. Works on a Connection owned by the caller, who also owns the
// transaction; one per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding.h"
#include "core/result.h"
#include "db/sqlite.h"

namespace citywatch::db {

struct StoredFinding {
  std::int64_t id = 0;
  core::Finding finding;
  core::FindingStatus status = core::FindingStatus::kOpen;
  core::UnixSeconds first_seen = 0, last_seen = 0;
  bool exempt = false;
  std::string exempt_reason;
  int device_score = 0;
  std::string district_code;  // of the device, when located
  std::string district_name;
  std::string in_city;  // yes, no, possibly, unknown
};

struct FindingFilter {
  std::vector<core::FindingKind> kinds;
  std::vector<core::Severity> severities;
  std::vector<core::FindingStatus> statuses;
  std::optional<int> min_score;
  std::optional<core::IpAddress> ip;
  std::vector<std::string> districts;  // district codes (WK051828)
  std::vector<std::string> in_city;    // yes, no, possibly, unknown; empty: any
};

struct FindingEvent {
  core::UnixSeconds at = 0;
  core::UnixSeconds observed_at = 0;
  std::string event, status, severity, evidence, note;
};

struct Exemption {
  std::optional<std::int64_t> finding_id;
  std::optional<core::IpAddress> ip;
  std::string reason;  // not-ours, research-honeypot, accepted-risk
  std::string note;
  std::string by;
  core::UnixSeconds until = 0;
};

// Ended early by lift_exemption().
struct LiftedExemption {
  std::int64_t id = 0;
  std::optional<std::int64_t> finding_id;  // unset for a device-wide exemption
  core::IpAddress device;
};

// The columns of a finding (alias f) with its device's score and location (alias d) and the
// reason of an exemption in force at ?1 (bind `now` there), in the order read_finding() reads
// them; callers append WHERE and ORDER clauses. Every finding listing reads rows this way.
extern const std::string_view kFindingSelect;
StoredFinding read_finding(const Statement& stmt);

class FindingStore {
 public:
  explicit FindingStore(Connection& conn) : conn_(conn) {}

  enum class Outcome { kOpened, kRefreshed, kReopened };
  // The problem was seen at f.observed_at.
  core::Result<Outcome> record_present(const core::Finding& f, core::UnixSeconds now);
  // A newer observation of the same service shows the problem is gone: an active finding of
  // this identity becomes fixed, and a fixed one becomes verified (a later look confirms the
  // fix). Returns true when the status changed.
  core::Result<bool> record_secure(const core::Finding& identity, core::UnixSeconds now);
  // Sets the service's auth state (none / default-credentials / required).
  core::Result<void> set_service_auth(const core::IpAddress& ip, std::uint16_t port,
                                      core::Transport transport, std::string_view auth);

  // Active (open, notified, reopened) findings of a device, with exemptions in force at `now`.
  core::Result<std::vector<StoredFinding>> active_for_device(const core::IpAddress& ip,
                                                             core::UnixSeconds now);
  core::Result<void> set_device_risk(const core::IpAddress& ip, int score,
                                     const std::string& explanation_json);

  core::Result<void> list(const FindingFilter& filter, core::UnixSeconds now,
                          const std::function<void(const StoredFinding&)>& fn);
  core::Result<std::vector<FindingEvent>> history(std::int64_t finding_id);

  // Adds an exemption; kNotFound when the finding id does not exist.
  core::Result<std::int64_t> exempt(const Exemption& e, core::UnixSeconds now);
  // Ends an exemption in force now (it stays on record, with an "unexempted" event on its
  // finding). nullopt when no exemption with that id is in force.
  core::Result<std::optional<LiftedExemption>> lift_exemption(std::int64_t exemption_id,
                                                              const std::string& by,
                                                              core::UnixSeconds now);
  // Active findings last seen before `cutoff` become gone. Returns the devices touched.
  core::Result<std::vector<core::IpAddress>> sweep_gone(core::UnixSeconds cutoff,
                                                        core::UnixSeconds now);
  core::Result<std::optional<core::IpAddress>> device_of(std::int64_t finding_id);

  // A partner acknowledged a batch holding the finding: open or reopened becomes notified.
  // Returns false when the finding was in another status (it keeps that status).
  core::Result<bool> mark_notified(std::int64_t id, core::UnixSeconds now, std::string_view note);
  // Adds a history line without changing the status (partner feedback, disputes).
  core::Result<void> note_event(std::int64_t id, core::UnixSeconds now, std::string_view event,
                                std::string_view note);

 private:
  core::Result<void> add_event(std::int64_t id, core::UnixSeconds now,
                               core::UnixSeconds observed_at, std::string_view event,
                               std::string_view status, std::string_view severity,
                               std::string_view evidence, std::string_view note);
  Connection& conn_;
  std::optional<Statement> find_, insert_, update_, event_;
};

// JSON encodings of the list columns, and back (for the listing).
std::string evidence_json(const std::vector<std::string>& evidence);
std::string cves_json(const std::vector<core::CveRef>& cves);
std::vector<std::string> parse_evidence_json(std::string_view json);
std::vector<core::CveRef> parse_cves_json(std::string_view json);

}  // namespace citywatch::db
