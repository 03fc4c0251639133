#include "notify/feedback.h"

#include <nlohmann/json.hpp>

#include "core/text.h"

namespace citywatch::notify {
namespace {

core::Failure bad(std::string what) {
  return core::fail(core::ErrorCode::kBadInput,
                    "feedback: " + std::move(what) +
                        " (expected {\"feedback\": [{\"item\": 1, \"status\": \"fixed\", "
                        "\"note\": \"...\"}]})");
}

core::Result<FeedbackEntry> entry_of(const nlohmann::json& e, std::size_t index) {
  std::string at = "entry " + std::to_string(index + 1);
  if (!e.is_object()) return bad(at + " is not an object");
  auto item = e.find("item");
  if (item == e.end() || !item->is_number_integer()) return bad(at + ": item must be an integer");
  std::int64_t n = item->get<std::int64_t>();
  if (n < 1 || n > 10000000) return bad(at + ": item out of range");
  auto status = e.find("status");
  if (status == e.end() || !status->is_string()) return bad(at + ": status must be a string");
  auto parsed = core::parse_feedback(status->get_ref<const std::string&>());
  if (!parsed) {
    return bad(at + ": status must be not-our-customer, customer-informed, fixed or dispute");
  }
  FeedbackEntry out{static_cast<int>(n), *parsed, {}};
  if (auto note = e.find("note"); note != e.end() && !note->is_null()) {
    if (!note->is_string()) return bad(at + ": note must be a string");
    out.note = core::printable_excerpt(note->get_ref<const std::string&>(), kMaxFeedbackNote);
  }
  return out;
}

}  // namespace

core::Result<std::vector<FeedbackEntry>> parse_feedback_json(std::string_view body) {
  if (body.size() > kMaxFeedbackBody) return bad("body larger than 1 MiB");
  // Depth stays small in valid bodies; refuse deep nesting before the recursive parser sees it.
  int depth = 0;
  for (char c : body) {
    if (c == '[' || c == '{') {
      if (++depth > 16) return bad("nested too deeply");
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) return bad("not valid JSON");
  std::vector<FeedbackEntry> out;
  if (j.is_object() && j.contains("feedback")) {
    const auto& list = j["feedback"];
    if (!list.is_array()) return bad("feedback must be a list");
    if (list.size() > kMaxFeedbackEntries) return bad("too many entries");
    for (std::size_t i = 0; i < list.size(); ++i) {
      auto e = entry_of(list[i], i);
      if (!e) return core::fail(e.error());
      out.push_back(std::move(*e));
    }
  } else {
    auto e = entry_of(j, 0);
    if (!e) return core::fail(e.error());
    out.push_back(std::move(*e));
  }
  return out;
}

}  // namespace citywatch::notify
