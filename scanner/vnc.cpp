#include "scanner/vnc.h"

#include <string>

#include "core/text.h"

namespace citywatch::scanner {

ProtocolFacts parse_rfb_greeting(Bytes server) {
  ProtocolFacts f;
  std::string_view t = as_text(server);
  // "RFB xxx.yyy\n": twelve bytes, three-digit major and minor versions.
  if (t.size() < 12 || !t.starts_with("RFB ") || t[7] != '.' || t[11] != '\n') return f;
  auto major = core::parse_int(t.substr(4, 3), 0, 999);
  auto minor = core::parse_int(t.substr(8, 3), 0, 999);
  if (!major || !minor) return f;
  f.protocol = "vnc";
  f.add("vnc.version", std::to_string(*major) + "." + std::to_string(*minor));
  f.banner = std::string(t.substr(0, 11));
  return f;
}

}  // namespace citywatch::scanner
