// scanner/rate_gate.h: spaces requests to a feed API at least `interval` apart (Shodan allows
// one request per second). Time and waiting are injected, so tests run with a fake clock and
// the daemon waits on its shutdown signal instead of sleeping blindly. Not thread-safe: one per
// client.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

namespace citywatch::scanner {

class RateGate {
 public:
  using Clock = std::chrono::steady_clock;
  using NowFn = std::function<Clock::time_point()>;
  // Waits for the duration; returns false when the wait was cut short by a shutdown.
  using SleepFn = std::function<bool(Clock::duration)>;

  explicit RateGate(std::chrono::milliseconds interval, NowFn now = {}, SleepFn sleep = {});

  // Blocks until the next request may go out; false when cancelled while waiting.
  bool wait();
  // Pushes the next slot further out (the server said "slow down").
  void back_off(Clock::duration extra);
  std::chrono::milliseconds interval() const { return interval_; }

 private:
  std::chrono::milliseconds interval_;
  NowFn now_;
  SleepFn sleep_;
  std::optional<Clock::time_point> next_;
};

}  // namespace citywatch::scanner
