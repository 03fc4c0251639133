#include "risk/version_compare.h"

#include <vector>

namespace citywatch::risk {
namespace {

struct Segment {
  std::string_view text;
  bool numeric;
};

bool digit(char c) { return c >= '0' && c <= '9'; }
bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Splits "V5.4.0build160530" into 5 4 0 build 160530; separators are anything else.
void segments(std::string_view v, std::vector<Segment>& out) {
  out.clear();
  if (v.size() > 1 && (v[0] == 'v' || v[0] == 'V') && digit(v[1])) v.remove_prefix(1);
  std::size_t i = 0;
  while (i < v.size() && out.size() < 64) {
    if (digit(v[i])) {
      std::size_t j = i;
      while (j < v.size() && digit(v[j])) ++j;
      out.push_back({v.substr(i, j - i), true});
      i = j;
    } else if (alpha(v[i])) {
      std::size_t j = i;
      while (j < v.size() && alpha(v[j])) ++j;
      out.push_back({v.substr(i, j - i), false});
      i = j;
    } else {
      ++i;
    }
  }
}

int compare_numeric(std::string_view a, std::string_view b) {
  while (a.size() > 1 && a[0] == '0') a.remove_prefix(1);
  while (b.size() > 1 && b[0] == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

int compare_alpha(std::string_view a, std::string_view b) {
  std::size_t n = a.size() < b.size() ? a.size() : b.size();
  for (std::size_t i = 0; i < n; ++i) {
    char x = lower(a[i]), y = lower(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

bool is_prerelease(std::string_view s) {
  for (std::string_view tag : {"alpha", "beta", "rc", "pre", "dev", "a", "b"}) {
    if (compare_alpha(s, tag) == 0) return true;
  }
  return false;
}

bool all_zero(std::string_view s) {
  for (char c : s) {
    if (c != '0') return false;
  }
  return true;
}

// The longer version's extra segments decide: zeros change nothing, a pre-release tag makes it
// older, anything else newer.
int tail_sign(const std::vector<Segment>& longer, std::size_t from) {
  for (std::size_t i = from; i < longer.size(); ++i) {
    const Segment& s = longer[i];
    if (s.numeric && all_zero(s.text)) continue;
    if (!s.numeric && is_prerelease(s.text)) return -1;
    return 1;
  }
  return 0;
}

}  // namespace

int compare_versions(std::string_view a, std::string_view b) {
  thread_local std::vector<Segment> sa, sb;
  segments(a, sa);
  segments(b, sb);
  std::size_t n = sa.size() < sb.size() ? sa.size() : sb.size();
  for (std::size_t i = 0; i < n; ++i) {
    int c = 0;
    if (sa[i].numeric && sb[i].numeric) {
      c = compare_numeric(sa[i].text, sb[i].text);
    } else if (!sa[i].numeric && !sb[i].numeric) {
      c = compare_alpha(sa[i].text, sb[i].text);
    } else {
      // 1.0.1 is newer than 1.0.beta; 1.0.rc1 older than 1.0.1
      c = sa[i].numeric ? 1 : -1;
    }
    if (c != 0) return c;
  }
  if (sa.size() > n) return tail_sign(sa, n);
  if (sb.size() > n) return -tail_sign(sb, n);
  return 0;
}

bool is_comparable_version(std::string_view v) {
  for (char c : v) {
    if (digit(c)) return true;
  }
  return false;
}

}  // namespace citywatch::risk
