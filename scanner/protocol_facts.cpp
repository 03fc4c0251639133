#include "scanner/protocol_facts.h"

#include "core/text.h"

namespace citywatch::scanner {

std::pair<std::string, std::string> split_product(std::string_view text) {
  text = core::trim(text);
  std::size_t end = text.find(' ');
  std::string_view first = text.substr(0, end);
  std::size_t sep = first.find('/');
  if (sep == std::string_view::npos) sep = first.find('_');
  if (sep == std::string_view::npos || sep == 0) return {std::string(first), {}};
  std::string_view version = first.substr(sep + 1);
  if (version.empty() || version[0] < '0' || version[0] > '9') return {std::string(first), {}};
  return {std::string(first.substr(0, sep)), std::string(version)};
}

}  // namespace citywatch::scanner
