// scanner/shodan_parser.h: Shodan banners as JSON (one banner per line as the stream API and
// `shodan download` write them; a search page {"matches": [...]}; a host lookup
// {"data": [...]}) into Observations. Takes text only, never a file, so it fuzzes directly.
// Keeps its parse buffers between calls; one instance per thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/diagnostics.h"
#include "scanner/feed.h"

namespace citywatch::scanner {

class ShodanParser {
 public:
  // JSON texts larger than this are refused: a banner is rarely above 1 MiB and a search page
  // holds 100 banners.
  static constexpr std::size_t kMaxDocumentBytes = 64 << 20;

  ShodanParser();
  ~ShodanParser();
  ShodanParser(ShodanParser&&) noexcept;

  // Parses one JSON text. Each banner becomes an Observation for sink; each bad banner is
  // reported to diag at `where` (for banners inside a document, "where banner N"). Returns the
  // number of banner records seen, good and bad. A text that is not JSON at all is one bad
  // record.
  std::size_t parse(std::string_view json, const std::string& where, const ObservationSink& sink,
                    core::Diagnostics& diag);

  // True when text is a complete JSON value; used to tell one-banner-per-line files from a
  // pretty-printed document that spans lines.
  bool is_complete_json(std::string_view json);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace citywatch::scanner
