#include "core/location.h"

#include "core/enum_names.h"

namespace citywatch::core {
namespace {

constexpr NameTable<InCity, 4> kInCity{{
    {InCity::kUnknown, "unknown"},
    {InCity::kYes, "yes"},
    {InCity::kNo, "no"},
    {InCity::kPossibly, "possibly"},
}};

constexpr NameTable<LocateMethod, 5> kMethods{{
    {LocateMethod::kNone, "none"},
    {LocateMethod::kMunicipalRange, "municipal-range"},
    {LocateMethod::kPrefixMap, "prefix-map"},
    {LocateMethod::kMmdb, "mmdb"},
    {LocateMethod::kFeed, "feed"},
}};

}  // namespace

std::string_view to_string(InCity v) { return name_of(kInCity, v); }

std::optional<InCity> parse_in_city(std::string_view text) { return parse_name(kInCity, text); }

std::string_view to_string(LocateMethod m) { return name_of(kMethods, m, "none"); }

std::optional<LocateMethod> parse_locate_method(std::string_view text) {
  return parse_name(kMethods, text);
}

}  // namespace citywatch::core
