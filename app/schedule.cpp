#include "app/schedule.h"

#include <vector>

#include "core/text.h"

namespace citywatch::app {
namespace {

constexpr std::size_t kMaxScheduleBytes = 200;
constexpr core::UnixSeconds kMaxInterval = 366 * 86400;
// How far ahead a cron expression is searched: 8 years covers every leap-day pattern.
constexpr std::int64_t kSearchDays = 8 * 366;

core::Failure bad(std::string message) {
  return core::fail(core::ErrorCode::kBadInput, std::move(message));
}

struct Civil {
  std::int64_t year;
  unsigned month, day, weekday;  // weekday 0 = Sunday
};

Civil civil_from_days(std::int64_t days) {
  std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
  // 1970-01-01 was a Thursday (4).
  auto wd = static_cast<unsigned>(((days % 7) + 7 + 4) % 7);
  return {y, m, d, wd};
}

// One cron field into bits [lo, hi]; returns whether it was "*" alone.
template <std::size_t N>
core::Result<bool> parse_field(std::string_view field, int lo, int hi, std::bitset<N>& bits,
                               std::string_view name) {
  bool star_only = field == "*";
  for (const auto& part : core::split_trimmed(field, ',')) {
    std::string_view item = part;
    int step = 1;
    if (auto slash = item.find('/'); slash != std::string_view::npos) {
      auto s = core::parse_int(item.substr(slash + 1), 1, hi);
      if (!s) return bad(std::string(name) + ": bad step in '" + std::string(part) + "'");
      step = static_cast<int>(*s);
      item = item.substr(0, slash);
    }
    int from = lo, to = hi;
    if (item != "*") {
      if (auto dash = item.find('-'); dash != std::string_view::npos) {
        auto a = core::parse_int(item.substr(0, dash), lo, hi);
        auto b = core::parse_int(item.substr(dash + 1), lo, hi);
        if (!a || !b || *a > *b) {
          return bad(std::string(name) + ": bad range '" + std::string(part) + "' (allowed " +
                     std::to_string(lo) + "-" + std::to_string(hi) + ")");
        }
        from = static_cast<int>(*a);
        to = static_cast<int>(*b);
      } else {
        auto a = core::parse_int(item, lo, hi);
        if (!a) {
          return bad(std::string(name) + ": '" + std::string(part) + "' is not a number from " +
                     std::to_string(lo) + " to " + std::to_string(hi));
        }
        from = static_cast<int>(*a);
        // "5/15" means from 5 to the end in steps of 15, as cron reads it.
        to = part.find('/') != std::string::npos ? hi : from;
      }
    }
    for (int v = from; v <= to; v += step) bits.set(static_cast<std::size_t>(v));
  }
  if (bits.none()) return bad(std::string(name) + " is empty");
  return star_only;
}

}  // namespace

core::Result<Schedule> Schedule::parse(std::string_view text) {
  text = core::trim(text);
  if (text.empty()) return bad("empty schedule");
  if (text.size() > kMaxScheduleBytes) return bad("schedule longer than 200 characters");
  Schedule s;
  s.text_ = std::string(text);
  std::string lower = core::to_lower(text);

  if (lower.starts_with("every ")) {
    std::string_view rest = core::trim(std::string_view(lower).substr(6));
    if (rest.empty()) return bad("'every' needs an interval such as 'every 6h'");
    core::UnixSeconds unit = 0;
    switch (rest.back()) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      default:
        return bad("interval '" + std::string(rest) + "' needs a unit: s, m, h or d");
    }
    auto n = core::parse_int(core::trim(rest.substr(0, rest.size() - 1)), 1, kMaxInterval);
    if (!n || *n * unit > kMaxInterval) {
      return bad("interval '" + std::string(rest) + "' must be from 1s to 366d");
    }
    s.interval_ = *n * unit;
    return s;
  }

  std::string cron = lower;
  if (lower == "@hourly") cron = "0 * * * *";
  if (lower == "@daily" || lower == "@midnight") cron = "0 0 * * *";
  if (lower == "@weekly") cron = "0 0 * * 0";
  if (lower == "@monthly") cron = "0 0 1 * *";
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (start < cron.size()) {
    while (start < cron.size() && (cron[start] == ' ' || cron[start] == '\t')) ++start;
    std::size_t end = cron.find_first_of(" \t", start);
    if (start < cron.size()) fields.push_back(cron.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end;
  }
  if (fields.size() != 5) {
    return bad("'" + std::string(text) +
               "' is neither 'every <n><s|m|h|d>' nor five cron fields (minute hour "
               "day-of-month month day-of-week)");
  }
  std::bitset<8> weekdays;
  auto minutes = parse_field(fields[0], 0, 59, s.minutes_, "minute");
  if (!minutes) return core::fail(minutes.error());
  auto hours = parse_field(fields[1], 0, 23, s.hours_, "hour");
  if (!hours) return core::fail(hours.error());
  auto days = parse_field(fields[2], 1, 31, s.days_, "day of month");
  if (!days) return core::fail(days.error());
  auto months = parse_field(fields[3], 1, 12, s.months_, "month");
  if (!months) return core::fail(months.error());
  auto wd = parse_field(fields[4], 0, 7, weekdays, "day of week");
  if (!wd) return core::fail(wd.error());
  s.any_day_ = *days;
  s.any_weekday_ = *wd;
  for (std::size_t d = 0; d < 7; ++d) s.weekdays_[d] = weekdays[d];
  if (weekdays[7]) s.weekdays_[0] = true;
  if (!s.next_cron(0)) return bad("'" + std::string(text) + "' never matches a real date");
  return s;
}

std::optional<core::UnixSeconds> Schedule::next_cron(core::UnixSeconds t) const {
  // Start at the next whole minute after t, then walk days; inside a matching day the first
  // matching hour and minute win.
  core::UnixSeconds from = (t >= 0 ? t / 60 : (t - 59) / 60) * 60 + 60;
  std::int64_t day = from >= 0 ? from / 86400 : (from - 86399) / 86400;
  core::UnixSeconds offset = from - day * 86400;
  for (std::int64_t i = 0; i < kSearchDays; ++i, ++day, offset = 0) {
    Civil c = civil_from_days(day);
    if (!months_[c.month]) continue;
    bool dom = days_[c.day], dow = weekdays_[c.weekday];
    bool match = any_day_ && any_weekday_ ? true
                 : any_day_               ? dow
                 : any_weekday_           ? dom
                                          : (dom || dow);
    if (!match) continue;
    for (std::int64_t h = offset / 3600; h < 24; ++h) {
      if (!hours_[static_cast<std::size_t>(h)]) continue;
      std::int64_t first_minute = h == offset / 3600 ? (offset % 3600) / 60 : 0;
      for (std::int64_t m = first_minute; m < 60; ++m) {
        if (minutes_[static_cast<std::size_t>(m)]) return day * 86400 + h * 3600 + m * 60;
      }
    }
  }
  return std::nullopt;
}

core::UnixSeconds Schedule::next_after(core::UnixSeconds t) const {
  if (interval_) return t + *interval_;
  // parse() proved a match exists within the search window from any start.
  auto next = next_cron(t);
  return next ? *next : t + kMaxInterval;
}

core::UnixSeconds Schedule::next_due(core::UnixSeconds started, core::UnixSeconds finished) const {
  core::UnixSeconds next = next_after(started);
  return next > finished ? next : next_after(finished);
}

}  // namespace citywatch::app
