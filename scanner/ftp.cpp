#include "scanner/ftp.h"

#include <vector>

#include "core/text.h"

namespace citywatch::scanner {
namespace {

struct Reply {
  int code;
  std::string_view text;
};

constexpr std::size_t kMaxLines = 64;

// Complete lines only; a partial last line waits for more bytes.
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos < text.size() && lines.size() < kMaxLines) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) break;
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    pos = end + 1;
  }
  return lines;
}

// Folds multi-line replies ("220-..." up to "220 ...") into one reply each.
std::vector<Reply> replies_of(std::string_view text) {
  std::vector<Reply> replies;
  int open = 0;
  for (std::string_view line : lines_of(text)) {
    auto code = line.size() >= 3 ? core::parse_int(line.substr(0, 3), 100, 599) : std::nullopt;
    bool final_line = code && (line.size() == 3 || line[3] == ' ');
    if (open != 0) {
      if (code && *code == open && final_line) open = 0;
      continue;
    }
    if (!code) continue;
    replies.push_back({static_cast<int>(*code), line});
    if (line.size() > 3 && line[3] == '-') open = static_cast<int>(*code);
  }
  return replies;
}

}  // namespace

bool looks_like_ftp_greeting(Bytes server) {
  std::string_view t = as_text(server);
  return t.size() >= 4 && t.starts_with("220") && (t[3] == ' ' || t[3] == '-');
}

ParseOutcome parse_ftp(Bytes server, Bytes client, bool final) {
  ParseOutcome out;
  std::string_view stext = as_text(server);
  if (!looks_like_ftp_greeting(server)) return out;
  ProtocolFacts& f = out.facts;
  bool smtp = core::ifind(stext.substr(0, std::min<std::size_t>(stext.size(), 512)), "SMTP") !=
              std::string_view::npos;
  f.protocol = smtp ? "smtp" : "ftp";
  std::vector<Reply> replies = replies_of(stext);
  if (replies.empty()) return out;  // the greeting is not complete yet
  // The greeting with its continuation lines.
  std::size_t greeting_end = stext.find("\n220 ");
  greeting_end = greeting_end == std::string_view::npos ? stext.find('\n')
                                                        : stext.find('\n', greeting_end + 1);
  std::string_view greeting = stext.substr(0, greeting_end);
  f.banner = std::string(greeting);
  // The greeting's lines without their reply codes, joined: products often name themselves on
  // the first line of a multi-line greeting.
  std::string text;
  const std::string lines = std::string(greeting) + "\n";
  for (std::string_view line : lines_of(lines)) {
    std::string_view words = core::trim(line.size() > 4 ? line.substr(4) : std::string_view());
    if (words.empty()) continue;
    if (!text.empty()) text += ' ';
    text += words;
  }
  f.add(f.protocol + ".banner", text);
  if (smtp) {
    out.complete = true;
    return out;
  }
  // Client commands, in order; replies[k + 1] answers command k (replies[0] is the greeting).
  std::vector<std::string_view> commands = lines_of(as_text(client));
  std::optional<std::string> user;
  for (std::size_t k = 0; k < commands.size(); ++k) {
    std::string_view cmd = commands[k];
    const Reply* reply = k + 1 < replies.size() ? &replies[k + 1] : nullptr;
    if (core::istarts_with(cmd, "USER ")) {
      user = std::string(core::trim(cmd.substr(5)));
      if (reply && reply->code == 230) {  // no password asked
        f.credential = Credential{*user, {}, false};
        f.login_accepted = true;
        break;
      }
    } else if (core::istarts_with(cmd, "PASS") && user) {
      std::string_view pass = cmd.size() > 5 ? cmd.substr(5) : std::string_view();
      bool anonymous = core::iequals(*user, "anonymous") || core::iequals(*user, "ftp");
      if (anonymous) {
        if (reply) f.add("ftp.anonymous", reply->code == 230 ? "true" : "false");
      } else {
        f.credential = Credential{*user, std::string(pass)};
      }
      if (!reply) break;
      f.login_accepted = reply->code == 230;
      break;
    } else if (!user) {
      break;  // AUTH TLS or anything else first: no clear-text login in this flow
    }
  }
  out.complete = f.login_accepted.has_value() || final || commands.size() > 4;
  return out;
}

}  // namespace citywatch::scanner
