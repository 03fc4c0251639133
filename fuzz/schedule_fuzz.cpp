// Schedules come from the configuration and the API: parse, then ask for due times.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "app/schedule.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto schedule = citywatch::app::Schedule::parse(text);
  if (schedule) {
    citywatch::core::UnixSeconds t = 1795000000;
    for (int i = 0; i < 3; ++i) t = schedule->next_due(t, t + 30);
  }
  return 0;
}
