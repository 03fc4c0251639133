// The query string of an API request, its typed parameters and its page cursor.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "app/api_query.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto params = citywatch::app::parse_query_string(text);
  if (params) {
    citywatch::app::QueryReader q(*params);
    (void)q.only({"limit", "cursor", "vendor"});
    (void)q.limit(100, 1000);
    (void)q.integer("port", 0, 65535);
    (void)q.time("seen_after");
    (void)q.network("network");
    if (auto cursor = q.text("cursor", 512); cursor && *cursor) {
      (void)citywatch::app::decode_cursor(**cursor, "dev");
    }
  }
  (void)citywatch::app::decode_cursor(text, "svc");
  (void)citywatch::app::percent_decode(text, true);
  return 0;
}
