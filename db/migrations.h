// db/migrations.h: the numbered schema migrations. Migration N takes a database from
// user_version N-1 to N inside one transaction; the list only ever grows at the end.
#pragma once

#include <span>
#include <string_view>

#include "core/result.h"
#include "db/sqlite.h"

namespace citywatch::db {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

std::span<const Migration> migrations();
int latest_schema_version();

// Creates or upgrades to the latest version. A database newer than this binary is refused
// (kConfig) rather than touched: an older binary could silently lose columns it ignores.
core::Result<int> migrate(Connection& conn);

// Reads user_version without changing anything.
core::Result<int> schema_version(Connection& conn);

}  // namespace citywatch::db
