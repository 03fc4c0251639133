// db/backup.h: a consistent copy of the live database, taken while the daemon runs (SQLite's
// VACUUM INTO reads one snapshot under WAL; writers go on meanwhile).
#pragma once

#include <string>

#include "core/result.h"
#include "db/sqlite.h"

namespace citywatch::db {

// kBadInput when dest exists (a backup never overwrites), kIo when it cannot be written.
core::Result<void> backup_to(Connection& conn, const std::string& dest);

}  // namespace citywatch::db
