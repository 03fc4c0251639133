// app/logging.h: sets up spdlog once per process: one named logger per module ("app", "db",
// "scanner", ...) writing to stderr, as text or as one JSON object per line. Call before any
// other work; later calls replace the configuration.
#pragma once

#include <memory>
#include <string_view>

#include "core/result.h"

namespace spdlog {
class logger;
}

namespace citywatch::app {

enum class LogFormat { kText, kJson };

core::Result<LogFormat> parse_log_format(std::string_view text);
// level: "warn" for one-shot commands (their summaries go to stdout), "info" for the daemon's
// journal; verbose lowers either to "debug".
enum class LogLevel { kWarn, kInfo };
void setup_logging(LogFormat format, LogLevel level, bool verbose);

// The module's logger; spdlog's default logger when setup_logging has not run (unit tests).
std::shared_ptr<spdlog::logger> logger(std::string_view module);

}  // namespace citywatch::app
