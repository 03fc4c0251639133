#include "scanner/rate_gate.h"

#include <thread>

namespace citywatch::scanner {

RateGate::RateGate(std::chrono::milliseconds interval, NowFn now, SleepFn sleep)
    : interval_(interval), now_(std::move(now)), sleep_(std::move(sleep)) {
  if (!now_) now_ = [] { return Clock::now(); };
  if (!sleep_) {
    sleep_ = [](Clock::duration d) {
      std::this_thread::sleep_for(d);
      return true;
    };
  }
}

bool RateGate::wait() {
  Clock::time_point now = now_();
  while (next_ && now < *next_) {  // a sleep that returns early waits again
    if (!sleep_(*next_ - now)) return false;
    now = now_();
  }
  next_ = now + interval_;
  return true;
}

void RateGate::back_off(Clock::duration extra) {
  Clock::time_point base = next_ ? *next_ : now_();
  next_ = base + extra;
}

}  // namespace citywatch::scanner
