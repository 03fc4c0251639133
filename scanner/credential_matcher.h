// scanner/credential_matcher.h: the default-credential list and the lookup of a user name and
// password seen in clear text. Reads the shipped data/credentials/default-credentials.csv
// (vendor,product,protocol,username,password,source; '#' comments) and the DefaultCreds-cheat-
// sheet layout (productvendor,username,password; "<blank>" means empty), columns by header name. A match names the entry (vendor, user name, line)
// and never carries the password, so callers can store it. Immutable after loading: safe to
// share between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/diagnostics.h"
#include "core/result.h"

namespace citywatch::scanner {

struct CredentialMatch {
  std::string vendor;
  std::string username;          // as the list writes it; "" for a blank user
  std::size_t line = 0;          // line in the list file (the first entry that matches)
  std::size_t entries = 0;       // how many entries (vendors) share this user name and password
  std::string identity() const;  // "Hikvision admin", "Apple <blank>"
};

class CredentialMatcher {
 public:
  CredentialMatcher() = default;
  // Bad rows go to diag with path:line and are skipped.
  static core::Result<CredentialMatcher> load(const std::string& path, core::Diagnostics& diag);
  static CredentialMatcher parse(std::string_view csv, const std::string& where,
                                 core::Diagnostics& diag);

  // User names compare case-insensitively (devices differ), passwords exactly.
  std::optional<CredentialMatch> match(std::string_view username, std::string_view password) const;
  // An SNMP community is a password without a user: entries with a blank user first, then any.
  std::optional<CredentialMatch> match_secret(std::string_view password) const;

  std::size_t size() const { return entries_.size(); }
  const std::string& source() const { return source_; }

 private:
  struct Entry {
    std::string vendor;
    std::string username;
    std::size_t line;
  };
  struct Hits {
    std::uint32_t first;
    std::uint32_t count;
  };
  std::optional<CredentialMatch> lookup(const std::unordered_map<std::string, Hits>& index,
                                        const std::string& key) const;
  std::string source_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, Hits> by_pair_;        // lower(user) \x1f password
  std::unordered_map<std::string, Hits> by_blank_user_;  // password, user blank
  std::unordered_map<std::string, Hits> by_password_;    // password, any user
};

}  // namespace citywatch::scanner
