// The body of a partner's feedback request (HTTP API and `batches feedback --json`).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "notify/feedback.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace citywatch;
  auto parsed =
      notify::parse_feedback_json(std::string_view(reinterpret_cast<const char*>(data), size));
  if (parsed) {
    for (const auto& e : *parsed) {
      if (e.item < 1 || e.note.size() > notify::kMaxFeedbackNote + 3) std::abort();
    }
  }
  return 0;
}
