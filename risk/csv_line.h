// risk/csv_line.h: splitting one line of the small CSV data files risk/ ships (credentials, EOL
// baselines): RFC 4180 quoting, bounded. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace citywatch::risk {

// nullopt for an unterminated quote.
std::optional<std::vector<std::string>> split_csv_line(std::string_view line);

}  // namespace citywatch::risk
