#include "core/time.h"

#include <chrono>
#include <cstdio>

namespace citywatch::core {
namespace {

// Reads exactly n digits at text[pos]; advances pos.
std::optional<int> digits(std::string_view text, std::size_t& pos, std::size_t n) {
  if (pos + n > text.size()) {
    return std::nullopt;
  }
  int value = 0;
  for (std::size_t k = 0; k < n; ++k) {
    char c = text[pos + k];
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + (c - '0');
  }
  pos += n;
  return value;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos < text.size() && text[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

unsigned days_in_month(int year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

std::optional<std::int64_t> parse_date_part(std::string_view text, std::size_t& pos) {
  auto y = digits(text, pos, 4);
  if (!y || !expect(text, pos, '-')) return std::nullopt;
  auto m = digits(text, pos, 2);
  if (!m || !expect(text, pos, '-')) return std::nullopt;
  auto d = digits(text, pos, 2);
  if (!d || *y < 1970 || *m < 1 || *m > 12 || *d < 1 ||
      static_cast<unsigned>(*d) > days_in_month(*y, static_cast<unsigned>(*m))) {
    return std::nullopt;
  }
  return days_from_civil(*y, static_cast<unsigned>(*m), static_cast<unsigned>(*d));
}

}  // namespace

std::int64_t days_from_civil(int year, unsigned month, unsigned day) {
  // Howard Hinnant's algorithm, public domain description of the proleptic calendar.
  year -= month <= 2;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<UnixSeconds> parse_utc_date(std::string_view text) {
  std::size_t pos = 0;
  auto days = parse_date_part(text, pos);
  if (!days || pos != text.size()) {
    return std::nullopt;
  }
  return *days * 86400;
}

std::optional<UnixSeconds> parse_utc_timestamp(std::string_view text) {
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  std::size_t pos = 0;
  auto days = parse_date_part(text, pos);
  if (!days) return std::nullopt;
  if (!expect(text, pos, 'T') && !expect(text, pos, ' ') && !expect(text, pos, 't')) {
    return std::nullopt;
  }
  auto hh = digits(text, pos, 2);
  if (!hh || !expect(text, pos, ':')) return std::nullopt;
  auto mm = digits(text, pos, 2);
  if (!mm) return std::nullopt;
  int ss = 0;
  if (expect(text, pos, ':')) {
    auto s = digits(text, pos, 2);
    if (!s) return std::nullopt;
    ss = *s;
  }
  if (*hh > 23 || *mm > 59 || ss > 60) return std::nullopt;
  if (expect(text, pos, '.') || expect(text, pos, ',')) {
    std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  int offset = 0;
  if (pos < text.size()) {
    std::string_view zone = text.substr(pos);
    if (zone == "Z" || zone == "z" || zone == " UTC" || zone == "UTC" || zone == " GMT") {
      pos = text.size();
    } else if (zone[0] == '+' || zone[0] == '-') {
      int sign = zone[0] == '-' ? -1 : 1;
      ++pos;
      auto oh = digits(text, pos, 2);
      if (!oh) return std::nullopt;
      expect(text, pos, ':');
      auto om = digits(text, pos, 2);
      if (!om || *oh > 23 || *om > 59) return std::nullopt;
      offset = sign * (*oh * 3600 + *om * 60);
    } else {
      return std::nullopt;
    }
  }
  if (pos != text.size()) return std::nullopt;
  return *days * 86400 + *hh * 3600 + *mm * 60 + ss - offset;
}

std::string format_utc(UnixSeconds t) {
  std::int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  std::int64_t secs = t - days * 86400;
  // civil_from_days (inverse of days_from_civil)
  std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                static_cast<long long>(y + (m <= 2)), m, d, static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  return buf;
}

UnixSeconds SystemClock::now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<UnixSeconds> parse_duration(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  UnixSeconds unit = 1;
  switch (text.back()) {
    case 's':
      text.remove_suffix(1);
      break;
    case 'm':
      unit = 60;
      text.remove_suffix(1);
      break;
    case 'h':
      unit = 3600;
      text.remove_suffix(1);
      break;
    case 'd':
      unit = 86400;
      text.remove_suffix(1);
      break;
    case 'w':
      unit = 7 * 86400;
      text.remove_suffix(1);
      break;
    default:
      break;
  }
  if (text.empty() || text.size() > 12) return std::nullopt;
  UnixSeconds n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  constexpr UnixSeconds kMax = 100LL * 366 * 86400;
  if (n > kMax / unit) return std::nullopt;
  return n * unit;
}

std::string format_duration(UnixSeconds seconds) {
  struct Unit {
    UnixSeconds size;
    char name;
  };
  static constexpr Unit kUnits[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}};
  if (seconds > 0) {
    for (const auto& u : kUnits) {
      if (seconds % u.size == 0) return std::to_string(seconds / u.size) + u.name;
    }
  }
  return std::to_string(seconds) + "s";
}

std::string format_utc_compact(UnixSeconds t) {
  std::string s = format_utc(t);  // 2024-05-01T12:00:00Z
  std::string out;
  for (char c : s) {
    if (c != '-' && c != ':') out += c;
  }
  return out;
}

}  // namespace citywatch::core
