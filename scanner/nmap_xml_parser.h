// scanner/nmap_xml_parser.h: nmap XML output (-oX, with -sV) into Observations, one per open
// port, streamed through expat so a file of any size runs in bounded memory. Push interface:
// feed() bytes as they arrive. DTD entity declarations are refused (billion laughs) and the
// parser's own allocations are capped. One instance per file.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/diagnostics.h"
#include "core/result.h"
#include "scanner/feed.h"

namespace citywatch::scanner {

class NmapXmlParser {
 public:
  static constexpr std::size_t kMaxParserMemory = 64 << 20;

  NmapXmlParser(std::string source_name, ObservationSink sink, core::Diagnostics& diag);
  ~NmapXmlParser();
  NmapXmlParser(const NmapXmlParser&) = delete;
  NmapXmlParser& operator=(const NmapXmlParser&) = delete;

  // Feeds the next bytes; is_final marks the end of the file. Broken XML (including a file
  // that ends early) is kBadInput naming the line; ports completed before it were delivered.
  core::Result<void> feed(std::string_view bytes, bool is_final);

  std::size_t ports_seen() const;  // <port> elements read, open or not

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace citywatch::scanner
