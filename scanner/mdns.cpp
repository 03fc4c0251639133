#include "scanner/mdns.h"

#include <algorithm>

#include "core/text.h"

namespace citywatch::scanner {
namespace {

constexpr int kMaxJumps = 16;
constexpr std::size_t kMaxRecords = 128;

// A (possibly compressed) name at `pos`; advances pos past it in the record.
std::optional<std::string> read_name(Bytes msg, std::size_t& pos) {
  std::string name;
  std::size_t at = pos;
  bool jumped = false;
  for (int jumps = 0; jumps <= kMaxJumps;) {
    if (at >= msg.size()) return std::nullopt;
    std::uint8_t len = msg[at];
    if (len == 0) {
      if (!jumped) pos = at + 1;
      return name.empty() ? "." : name;
    }
    if ((len & 0xc0) == 0xc0) {
      if (at + 1 >= msg.size()) return std::nullopt;
      if (!jumped) pos = at + 2;
      at = static_cast<std::size_t>(((len & 0x3f) << 8) | msg[at + 1]);
      jumped = true;
      ++jumps;
      continue;
    }
    if ((len & 0xc0) != 0 || at + 1 + len > msg.size() || name.size() > 255) return std::nullopt;
    if (!name.empty()) name += '.';
    name += core::printable_excerpt(as_text(msg.subspan(at + 1, len)), 64);
    at += 1 + len;
  }
  return std::nullopt;
}

void add_unique(std::vector<std::string>& list, std::string value) {
  if (list.size() < kMaxMdnsNames && std::find(list.begin(), list.end(), value) == list.end()) {
    list.push_back(std::move(value));
  }
}

bool is_service_type(std::string_view name) {
  return name.starts_with("_") && name.find("._tcp") != std::string_view::npos
             ? true
             : name.starts_with("_") && name.find("._udp") != std::string_view::npos;
}

}  // namespace

std::optional<MdnsMessage> parse_mdns(Bytes msg) {
  if (msg.size() < 12) return std::nullopt;
  MdnsMessage m;
  m.response = (msg[2] & 0x80) != 0;
  std::size_t questions = be16(msg.data() + 4);
  std::size_t records =
      std::size_t{be16(msg.data() + 6)} + be16(msg.data() + 8) + be16(msg.data() + 10);
  std::size_t pos = 12;
  for (std::size_t q = 0; q < questions && q < kMaxRecords; ++q) {
    auto name = read_name(msg, pos);
    if (!name || pos + 4 > msg.size()) return m;
    pos += 4;
  }
  for (std::size_t k = 0; k < records && k < kMaxRecords; ++k) {
    auto owner = read_name(msg, pos);
    if (!owner || pos + 10 > msg.size()) return m;
    std::uint16_t type = be16(msg.data() + pos);
    std::size_t rdlength = be16(msg.data() + pos + 8);
    std::size_t rdata = pos + 10;
    if (rdata + rdlength > msg.size()) return m;
    pos = rdata + rdlength;
    if (type == 12) {  // PTR: service type -> instance
      std::size_t at = rdata;
      auto target = read_name(msg, at);
      if (is_service_type(*owner)) {
        add_unique(m.services, *owner);
        if (target && *owner != "_services._dns-sd._udp.local") add_unique(m.instances, *target);
        if (target && *owner == "_services._dns-sd._udp.local") add_unique(m.services, *target);
      }
    } else if (type == 33) {  // SRV: instance -> host
      if (rdlength > 6) {
        std::size_t at = rdata + 6;
        if (auto host = read_name(msg, at)) add_unique(m.hostnames, *host);
      }
      add_unique(m.instances, *owner);
    } else if ((type == 1 || type == 28) && !owner->ends_with(".arpa")) {
      add_unique(m.hostnames, *owner);
    }
  }
  return m;
}

}  // namespace citywatch::scanner
