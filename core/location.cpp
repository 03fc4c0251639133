#include "core/location.h"

#include <array>
#include <utility>

namespace citywatch::core {
namespace {

constexpr std::array<std::pair<InCity, std::string_view>, 4> kInCity{{
    {InCity::kUnknown, "unknown"},
    {InCity::kYes, "yes"},
    {InCity::kNo, "no"},
    {InCity::kPossibly, "possibly"},
}};

constexpr std::array<std::pair<LocateMethod, std::string_view>, 5> kMethods{{
    {LocateMethod::kNone, "none"},
    {LocateMethod::kMunicipalRange, "municipal-range"},
    {LocateMethod::kPrefixMap, "prefix-map"},
    {LocateMethod::kMmdb, "mmdb"},
    {LocateMethod::kFeed, "feed"},
}};

}  // namespace

std::string_view to_string(InCity v) {
  for (const auto& [value, name] : kInCity) {
    if (value == v) return name;
  }
  return "unknown";
}

std::optional<InCity> parse_in_city(std::string_view text) {
  for (const auto& [value, name] : kInCity) {
    if (name == text) return value;
  }
  return std::nullopt;
}

std::string_view to_string(LocateMethod m) {
  for (const auto& [value, name] : kMethods) {
    if (value == m) return name;
  }
  return "none";
}

std::optional<LocateMethod> parse_locate_method(std::string_view text) {
  for (const auto& [value, name] : kMethods) {
    if (name == text) return value;
  }
  return std::nullopt;
}

}  // namespace citywatch::core
