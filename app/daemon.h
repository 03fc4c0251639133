// app/daemon.h: `citywatch serve`, the process a city runs all year: the scheduler, the HTTP
// API, alerts, metrics and health in one process configured by the TOML file. SIGHUP reloads
// the configuration (a file that does not load is refused with the reason and the old one
// stays in force); SIGTERM or SIGINT stop it within scheduler.shutdown_grace_seconds, running
// jobs saving a checkpoint. A database that cannot be used (read-only, full disk) does not stop
// it: /readyz says why, and it carries on when the cause is gone.
#pragma once

#include <string>

#include "app/command.h"
#include "core/result.h"

namespace citywatch::app {

struct ServeOptions {
  std::string listen;  // overrides server.listen
};

core::Result<int> run_daemon(const Context& context, const ServeOptions& options);

}  // namespace citywatch::app
