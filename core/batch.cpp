#include "core/batch.h"

#include "core/enum_names.h"

namespace citywatch::core {
namespace {

constexpr NameTable<Notice, 4> kNotices{{
    {Notice::kNew, "new"},
    {Notice::kRepeat, "repeat"},
    {Notice::kSeverityRaised, "severity-raised"},
    {Notice::kRecheck, "recheck"},
}};
constexpr NameTable<Feedback, 4> kFeedback{{
    {Feedback::kNotOurCustomer, "not-our-customer"},
    {Feedback::kCustomerInformed, "customer-informed"},
    {Feedback::kFixed, "fixed"},
    {Feedback::kDispute, "dispute"},
}};
constexpr NameTable<BatchStatus, 7> kStatuses{{
    {BatchStatus::kPending, "pending"},
    {BatchStatus::kSending, "sending"},
    {BatchStatus::kRetry, "retry"},
    {BatchStatus::kDelivered, "delivered"},
    {BatchStatus::kAcknowledged, "acknowledged"},
    {BatchStatus::kDead, "dead"},
    {BatchStatus::kDiscarded, "discarded"},
}};

}  // namespace

std::string_view to_string(Notice n) { return name_of(kNotices, n); }
std::optional<Notice> parse_notice(std::string_view text) { return parse_name(kNotices, text); }

std::string_view to_string(Feedback f) { return name_of(kFeedback, f); }
std::optional<Feedback> parse_feedback(std::string_view text) {
  // The issue writes them with spaces ("not our customer"); both spellings are accepted.
  std::string norm(text);
  for (char& c : norm) {
    if (c == ' ' || c == '_') c = '-';
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return parse_name(kFeedback, norm);
}

std::string_view to_string(BatchStatus s) { return name_of(kStatuses, s); }
std::optional<BatchStatus> parse_batch_status(std::string_view text) {
  return parse_name(kStatuses, text);
}

bool holds_findings(BatchStatus s) {
  return s == BatchStatus::kPending || s == BatchStatus::kSending || s == BatchStatus::kRetry ||
         s == BatchStatus::kDead;
}

}  // namespace citywatch::core
