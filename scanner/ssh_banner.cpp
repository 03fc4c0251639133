#include "scanner/ssh_banner.h"

#include "core/text.h"

namespace citywatch::scanner {
namespace {
constexpr std::size_t kMaxLines = 8;
constexpr std::size_t kMaxLineBytes = 255;  // RFC 4253: 255 including CR LF
}  // namespace

ParseOutcome parse_ssh_banner(Bytes data) {
  ParseOutcome out;
  std::string_view text = as_text(data);
  std::size_t pos = 0;
  for (std::size_t n = 0; n < kMaxLines && pos < text.size(); ++n) {
    std::size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end == std::string_view::npos ? text.npos : end - pos);
    if (!line.starts_with("SSH-")) {
      if (end == std::string_view::npos) {
        // Not even the start of an identification line.
        if (!std::string_view("SSH-").starts_with(line.substr(0, 4))) return out;
        out.facts.protocol = "ssh";
        return out;
      }
      pos = end + 1;
      continue;
    }
    out.facts.protocol = "ssh";
    if (end == std::string_view::npos && line.size() < kMaxLineBytes) return out;  // need more
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = line.substr(0, kMaxLineBytes);
    out.complete = true;
    ProtocolFacts& f = out.facts;
    f.banner = std::string(line);
    f.add("ssh.banner", line);
    std::string_view rest = line.substr(4);
    std::size_t dash = rest.find('-');
    if (dash == std::string_view::npos) return out;
    f.add("ssh.protocol", rest.substr(0, dash));
    std::string_view software = rest.substr(dash + 1);
    std::size_t space = software.find(' ');
    if (space != std::string_view::npos) {
      f.add("ssh.comments", core::trim(software.substr(space + 1)));
      software = software.substr(0, space);
    }
    f.add("ssh.software", software);
    auto [product, version] = split_product(software);
    f.product = product;
    f.version = version;
    return out;
  }
  return out;
}

}  // namespace citywatch::scanner
