// app/secrets.h: API keys, HMAC secrets and webhook secrets come from the environment or from
// a file readable only by the service user (systemd LoadCredential= or a 0600 file), never
// from the TOML file, and never reach a log line. A file that others can read is refused.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace citywatch::app {

// The environment variable when set and non-empty, else the file's first line (trimmed, at
// most 4 KiB). kConfig with advice when neither gives a value or the file is group/world
// readable. `what` names the secret in messages ("the Shodan API key").
core::Result<std::string> read_secret(const std::string& file, const char* env_name,
                                      std::string_view what);

}  // namespace citywatch::app
