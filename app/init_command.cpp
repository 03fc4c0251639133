// `citywatch init`: creates the database, or upgrades an older one to this version's schema.
#include <cstdio>

#include "app/command.h"
#include "db/migrations.h"
#include "db/store.h"

namespace citywatch::app {
namespace {

core::Result<int> run_init(const Context& context) {
  const std::string& path = context.config.database_path;
  auto store = db::Store::open(path, true);
  if (!store) return core::fail(store.error());
  int before = store->version_before_open();
  int now = db::latest_schema_version();
  if (before == 0) {
    std::printf("created %s (schema version %d)\n", path.c_str(), now);
  } else if (before < now) {
    std::printf("upgraded %s from schema version %d to %d\n", path.c_str(), before, now);
  } else {
    std::printf("%s is up to date (schema version %d)\n", path.c_str(), now);
  }
  return 0;
}

}  // namespace

void register_init_command(Commands& commands) {
  commands.add("init", "create the database, or upgrade it to this version",
               "citywatch --db citywatch.db init", run_init);
}

}  // namespace citywatch::app
