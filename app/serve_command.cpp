// `citywatch serve`: the daemon (app/daemon.h).
#include <CLI/CLI.hpp>
#include <memory>

#include "app/command.h"
#include "app/daemon.h"

namespace citywatch::app {

void register_serve_command(Commands& commands) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* cmd = commands.add(
      "serve",
      "run the daemon: scheduled feed fetches and jobs, the HTTP API, alerts, metrics. SIGHUP "
      "reloads the configuration, SIGTERM stops it",
      "citywatch --config /etc/citywatch/citywatch.toml serve --listen 127.0.0.1:8080",
      [options](const Context& context) { return run_daemon(context, *options); });
  cmd->add_option("--listen", options->listen,
                  "HOST:PORT to listen on (overrides server.listen; port 0 picks a free one and "
                  "prints it)");
}

}  // namespace citywatch::app
