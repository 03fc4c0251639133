// app/data_dir.h: where the shipped data is (boundaries, districts, fingerprint rules, credential
// and EOL lists, demo inputs): $CITYWATCH_DATA_DIR, else the source tree's data/ when running
// from a build tree, else the installed share/citywatch.
#pragma once

#include <string>

namespace citywatch::app {

struct Config;

std::string data_dir();
// The configured [risk] data_dir when set, else data_dir().
std::string data_dir(const Config& config);

}  // namespace citywatch::app
