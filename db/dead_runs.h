#pragma once
// Run tables (imports, scan runs, jobs) record the pid of the process doing the run. A row still
// "running" whose process is gone was killed mid-way: callers mark it interrupted so it is never
// taken for a run in progress or as the baseline of the next one.

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "db/sqlite.h"

namespace citywatch::db {

// Ids of `table`'s rows with status 'running' whose pid no longer exists on this host.
core::Result<std::vector<std::int64_t>> running_rows_of_dead_processes(Connection& conn,
                                                                       std::string_view table);

}  // namespace citywatch::db
