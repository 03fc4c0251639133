// app/data_dir.h: where the shipped data files are (fingerprint rules, credential and EOL
// lists): the configured [risk] data_dir, else $CITYWATCH_DATA_DIR, else the source tree's
// data/ (running from a build tree), else the installed share/citywatch.
#pragma once

#include <string>

#include "app/config.h"

namespace citywatch::app {

std::string data_dir(const Config& config);

}  // namespace citywatch::app
