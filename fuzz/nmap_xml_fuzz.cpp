// fuzz/nmap_xml_fuzz.cpp: libFuzzer target for NmapXmlParser. The first input byte chooses where
// the rest is cut into 2 or 3 pieces fed one after another, then the end of input, so tokens
// split across feed() calls (as 256 KiB reads split a large file) are explored too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/diagnostics.h"
#include "scanner/nmap_xml_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  // Low 4 bits: first cut at 0..15/15 of the XML. Bit 4: a second cut, placed by the top 3 bits
  // between the first cut and the end.
  const unsigned cut = data[0];
  std::string_view xml(reinterpret_cast<const char*>(data + 1), size - 1);
  std::size_t first = xml.size() * (cut & 0x0fu) / 15;
  std::size_t second = xml.size();
  if ((cut & 0x10u) != 0) {
    second = first + (xml.size() - first) * (cut >> 5) / 7;
  }
  citywatch::core::Diagnostics diag;
  citywatch::scanner::NmapXmlParser parser(
      "fuzz.xml", [](citywatch::core::Observation&&) {}, diag);
  // Like the importer, stop at the first error: the parser is done with that file.
  for (std::string_view piece :
       {xml.substr(0, first), xml.substr(first, second - first), xml.substr(second)}) {
    if (!parser.feed(piece, false)) {
      return 0;
    }
  }
  static_cast<void>(parser.feed({}, true));
  return 0;
}
