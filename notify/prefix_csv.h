// notify/prefix_csv.h: a partner's list of the prefixes it serves, as operators export them:
// CSV with the columns prefix, asn, organisation (a header line naming them is optional; '#'
// comments and blank lines are skipped; fields may be quoted). "AS64496" and "64496" both read.
// A bad line is reported to Diagnostics with name:line and skipped; the rest still counts.
// Pure; needs no file (the fuzz target feeds bytes).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "core/partner.h"

namespace citywatch::notify {

inline constexpr std::size_t kMaxPrefixLines = 1000000;

std::vector<core::PartnerPrefix> parse_prefix_csv(std::string_view text, const std::string& name,
                                                  core::Diagnostics& diag);

// "64496", "AS64496", "as64496" -> 64496; nullopt for anything else (0 and > 2^32-1 included).
std::optional<std::uint32_t> parse_asn(std::string_view text);

}  // namespace citywatch::notify
