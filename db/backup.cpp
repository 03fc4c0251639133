#include "db/backup.h"

#include <unistd.h>

namespace citywatch::db {

core::Result<void> backup_to(Connection& conn, const std::string& dest) {
  if (::access(dest.c_str(), F_OK) == 0) {
    return core::fail(core::ErrorCode::kBadInput, "the backup file exists; choose a new name",
                      dest);
  }
  auto stmt = conn.prepare("VACUUM INTO ?");
  if (!stmt) return core::fail(stmt.error());
  stmt->bind(1, dest);
  if (auto done = stmt->run(); !done) {
    auto err = done.error();
    err.where = dest;
    return core::fail(std::move(err));
  }
  return core::ok();
}

}  // namespace citywatch::db
