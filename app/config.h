// app/config.h: the TOML configuration (deploy/citywatch.example.toml documents every key).
// Every key has a default that works for the bundled The Hague setup; relative paths in a file
// are relative to that file's directory.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/result.h"
#include "enrich/geolocator.h"

namespace citywatch::app {

// Where the shipped data (boundaries, districts, demo inputs) is: $CITYWATCH_DATA_DIR, else the
// source tree's data/ when running from a build tree, else the installed share/citywatch.
std::string data_dir();

// The bundled The Hague setup: the CBS 2023 boundary and wijken from data/geo/, no database.
enrich::GeoConfig default_geo_config();

struct Config {
  std::string city_name = "'s-Gravenhage";
  std::string city_code = "GM0518";
  // [geo]; city name, code and aliases are copied in from [city] when the file is loaded.
  enrich::GeoConfig geo = default_geo_config();
  std::string database_path = "citywatch.db";
  std::size_t import_chunk_size = 5000;  // observations per transaction
  std::string reject_dir;                // empty: "<database>.rejects" beside the database
  std::size_t print_errors = 10;         // bad records printed per file (all are counted)
};

// Reads and validates a config file. Unknown keys are errors (a typo must not silently fall
// back to a default); so are wrong types and out-of-range values. kConfig with file:line.
core::Result<Config> load_config(const std::string& path);

}  // namespace citywatch::app
