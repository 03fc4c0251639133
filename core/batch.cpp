#include "core/batch.h"

#include <array>
#include <utility>

namespace citywatch::core {
namespace {

template <typename E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "unknown";
}

template <typename E, std::size_t N>
std::optional<E> parse_of(const std::array<std::pair<E, std::string_view>, N>& table,
                          std::string_view text) {
  for (const auto& [e, name] : table) {
    if (name == text) return e;
  }
  return std::nullopt;
}

constexpr std::array<std::pair<Notice, std::string_view>, 4> kNotices{{
    {Notice::kNew, "new"},
    {Notice::kRepeat, "repeat"},
    {Notice::kSeverityRaised, "severity-raised"},
    {Notice::kRecheck, "recheck"},
}};
constexpr std::array<std::pair<Feedback, std::string_view>, 4> kFeedback{{
    {Feedback::kNotOurCustomer, "not-our-customer"},
    {Feedback::kCustomerInformed, "customer-informed"},
    {Feedback::kFixed, "fixed"},
    {Feedback::kDispute, "dispute"},
}};
constexpr std::array<std::pair<BatchStatus, std::string_view>, 7> kStatuses{{
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
std::optional<Notice> parse_notice(std::string_view text) { return parse_of(kNotices, text); }

std::string_view to_string(Feedback f) { return name_of(kFeedback, f); }
std::optional<Feedback> parse_feedback(std::string_view text) {
  // The issue writes them with spaces ("not our customer"); both spellings are accepted.
  std::string norm(text);
  for (char& c : norm) {
    if (c == ' ' || c == '_') c = '-';
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return parse_of(kFeedback, norm);
}

std::string_view to_string(BatchStatus s) { return name_of(kStatuses, s); }
std::optional<BatchStatus> parse_batch_status(std::string_view text) {
  return parse_of(kStatuses, text);
}

bool holds_findings(BatchStatus s) {
  return s == BatchStatus::kPending || s == BatchStatus::kSending || s == BatchStatus::kRetry ||
         s == BatchStatus::kDead;
}

}  // namespace citywatch::core
