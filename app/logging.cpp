#include "app/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "core/json_writer.h"

namespace citywatch::app {
namespace {

constexpr std::string_view kModules[] = {"app", "db", "scanner", "enrich", "risk", "notify", "net"};

// %* : the message as a JSON string (quotes, backslashes and control bytes escaped).
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string escaped;
    core::JsonWriter::append_escaped(escaped,
                                     std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

}  // namespace

core::Result<LogFormat> parse_log_format(std::string_view text) {
  if (text == "text") return LogFormat::kText;
  if (text == "json") return LogFormat::kJson;
  return core::fail(core::ErrorCode::kUsage,
                    "--log-format must be text or json, not '" + std::string(text) + "'");
}

void setup_logging(LogFormat format, LogLevel level, bool verbose) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (format == LogFormat::kJson) {
    formatter->add_flag<JsonMessageFlag>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","logger":"%n","msg":%*})");
  } else {
    formatter->set_pattern("%Y-%m-%dT%H:%M:%SZ %^%l%$ %n: %v");
  }
  sink->set_formatter(std::move(formatter));
  spdlog::drop_all();
  for (std::string_view name : kModules) {
    auto logger = std::make_shared<spdlog::logger>(std::string(name), sink);
    logger->set_level(verbose                    ? spdlog::level::debug
                      : level == LogLevel::kInfo ? spdlog::level::info
                                                 : spdlog::level::warn);
    spdlog::register_logger(logger);
  }
  spdlog::set_default_logger(spdlog::get("app"));
}

std::shared_ptr<spdlog::logger> logger(std::string_view module) {
  auto found = spdlog::get(std::string(module));
  return found ? found : spdlog::default_logger();
}

}  // namespace citywatch::app
