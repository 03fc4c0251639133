#include "core/finding.h"

#include <array>
#include <utility>

#include "core/fingerprint.h"

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

constexpr std::array<std::pair<FindingKind, std::string_view>, 5> kKinds{{
    {FindingKind::kNoAuth, "no-auth"},
    {FindingKind::kDefaultPassword, "default-password"},
    {FindingKind::kVulnerable, "vulnerable"},
    {FindingKind::kExposedService, "exposed-service"},
    {FindingKind::kInfected, "infected"},
}};
constexpr std::array<std::pair<Severity, std::string_view>, 5> kSeverities{{
    {Severity::kInfo, "info"},
    {Severity::kLow, "low"},
    {Severity::kMedium, "medium"},
    {Severity::kHigh, "high"},
    {Severity::kCritical, "critical"},
}};
constexpr std::array<std::pair<Confidence, std::string_view>, 3> kConfidences{{
    {Confidence::kConfirmed, "confirmed"},
    {Confidence::kLikely, "likely"},
    {Confidence::kUnverified, "unverified"},
}};
constexpr std::array<std::pair<FindingStatus, std::string_view>, 6> kStatuses{{
    {FindingStatus::kOpen, "open"},
    {FindingStatus::kNotified, "notified"},
    {FindingStatus::kFixed, "fixed"},
    {FindingStatus::kVerified, "verified"},
    {FindingStatus::kReopened, "reopened"},
    {FindingStatus::kGone, "gone"},
}};

}  // namespace

bool is_device_type(std::string_view type) {
  for (auto t : kDeviceTypes) {
    if (t == type) return true;
  }
  return false;
}

std::string_view to_string(FindingKind kind) { return name_of(kKinds, kind); }
std::optional<FindingKind> parse_finding_kind(std::string_view text) {
  return parse_of(kKinds, text);
}
std::string_view to_string(Severity s) { return name_of(kSeverities, s); }
std::optional<Severity> parse_severity(std::string_view text) {
  return parse_of(kSeverities, text);
}
std::string_view to_string(Confidence c) { return name_of(kConfidences, c); }
std::optional<Confidence> parse_confidence(std::string_view text) {
  return parse_of(kConfidences, text);
}
std::string_view to_string(FindingStatus s) { return name_of(kStatuses, s); }
std::optional<FindingStatus> parse_finding_status(std::string_view text) {
  return parse_of(kStatuses, text);
}
bool is_active(FindingStatus s) {
  return s == FindingStatus::kOpen || s == FindingStatus::kNotified ||
         s == FindingStatus::kReopened;
}

}  // namespace citywatch::core
