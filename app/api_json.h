// app/api_json.h: JSON request bodies of the API, read strictly: an object at the top, no
// keys beyond those the endpoint takes, typed fields with bounds, nesting at most 16 deep
// (checked before parsing, so a hostile body cannot make the parser or the destructor
// recurse deeply). Errors are kBadInput and name the field. Fuzzed by fuzz/api_body_fuzz.cpp.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace citywatch::app {

inline constexpr std::size_t kMaxJsonDepth = 16;

class JsonBody {
 public:
  static core::Result<JsonBody> parse(std::string_view text);
  JsonBody(JsonBody&&) noexcept;
  ~JsonBody();

  core::Result<void> only(std::initializer_list<std::string_view> keys) const;
  core::Result<std::optional<std::string>> text(std::string_view key, std::size_t max_bytes,
                                                bool required) const;
  core::Result<std::optional<std::int64_t>> integer(std::string_view key, std::int64_t min,
                                                    std::int64_t max, bool required) const;
  core::Result<std::optional<bool>> flag(std::string_view key) const;
  // A member that must be an object, returned as compact JSON text ("{}" when absent).
  core::Result<std::string> object_text(std::string_view key, std::size_t max_bytes) const;

 private:
  struct Impl;
  explicit JsonBody(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The deepest nesting of arrays and objects in text (strings skipped); stops counting at
// limit + 1.
std::size_t json_depth(std::string_view text, std::size_t limit);

}  // namespace citywatch::app
