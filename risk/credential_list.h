// risk/credential_list.h: the default-credential list (data/credentials/default-credentials.csv,
// built from DefaultCreds-cheat-sheet and SecLists' Mirai list, both MIT). Format, one entry a
// line after a header: vendor,product,protocol,username,password,source — vendor lower-case
// (the first word of the product name: "hikvision", "tp-link"), protocol one of any, http,
// telnet, ssh, ftp, snmp, ..., and the empty string for an empty username or password. Lines
// starting with '#' are comments. The capture engine reads the same file. Immutable once
// loaded; safe to share between threads.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace citywatch::risk {

struct Credential {
  std::string vendor, product, protocol, username, password, source;
};

class CredentialList {
 public:
  // kConfig naming file:line on any malformed line.
  static core::Result<CredentialList> load(const std::string& path);
  static core::Result<CredentialList> parse(std::string_view text, const std::string& name);

  // Entries for the vendor (any case, first word) usable on the protocol ("any" entries too).
  std::vector<const Credential*> for_vendor(std::string_view vendor,
                                            std::string_view protocol) const;
  // True when username/password is a known default anywhere on the list (the Mirai table
  // included), e.g. credentials seen in captured traffic.
  bool is_default(std::string_view username, std::string_view password) const;
  std::size_t size() const { return entries_.size(); }

  // "Hikvision IP camera" -> "hikvision": the key vendors are filed under.
  static std::string vendor_key(std::string_view name);

 private:
  std::vector<Credential> entries_;
  std::multimap<std::string, std::size_t, std::less<>> by_vendor_;
};

}  // namespace citywatch::risk
