#include "scanner/telnet.h"

#include <algorithm>
#include <vector>

#include "core/text.h"

namespace citywatch::scanner {
namespace {

constexpr std::uint8_t kIac = 255, kSb = 250, kSe = 240, kWill = 251, kWont = 252, kDo = 253,
                       kDont = 254;
constexpr std::size_t kMaxBannerBytes = 512;

// Lines the client typed: split at CR or LF, NULs dropped, backspaces applied.
std::vector<std::string> typed_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::string current;
  bool pending = false;
  for (char c : text) {
    if (c == '\r' || c == '\n') {
      if (pending) lines.push_back(current);
      current.clear();
      pending = false;
      if (lines.size() >= 8) break;
    } else if (c == '\b' || c == 0x7f) {
      if (!current.empty()) current.pop_back();
    } else if (c != '\0') {
      current += c;
      pending = true;
    }
  }
  return lines;
}

std::size_t find_prompt(std::string_view text, std::initializer_list<std::string_view> words,
                        std::size_t from = 0) {
  std::size_t best = std::string_view::npos;
  for (auto w : words) {
    std::size_t at = core::ifind(text, w, from);
    if (at < best) best = at;
  }
  return best;
}

}  // namespace

std::string strip_telnet(Bytes data, std::string* options) {
  std::string out;
  out.reserve(data.size());
  for (std::size_t i = 0; i < data.size(); ++i) {
    std::uint8_t c = data[i];
    if (c != kIac) {
      out += static_cast<char>(c);
      continue;
    }
    if (i + 1 >= data.size()) break;
    std::uint8_t cmd = data[i + 1];
    if (cmd == kIac) {
      out += static_cast<char>(kIac);
      ++i;
    } else if (cmd >= kWill && cmd <= kDont) {
      if (i + 2 < data.size() && options != nullptr && (cmd == kWill || cmd == kDo) &&
          options->size() < 128) {
        if (!options->empty()) *options += ',';
        *options += std::to_string(data[i + 2]);
      }
      i += 2;
    } else if (cmd == kSb) {
      std::size_t j = i + 2;
      while (j + 1 < data.size() && !(data[j] == kIac && data[j + 1] == kSe)) ++j;
      i = j + 1;
    } else {
      ++i;
    }
  }
  return out;
}

ParseOutcome parse_telnet(Bytes server, Bytes client, bool final) {
  ParseOutcome out;
  out.facts.protocol = "telnet";
  ProtocolFacts& f = out.facts;
  std::string options;
  std::string text = strip_telnet(server, &options);
  std::string typed = strip_telnet(client);

  std::size_t login = find_prompt(text, {"login:", "username:", "user name:", "user:"});
  std::size_t password = find_prompt(text, {"password:", "passcode:"});
  std::size_t banner_end = std::min<std::size_t>({login, password, text.size(), kMaxBannerBytes});
  std::string_view banner = core::trim(std::string_view(text).substr(0, banner_end));
  f.add("telnet.banner", banner);
  f.add("telnet.options", options);
  std::string prompts = login != std::string_view::npos ? "login" : "";
  if (password != std::string_view::npos) prompts += prompts.empty() ? "password" : ",password";
  f.add("telnet.prompts", prompts);

  // The server's own words up to where the answer to the password is shown, for the excerpt.
  std::size_t shown = text.size();
  if (password != std::string_view::npos) {
    std::size_t after = text.find('\n', password);
    shown = after == std::string::npos ? text.size()
                                       : std::min(text.size(), text.find('\n', after + 1));
  }
  f.banner = text.substr(0, std::min(shown, kMaxBannerBytes));

  if (password == std::string_view::npos) {
    out.complete = final || text.size() >= kMaxBannerBytes * 4;
    return out;
  }
  std::vector<std::string> lines = typed_lines(typed);
  std::size_t needed = login != std::string_view::npos && login < password ? 2 : 1;
  if (lines.size() < needed) {
    out.complete = final;
    return out;
  }
  Credential c;
  c.username = needed == 2 ? lines[0] : std::string();
  c.password = lines[needed - 1];
  f.credential = c;
  // What came after the password prompt tells whether the login worked.
  std::size_t reply_from = text.find('\n', password);
  std::string_view reply = reply_from == std::string::npos
                               ? std::string_view()
                               : std::string_view(text).substr(reply_from);
  // "Last login:" contains "login:", so success markers are looked for first.
  if (find_prompt(reply, {"last login", "welcome", "$ ", "# ", "busybox"}) !=
      std::string_view::npos) {
    f.login_accepted = true;
  } else if (find_prompt(reply, {"incorrect", "failed", "denied", "invalid", "bad password",
                                 "login:"}) != std::string_view::npos) {
    f.login_accepted = false;
  }
  out.complete = f.login_accepted.has_value() || final;
  return out;
}

}  // namespace citywatch::scanner
