// The web login form list (scanner/http_login_forms.h): the shipped file, every refusal with
// file:line, the encodings, the verdicts; and the form login dialog through the real prober
// against an HTTP responder on 127.0.0.1 that implements the forms.
#include "scanner/http_login_forms.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <mutex>
#include <thread>

#include "scanner/prober.h"
#include "tests/support/test_support.h"

namespace citywatch::scanner {
namespace {

constexpr std::string_view kLuci =
    R"({"id": "openwrt-luci", "vendor": "OpenWrt", "rule": "openwrt-luci", "method": "POST", )"
    R"("path": "/cgi-bin/luci/", "content_type": "application/x-www-form-urlencoded", )"
    R"("body": "luci_username={username}&luci_password={password}", )"
    R"("success": {"status": 302, "set_cookie": ["sysauth_http", "sysauth"]}, )"
    R"("failure": {"status": 403}, "source": "test"})";
constexpr std::string_view kJson =
    R"({"id": "json-login", "vendor": "Grafana", "method": "POST", "path": "/login", )"
    R"("content_type": "application/json", "body": "{\"user\":\"{username}\",\"password\":\"{password}\"}", )"
    R"("success": {"status": 200, "set_cookie": "grafana_session", "body": "Logged in"}, )"
    R"("failure": {"status": 401}, "source": "test"})";

HttpLoginForms parse_ok(std::string_view text) {
  auto f = HttpLoginForms::parse(text, "forms.jsonl");
  EXPECT_TRUE(f) << f.error().to_string();
  return f ? std::move(*f) : HttpLoginForms();
}

std::string parse_error(const std::string& line) {
  auto f = HttpLoginForms::parse("# comment\n" + line + "\n", "data/forms.jsonl");
  EXPECT_FALSE(f) << line;
  if (f) return {};
  EXPECT_EQ(f.error().code, core::ErrorCode::kConfig);
  EXPECT_EQ(f.error().where, "data/forms.jsonl:2");
  return f.error().message;
}

// kLuci with one key's value replaced (or the key dropped when value is empty).
std::string luci_with(const std::string& key, const std::string& value) {
  std::string s(kLuci);
  std::size_t k = s.find("\"" + key + "\": ");
  std::size_t v = k + key.size() + 4;
  std::size_t end = v;
  int depth = 0;
  bool in_str = false;
  for (; end < s.size(); ++end) {
    char c = s[end];
    if (in_str) {
      if (c == '\\') {
        ++end;
      } else if (c == '"') {
        in_str = false;
        if (depth == 0) {
          ++end;
          break;
        }
      }
      continue;
    }
    if (c == '"') {
      in_str = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) break;
      if (--depth == 0) {
        ++end;
        break;
      }
    } else if (c == ',' && depth == 0) {
      break;
    }
  }
  if (value.empty()) {
    if (s[end] == ',') return s.erase(k, end + 2 - k);
    return s.erase(k - 2, end - (k - 2));  // the last key: drop the ", " before it
  }
  return s.replace(v, end - v, value);
}

TEST(HttpLoginForms, TheShippedFileLoadsAndNamesItsSources) {
  auto f = HttpLoginForms::load(testing::source_path("data/credentials/http-login-forms.jsonl"));
  ASSERT_TRUE(f) << f.error().to_string();
  ASSERT_GE(f->size(), 2u);
  for (const auto& e : f->entries()) {
    EXPECT_FALSE(e->source.empty()) << e->id;
    EXPECT_EQ(e->where.rfind("http-login-forms.jsonl:", 0), 0u) << e->where;
  }
  auto luci = f->match("OpenWrt", "", "openwrt-luci");
  ASSERT_TRUE(luci);
  EXPECT_EQ(luci->id, "openwrt-luci");
  EXPECT_FALSE(f->match("OpenWrt", "", "some-other-rule"));  // the LuCI page was not seen
}

TEST(HttpLoginForms, BadEntriesAreRefusedWithFileAndLine) {
  EXPECT_NE(parse_error("{not json").find("not valid JSON"), std::string::npos);
  EXPECT_NE(parse_error("[1, 2]").find("one JSON object"), std::string::npos);
  EXPECT_NE(parse_error(luci_with("id", "\"Bad Id\"")).find("\"id\""), std::string::npos);
  EXPECT_NE(parse_error(luci_with("vendor", "")).find("missing \"vendor\""), std::string::npos);
  EXPECT_NE(parse_error(luci_with("method", "\"GET\"")).find("POST"), std::string::npos);
  EXPECT_NE(parse_error(luci_with("path", "\"cgi-bin\"")).find("\"path\""), std::string::npos);
  EXPECT_NE(parse_error(luci_with("path", "\"/a b\"")).find("\"path\""), std::string::npos);
  EXPECT_NE(parse_error(luci_with("content_type", "\"text/plain\"")).find("content_type"),
            std::string::npos);
  EXPECT_NE(parse_error(luci_with("body", "\"user={username}\"")).find("{password}"),
            std::string::npos);
  EXPECT_NE(parse_error(luci_with("body", "\"a=b c&p={password}\"")).find("URL-encoded"),
            std::string::npos);
  EXPECT_NE(parse_error(luci_with("body", "\"p={password}\\r\\nX: y\"")).find("printable"),
            std::string::npos);
  EXPECT_NE(parse_error(luci_with("success", "{}")).find("no criterion"), std::string::npos);
  EXPECT_NE(parse_error(luci_with("success", "{\"status\": 99}")).find("100..599"),
            std::string::npos);
  EXPECT_NE(parse_error(luci_with("success", "{\"status\": [200, \"x\"]}")).find("100..599"),
            std::string::npos);
  EXPECT_NE(parse_error(luci_with("success", "{\"set_cookie\": \"a=b\"}")).find("set_cookie"),
            std::string::npos);
  EXPECT_NE(parse_error(luci_with("failure", "{\"header\": \"x\"}")).find("unknown key"),
            std::string::npos);
  EXPECT_NE(parse_error(luci_with("failure", "")).find("\"failure\""), std::string::npos);
  EXPECT_NE(parse_error(luci_with("source", "")).find("missing \"source\""), std::string::npos);
  EXPECT_NE(parse_error(luci_with("id", "\"x\", \"extra\": 1")).find("unknown key"),
            std::string::npos);
  EXPECT_NE(parse_error("{\"note\": \"" + std::string(9000, 'a') + "\"}").find("8 KiB"),
            std::string::npos);
  // A JSON body must keep its placeholders inside strings, so a quote in a password stays data.
  std::string json(kJson);
  std::string outside = json.replace(json.find("\\\"{password}\\\""), 14, "{password}");
  EXPECT_NE(parse_error(outside).find("inside JSON strings"), std::string::npos);
  // Duplicate ids name the second line.
  auto dup = HttpLoginForms::parse(std::string(kLuci) + "\n" + std::string(kLuci) + "\n", "f");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().where, "f:2");
}

TEST(HttpLoginForms, HostileFilesStayBounded) {
  EXPECT_FALSE(HttpLoginForms::parse(std::string((1 << 20) + 1, '#'), "big"));
  std::string many;
  for (int i = 0; i < 1001; ++i) {
    many += luci_with("id", "\"e" + std::to_string(i) + "\"") + "\n";
  }
  auto f = HttpLoginForms::parse(many, "many");
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().where, "many:1001");
  EXPECT_EQ(parse_ok("").size(), 0u);
  EXPECT_EQ(parse_ok("# only comments\n\n").size(), 0u);
}

TEST(HttpLoginForms, TheMostSpecificEntryWins) {
  auto f = parse_ok(luci_with("rule", "") + "\n" + luci_with("id", "\"by-rule\"") + "\n" +
                    luci_with("id", "\"by-model\"").replace(0, 1, "{\"model\": \"WRT54GL\", ") +
                    "\n" + std::string(kJson) + "\n");
  EXPECT_EQ(f.match("openwrt", "", "")->id, "openwrt-luci");         // vendor only, any case
  EXPECT_EQ(f.match("OpenWrt", "", "openwrt-luci")->id, "by-rule");  // rule beats vendor
  EXPECT_EQ(f.match("OpenWrt", "wrt54gl", "openwrt-luci")->id, "by-model");  // rule and model
  EXPECT_EQ(f.match("Grafana", "", "")->id, "json-login");
  EXPECT_FALSE(f.match("", "", "openwrt-luci"));
  EXPECT_FALSE(f.match("D-Link", "", ""));
}

TEST(HttpLoginForms, CredentialsAreEncodedForTheContentType) {
  auto f = parse_ok(std::string(kLuci) + "\n" + std::string(kJson) + "\n");
  const auto& luci = *f.entries()[0];
  EXPECT_EQ(luci.render_body("root", ""), "luci_username=root&luci_password=");
  EXPECT_EQ(luci.render_body("a b", "p&ss=w%rd{password}"),
            "luci_username=a%20b&luci_password=p%26ss%3Dw%25rd%7Bpassword%7D");
  const auto& json = *f.entries()[1];
  EXPECT_EQ(json.render_body("admin", "ad\"min\\\n"),
            R"({"user":"admin","password":"ad\"min\\\u000a"})");
}

TEST(HttpLoginForms, OnlyAClearSuccessIsAccepted) {
  auto f = parse_ok(kLuci);
  const auto& luci = *f.entries()[0];
  auto ok =
      "HTTP/1.1 302 Found\r\nSet-Cookie: sysauth_http=abc; path=/cgi-bin/luci/\r\n"
      "Location: /cgi-bin/luci/\r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(luci.classify(ok), LoginResult::kAccepted);
  EXPECT_EQ(luci.classify("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"),
            LoginResult::kRejected);
  // A redirect without the session cookie (a captive portal, another web server): unknown.
  EXPECT_EQ(luci.classify("HTTP/1.1 302 Found\r\nSet-Cookie: sysauthx=1\r\n\r\n"),
            LoginResult::kUnknown);
  EXPECT_EQ(luci.classify("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), LoginResult::kUnknown);
  EXPECT_EQ(luci.classify("HTTP/1.1 500 Oops\r\n\r\n"), LoginResult::kUnknown);
  EXPECT_EQ(luci.classify(""), LoginResult::kUnknown);
  EXPECT_EQ(luci.classify("SSH-2.0-dropbear\r\n"), LoginResult::kUnknown);
  EXPECT_EQ(luci.classify("HTTP/1.1 302 Found\r\nSet-Cookie: sysauth=1"), LoginResult::kUnknown);

  auto g = parse_ok(kJson);
  const auto& json = *g.entries()[0];
  std::string body = R"({"message":"Logged in"})";
  std::string head =
      "HTTP/1.1 200 OK\r\nSet-Cookie: grafana_session=x; Path=/; HttpOnly\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  EXPECT_EQ(json.classify(head + body), LoginResult::kAccepted);
  // 200 with the cookie but another body (a proxy's page): not clearly in.
  EXPECT_EQ(json.classify("HTTP/1.1 200 OK\r\nSet-Cookie: grafana_session=x\r\n"
                          "Content-Length: 2\r\n\r\n{}"),
            LoginResult::kUnknown);
  EXPECT_EQ(json.classify("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"),
            LoginResult::kRejected);
}

// ---------------------------------------------------------------- the dialog, over sockets

// An HTTP server on one 127.x address answering each request with `answer(request)`, then
// closing; it records every request it got.
class FormServer {
 public:
  FormServer(const std::string& ip, std::function<std::string(const std::string&)> answer)
      : answer_(std::move(answer)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) std::abort();
    if (::listen(fd_, 16) != 0) std::abort();
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    if (::pipe2(stop_, O_CLOEXEC) != 0) std::abort();
    thread_ = std::thread([this] { serve(); });
  }
  ~FormServer() {
    (void)!::write(stop_[1], "x", 1);
    thread_.join();
    ::close(fd_);
    ::close(stop_[0]);
    ::close(stop_[1]);
  }
  std::uint16_t port() const { return port_; }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void serve() {
    while (true) {
      pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents) return;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      std::string req;
      char buf[4096];
      // Head, then Content-Length bytes of body (bounded; the prober always sends both).
      while (req.size() < 65536) {
        std::size_t head = req.find("\r\n\r\n");
        if (head != std::string::npos) {
          std::size_t cl = req.find("Content-Length: ");
          std::size_t want = cl == std::string::npos || cl > head
                                 ? 0
                                 : std::stoul(req.substr(cl + 16, req.find("\r\n", cl) - cl - 16));
          if (req.size() >= head + 4 + want) break;
        }
        pollfd p{c, POLLIN, 0};
        if (::poll(&p, 1, 2000) <= 0) break;
        ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        req.append(buf, static_cast<std::size_t>(n));
      }
      std::string resp = answer_(req);
      (void)!::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
      ::close(c);
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(req);
    }
  }
  std::function<std::string(const std::string&)> answer_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  int stop_[2] = {-1, -1};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> requests_;
};

// LuCI's answers: the session cookie and a redirect for root with an empty password, 403 else.
std::string luci_answer(const std::string& req) {
  std::string body = req.substr(req.find("\r\n\r\n") + 4);
  if (req.rfind("POST /cgi-bin/luci/ ", 0) == 0 && body == "luci_username=root&luci_password=") {
    return "HTTP/1.1 302 Found\r\nSet-Cookie: sysauth_http=0123abcd; path=/cgi-bin/luci/; "
           "SameSite=strict; HttpOnly\r\nLocation: /cgi-bin/luci/admin/\r\nContent-Length: "
           "0\r\n\r\n";
  }
  std::string page =
      "<html><head><title>OpenWrt - LuCI</title></head><body>"
      "<input name=\"luci_password\"></body></html>";
  return "HTTP/1.1 403 Forbidden\r\nX-LuCI-Login-Required: yes\r\nContent-Length: " +
         std::to_string(page.size()) + "\r\n\r\n" + page;
}

ProberOptions fast() {
  ProberOptions o;
  o.rate = 10000;
  o.network_rate = 10000;
  o.connect_timeout_ms = 1000;
  o.read_timeout_ms = 1000;
  o.conversation_ms = 3000;
  o.retries = 0;
  o.dialog.user_agent = "citywatch-scanner/test (+https://citywatch.example/scanning)";
  return o;
}

class OneSource final : public TargetSource {
 public:
  explicit OneSource(ProbeRequest r) : r_(std::move(r)) {}
  bool next(ProbeRequest& out) override {
    if (done_) return false;
    done_ = true;
    out = r_;
    return true;
  }
  bool allows(const core::IpAddress&) const override { return true; }

 private:
  ProbeRequest r_;
  bool done_ = false;
};

ProbeResult login(std::uint16_t port, const std::string& ip, const LoginCredential& cred) {
  Prober prober(fast());
  OneSource src(ProbeRequest{*core::IpAddress::parse(ip), port, core::Transport::kTcp,
                             Protocol::kHttp, cred, 0});
  ProbeResult out;
  auto stats = prober.run(src, [&](ProbeResult&& r) { out = std::move(r); });
  EXPECT_TRUE(stats);
  return out;
}

LoginCredential cred(const HttpLoginForms& forms, std::string user, std::string password) {
  LoginCredential c;
  c.username = std::move(user);
  c.password = std::move(password);
  c.label = "openwrt / OpenWrt (web) / user \"root\"";
  c.form = forms.entries()[0];
  return c;
}

TEST(FormLoginDialog, PostsTheFormOnceAndReportsAcceptedWithoutTheSecret) {
  auto forms = parse_ok(kLuci);
  FormServer server("127.92.0.1", luci_answer);
  auto r = login(server.port(), "127.92.0.1", cred(forms, "root", ""));
  EXPECT_EQ(r.outcome, Outcome::kAnswered);
  EXPECT_EQ(r.report.login, LoginResult::kAccepted);
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);  // one request: the redirect to /admin/ was not followed
  const std::string& q = reqs[0];
  EXPECT_EQ(q.rfind("POST /cgi-bin/luci/ HTTP/1.1\r\n", 0), 0u) << q;
  EXPECT_NE(q.find("\r\nHost: 127.92.0.1:" + std::to_string(server.port()) + "\r\n"),
            std::string::npos);
  EXPECT_NE(q.find("\r\nUser-Agent: citywatch-scanner/test (+https://citywatch.example/"
                   "scanning)\r\n"),
            std::string::npos);
  EXPECT_NE(q.find("\r\nContent-Type: application/x-www-form-urlencoded\r\n"), std::string::npos);
  EXPECT_NE(q.find("\r\nContent-Length: 33\r\n"), std::string::npos);
  EXPECT_EQ(q.find("Authorization"), std::string::npos);  // a form, not Basic
  EXPECT_TRUE(r.report.excerpt.empty());
  EXPECT_TRUE(r.report.fields.empty());
}

TEST(FormLoginDialog, WrongPasswordIsRejectedAndTheReportHoldsNoSecret) {
  auto forms = parse_ok(kLuci);
  FormServer server("127.92.0.2", luci_answer);
  auto r = login(server.port(), "127.92.0.2", cred(forms, "root", "s3cret&x"));
  EXPECT_EQ(r.report.login, LoginResult::kRejected);
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_NE(server.requests()[0].find("luci_password=s3cret%26x"), std::string::npos);
  EXPECT_EQ(r.report.excerpt.find("s3cret"), std::string::npos);
  for (const auto& [k, v] : r.report.fields) EXPECT_EQ(v.find("s3cret"), std::string::npos) << k;
  auto o = to_observation(r);
  if (o) {
    EXPECT_EQ(o->excerpt.find("s3cret"), std::string::npos);
    for (const auto& [k, v] : o->fields) EXPECT_EQ(v.find("s3cret"), std::string::npos) << k;
  }
}

TEST(FormLoginDialog, AnswersThatAreNeitherSuccessNorFailureAreUnknown) {
  auto forms = parse_ok(kLuci);
  // Some other web server that answers 200 to everything: never "accepted".
  FormServer other("127.92.0.3", [](const std::string&) {
    return std::string("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  });
  EXPECT_EQ(login(other.port(), "127.92.0.3", cred(forms, "root", "")).report.login,
            LoginResult::kUnknown);
  // Not HTTP at all.
  FormServer junk("127.92.0.4", [](const std::string&) { return std::string("220 ftp\r\n"); });
  EXPECT_EQ(login(junk.port(), "127.92.0.4", cred(forms, "root", "")).report.login,
            LoginResult::kUnknown);
}

TEST(FormLoginDialog, JsonFormsPostValidJson) {
  auto forms = parse_ok(kJson);
  FormServer server("127.92.0.5", [](const std::string& req) {
    std::string body = req.substr(req.find("\r\n\r\n") + 4);
    if (body == R"({"user":"admin","password":"admin"})") {
      std::string b = R"({"message":"Logged in"})";
      return "HTTP/1.1 200 OK\r\nSet-Cookie: grafana_session=f00; Path=/\r\nContent-Length: " +
             std::to_string(b.size()) + "\r\n\r\n" + b;
    }
    std::string b = R"({"message":"Invalid username or password"})";
    return "HTTP/1.1 401 Unauthorized\r\nContent-Length: " + std::to_string(b.size()) + "\r\n\r\n" +
           b;
  });
  LoginCredential c = cred(forms, "admin", "admin");
  EXPECT_EQ(login(server.port(), "127.92.0.5", c).report.login, LoginResult::kAccepted);
  c.password = "x\"y";
  EXPECT_EQ(login(server.port(), "127.92.0.5", c).report.login, LoginResult::kRejected);
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_NE(reqs[0].find("\r\nContent-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(reqs[1].find(R"("password":"x\"y")"), std::string::npos);
}

}  // namespace
}  // namespace citywatch::scanner
