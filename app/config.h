// app/config.h: the TOML configuration (deploy/citywatch.example.toml documents every key).
// Every key has a default that works for the bundled The Hague setup; relative paths in a file
// are relative to that file's directory.
#pragma once

#include <cstddef>
#include <string>

#include "core/result.h"

namespace citywatch::app {

struct Config {
  std::string city_name = "'s-Gravenhage";
  std::string city_code = "GM0518";
  std::string database_path = "citywatch.db";
  std::size_t import_chunk_size = 5000;  // observations per transaction
  std::string reject_dir;                // empty: "<database>.rejects" beside the database
  std::size_t print_errors = 10;         // bad records printed per file (all are counted)

  // [capture]
  std::string credentials_file;           // default-credential CSV; empty: credentials not matched
  std::size_t capture_max_flows = 65536;  // TCP flows followed at once
  std::size_t capture_stream_bytes = 4096;  // bytes kept per direction of a flow
  std::size_t capture_flow_idle_seconds = 120;
  std::size_t capture_flush_seconds = 60;  // live capture: write what was seen this often
};

// Reads and validates a config file. Unknown keys are errors (a typo must not silently fall
// back to a default); so are wrong types and out-of-range values. kConfig with file:line.
core::Result<Config> load_config(const std::string& path);

}  // namespace citywatch::app
