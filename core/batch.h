// core/batch.h: one batch of findings for one partner, as built, stored, formatted and delivered:
// a stable id (the partner drops a duplicate by it), the items, the format and the time. Each
// item carries what an abuse desk needs to find the subscriber behind a dynamic address or CGNAT:
// the exact UTC seconds of the observations, the port and the source port where known. Plain
// value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding.h"
#include "core/ip_address.h"
#include "core/observation.h"
#include "core/partner.h"
#include "core/time.h"

namespace citywatch::core {

// Why the item is in the batch.
enum class Notice : std::uint8_t {
  kNew,             // first time this partner hears of it
  kRepeat,          // sent before, the interval passed and it is still there
  kSeverityRaised,  // sent before, within the interval, but it got worse
  kRecheck,         // an acknowledged finding was looked at again: see status
};
std::string_view to_string(Notice n);
std::optional<Notice> parse_notice(std::string_view text);

// What a partner says about one item.
enum class Feedback : std::uint8_t { kNotOurCustomer, kCustomerInformed, kFixed, kDispute };
std::string_view to_string(Feedback f);
std::optional<Feedback> parse_feedback(std::string_view text);

struct BatchItem {
  int item = 0;  // 1-based position in the batch; feedback names it
  std::int64_t finding_id = 0;
  Notice notice = Notice::kNew;
  // For kRecheck: fixed, verified, gone, or open (still there); otherwise the finding's status.
  FindingStatus status = FindingStatus::kOpen;
  IpAddress ip;
  std::uint16_t port = 0;
  Transport transport = Transport::kTcp;
  std::string protocol;
  std::uint32_t asn = 0;
  FindingKind kind = FindingKind::kExposedService;
  std::string code;
  Severity severity = Severity::kInfo;
  Confidence confidence = Confidence::kConfirmed;
  std::string vendor, model, version;
  std::vector<CveRef> cves;
  std::string summary;  // the finding's sentence
  std::string district_code, district_name;
  std::vector<UnixSeconds> observed_at;  // ascending, whole seconds UTC
  std::optional<std::uint16_t> src_port;
  UnixSeconds first_seen = 0, last_seen = 0;
};

enum class BatchStatus : std::uint8_t {
  kPending,       // built, waiting for its first attempt (or for the partner to pull it)
  kSending,       // an attempt is in flight (or was, when the sender died)
  kRetry,         // an attempt failed in a way worth retrying; next_attempt_at says when
  kDelivered,     // the partner's endpoint took it (2xx) or the mail relay accepted it
  kAcknowledged,  // the partner confirmed; never sent again
  kDead,          // refused (4xx) or out of attempts: waits for the operator (retry/discard)
  kDiscarded,     // the operator gave up on it; its findings may go into a new batch
};
std::string_view to_string(BatchStatus s);
std::optional<BatchStatus> parse_batch_status(std::string_view text);
// Pending, sending, retry and dead hold their findings: none goes into another batch meanwhile.
bool holds_findings(BatchStatus s);

struct Batch {
  std::string id;  // "<partner>-<yyyymmddThhmmssZ>-<n>": stable across retries
  std::int64_t partner_id = 0;
  std::string partner_name;
  BatchFormat format = BatchFormat::kCsv;
  UnixSeconds created_at = 0;
  BatchStatus status = BatchStatus::kPending;
  std::vector<BatchItem> items;
};

// A finding as the notification engine needs it: the item fields, where the device is and
// whether an exemption stops it. Storage fills these; notify/planner decides.
struct NotifiableFinding {
  BatchItem item;  // item number and notice are left to the planner
  FindingStatus status = FindingStatus::kOpen;
  bool exempt = false;
  std::string in_city;  // yes, no, possibly, unknown
};

// What one partner was told about one finding, and what became of it.
struct PartnerFindingState {
  std::int64_t partner_id = 0;
  std::int64_t finding_id = 0;
  UnixSeconds last_sent_at = 0;  // when it last went into a batch for this partner
  Severity last_severity = Severity::kInfo;
  std::optional<UnixSeconds> acknowledged_at;  // the partner acknowledged a batch holding it
  UnixSeconds recheck_due_at = 0;
  std::string outcome_reported;  // the last re-check outcome told (fixed, verified, gone, open)
};

}  // namespace citywatch::core
