#include "core/redact.h"

#include <algorithm>
#include <array>
#include <vector>

#include "core/text.h"

namespace citywatch::core {
namespace {

// Redaction runs on every stored banner and field, so it is one pass over the text: only at a
// word start whose first letter begins some keyword are the keywords of that letter compared.

struct Span {
  std::size_t begin;
  std::size_t end;
};

enum class Rule {
  kHeader,     // "Authorization: Basic abc": keep the scheme, hide the rest of the line
  kCookie,     // "Cookie: a=b": hide the whole value
  kCommand,    // "PASS x", "AUTH PLAIN x" at the start of a line
  kApop,       // "APOP user digest": keep the user
  kImapLogin,  // "<tag> LOGIN user pass": keep the user
  kKeyValue,   // password=x, "password": "x", Password: x
};

struct Keyword {
  std::string_view text;  // lower case
  Rule rule;
};

constexpr std::array<Keyword, 17> kKeywords{{
    {"proxy-authorization:", Rule::kHeader},
    {"authorization:", Rule::kHeader},
    {"cookie:", Rule::kCookie},
    {"pass ", Rule::kCommand},
    {"auth plain ", Rule::kCommand},
    {"auth login ", Rule::kCommand},
    {"apop ", Rule::kApop},
    {"login ", Rule::kImapLogin},
    {"password", Rule::kKeyValue},
    {"passwd", Rule::kKeyValue},
    {"passphrase", Rule::kKeyValue},
    {"pass", Rule::kKeyValue},
    {"pwd", Rule::kKeyValue},
    {"community", Rule::kKeyValue},
    {"secret", Rule::kKeyValue},
    {"api_key", Rule::kKeyValue},
    {"apikey", Rule::kKeyValue},
}};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

constexpr std::array<bool, 256> first_letters() {
  std::array<bool, 256> table{};
  for (const auto& k : kKeywords) table[static_cast<unsigned char>(k.text[0])] = true;
  return table;
}
constexpr std::array<bool, 256> kFirst = first_letters();

std::size_t line_end(std::string_view text, std::size_t from) {
  std::size_t end = from;
  while (end < text.size() && text[end] != '\n' && text[end] != '\r') ++end;
  return end;
}

std::size_t skip_blanks(std::string_view text, std::size_t i) {
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  return i;
}

bool at_line_start(std::string_view text, std::size_t i) {
  while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t')) --i;
  return i == 0 || text[i - 1] == '\n' || text[i - 1] == '\r' || text[i - 1] == '|';
}

bool matches_at(std::string_view text, std::size_t i, std::string_view keyword) {
  if (i + keyword.size() > text.size()) return false;
  for (std::size_t k = 0; k < keyword.size(); ++k) {
    if (lower(text[i + k]) != keyword[k]) return false;
  }
  return true;
}

std::size_t skip_words(std::string_view text, std::size_t i, std::size_t end, int words) {
  for (int w = 0; w < words && i < end; ++w) {
    while (i < end && text[i] != ' ') ++i;
    i = skip_blanks(text, i);
  }
  return i;
}

// The secret after a key such as "password"; `after` is the index just past the key.
void key_value(std::string_view text, std::size_t after, std::vector<Span>& spans) {
  std::size_t i = after;
  if (i < text.size() && word_char(text[i])) return;  // "passenger", "password_hint"
  bool quoted_key = i < text.size() && (text[i] == '"' || text[i] == '\'');
  if (quoted_key) ++i;
  i = skip_blanks(text, i);
  if (i >= text.size() || (text[i] != '=' && text[i] != ':')) return;
  bool colon = text[i] == ':';
  i = skip_blanks(text, i + 1);
  if (i >= text.size()) return;
  std::size_t end;
  if (text[i] == '"' || text[i] == '\'') {
    char quote = text[i];
    ++i;
    end = i;
    while (end < text.size() && text[end] != quote && text[end] != '\n') {
      end += (text[end] == '\\' && end + 1 < text.size()) ? 2 : 1;
    }
    end = std::min(end, text.size());
  } else if (colon && !quoted_key) {
    end = line_end(text, i);  // a prompt: the rest of the line was typed by the user
  } else {
    end = i;
    while (end < text.size() && text[end] != '&' && text[end] != ' ' && text[end] != '\n' &&
           text[end] != '\r' && text[end] != ';' && text[end] != ',' && text[end] != '"' &&
           text[end] != '\t') {
      ++end;
    }
  }
  if (i < end) spans.push_back({i, end});
}

// Applies one keyword found at `start`; returns true when it matched (so shorter keywords of the
// same letter are not tried: "password" must not also match as "pass").
bool apply(std::string_view text, std::size_t start, const Keyword& k, std::vector<Span>& spans) {
  std::size_t after = start + k.text.size();
  switch (k.rule) {
    case Rule::kHeader:
    case Rule::kCookie: {
      if (k.rule == Rule::kCookie && start >= 4 && matches_at(text, start - 4, "set-")) {
        return true;  // Set-Cookie comes from the server: not the user's secret
      }
      std::size_t value = skip_blanks(text, after);
      std::size_t end = line_end(text, value);
      if (k.rule == Rule::kHeader) value = skip_words(text, value, end, 1);  // keep the scheme
      if (value < end) spans.push_back({value, end});
      return true;
    }
    case Rule::kCommand:
    case Rule::kApop: {
      if (!at_line_start(text, start)) return false;
      std::size_t value = skip_blanks(text, after);
      std::size_t end = line_end(text, value);
      if (k.rule == Rule::kApop) value = skip_words(text, value, end, 1);
      if (value < end) spans.push_back({value, end});
      return true;
    }
    case Rule::kImapLogin: {
      // IMAP: "<tag> LOGIN user pass". Clients send the verb in capitals and tags are not bare
      // numbers, which keeps FTP replies ("530 Login or password incorrect") apart.
      if (text.substr(start, 6) != "LOGIN " || start == 0 || text[start - 1] != ' ') return false;
      std::size_t tag_end = start - 1;
      std::size_t tag = tag_end;
      bool digits_only = true;
      while (tag > 0 && word_char(text[tag - 1])) {
        --tag;
        digits_only &= text[tag] >= '0' && text[tag] <= '9';
      }
      if (tag == tag_end || digits_only || !at_line_start(text, tag)) return false;
      std::size_t value = skip_blanks(text, after);
      std::size_t end = line_end(text, value);
      value = skip_words(text, value, end, 1);
      if (value < end) spans.push_back({value, end});
      return true;
    }
    case Rule::kKeyValue:
      key_value(text, after, spans);
      return after >= text.size() || !word_char(text[after]);
  }
  return false;
}

// scheme://user:secret@host, found from the "://".
void url_userinfo(std::string_view text, std::size_t colon_slash, std::vector<Span>& spans) {
  std::size_t start = colon_slash + 3;
  std::size_t end = start;
  while (end < text.size() && text[end] != '/' && text[end] != ' ' && text[end] != '\n' &&
         text[end] != '"' && text[end] != '@' && text[end] != '\r') {
    ++end;
  }
  if (end >= text.size() || text[end] != '@') return;
  std::size_t colon = text.find(':', start);
  if (colon != std::string_view::npos && colon < end && colon + 1 < end) {
    spans.push_back({colon + 1, end});
  }
}

}  // namespace

std::string redact_secrets(std::string_view text) {
  std::vector<Span> spans;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ':' && i + 2 < text.size() && text[i + 1] == '/' && text[i + 2] == '/') {
      url_userinfo(text, i, spans);
      continue;
    }
    char l = lower(c);
    if (!kFirst[static_cast<unsigned char>(l)]) continue;
    // Keys start a word; '_' may join them to a prefix ("snmp_community=").
    if (i > 0 && word_char(text[i - 1]) && text[i - 1] != '_') continue;
    for (const Keyword& k : kKeywords) {
      if (k.text[0] == l && matches_at(text, i, k.text) && apply(text, i, k, spans)) break;
    }
  }
  if (spans.empty()) return std::string(text);
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::string out;
  out.reserve(text.size());
  std::size_t cursor = 0;
  for (const Span& s : spans) {
    if (s.end <= cursor) continue;
    std::size_t begin = std::max(s.begin, cursor);
    out.append(text.substr(cursor, begin - cursor));
    if (begin == s.begin) out.append(kRedacted);
    cursor = s.end;
  }
  out.append(text.substr(cursor));
  return out;
}

bool is_secret_field(std::string_view name) {
  static constexpr std::array<std::string_view, 10> kWords{
      "password", "passwd", "pass", "pwd", "secret", "community", "token", "apikey", "api_key",
      "authorization"};
  std::string lowered = to_lower(name);
  for (std::string_view word : kWords) {
    std::size_t pos = 0;
    while ((pos = lowered.find(word, pos)) != std::string::npos) {
      bool left = pos == 0 || !word_char(lowered[pos - 1]) || lowered[pos - 1] == '_';
      std::size_t after = pos + word.size();
      bool right = after == lowered.size() || !word_char(lowered[after]) || lowered[after] == '_';
      if (left && right) return true;
      pos = after;
    }
  }
  return false;
}

}  // namespace citywatch::core
