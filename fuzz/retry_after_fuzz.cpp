// A partner's Retry-After header value and a webhook signature header: both come off the wire.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/http_post.h"
#include "notify/signature.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace citywatch;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto d = net::parse_retry_after(text, 1700000000)) {
    if (*d < 0 || *d > 30 * 86400) std::abort();
  }
  (void)notify::parse_signature(text);
  (void)notify::verify("key", text, "body");
  return 0;
}
