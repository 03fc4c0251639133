// risk/version_compare.h: ordering of firmware and software versions the way NVD's version
// ranges mean them. Numeric segments compare as numbers (6.5 < 6.42), letters case-insensitively
// (Dahua's "2.800.0000000.29.R" equals "...29.r"), a leading "v" is ignored, missing trailing
// zero segments are equal (1.0 == 1.0.0), and a trailing pre-release tag (alpha, beta, rc, pre,
// dev) sorts before the release. Pure functions.
#pragma once

#include <string_view>

namespace citywatch::risk {

// <0, 0 or >0 like strcmp.
int compare_versions(std::string_view a, std::string_view b);

// True when the version carries at least one digit (a comparable version, not "*" or "-").
bool is_comparable_version(std::string_view v);

}  // namespace citywatch::risk
