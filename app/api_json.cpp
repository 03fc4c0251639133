#include "app/api_json.h"

#include <cstdint>
#include <nlohmann/json.hpp>

#include "core/text.h"

namespace citywatch::app {
namespace {

core::Failure bad(std::string message) {
  return core::fail(core::ErrorCode::kBadInput, std::move(message));
}

}  // namespace

struct JsonBody::Impl {
  nlohmann::json doc;
};

JsonBody::JsonBody(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JsonBody::JsonBody(JsonBody&&) noexcept = default;
JsonBody::~JsonBody() = default;

std::size_t json_depth(std::string_view text, std::size_t limit) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

core::Result<JsonBody> JsonBody::parse(std::string_view text) {
  if (json_depth(text, kMaxJsonDepth) > kMaxJsonDepth) {
    return bad("request body nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  auto impl = std::make_unique<Impl>();
  impl->doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (impl->doc.is_discarded()) return bad("request body is not valid JSON");
  if (!impl->doc.is_object()) return bad("request body must be a JSON object");
  return JsonBody(std::move(impl));
}

core::Result<void> JsonBody::only(std::initializer_list<std::string_view> keys) const {
  for (const auto& [key, value] : impl_->doc.items()) {
    bool known = false;
    for (auto k : keys) known = known || k == key;
    if (!known) {
      std::string list;
      for (auto k : keys) list += (list.empty() ? "" : ", ") + std::string(k);
      return bad("unknown field '" + core::printable_excerpt(key, 60) + "'; expected: " + list);
    }
  }
  return core::ok();
}

core::Result<std::optional<std::string>> JsonBody::text(std::string_view key, std::size_t max_bytes,
                                                        bool required) const {
  auto it = impl_->doc.find(key);
  if (it == impl_->doc.end() || it->is_null()) {
    if (required) return bad("field '" + std::string(key) + "' is required");
    return std::optional<std::string>();
  }
  if (!it->is_string()) return bad("field '" + std::string(key) + "' must be a string");
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max_bytes) {
    return bad("field '" + std::string(key) + "' is longer than " + std::to_string(max_bytes) +
               " bytes");
  }
  return std::optional<std::string>(s);
}

core::Result<std::optional<std::int64_t>> JsonBody::integer(std::string_view key, std::int64_t min,
                                                            std::int64_t max, bool required) const {
  auto it = impl_->doc.find(key);
  if (it == impl_->doc.end() || it->is_null()) {
    if (required) return bad("field '" + std::string(key) + "' is required");
    return std::optional<std::int64_t>();
  }
  std::int64_t v = 0;
  if (it->is_number_unsigned()) {
    auto u = it->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) {
      return bad("field '" + std::string(key) + "' is out of range");
    }
    v = static_cast<std::int64_t>(u);
  } else if (it->is_number_integer()) {
    v = it->get<std::int64_t>();
  } else {
    return bad("field '" + std::string(key) + "' must be an integer");
  }
  if (v < min || v > max) {
    return bad("field '" + std::string(key) + "' must be from " + std::to_string(min) + " to " +
               std::to_string(max));
  }
  return std::optional<std::int64_t>(v);
}

core::Result<std::optional<bool>> JsonBody::flag(std::string_view key) const {
  auto it = impl_->doc.find(key);
  if (it == impl_->doc.end() || it->is_null()) return std::optional<bool>();
  if (!it->is_boolean()) return bad("field '" + std::string(key) + "' must be true or false");
  return std::optional<bool>(it->get<bool>());
}

core::Result<std::string> JsonBody::object_text(std::string_view key, std::size_t max_bytes) const {
  auto it = impl_->doc.find(key);
  if (it == impl_->doc.end() || it->is_null()) return std::string("{}");
  if (!it->is_object()) return bad("field '" + std::string(key) + "' must be an object");
  std::string text = it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > max_bytes) {
    return bad("field '" + std::string(key) + "' is larger than " + std::to_string(max_bytes) +
               " bytes");
  }
  return text;
}

}  // namespace citywatch::app
