// notify/feedback.h: a partner's answers about the items of a batch, as the HTTP API receives
// them (the daemon serves POST /api/v1/batches/ID/feedback) and as the CLI takes them:
//   {"feedback": [{"item": 3, "status": "fixed", "note": "router replaced"}, ...]}
// or one object {"item": 3, "status": "dispute", "note": "..."}. Status values: not-our-customer,
// customer-informed, fixed, dispute (spaces or underscores for the hyphens also read). Pure; a
// malformed body is kBadInput saying what is wrong.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/batch.h"
#include "core/result.h"

namespace citywatch::notify {

inline constexpr std::size_t kMaxFeedbackBody = 1 << 20;
inline constexpr std::size_t kMaxFeedbackEntries = 100000;
inline constexpr std::size_t kMaxFeedbackNote = 1000;

struct FeedbackEntry {
  int item = 0;
  core::Feedback status = core::Feedback::kCustomerInformed;
  std::string note;  // printable, at most kMaxFeedbackNote bytes
};

core::Result<std::vector<FeedbackEntry>> parse_feedback_json(std::string_view body);

}  // namespace citywatch::notify
