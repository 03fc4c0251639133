#include "enrich/pattern.h"

#include <cstring>

namespace citywatch::enrich {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
// Versions: "6.45.3", "V5.4.0", "2014.63", "1.6.18", "2.800.0000000.29.R"
bool version_char(char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-' || c == '+'; }
// Models: "DS-2CD2042WD", "CCR1009-8G-1S-1S+", "BCS-XVR0401-IV", "SB3.0-1AV-41"
bool model_char(char c) { return version_char(c) || c == '/' || c == '(' || c == ')'; }

bool literal_at(std::string_view text, std::size_t pos, const std::string& lit) {
  if (pos + lit.size() > text.size()) return false;
  for (std::size_t i = 0; i < lit.size(); ++i) {
    if (lower(text[pos + i]) != lit[i]) return false;
  }
  return true;
}

}  // namespace

void ascii_lower(std::string_view in, std::string& out) {
  out.resize(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = lower(in[i]);
}

core::Result<Pattern> Pattern::compile(std::string_view text) {
  Pattern p;
  p.text_ = std::string(text);
  if (text.empty()) return core::fail(core::ErrorCode::kConfig, "empty pattern");
  if (text.size() > 512) return core::fail(core::ErrorCode::kConfig, "pattern longer than 512");
  std::size_t i = 0;
  if (text[0] == '^') {
    p.anchored_start_ = true;
    i = 1;
  }
  std::size_t end = text.size();
  if (end > i && text[end - 1] == '$' && !(end >= 2 && text[end - 2] == '\\')) {
    p.anchored_end_ = true;
    --end;
  }
  std::string literal;
  auto flush = [&]() {
    if (!literal.empty()) {
      p.tokens_.push_back({Op::kLiteral, literal});
      literal.clear();
    }
  };
  while (i < end) {
    char c = text[i];
    if (c == '\\') {
      if (i + 1 >= end) return core::fail(core::ErrorCode::kConfig, "pattern ends with '\\'");
      literal += lower(text[i + 1]);
      i += 2;
    } else if (c == '*') {
      flush();
      if (p.tokens_.empty() || p.tokens_.back().op != Op::kAny) p.tokens_.push_back({Op::kAny, {}});
      ++i;
    } else if (c == '{') {
      auto close = text.find('}', i);
      if (close == std::string_view::npos || close >= end) {
        return core::fail(core::ErrorCode::kConfig, "'{' without '}' in pattern");
      }
      std::string_view name = text.substr(i + 1, close - i - 1);
      Op op;
      if (name == "version") {
        op = Op::kVersion;
      } else if (name == "model") {
        op = Op::kModel;
      } else {
        return core::fail(core::ErrorCode::kConfig,
                          "unknown capture {" + std::string(name) + "}; use {version} or {model}");
      }
      flush();
      if (!p.tokens_.empty() && p.tokens_.back().op != Op::kLiteral) {
        return core::fail(core::ErrorCode::kConfig,
                          "a capture must follow literal text, not another capture or '*'");
      }
      p.tokens_.push_back({op, {}});
      i = close + 1;
    } else if (c == '}' || c == '^' || c == '$') {
      return core::fail(core::ErrorCode::kConfig,
                        std::string("unescaped '") + c + "' in pattern; write \\" + c);
    } else {
      literal += lower(c);
      ++i;
    }
  }
  flush();
  if (p.tokens_.empty()) return core::fail(core::ErrorCode::kConfig, "pattern has no text");
  for (const auto& t : p.tokens_) {
    if (t.op == Op::kLiteral && t.literal.size() > p.prefilter_.size()) p.prefilter_ = t.literal;
  }
  if (p.prefilter_.empty()) {
    return core::fail(core::ErrorCode::kConfig, "pattern needs some literal text");
  }
  return p;
}

bool Pattern::has_capture(std::string_view name) const {
  Op want = name == "version" ? Op::kVersion : Op::kModel;
  for (const auto& t : tokens_) {
    if (t.op == want) return true;
  }
  return false;
}

bool Pattern::match_from(std::size_t token, std::string_view text, std::size_t pos,
                         Captures* captures) const {
  if (token == tokens_.size()) return !anchored_end_ || pos == text.size();
  const Token& t = tokens_[token];
  switch (t.op) {
    case Op::kLiteral:
      return literal_at(text, pos, t.literal) &&
             match_from(token + 1, text, pos + t.literal.size(), captures);
    case Op::kAny:
      if (token + 1 == tokens_.size()) return true;  // a trailing '*' matches whatever is left
      for (std::size_t p = pos; p <= text.size(); ++p) {
        if (match_from(token + 1, text, p, captures)) return true;
      }
      return false;
    case Op::kVersion:
    case Op::kModel: {
      auto ok = t.op == Op::kVersion ? version_char : model_char;
      std::size_t end = pos;
      while (end < text.size() && ok(text[end])) ++end;
      // Longest first, so "6.45.3" is taken whole; shorter only if what follows needs it.
      for (std::size_t e = end; e > pos; --e) {
        std::string_view value = text.substr(pos, e - pos);
        // Versions carry a digit; trailing separators belong to the sentence, not the version.
        if (t.op == Op::kVersion) {
          bool digit = false;
          for (char c : value) digit = digit || is_digit(c);
          if (!digit) continue;
          if (e != end && token + 1 == tokens_.size() && !anchored_end_) continue;
          while (!value.empty() &&
                 (value.back() == '.' || value.back() == '-' || value.back() == '_')) {
            value.remove_suffix(1);
          }
        }
        if (match_from(token + 1, text, e, captures)) {
          if (captures) {
            (t.op == Op::kVersion ? captures->version : captures->model) = std::string(value);
          }
          return true;
        }
      }
      return false;
    }
  }
  return false;
}

bool Pattern::match(std::string_view text, Captures* captures) const {
  if (anchored_start_) return match_from(0, text, 0, captures);
  const Token& first = tokens_.front();
  if (first.op != Op::kLiteral) return match_from(0, text, 0, captures);
  // Start only where the first literal occurs.
  std::size_t pos = 0;
  while (pos + first.literal.size() <= text.size()) {
    std::size_t found = std::string_view::npos;
    for (std::size_t p = pos; p + first.literal.size() <= text.size(); ++p) {
      if (lower(text[p]) == first.literal[0] && literal_at(text, p, first.literal)) {
        found = p;
        break;
      }
    }
    if (found == std::string_view::npos) return false;
    if (match_from(0, text, found, captures)) return true;
    pos = found + 1;
  }
  return false;
}

}  // namespace citywatch::enrich
