// db/retention.h: the retention purge. Raw evidence (observations) older than its period is
// rolled into per-day counts (daily_counts), which stay, and then deleted; devices and
// services not seen for their (longer) period follow with their findings (whose opened / fixed /
// reopened events are counted per day first, for the trends); old audit entries, finished job runs
// and dead tokens too. Whole UTC days are purged, one day per transaction, so the write lock
// is never held long and a crash loses nothing: a day is counted and deleted together or not
// at all. Time comes from the caller (tests use a ManualClock).
#pragma once

#include <cstdint>
#include <functional>

#include "core/result.h"
#include "core/time.h"
#include "db/sqlite.h"

namespace citywatch::db {

struct RetentionCutoffs {
  core::UnixSeconds now = 0;
  core::UnixSeconds observations_before = 0;  // rounded down to the start of its UTC day
  core::UnixSeconds devices_before = 0;
  core::UnixSeconds audit_before = 0;
  core::UnixSeconds job_runs_before = 0;
};

struct RetentionResult {
  std::int64_t observations = 0, services = 0, devices = 0, findings = 0, days = 0;
  std::int64_t audit_entries = 0, job_runs = 0, tokens = 0;
  bool cancelled = false;  // stopped between days; the next run goes on
};

core::Result<RetentionResult> apply_retention(Connection& conn, const RetentionCutoffs& cutoffs,
                                              const std::function<bool()>& cancelled = {});

}  // namespace citywatch::db
