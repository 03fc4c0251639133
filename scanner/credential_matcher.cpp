#include "scanner/credential_matcher.h"

#include <fstream>
#include <sstream>

#include "core/text.h"

namespace citywatch::scanner {
namespace {

constexpr std::size_t kMaxFileBytes = 64 * 1024 * 1024;
constexpr std::size_t kMaxLineBytes = 4096;

// One CSV line into fields (RFC 4180 quotes). nullopt on an unterminated quote.
std::optional<std::vector<std::string>> split_csv(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  if (quoted) return std::nullopt;
  return fields;
}

std::string unblank(std::string_view value) {
  value = core::trim(value);
  if (core::iequals(value, "<blank>") || core::iequals(value, "<empty>") ||
      core::iequals(value, "(none)")) {
    return {};
  }
  return std::string(value);
}

void add(std::unordered_map<std::string, std::uint32_t>& firsts,
         std::unordered_map<std::string, std::uint32_t>& counts, const std::string& key,
         std::uint32_t index) {
  firsts.try_emplace(key, index);
  ++counts[key];
}

}  // namespace

std::string CredentialMatch::identity() const {
  return vendor + " " + (username.empty() ? std::string("<blank>") : username);
}

core::Result<CredentialMatcher> CredentialMatcher::load(const std::string& path,
                                                        core::Diagnostics& diag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return core::fail(core::ErrorCode::kConfig,
                      "cannot read the default-credential list (set [capture] credentials_file)",
                      path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string csv = text.str();
  if (csv.size() > kMaxFileBytes) {
    return core::fail(core::ErrorCode::kConfig, "default-credential list larger than 64 MiB", path);
  }
  return parse(csv, path, diag);
}

CredentialMatcher CredentialMatcher::parse(std::string_view csv, const std::string& where,
                                           core::Diagnostics& diag) {
  CredentialMatcher m;
  m.source_ = where;
  std::unordered_map<std::string, std::uint32_t> pair_first, pair_count, blank_first, blank_count,
      pass_first, pass_count;
  // Columns by header name: the shipped list (vendor,product,protocol,username,password,source)
  // and DefaultCreds-cheat-sheet (productvendor,username,password) both read; no header means
  // the latter's order.
  std::size_t vendor_col = 0, user_col = 1, pass_col = 2, width = 3;
  bool header_seen = false;
  std::size_t pos = 0, number = 0;
  while (pos < csv.size()) {
    std::size_t end = csv.find('\n', pos);
    if (end == std::string_view::npos) end = csv.size();
    std::string_view line = csv.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (core::trim(line).empty() || core::trim(line).front() == '#') continue;
    std::string at = where + ":" + std::to_string(number);
    if (line.size() > kMaxLineBytes) {
      diag.report(at, "line too long", "over " + std::to_string(kMaxLineBytes) + " bytes");
      continue;
    }
    auto fields = split_csv(line);
    if (!header_seen) {
      header_seen = true;
      if (fields) {
        std::optional<std::size_t> vendor, product, user, pass;
        for (std::size_t i = 0; i < fields->size(); ++i) {
          std::string name = core::to_lower(core::trim((*fields)[i]));
          if (name == "productvendor" || name == "product") product = i;
          if (name == "vendor") vendor = i;
          if (name == "username") user = i;
          if (name == "password") pass = i;
        }
        if (user && pass && (product || vendor)) {
          vendor_col = product ? *product : *vendor;
          user_col = *user;
          pass_col = *pass;
          width = fields->size();
          continue;
        }
      }
    }
    if (!fields || fields->size() != width) {
      // The row is not echoed: it holds a password (a public default, but still a password).
      diag.report(at, "wrong column count",
                  "expected " + std::to_string(width) + " columns as in the header");
      continue;
    }
    auto index = static_cast<std::uint32_t>(m.entries_.size());
    std::string user = unblank((*fields)[user_col]);
    std::string password = unblank((*fields)[pass_col]);
    m.entries_.push_back({std::string(core::trim((*fields)[vendor_col])), user, number});
    add(pair_first, pair_count, core::to_lower(user) + '\x1f' + password, index);
    if (user.empty()) add(blank_first, blank_count, password, index);
    add(pass_first, pass_count, password, index);
  }
  auto build = [](auto& firsts, auto& counts, auto& out) {
    out.reserve(firsts.size());
    for (const auto& [key, first] : firsts) out.emplace(key, Hits{first, counts[key]});
  };
  build(pair_first, pair_count, m.by_pair_);
  build(blank_first, blank_count, m.by_blank_user_);
  build(pass_first, pass_count, m.by_password_);
  return m;
}

std::optional<CredentialMatch> CredentialMatcher::lookup(
    const std::unordered_map<std::string, Hits>& index, const std::string& key) const {
  auto it = index.find(key);
  if (it == index.end()) return std::nullopt;
  const Entry& e = entries_[it->second.first];
  return CredentialMatch{e.vendor, e.username, e.line, it->second.count};
}

std::optional<CredentialMatch> CredentialMatcher::match(std::string_view username,
                                                        std::string_view password) const {
  return lookup(by_pair_, core::to_lower(username) + '\x1f' + std::string(password));
}

std::optional<CredentialMatch> CredentialMatcher::match_secret(std::string_view password) const {
  if (auto m = lookup(by_blank_user_, std::string(password))) return m;
  return lookup(by_password_, std::string(password));
}

}  // namespace citywatch::scanner
