// db/notify_store.h: the notification tables (migration 5): partners with prefixes and AS
// numbers, batches with a snapshot of each item, delivery attempts, what each partner was told
// about each finding, feedback and the dispute queue. Batch building stores a whole batch and its
// suppression state in the caller's transaction; delivery writes the attempt (and commits)
// before sending, so a sender killed mid-send leaves a 'sending' batch that the next run resends
// under the same id. Works on a Connection owned by the caller; one per thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/batch.h"
#include "core/partner.h"
#include "core/result.h"
#include "db/sqlite.h"

namespace citywatch::db {

struct BatchSummary {
  std::string batch_id;
  std::int64_t partner_id = 0;
  std::string partner;
  core::BatchFormat format = core::BatchFormat::kCsv;
  core::DeliveryChannel channel = core::DeliveryChannel::kPull;
  core::UnixSeconds created_at = 0;
  core::BatchStatus status = core::BatchStatus::kPending;
  int items = 0;
  int attempts = 0;
  std::optional<core::UnixSeconds> next_attempt_at, delivered_at, acknowledged_at;
  std::string last_error;
  std::int64_t sender_pid = 0;  // of the newest attempt still 'started' (sending batches)
};

struct BatchFilter {
  std::string partner;  // name; empty: all
  std::vector<core::BatchStatus> statuses;
};

struct AttemptRecord {
  int attempt = 0;
  std::string channel;
  std::int64_t pid = 0;
  core::UnixSeconds started_at = 0;
  std::optional<core::UnixSeconds> finished_at;
  std::string outcome;  // started, delivered, retry, dead, interrupted
  long http_status = 0;
  std::string response, error;
  std::optional<core::UnixSeconds> next_attempt_at;
};

struct ItemFeedback {
  int item = 0;
  std::optional<core::Feedback> feedback;
  std::string note;
  core::UnixSeconds at = 0;
};

struct Dispute {
  std::int64_t id = 0;
  std::string batch_id, partner;
  int item = 0;
  std::int64_t finding_id = 0;
  core::IpAddress ip;
  std::uint16_t port = 0;
  std::string kind, code, note;
  core::UnixSeconds created_at = 0;
};

struct RecheckDue {
  std::int64_t finding_id = 0;
  std::string partner;
  core::IpAddress ip;
  std::uint16_t port = 0;
  core::Transport transport = core::Transport::kTcp;
  std::string kind, code, status;
  core::UnixSeconds acknowledged_at = 0, due_at = 0, last_seen = 0;
};

// What notifying one partner achieved: its batches by outcome, the findings it was sent, and
// those fixed after the first batch that held them (when the evidence showed the fix), with the
// median days that took.
struct PartnerEffect {
  int batches = 0, delivered = 0, acknowledged = 0, failed = 0;
  int findings_sent = 0, fixed_after_notice = 0;
  std::optional<double> median_days_to_fix;
};

class NotifyStore {
 public:
  explicit NotifyStore(Connection& conn) : conn_(conn) {}

  // Partners. upsert replaces the partner's fields, prefixes and AS numbers (by name; a removed
  // partner of that name comes back). kConfig when a CLI partner would overwrite a config one.
  core::Result<std::int64_t> upsert_partner(const core::Partner& p, core::UnixSeconds now);
  core::Result<std::size_t> add_prefixes(const std::string& partner,
                                         const std::vector<core::PartnerPrefix>& prefixes,
                                         core::UnixSeconds now);
  core::Result<std::vector<core::Partner>> partners();  // not removed, by id
  core::Result<std::optional<core::Partner>> partner(const std::string& name);
  // Removes from routing; its batches stay for the record. false: no such partner.
  core::Result<bool> remove_partner(const std::string& name, core::UnixSeconds now);

  // Planning input: findings that are active or were acknowledged by a partner, with their item
  // fields (device, service, newest observation times and source port) and exemptions at now.
  core::Result<std::vector<core::NotifiableFinding>> notifiable_findings(core::UnixSeconds now);
  core::Result<std::vector<core::PartnerFindingState>> partner_states();
  core::Result<std::unordered_set<std::int64_t>> held_findings();

  // Stores one planned batch (status pending, or for pull partners pending until fetched),
  // names it "<partner>-<yyyymmddThhmmssZ>-<row id>" (set in batch.id) and records what the
  // partner is now told. Call inside the caller's transaction.
  core::Result<void> store_batch(core::Batch& batch, core::DeliveryChannel channel,
                                 core::UnixSeconds recheck_after);

  core::Result<std::vector<BatchSummary>> list_batches(const BatchFilter& filter);
  core::Result<std::optional<BatchSummary>> summary(const std::string& batch_id);
  core::Result<std::optional<core::Batch>> load_batch(const std::string& batch_id);
  core::Result<std::vector<AttemptRecord>> attempts(const std::string& batch_id);
  core::Result<std::vector<ItemFeedback>> feedback(const std::string& batch_id);
  core::Result<PartnerEffect> effect(std::int64_t partner_id);
  // For the daemon's metrics: delivery attempts by outcome, batches by status.
  core::Result<std::map<std::string, std::int64_t>> attempts_by_outcome();
  core::Result<std::map<std::string, std::int64_t>> batches_by_status();

  // A pull partner fetched its batch: a pending one becomes delivered at now. false: it was
  // not pending (fetched before, acknowledged, or not a pull batch).
  core::Result<bool> mark_fetched(const std::string& batch_id, core::UnixSeconds now);

  // Push batches (webhook, email) due at now: pending, retry whose time came, and sending ones
  // (their sender may have died: the caller checks sender_pid before resending).
  core::Result<std::vector<BatchSummary>> due_batches(core::UnixSeconds now);
  // Marks the batch sending and writes attempt n+1 as 'started' (an earlier 'started' becomes
  // 'interrupted'). Returns the attempt number. Commit before sending.
  core::Result<int> begin_attempt(const std::string& batch_id, std::int64_t pid,
                                  core::UnixSeconds now);
  // Records the outcome; the batch becomes delivered, retry (with next_attempt_at) or dead. A
  // batch acknowledged meanwhile stays acknowledged.
  core::Result<void> finish_attempt(const std::string& batch_id, const AttemptRecord& result,
                                    core::UnixSeconds now);

  // The partner confirmed: the batch is acknowledged (never sent again), its findings that are
  // still open become notified, and each one's re-check falls due at now + recheck_after.
  // Returns the number of findings marked notified. kNotFound / kUsage (discarded) as fitting.
  core::Result<int> acknowledge(const std::string& batch_id, const std::string& by,
                                core::UnixSeconds now, core::UnixSeconds recheck_after);
  // Feedback on one item; a dispute also goes to the CISO team's queue.
  core::Result<void> set_feedback(const std::string& batch_id, int item, core::Feedback feedback,
                                  const std::string& note, core::UnixSeconds now);
  core::Result<std::vector<Dispute>> open_disputes();
  // Dead batch -> pending again (attempts kept), or discarded (its findings may be re-batched).
  core::Result<void> requeue(const std::string& batch_id, core::UnixSeconds now);
  core::Result<void> discard(const std::string& batch_id, core::UnixSeconds now);

  // Acknowledged findings still notified whose re-check time came: for the scanner and daemon to
  // schedule a re-scan of that service.
  core::Result<std::vector<RecheckDue>> recheck_due(core::UnixSeconds now);

 private:
  core::Result<std::int64_t> row_of(const std::string& batch_id);
  Connection& conn_;
};

}  // namespace citywatch::db
