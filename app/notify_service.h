// app/notify_service.h: the notification steps as the CLI (and later the daemon's scheduler and
// HTTP API) run them, wiring notify/ (planning, formats, delivery) to db/ (storage):
//  - sync_partners: the [[partner]] tables of the configuration into the database;
//  - build: plan and store every partner's due batch in one transaction;
//  - send_due: deliver the due push batches, one attempt each, the attempt recorded (and
//    committed) before the send and its outcome after;
//  - acknowledge / feedback: what partners say.
// Every attempt is logged (logger "notify") with batch id, partner, attempt, outcome and error;
// secrets never are. Not thread-safe; one per command run.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "app/config.h"
#include "core/result.h"
#include "db/store.h"
#include "notify/feedback.h"
#include "notify/planner.h"

namespace citywatch::app {

// Brings the configured partners into the database (and removes configured ones that left the
// file). Prefix CSVs are read here; bad lines are warned about with file:line and skipped.
core::Result<void> sync_partners(db::Store& store, const Config& config, core::UnixSeconds now);

struct BuildReport {
  std::vector<core::Batch> batches;  // as stored, with their ids
  std::vector<core::NotifiableFinding> unrouted;
  std::vector<std::string> conflicts;
  notify::PlanCounts counts;
};
core::Result<BuildReport> build_batches(db::Store& store, const Config& config,
                                        core::UnixSeconds now);

struct SendReport {
  int attempted = 0, delivered = 0, retrying = 0, dead = 0, skipped = 0;
};
// One attempt for every due push batch. `rng` draws the backoff jitter.
core::Result<SendReport> send_due(db::Store& store, const Config& config, core::UnixSeconds now,
                                  std::mt19937_64& rng);

// For the HTTP API and the CLI. `as_partner` non-empty: the caller is that partner (pull API
// token), and a batch of another partner is reported as not found, never shown or changed.
// Acknowledges a batch; returns how many findings became notified.
core::Result<int> acknowledge_batch(db::Store& store, const Config& config, const std::string& id,
                                    const std::string& by, const std::string& as_partner,
                                    core::UnixSeconds now);
// Records feedback entries (parsed by notify::parse_feedback_json); all or none.
core::Result<std::size_t> record_feedback(db::Store& store, const std::string& id,
                                          const std::vector<notify::FeedbackEntry>& entries,
                                          const std::string& as_partner, core::UnixSeconds now);
// A pull partner's batches not yet acknowledged (pending, or delivered by another channel).
core::Result<std::vector<core::Batch>> open_batches_for(db::Store& store,
                                                        const std::string& partner);

}  // namespace citywatch::app
