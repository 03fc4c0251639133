// app/list_commands.h: `citywatch devices` and `citywatch services`: what is stored, in the
// chosen --format.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/output.h"
#include "core/result.h"

namespace citywatch::app {

// Which devices `citywatch devices` lists: by default those in the city or possibly in it.
struct DeviceListOptions {
  bool all = false;                  // also outside the city and not locatable
  std::vector<std::string> in_city;  // yes, no, possibly, unknown (overrides the default)
  std::string district;              // CBS district code, e.g. WK051828
};

core::Result<int> run_devices(const Config& config, OutputFormat format,
                              const DeviceListOptions& options = {});
core::Result<int> run_services(const Config& config, OutputFormat format);

}  // namespace citywatch::app
