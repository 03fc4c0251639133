#include "db/dead_runs.h"

#include <sys/types.h>

#include <cerrno>
#include <csignal>
#include <string>

namespace citywatch::db {

core::Result<std::vector<std::int64_t>> running_rows_of_dead_processes(Connection& conn,
                                                                       std::string_view table) {
  auto stmt =
      conn.prepare("SELECT id, pid FROM " + std::string(table) + " WHERE status = 'running'");
  if (!stmt) return core::fail(stmt.error());
  std::vector<std::int64_t> dead;
  while (true) {
    auto row = stmt->step();
    if (!row) return core::fail(row.error());
    if (!*row) break;
    auto pid = static_cast<pid_t>(stmt->int64(1));
    if (pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH)) dead.push_back(stmt->int64(0));
  }
  return dead;
}

}  // namespace citywatch::db
