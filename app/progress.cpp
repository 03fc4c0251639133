#include "app/progress.h"

#include <unistd.h>

#include <cstdio>

namespace citywatch::app {

std::string with_thousands(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

bool ProgressLine::enabled() { return ::isatty(STDERR_FILENO) == 1; }

ProgressLine::ProgressLine(std::string label, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      start_(std::chrono::steady_clock::now()),
      last_(start_),
      enabled_(enabled()) {}

ProgressLine::~ProgressLine() { finish(); }

void ProgressLine::update(std::uint64_t count, std::uint64_t done, std::uint64_t total) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(200)) return;
  last_ = now;
  double seconds = std::chrono::duration<double>(now - start_).count();
  auto rate = seconds > 0 ? static_cast<std::uint64_t>(static_cast<double>(count) / seconds) : 0;
  std::string percent;
  if (total > 0 && done <= total) {
    percent = " " + std::to_string(done * 100 / total) + "%";
  }
  std::fprintf(stderr, "\r\033[K%s: %s %s%s, %s/s", label_.c_str(), with_thousands(count).c_str(),
               unit_.c_str(), percent.c_str(), with_thousands(rate).c_str());
  std::fflush(stderr);
  shown_ = true;
}

void ProgressLine::finish() {
  if (shown_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    shown_ = false;
  }
}

}  // namespace citywatch::app
