// JSON request bodies of the API, read the way the endpoints read them.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "app/api_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto body = citywatch::app::JsonBody::parse(text);
  if (body) {
    (void)body->only({"name", "kind", "schedule", "params", "enabled", "user", "password"});
    (void)body->text("name", 64, true);
    (void)body->integer("expires_days", 1, 3650, false);
    (void)body->flag("enabled");
    (void)body->object_text("params", 16384);
  }
  return 0;
}
