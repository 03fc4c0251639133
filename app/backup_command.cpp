// `citywatch backup FILE`: a consistent copy of the database while the daemon runs.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "app/command.h"
#include "db/backup.h"
#include "db/store.h"

namespace citywatch::app {

void register_backup_command(Commands& commands) {
  auto dest = std::make_shared<std::string>();
  CLI::App* cmd = commands.add(
      "backup", "write a consistent copy of the database (safe while the daemon runs)",
      "citywatch --config /etc/citywatch/citywatch.toml backup /var/backups/citywatch-$(date "
      "+%F).db",
      [dest](const Context& c) -> core::Result<int> {
        auto store = db::Store::open(c.config.database_path, false);
        if (!store) return core::fail(store.error());
        CITYWATCH_TRY(db::backup_to(store->connection(), *dest));
        std::printf("backed up %s to %s\n", c.config.database_path.c_str(), dest->c_str());
        return 0;
      });
  cmd->add_option("file", *dest, "the new backup file (must not exist)")->required();
}

}  // namespace citywatch::app
