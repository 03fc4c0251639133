// core/text.h: small string helpers every parser needs, all bounded and allocation-aware.
// Free functions over string_view; no state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace citywatch::core {

// Offset of the first byte that breaks UTF-8 (overlongs, surrogates and >U+10FFFF included),
// or nullopt when the whole text is valid.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

// A printable, bounded copy: control bytes other than \n and \t become \xNN, invalid UTF-8
// bytes become \xNN, and the result is cut at max_bytes with "..." appended.
std::string printable_excerpt(std::string_view text, std::size_t max_bytes);

std::string_view trim(std::string_view text);
std::string to_lower(std::string_view text);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view text, std::string_view prefix);
// Case-insensitive search; npos when absent.
std::size_t ifind(std::string_view haystack, std::string_view needle, std::size_t from = 0);

// Splits on a delimiter, trimming each part and dropping empty ones.
std::vector<std::string> split_trimmed(std::string_view text, char delimiter);

// Decimal integer in [min, max]; rejects signs other than a leading '-', spaces, trailing junk.
std::optional<long long> parse_int(std::string_view text, long long min, long long max);
// Finite decimal number ("52.07", "-4.3", "1e3"); nullopt for anything else.
std::optional<double> parse_double(std::string_view text);

// 64-bit FNV-1a, for banner hashes (cheap change detection, not security).
std::uint64_t fnv1a64(std::string_view text);

}  // namespace citywatch::core
