// app/list_commands.h: `citywatch devices` and `citywatch services`: what is stored, in the
// chosen --format.
#pragma once

#include <cstddef>

#include "app/config.h"
#include "app/output.h"
#include "core/result.h"

namespace citywatch::app {

core::Result<int> run_devices(const Config& config, OutputFormat format);
core::Result<int> run_services(const Config& config, OutputFormat format);

}  // namespace citywatch::app
