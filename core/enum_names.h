#pragma once
// Enum <-> name tables: each enum that is stored or printed by name keeps one constexpr table of
// {value, name} pairs and looks both ways up through these two functions.

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace citywatch::core {

template <typename E, std::size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

template <typename E, std::size_t N>
constexpr std::string_view name_of(const NameTable<E, N>& table, E value,
                                   std::string_view fallback = "unknown") {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return fallback;
}

template <typename E, std::size_t N>
constexpr std::optional<E> parse_name(const NameTable<E, N>& table, std::string_view text) {
  for (const auto& [e, name] : table) {
    if (name == text) return e;
  }
  return std::nullopt;
}

}  // namespace citywatch::core
