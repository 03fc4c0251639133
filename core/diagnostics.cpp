#include "core/diagnostics.h"

#include "core/redact.h"
#include "core/text.h"

namespace citywatch::core {
namespace {
constexpr std::size_t kExcerptBytes = 160;
}  // namespace

void Diagnostics::report(std::string where, std::string reason, std::string detail,
                         std::string_view raw) {
  ++total_;
  ++by_reason_[reason];
  if (samples_.size() >= keep_ && !listener_) return;
  std::string redacted = redact_secrets(raw);
  Diagnostic d{std::move(where), std::move(reason), std::move(detail),
               printable_excerpt(redacted, kExcerptBytes)};
  if (listener_) listener_(d, redacted);
  if (samples_.size() < keep_) samples_.push_back(std::move(d));
}

}  // namespace citywatch::core
