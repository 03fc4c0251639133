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

}  // namespace citywatch::app
