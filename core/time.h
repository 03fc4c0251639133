// core/time.h: UTC timestamps as whole seconds since the Unix epoch, parsing and formatting
// of the forms feeds use, and the injectable Clock. ISPs match subscribers by exact second,
// so every stored time is UTC with seconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace citywatch::core {

using UnixSeconds = std::int64_t;

// Accepts "YYYY-MM-DD HH:MM:SS", "YYYY-MM-DDTHH:MM:SS" with optional fraction, and an optional
// zone "Z", "+HH:MM", "+HHMM" or " UTC". No zone means UTC (Shodan and Shadowserver both write
// UTC without saying so). Fractions are truncated. Years 1970..9999.
std::optional<UnixSeconds> parse_utc_timestamp(std::string_view text);

// "YYYY-MM-DD" at midnight UTC.
std::optional<UnixSeconds> parse_utc_date(std::string_view text);

// "2024-05-01T12:00:00Z"
std::string format_utc(UnixSeconds t);

// A span of time as people write it in config and on the command line: "90s", "30m", "12h",
// "7d", "2w", or plain seconds ("3600"). Between 0 and 100 years; nullopt otherwise.
std::optional<UnixSeconds> parse_duration(std::string_view text);
// The shortest exact form: 604800 -> "7d", 5400 -> "90m".
std::string format_duration(UnixSeconds seconds);

// "20261123T113000Z": for ids and file names.
std::string format_utc_compact(UnixSeconds t);

// Days since the epoch for a civil date (proleptic Gregorian), and back.
std::int64_t days_from_civil(int year, unsigned month, unsigned day);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixSeconds now() const = 0;
};

class SystemClock final : public Clock {
 public:
  UnixSeconds now() const override;
};

// A clock tests set and advance by hand, so retry windows and retention need no waiting.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(UnixSeconds start) : now_(start) {}
  UnixSeconds now() const override { return now_; }
  void set(UnixSeconds t) { now_ = t; }
  void advance(UnixSeconds seconds) { now_ += seconds; }

 private:
  UnixSeconds now_;
};

}  // namespace citywatch::core
