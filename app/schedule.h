// app/schedule.h: when a job runs. Two forms, both in UTC:
//   "every 30s" / "every 15m" / "every 6h" / "every 2d"  a fixed interval (1 s .. 366 d)
//   "m h dom mon dow"  five-field cron: numbers, '*', lists "1,15", ranges "1-5", steps "*/10"
//                      and "0-30/5"; dow 0-7 with 0 and 7 Sunday; when both dom and dow are
//                      restricted a day matching either runs (as cron does)
//   "@hourly", "@daily", "@weekly", "@monthly"  shorthands for the cron forms.
// Text is untrusted (config, API): parse() bounds everything and never throws. A value type;
// safe to share between threads.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/time.h"

namespace citywatch::app {

class Schedule {
 public:
  static core::Result<Schedule> parse(std::string_view text);

  // The first time strictly after t at which the job is due.
  core::UnixSeconds next_after(core::UnixSeconds t) const;
  // When a run that started at `started` and ended at `finished` should run next: the next
  // slot after its start, unless that passed while it ran (then the next one after its end).
  // Missed slots are never made up one by one.
  core::UnixSeconds next_due(core::UnixSeconds started, core::UnixSeconds finished) const;

  const std::string& text() const { return text_; }
  std::optional<core::UnixSeconds> interval() const { return interval_; }

 private:
  Schedule() = default;
  std::optional<core::UnixSeconds> next_cron(core::UnixSeconds t) const;

  std::string text_;
  std::optional<core::UnixSeconds> interval_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<7> weekdays_;  // 0 = Sunday
  bool any_day_ = true, any_weekday_ = true;
};

}  // namespace citywatch::app
