// app/capture_command.h: `citywatch capture`: pcap/pcapng files or a live interface through the
// capture engine into the database (the same chunked path as imports), with a progress line on
// a terminal, a clean stop on SIGINT/SIGTERM that flushes everything seen, and a summary:
// packets, flows, observations, bad packets by reason with their first packet numbers,
// infected sources.
#pragma once

#include <string>
#include <vector>

#include "app/config.h"
#include "app/output.h"
#include "core/result.h"

namespace citywatch::app {

struct CaptureRequest {
  std::vector<std::string> files;
  std::string interface;
  std::string bpf;
  std::string credentials_file;  // overrides [capture] credentials_file
  bool darknet = false;
  bool client_fingerprints = false;
  int snaplen = 65535;
};

// 0 when all went well; 65 when packets were bad or a file was damaged (the rest still
// lands); 66 when a file is missing. Fails when the database or the interface cannot be used.
core::Result<int> run_capture(const Config& config, const CaptureRequest& request,
                              OutputFormat format);

}  // namespace citywatch::app
