#include "core/redact.h"

#include <algorithm>
#include <array>
#include <vector>

#include "core/text.h"

namespace citywatch::core {
namespace {

struct Span {
  std::size_t begin;
  std::size_t end;
};

bool word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

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

// "Authorization: Basic abc" keeps the scheme and hides the rest of the line.
void header_secrets(std::string_view text, std::vector<Span>& spans) {
  for (std::string_view name : {"proxy-authorization:", "authorization:", "cookie:"}) {
    std::size_t pos = 0;
    while ((pos = ifind(text, name, pos)) != std::string_view::npos) {
      std::size_t start = pos;
      pos += name.size();
      if (name == "cookie:" && start >= 4 && iequals(text.substr(start - 4, 4), "set-")) continue;
      if (name == "authorization:" && start >= 6 && iequals(text.substr(start - 6, 6), "proxy-")) {
        continue;
      }
      std::size_t value = skip_blanks(text, pos);
      std::size_t end = line_end(text, value);
      if (name != "cookie:") {
        // Keep a scheme word such as Basic, Digest or Bearer.
        std::size_t word = value;
        while (word < end && text[word] != ' ') ++word;
        if (word < end) value = skip_blanks(text, word);
      }
      if (value < end) spans.push_back({value, end});
    }
  }
}

// Commands that carry a secret as their argument, at the start of a line.
void command_secrets(std::string_view text, std::vector<Span>& spans) {
  struct Command {
    std::string_view verb;
    int skip_words;  // words after the verb that are not secret
  };
  static constexpr std::array<Command, 5> kCommands{{
      {"PASS ", 0},        // FTP, POP3
      {"AUTH PLAIN ", 0},  // SMTP, IMAP: base64 of user\0pass
      {"AUTH LOGIN ", 0},
      {"LOGIN ", 1},  // IMAP "a1 LOGIN user pass" is handled by the tag-aware search below
      {"APOP ", 1},
  }};
  for (const auto& cmd : kCommands) {
    std::size_t pos = 0;
    while ((pos = ifind(text, cmd.verb, pos)) != std::string_view::npos) {
      std::size_t start = pos;
      pos += cmd.verb.size();
      if (start > 0 && word_char(text[start - 1]) && cmd.verb != "LOGIN ") continue;
      if (cmd.verb == "LOGIN ") {
        // IMAP: "<tag> LOGIN user pass". Clients send the verb in capitals and tags are not
        // bare numbers, which keeps FTP replies ("530 Login or password incorrect") apart.
        if (text.substr(start, cmd.verb.size()) != cmd.verb || start == 0 ||
            text[start - 1] != ' ') {
          continue;
        }
        std::size_t tag_end = start - 1;
        std::size_t tag = tag_end;
        bool digits_only = true;
        while (tag > 0 && word_char(text[tag - 1])) {
          --tag;
          digits_only &= text[tag] >= '0' && text[tag] <= '9';
        }
        if (tag == tag_end || digits_only || !at_line_start(text, tag)) continue;
      } else if (!at_line_start(text, start)) {
        continue;
      }
      std::size_t value = skip_blanks(text, pos);
      std::size_t end = line_end(text, value);
      for (int w = 0; w < cmd.skip_words && value < end; ++w) {
        while (value < end && text[value] != ' ') ++value;
        value = skip_blanks(text, value);
      }
      if (value < end) spans.push_back({value, end});
    }
  }
}

// password=..., "password": "...", Password: ... (telnet prompt followed by what was typed).
void key_value_secrets(std::string_view text, std::vector<Span>& spans) {
  static constexpr std::array<std::string_view, 9> kKeys{"password", "passwd",     "pwd",
                                                         "pass",     "passphrase", "community",
                                                         "secret",   "api_key",    "apikey"};
  for (std::string_view key : kKeys) {
    std::size_t pos = 0;
    while ((pos = ifind(text, key, pos)) != std::string_view::npos) {
      std::size_t start = pos;
      pos += key.size();
      if (start > 0 && word_char(text[start - 1]) && text[start - 1] != '_') continue;
      if (pos < text.size() && word_char(text[pos])) continue;  // "passenger", "password_hint"
      std::size_t i = pos;
      bool quoted_key = i < text.size() && (text[i] == '"' || text[i] == '\'');
      if (quoted_key) ++i;
      i = skip_blanks(text, i);
      if (i >= text.size() || (text[i] != '=' && text[i] != ':')) continue;
      bool colon = text[i] == ':';
      i = skip_blanks(text, i + 1);
      if (i >= text.size()) continue;
      std::size_t end;
      if (text[i] == '"' || text[i] == '\'') {
        char quote = text[i];
        ++i;
        end = i;
        while (end < text.size() && text[end] != quote && text[end] != '\n') {
          end += (text[end] == '\\' && end + 1 < text.size()) ? 2 : 1;
        }
        if (end > text.size()) end = text.size();
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
  }
}

// scheme://user:secret@host
void url_userinfo_secrets(std::string_view text, std::vector<Span>& spans) {
  std::size_t pos = 0;
  while ((pos = text.find("://", pos)) != std::string_view::npos) {
    pos += 3;
    std::size_t end = pos;
    while (end < text.size() && text[end] != '/' && text[end] != ' ' && text[end] != '\n' &&
           text[end] != '"' && text[end] != '@' && text[end] != '\r') {
      ++end;
    }
    if (end >= text.size() || text[end] != '@') continue;
    std::size_t colon = text.find(':', pos);
    if (colon != std::string_view::npos && colon < end && colon + 1 < end) {
      spans.push_back({colon + 1, end});
    }
  }
}

}  // namespace

std::string redact_secrets(std::string_view text) {
  std::vector<Span> spans;
  header_secrets(text, spans);
  command_secrets(text, spans);
  key_value_secrets(text, spans);
  url_userinfo_secrets(text, spans);
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
      "password",  "passwd", "pass",   "pwd",     "secret",
      "community", "token",  "apikey", "api_key", "authorization"};
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
