// core/redact.h: removes credentials from text before it is stored, logged or quarantined.
// Banners and reconstructed exchanges can carry secrets (HTTP Authorization headers, FTP/POP
// PASS lines, SMTP AUTH, passwords typed at telnet prompts, URL user-info, key=value pairs, SNMP
// communities); none of them may reach the database, a log line or a reject file.
#pragma once

#include <string>
#include <string_view>

namespace citywatch::core {

inline constexpr std::string_view kRedacted = "[redacted]";

// Returns text with every recognised secret replaced by kRedacted. Keeps the surrounding
// structure (header names, auth scheme, command verbs) so the excerpt stays useful evidence.
std::string redact_secrets(std::string_view text);

// True for field names whose values are secrets in themselves: password, passwd, secret,
// community, token, api_key, ... (case-insensitive; matched on '_'/'-'/'.'-separated words).
bool is_secret_field(std::string_view name);

}  // namespace citywatch::core
