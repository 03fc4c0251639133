// app/progress.h: a one-line progress display (records, percent, rate) for long work, shown
// only when stderr is a terminal so pipes and logs stay clean. Updates at most 5 times a second.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace citywatch::app {

class ProgressLine {
 public:
  // label: what is being worked on ("shodan banners.json.gz"); unit: "records", "packets"
  ProgressLine(std::string label, std::string unit);
  ~ProgressLine();  // clears the line

  // done/total are bytes (total 0 when unknown).
  void update(std::uint64_t count, std::uint64_t done, std::uint64_t total);
  void finish();
  static bool enabled();

 private:
  std::string label_;
  std::string unit_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
  bool shown_ = false;
  bool enabled_;
};

// "1,234,567"
std::string with_thousands(std::uint64_t n);

}  // namespace citywatch::app
