// enrich/pattern.h: the small pattern language fingerprint rules are written in (docs/
// fingerprints.md): case-insensitive literal text with `*` (any run of characters), `{version}`
// and `{model}` captures, `^`/`$` anchors and `\` escapes. Compiled once; matching needs no
// allocation beyond the captures and never backtracks more than the text is long per wildcard.
// Chosen over std::regex because a rule set runs against every banner of a national feed.
// Immutable after compile(): safe to share between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace citywatch::enrich {

struct Captures {
  std::string version;
  std::string model;
};

class Pattern {
 public:
  // kConfig with a message naming the problem (the caller adds file:line).
  static core::Result<Pattern> compile(std::string_view text);

  // The longest literal piece, lower-cased: a banner that does not contain it cannot match.
  const std::string& prefilter() const { return prefilter_; }
  bool has_capture(std::string_view name) const;
  const std::string& text() const { return text_; }

  // true when the pattern matches somewhere in `text` (or at its start with `^`); captures are
  // filled from the first match found.
  bool match(std::string_view text, Captures* captures) const;

 private:
  enum class Op : std::uint8_t { kLiteral, kAny, kVersion, kModel };
  struct Token {
    Op op;
    std::string literal;  // lower-cased, for kLiteral
  };
  bool match_from(std::size_t token, std::string_view text, std::size_t pos,
                  Captures* captures) const;

  std::string text_;
  std::vector<Token> tokens_;
  bool anchored_start_ = false;
  bool anchored_end_ = false;
  std::string prefilter_;
};

// Lower-cases ASCII into out (reusing its buffer).
void ascii_lower(std::string_view in, std::string& out);

}  // namespace citywatch::enrich
