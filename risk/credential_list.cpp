#include "risk/credential_list.h"

#include <fstream>
#include <sstream>

#include "core/text.h"
#include "risk/csv_line.h"

namespace citywatch::risk {

std::string CredentialList::vendor_key(std::string_view name) {
  name = core::trim(name);
  std::size_t end = name.find_first_of(" (_");
  return core::to_lower(name.substr(0, end));
}

core::Result<CredentialList> CredentialList::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return core::fail(core::ErrorCode::kConfig,
                      "cannot read the default-credential list; set CITYWATCH_DATA_DIR to the "
                      "folder holding credentials/",
                      path);
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse(buf.str(), path);
}

core::Result<CredentialList> CredentialList::parse(std::string_view text, const std::string& name) {
  static constexpr std::string_view kProtocols[] = {"any", "http", "telnet",   "ssh",
                                                    "ftp", "snmp", "rtsp",     "mqtt",
                                                    "vnc", "rdp",  "database", "other"};
  CredentialList list;
  std::size_t line_no = 0, pos = 0;
  bool header = false;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    std::string where = name + ":" + std::to_string(line_no);
    if (core::trim(line).empty() || line[0] == '#') continue;
    if (line.size() > 4096) return core::fail(core::ErrorCode::kConfig, "line too long", where);
    auto cells = split_csv_line(line);
    if (!cells) return core::fail(core::ErrorCode::kConfig, "unterminated quote", where);
    if (cells->size() != 6) {
      return core::fail(core::ErrorCode::kConfig,
                        "expected 6 columns (vendor,product,protocol,username,password,source), "
                        "found " +
                            std::to_string(cells->size()),
                        where);
    }
    if (!header) {
      if ((*cells)[0] != "vendor" || (*cells)[3] != "username") {
        return core::fail(core::ErrorCode::kConfig,
                          "the first line must be the header "
                          "vendor,product,protocol,username,password,source",
                          where);
      }
      header = true;
      continue;
    }
    Credential c{(*cells)[0], (*cells)[1], (*cells)[2], (*cells)[3], (*cells)[4], (*cells)[5]};
    if (c.vendor.empty() || c.vendor != core::to_lower(c.vendor)) {
      return core::fail(core::ErrorCode::kConfig, "vendor must be non-empty and lower-case", where);
    }
    bool known = false;
    for (auto p : kProtocols) known = known || p == c.protocol;
    if (!known) {
      return core::fail(core::ErrorCode::kConfig, "unknown protocol \"" + c.protocol + "\"", where);
    }
    list.by_vendor_.emplace(c.vendor, list.entries_.size());
    list.entries_.push_back(std::move(c));
  }
  if (!header) return core::fail(core::ErrorCode::kConfig, "no header line", name);
  return list;
}

std::vector<const Credential*> CredentialList::for_vendor(std::string_view vendor,
                                                          std::string_view protocol) const {
  std::vector<const Credential*> out;
  std::string key = vendor_key(vendor);
  if (key.empty()) return out;
  auto [lo, hi] = by_vendor_.equal_range(key);
  for (auto it = lo; it != hi; ++it) {
    const Credential& c = entries_[it->second];
    if (c.protocol == "any" || c.protocol == protocol) out.push_back(&c);
  }
  return out;
}

bool CredentialList::is_default(std::string_view username, std::string_view password) const {
  for (const auto& c : entries_) {
    if (c.username == username && c.password == password) return true;
  }
  return false;
}

}  // namespace citywatch::risk
