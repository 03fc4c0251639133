// citywatch-zoo: a zoo of IoT devices on 127.77.0.0/24 for the end-to-end scan tests, the demo
// and the benchmark. Real daemons from Debian where Debian has them (mosquitto with anonymous
// access and with a password file, busybox telnetd running our fake login, snmpd answering
// "public"), small responders written here for the rest (a D-Link camera web server with Basic
// auth admin:admin, two OpenWrt routers' LuCI form logins (one still without a root password,
// one whose owner set one), VLC's RTSP server, a Tomato router's MiniUPnPd SSDP, a Schneider Modbus
// PLC, OpenSSH and dropbear banners, a CoAP node, a BACnet controller) and badly behaved servers
// (one stalls mid-banner, one sends megabytes, one resets, one never speaks). Banners come from
// real devices: the shared pcaps and Shadowserver samples (see tests/zoo/truth.json "source").
//
//   citywatch-zoo run --dir DIR [--scale N] [--no-daemons]
//       starts everything, waits until each service answers a probe (never a sleep), writes
//       DIR/zoo.scope (authorised) and DIR/zoo-observe.scope, prints "READY DIR/zoo.scope" and
//       serves until stdin closes or SIGTERM/SIGINT; then stops its daemons. --scale N adds N
//       endpoints on 127.78.0.0/16 for the benchmark instead of the zoo (DIR/bench.scope,
//       DIR/bench-truth.json, DIR/bench-hosts.txt) and records, per /24, the most connections
//       any one second brought (DIR/rate.json).
//   citywatch-zoo fake-login --banner B --login-prompt P --user U --password P --prompt S --log F
//       the login program busybox telnetd runs: no real account is involved.
//
// Every responder logs what it was asked (DIR/logs/*.log), credentials as user names only, so
// tests can prove what an observe-only scan did not do.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

std::string arg_value(int argc, char** argv, const std::string& name, const std::string& def = "") {
  for (int i = 2; i + 1 < argc; ++i) {
    if (name == argv[i]) return argv[i + 1];
  }
  return def;
}
bool has_flag(int argc, char** argv, const std::string& name) {
  for (int i = 2; i < argc; ++i) {
    if (name == argv[i]) return true;
  }
  return false;
}

std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char c = s[++i];
      out += c == 'r' ? '\r' : c == 'n' ? '\n' : c;
    } else {
      out += s[i];
    }
  }
  return out;
}

// ------------------------------------------------------------------ fake login (telnetd -l)

int fake_login(int argc, char** argv) {
  std::string banner = unescape(arg_value(argc, argv, "--banner"));
  std::string login_prompt = unescape(arg_value(argc, argv, "--login-prompt", "login: "));
  std::string user = arg_value(argc, argv, "--user", "\x01");
  std::string password = arg_value(argc, argv, "--password", "\x01");
  std::string prompt = unescape(arg_value(argc, argv, "--prompt", "# "));
  std::string fail = unescape(arg_value(argc, argv, "--fail", "\r\nLogin incorrect\r\n"));
  std::string log_path = arg_value(argc, argv, "--log", "/dev/null");
  FILE* log = std::fopen(log_path.c_str(), "a");
  auto say = [](const std::string& s) { (void)!::write(1, s.data(), s.size()); };
  auto read_line = [](std::string& out) {
    out.clear();
    char c;
    while (true) {
      ssize_t n = ::read(0, &c, 1);
      if (n <= 0) return !out.empty();
      if (c == '\n' || c == '\r') return true;
      if (out.size() < 256) out += c;
    }
  };
  say(banner);
  for (int attempt = 0; attempt < 3; ++attempt) {
    say(login_prompt);
    std::string u, p;
    if (!read_line(u)) break;
    say("Password: ");
    if (!read_line(p)) break;
    bool ok = u == user && p == password;
    if (log) {
      std::fprintf(log, "login attempt user=%s result=%s\n", u.c_str(),
                   ok ? "accepted" : "rejected");
      std::fflush(log);
    }
    if (ok) {
      say(prompt);
      std::string cmd;
      if (read_line(cmd) && log) {
        std::fprintf(log, "command received\n");  // the scanner must never get here
        std::fflush(log);
      }
      return 0;
    }
    say(fail);
  }
  return 1;
}

// ------------------------------------------------------------------ in-process responders

enum class Kind {
  kHttpCamera,
  kHttpLuci,  // banner: root's password ("" is OpenWrt's default)
  kRtspVlc,
  kSsdpTomato,
  kModbusSchneider,
  kSshBanner,
  kTelnetBanner,
  kCoap,
  kBacnet,
  kStaller,
  kFlooder,
  kResetter,
  kSilent,
};

struct Endpoint {
  Kind kind;
  std::string ip;
  int port;
  bool udp;
  std::string banner;  // SSH / telnet text
  std::string log;     // log name
};

struct Logs {
  std::string dir;
  std::map<std::string, FILE*> files;
  void write(const std::string& name, const std::string& line) {
    if (name.empty()) return;
    FILE*& f = files[name];
    if (!f) f = std::fopen((dir + "/" + name + ".log").c_str(), "a");
    if (!f) return;
    std::fprintf(f, "%s\n", line.c_str());
    std::fflush(f);
  }
};

std::string base64_decode(const std::string& in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  int bits = 0, acc = 0;
  for (char c : in) {
    int v = val(c);
    if (v < 0) break;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::string url_decode(const std::string& in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%' && i + 2 < in.size()) {
      out += static_cast<char>(std::strtol(in.substr(i + 1, 2).c_str(), nullptr, 16));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

std::string header(const std::string& req, const std::string& name) {
  std::size_t pos = 0;
  while (pos < req.size()) {
    std::size_t end = req.find('\n', pos);
    if (end == std::string::npos) end = req.size();
    std::string line = req.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > name.size() && line[name.size()] == ':' &&
        strncasecmp(line.c_str(), name.c_str(), name.size()) == 0) {
      std::string v = line.substr(name.size() + 1);
      while (!v.empty() && v.front() == ' ') v.erase(v.begin());
      return v;
    }
    pos = end + 1;
  }
  return {};
}

struct Conn {
  int fd = -1;
  const Endpoint* ep = nullptr;
  std::string rx, tx;
  std::size_t tx_off = 0;
  std::size_t flood_left = 0;
  bool close_after = false;
};

class Responders {
 public:
  Responders(std::vector<Endpoint> eps, Logs& logs, bool measure)
      : eps_(std::move(eps)), logs_(logs), measure_(measure) {}

  bool bind_all(std::string& error) {
    ep_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    for (std::size_t i = 0; i < eps_.size(); ++i) {
      const Endpoint& e = eps_[i];
      int fd =
          ::socket(AF_INET, (e.udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      int one = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<std::uint16_t>(e.port));
      ::inet_pton(AF_INET, e.ip.c_str(), &a.sin_addr);
      if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
          (!e.udp && ::listen(fd, 1024) != 0)) {
        error = "bind " + e.ip + ":" + std::to_string(e.port) + ": " + std::strerror(errno);
        ::close(fd);
        return false;
      }
      listeners_[fd] = i;
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.fd = fd;
      ::epoll_ctl(ep_fd_, EPOLL_CTL_ADD, fd, &ev);
    }
    return true;
  }

  void serve_once(int timeout_ms) {
    epoll_event events[256];
    int n = ::epoll_wait(ep_fd_, events, 256, timeout_ms);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      auto l = listeners_.find(fd);
      if (l != listeners_.end()) {
        const Endpoint& e = eps_[l->second];
        if (e.udp) {
          udp_datagram(fd, e);
        } else {
          accept_all(fd, e);
        }
        continue;
      }
      auto c = conns_.find(fd);
      if (c == conns_.end()) continue;
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) readable(c->second);
      if (conns_.count(fd) && (events[i].events & EPOLLOUT)) writable(conns_[fd]);
    }
  }

  void write_rate_report(const std::string& path) {
    std::size_t worst = 0, networks = 0;
    for (auto& [net, times] : accepts_) {
      ++networks;
      std::sort(times.begin(), times.end());
      std::size_t lo = 0;
      for (std::size_t hi = 0; hi < times.size(); ++hi) {
        while (times[hi] - times[lo] >= std::chrono::seconds(1)) ++lo;
        worst = std::max(worst, hi - lo + 1);
      }
    }
    std::ofstream out(path);
    out << "{\"networks\": " << networks
        << ", \"max_connections_per_network_per_second\": " << worst << "}\n";
  }

 private:
  void note_arrival(const sockaddr_in& peer_local) {
    if (!measure_) return;
    std::uint32_t net = ntohl(peer_local.sin_addr.s_addr) >> 8;
    accepts_[net].push_back(Clock::now());
  }

  void accept_all(int lfd, const Endpoint& e) {
    while (true) {
      int fd = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      sockaddr_in local{};
      socklen_t len = sizeof local;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
      note_arrival(local);
      if (e.kind == Kind::kResetter) {
        linger lg{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        ::close(fd);
        logs_.write(e.log, "reset a connection");
        continue;
      }
      Conn& c = conns_[fd];
      c = Conn{};
      c.fd = fd;
      c.ep = &e;
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.fd = fd;
      ::epoll_ctl(ep_fd_, EPOLL_CTL_ADD, fd, &ev);
      logs_.write(e.log, "connection");
      switch (e.kind) {
        case Kind::kSshBanner:
        case Kind::kTelnetBanner:
          send(c, e.banner);
          break;
        case Kind::kStaller:
          send(c, "\xff\xfb\x01\xff\xfb\x03\r\nBusyBox v1.2");  // and then nothing, ever
          break;
        case Kind::kFlooder:
          c.flood_left = 8u << 20;
          send(c, "HTTP/1.1 200 OK\r\nServer: flood\r\n\r\n");
          break;
        default:
          break;
      }
    }
  }

  void send(Conn& c, const std::string& data) {
    c.tx += data;
    writable(c);
  }

  void close_conn(Conn& c) {
    int fd = c.fd;
    ::close(fd);
    conns_.erase(fd);
  }

  void writable(Conn& c) {
    while (true) {
      if (c.tx_off >= c.tx.size() && c.flood_left > 0) {
        c.tx.assign(std::min<std::size_t>(c.flood_left, 65536), 'A');
        c.tx_off = 0;
        c.flood_left -= c.tx.size();
      }
      if (c.tx_off >= c.tx.size()) break;
      ssize_t n = ::send(c.fd, c.tx.data() + c.tx_off, c.tx.size() - c.tx_off, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN) break;
        close_conn(c);
        return;
      }
      c.tx_off += static_cast<std::size_t>(n);
    }
    bool pending = c.tx_off < c.tx.size() || c.flood_left > 0;
    if (!pending && c.close_after) {
      close_conn(c);
      return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | (pending ? EPOLLOUT : 0u);
    ev.data.fd = c.fd;
    ::epoll_ctl(ep_fd_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  void readable(Conn& c) {
    char buf[8192];
    ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n <= 0) {
      if (n < 0 && errno == EAGAIN) return;
      close_conn(c);
      return;
    }
    if (c.rx.size() < 65536) c.rx.append(buf, static_cast<std::size_t>(n));
    const Endpoint& e = *c.ep;
    switch (e.kind) {
      case Kind::kHttpCamera:
        http_camera(c, e);
        break;
      case Kind::kHttpLuci:
        http_luci(c, e);
        break;
      case Kind::kRtspVlc:
        rtsp(c, e);
        break;
      case Kind::kModbusSchneider:
        modbus(c, e);
        break;
      case Kind::kSshBanner:
      case Kind::kTelnetBanner:
        logs_.write(e.log, "client sent " + std::to_string(n) + " bytes");
        c.rx.clear();
        break;
      default:
        c.rx.clear();
        break;
    }
  }

  void http_camera(Conn& c, const Endpoint& e) {
    std::size_t end = c.rx.find("\r\n\r\n");
    if (end == std::string::npos) return;
    std::string req = c.rx.substr(0, end + 4);
    c.rx.erase(0, end + 4);
    std::string auth = header(req, "Authorization");
    std::string ua = header(req, "User-Agent");
    bool ok = false;
    if (!auth.empty()) {
      std::string creds = auth.rfind("Basic ", 0) == 0 ? base64_decode(auth.substr(6)) : "";
      std::string user = creds.substr(0, creds.find(':'));
      ok = creds == "admin:admin";
      logs_.write(e.log,
                  "authorization user=" + user + " result=" + (ok ? "accepted" : "rejected"));
    } else {
      logs_.write(e.log, "request without authorization user-agent=" + ua);
    }
    std::string method = req.substr(0, req.find(' '));
    if (method != "GET" && method != "HEAD") logs_.write(e.log, "WRITE method " + method);
    std::string body =
        ok ? "<html><head><title>DCS-930L</title></head><body>Live video</body></html>"
           : "<html><head><title>401 Unauthorized</title></head><body>Authorization "
             "required</body></html>";
    std::string resp = std::string(ok ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.1 401 Unauthorized\r\n") +
                       "Server: dcs-lig-httpd\r\nContent-Type: text/html\r\n" +
                       (ok ? "" : "WWW-Authenticate: Basic realm=\"DCS-930L\"\r\n") +
                       "Content-Length: " + std::to_string(body.size()) +
                       "\r\nConnection: close\r\n\r\n" + body;
    c.close_after = true;
    send(c, resp);
  }

  // OpenWrt's LuCI as its dispatcher answers (openwrt/luci modules/luci-base/ucode/
  // dispatcher.uc): the login page with 403 and X-LuCI-Login-Required until the form
  // luci_username/luci_password names root and its password, then the session cookie and a
  // redirect. Logs user names only, every write, and any later use of a session.
  void http_luci(Conn& c, const Endpoint& e) {
    std::size_t end = c.rx.find("\r\n\r\n");
    if (end == std::string::npos) return;
    std::string head = c.rx.substr(0, end + 4);
    std::size_t want = static_cast<std::size_t>(std::atol(header(head, "Content-Length").c_str()));
    if (want > 4096) want = 4096;
    if (c.rx.size() < end + 4 + want) return;
    std::string body = c.rx.substr(end + 4, want);
    c.rx.clear();
    std::string method = head.substr(0, head.find(' '));
    std::size_t path_at = head.find(' ') + 1;
    std::string path = head.substr(path_at, head.find(' ', path_at) - path_at);
    logs_.write(e.log,
                "request " + method + " " + path + " user-agent=" + header(head, "User-Agent"));
    if (header(head, "Cookie").find("sysauth") != std::string::npos) {
      logs_.write(e.log, "SESSION used");  // the scanner must never come back with the cookie
    }
    bool ok = false;
    if (method == "POST") {
      if (path != "/cgi-bin/luci/" && path != "/cgi-bin/luci")
        logs_.write(e.log, "WRITE post " + path);
      std::string user, password;
      bool has_user = false, has_password = false;
      std::size_t pos = 0;
      while (pos <= body.size()) {
        std::size_t amp = body.find('&', pos);
        if (amp == std::string::npos) amp = body.size();
        std::string pair = body.substr(pos, amp - pos);
        std::string name = pair.substr(0, pair.find('='));
        std::string value =
            pair.find('=') == std::string::npos ? "" : url_decode(pair.substr(pair.find('=') + 1));
        if (name == "luci_username") {
          user = value;
          has_user = true;
        } else if (name == "luci_password") {
          password = value;
          has_password = true;
        } else if (!name.empty()) {
          logs_.write(e.log, "WRITE field " + name);
        }
        pos = amp + 1;
      }
      if (has_user && has_password) {
        ok = user == "root" && password == e.banner;
        logs_.write(e.log,
                    "login attempt user=" + user + " result=" + (ok ? "accepted" : "rejected"));
      }
    } else if (method != "GET" && method != "HEAD") {
      logs_.write(e.log, "WRITE method " + method);
    }
    std::string resp;
    if (ok) {
      resp =
          "HTTP/1.1 302 Found\r\nSet-Cookie: sysauth_http=5f0c1e2d3a4b59687786a5b4c3d2e1f0; "
          "path=/cgi-bin/luci/; SameSite=strict; HttpOnly\r\nLocation: /cgi-bin/luci/\r\n"
          "Content-Length: 0\r\nConnection: close\r\n\r\n";
    } else {
      std::string page =
          "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>OpenWrt - "
          "LuCI</title></head><body><form method=\"post\"><h2>Authorization Required</h2>"
          "<input name=\"luci_username\" value=\"root\"><input type=\"password\" "
          "name=\"luci_password\"><button>Login</button></form></body></html>\n";
      resp =
          "HTTP/1.1 403 Forbidden\r\nX-LuCI-Login-Required: yes\r\nContent-Type: text/html; "
          "charset=UTF-8\r\nContent-Length: " +
          std::to_string(page.size()) + "\r\nConnection: close\r\n\r\n" +
          (method == "HEAD" ? "" : page);
    }
    c.close_after = true;
    send(c, resp);
  }

  void rtsp(Conn& c, const Endpoint& e) {
    while (true) {
      std::size_t end = c.rx.find("\r\n\r\n");
      if (end == std::string::npos) return;
      std::string req = c.rx.substr(0, end + 4);
      c.rx.erase(0, end + 4);
      std::string method = req.substr(0, req.find(' '));
      std::string cseq = header(req, "CSeq");
      logs_.write(e.log, "method " + method);
      std::string head = "RTSP/1.0 200 OK\r\nServer: VLC/3.0.12\r\nCSeq: " + cseq + "\r\n";
      if (method == "OPTIONS") {
        send(c, head + "Public: DESCRIBE,SETUP,TEARDOWN,PLAY,PAUSE,GET_PARAMETER\r\n\r\n");
      } else if (method == "DESCRIBE") {
        std::string sdp =
            "v=0\r\no=- 16409863082207520751 16409863082207520751 IN IP4 0.0.0.0\r\ns=Unnamed\r\n"
            "t=0 0\r\na=tool:vlc 3.0.12\r\na=recvonly\r\na=type:broadcast\r\na=charset:UTF-8\r\n"
            "m=video 0 RTP/AVP 96\r\nb=RR:0\r\na=rtpmap:96 H264/90000\r\n";
        send(c, head + "Content-Type: application/sdp\r\nContent-Length: " +
                    std::to_string(sdp.size()) + "\r\n\r\n" + sdp);
      } else {
        // SETUP/PLAY/RECORD/ANNOUNCE: the scanner must never send these.
        logs_.write(e.log, "FORBIDDEN method " + method);
        send(c, "RTSP/1.0 455 Method Not Valid in This State\r\nCSeq: " + cseq + "\r\n\r\n");
      }
    }
  }

  void modbus(Conn& c, const Endpoint& e) {
    while (c.rx.size() >= 8) {
      std::size_t len =
          (static_cast<std::uint8_t>(c.rx[4]) << 8) | static_cast<std::uint8_t>(c.rx[5]);
      if (c.rx.size() < 6 + len) return;
      std::string frame = c.rx.substr(0, 6 + len);
      c.rx.erase(0, 6 + len);
      std::uint8_t fc = static_cast<std::uint8_t>(frame[7]);
      logs_.write(e.log, "function " + std::to_string(fc));
      if (fc == 5 || fc == 6 || fc == 15 || fc == 16 || fc == 22 || fc == 23) {
        logs_.write(e.log, "WRITE function " + std::to_string(fc));
      }
      std::string pdu;
      if (fc == 0x2B && frame.size() >= 9 && static_cast<std::uint8_t>(frame[8]) == 0x0E) {
        pdu = std::string("\x2b\x0e\x01\x01\x00\x00\x03", 7);
        for (auto [id, text] : {std::pair{0, "Schneider Electric"}, std::pair{1, "BMX P34 2020"},
                                std::pair{2, "v2.6"}}) {
          pdu += static_cast<char>(id);
          pdu += static_cast<char>(std::strlen(text));
          pdu += text;
        }
      } else {
        pdu = std::string(1, static_cast<char>(fc | 0x80)) + "\x01";
      }
      std::string resp = frame.substr(0, 4);
      std::size_t rlen = pdu.size() + 1;
      resp += static_cast<char>(rlen >> 8);
      resp += static_cast<char>(rlen & 0xff);
      resp += frame[6];
      resp += pdu;
      send(c, resp);
    }
  }

  void udp_datagram(int fd, const Endpoint& e) {
    char buf[2048];
    sockaddr_in peer{};
    socklen_t plen = sizeof peer;
    ssize_t n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&peer), &plen);
    if (n <= 0) return;
    sockaddr_in local{};
    ::inet_pton(AF_INET, e.ip.c_str(), &local.sin_addr);
    note_arrival(local);
    std::string req(buf, static_cast<std::size_t>(n));
    std::string resp;
    if (e.kind == Kind::kSsdpTomato) {
      logs_.write(e.log, "datagram " + req.substr(0, req.find('\r')));
      if (req.rfind("M-SEARCH", 0) != 0) return;
      resp =
          "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: upnp:rootdevice\r\n"
          "USN: uuid:6e7f5e3c-1dd2-11b2-a3c4-000c29c4d3f1::upnp:rootdevice\r\nEXT:\r\n"
          "SERVER: UPnP/Tomato 1.28.7500 MIPSR2Toastman-RT K26 USB Ext UPnP/1.0 MiniUPnPd/1.6\r\n"
          "LOCATION: http://" +
          e.ip +
          ":5000/rootDesc.xml\r\nOPT: \"http://schemas.upnp.org/upnp/1/0/\"; ns=01\r\n"
          "01-NLS: 1\r\nBOOTID.UPNP.ORG: 1\r\nCONFIGID.UPNP.ORG: 1337\r\n\r\n";
    } else if (e.kind == Kind::kCoap) {
      logs_.write(e.log, "datagram " + std::to_string(n) + " bytes");
      if (n < 4) return;
      std::string payload =
          "</sensors/temp>;rt=\"temperature-c\";if=\"sensor\",</sensors/light>;if=\"sensor\"";
      resp = std::string("\x60\x45", 2) + req.substr(2, 2);  // ACK 2.05, same message id
      std::size_t tkl = static_cast<std::uint8_t>(req[0]) & 0x0f;
      resp[0] = static_cast<char>(0x60 | tkl);
      resp += req.substr(4, tkl);
      resp += std::string("\xc1\x28\xff", 3);  // Content-Format 40 (link format)
      resp += payload;
    } else if (e.kind == Kind::kBacnet) {
      logs_.write(e.log, "datagram " + std::to_string(n) + " bytes");
      // I-Am: device 1234, max APDU 1476, segmentation both, vendor 5 (Johnson Controls).
      resp = std::string(
          "\x81\x0a\x00\x14\x01\x00\x10\x00\xc4\x02\x00\x04\xd2\x22\x05\xc4\x91\x00\x21\x05", 20);
    }
    if (!resp.empty()) {
      ::sendto(fd, resp.data(), resp.size(), 0, reinterpret_cast<sockaddr*>(&peer), plen);
    }
  }

  std::vector<Endpoint> eps_;
  Logs& logs_;
  bool measure_;
  int ep_fd_ = -1;
  std::map<int, std::size_t> listeners_;
  std::map<int, Conn> conns_;
  std::map<std::uint32_t, std::vector<Clock::time_point>> accepts_;
};

// ------------------------------------------------------------------ daemons

struct Child {
  std::string name;
  pid_t pid = -1;
  std::string log;
};

pid_t spawn(const std::vector<std::string>& argv, const std::string& out_path,
            const std::vector<std::string>& env = {}) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  return pid;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return s;
}

// Readiness: connect (TCP) or a request and its answer (UDP), retried until the deadline.
bool tcp_answers(const std::string& ip, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

bool udp_answers(const std::string& ip, int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  (void)::send(fd, request.data(), request.size(), 0);
  pollfd p{fd, POLLIN, 0};
  bool ok = ::poll(&p, 1, 200) > 0 && (p.revents & POLLIN);
  if (ok) {
    char buf[1500];
    ok = ::recv(fd, buf, sizeof buf, 0) > 0;
  }
  ::close(fd);
  return ok;
}

std::string snmp_get_public() {
  // GetRequest v2c community "public" for sysDescr.0.
  return std::string(
      "\x30\x29\x02\x01\x01\x04\x06public\xa0\x1c\x02\x04\x01\x02\x03\x04\x02\x01\x00\x02\x01\x00"
      "\x30\x0e\x30\x0c\x06\x08\x2b\x06\x01\x02\x01\x01\x01\x00\x05\x00",
      43);
}

int run_zoo(int argc, char** argv) {
  std::string dir = arg_value(argc, argv, "--dir");
  if (dir.empty()) {
    std::fprintf(stderr, "usage: citywatch-zoo run --dir DIR [--scale N] [--no-daemons]\n");
    return 64;
  }
  int scale = std::atoi(arg_value(argc, argv, "--scale", "0").c_str());
  bool daemons = !has_flag(argc, argv, "--no-daemons");
  std::filesystem::create_directories(dir + "/logs");
  dir = std::filesystem::absolute(dir).string();
  std::string self = std::filesystem::canonical("/proc/self/exe").string();
  ::signal(SIGTERM, on_signal);
  ::signal(SIGINT, on_signal);
  ::signal(SIGPIPE, SIG_IGN);
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);

  const std::string net = "127.77.0.";
  std::vector<Endpoint> eps = {
      {Kind::kHttpCamera, net + "10", 80, false, "", "camera-http"},
      {Kind::kHttpLuci, net + "18", 80, false, "", "luci-default"},
      {Kind::kHttpLuci, net + "19", 80, false, "Zoo-owner-set-3b7e", "luci-owned"},
      {Kind::kRtspVlc, net + "11", 554, false, "", "rtsp-vlc"},
      {Kind::kSsdpTomato, net + "12", 1900, true, "", "ssdp-tomato"},
      {Kind::kModbusSchneider, net + "13", 502, false, "", "modbus-schneider"},
      {Kind::kSshBanner, net + "14", 22, false, "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1\r\n",
       "ssh-openssh"},
      {Kind::kSshBanner, net + "15", 22, false, "SSH-2.0-dropbear_2019.78\r\n", "ssh-dropbear"},
      {Kind::kCoap, net + "16", 5683, true, "", "coap"},
      {Kind::kBacnet, net + "17", 47808, true, "", "bacnet"},
      {Kind::kStaller, net + "50", 23, false, "", "bad-staller"},
      {Kind::kFlooder, net + "51", 80, false, "", "bad-flooder"},
      {Kind::kResetter, net + "52", 21, false, "", "bad-resetter"},
      {Kind::kSilent, net + "53", 8080, false, "", "bad-silent"},
  };
  if (scale > 0) {
    // The benchmark herd replaces the zoo: the tests may use 127.77.0.0/24 at the same time.
    eps.clear();
    daemons = false;
    // The benchmark herd on 127.78.0.0/16: a mix of the zoo's own kinds on their usual ports.
    struct Mix {
      Kind kind;
      int port;
      const char* banner;
      const char* names;  // what a tool may call it (any one), '|'-separated
      const char* version;
    };
    static const Mix kMix[] = {
        {Kind::kHttpCamera, 80, "", "dcs-lig-httpd|D-Link", ""},
        {Kind::kRtspVlc, 554, "", "VLC|VideoLAN", "3.0.12"},
        {Kind::kSshBanner, 22, "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1\r\n", "OpenSSH", "8.2p1"},
        {Kind::kSshBanner, 22, "SSH-2.0-dropbear_2019.78\r\n", "dropbear", "2019.78"},
        {Kind::kModbusSchneider, 502, "", "Schneider", "2.6"},
        {Kind::kTelnetBanner, 23,
         "\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27\r\n\r\nOpenBSD/i386 (oof) "
         "(ttyp2)\r\n\r\nlogin: ",
         "OpenBSD", ""},
    };
    std::string truth = "[\n";
    std::string scope = "# the benchmark herd (citywatch-zoo --scale " + std::to_string(scale) +
                        "): each endpoint with its one port\nname = bench\nmode = observe\n";
    std::string hosts;
    for (int i = 0; i < scale; ++i) {
      const Mix& m = kMix[static_cast<std::size_t>(i) % (sizeof kMix / sizeof kMix[0])];
      std::string ip = "127.78." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
      eps.push_back({m.kind, ip, m.port, false, m.banner, ""});
      std::string names = "\"" + std::string(m.names) + "\"";
      for (std::size_t p = names.find('|'); p != std::string::npos; p = names.find('|', p)) {
        names.replace(p, 1, "\", \"");
      }
      truth += std::string(i ? ",\n" : "") + "{\"ip\": \"" + ip +
               "\", \"port\": " + std::to_string(m.port) + ", \"names\": [" + names +
               "], \"version\": \"" + m.version + "\"}";
      scope += ip + " ports=" + std::to_string(m.port) + "\n";
      hosts += ip + "\n";
    }
    truth += "\n]\n";
    write_text(dir + "/bench-truth.json", truth);
    write_text(dir + "/bench.scope", scope);
    write_text(dir + "/bench-hosts.txt", hosts);
  }

  Logs logs{dir + "/logs", {}};
  Responders responders(eps, logs, scale > 0);
  std::string error;
  if (!responders.bind_all(error)) {
    std::fprintf(stderr, "citywatch-zoo: %s (run as root, or free the address)\n", error.c_str());
    return 69;
  }

  std::vector<Child> children;
  struct Ready {
    std::string name, ip;
    int port;
    bool udp;
  };
  std::vector<Ready> ready;
  if (daemons) {
    // mosquitto: one broker open to anyone, one with a password file.
    write_text(dir + "/mosquitto-anon.conf",
               "listener 1883 " + net +
                   "30\nallow_anonymous true\npersistence false\nuser root\n"
                   "log_dest file " +
                   dir +
                   "/logs/mosquitto-anon.log\nlog_type all\n"
                   "connection_messages true\n");
    write_text(dir + "/mosquitto-auth.conf",
               "listener 1883 " + net + "31\nallow_anonymous false\npassword_file " + dir +
                   "/mosquitto.passwd\npersistence false\nuser root\nlog_dest file " + dir +
                   "/logs/mosquitto-auth.log\nlog_type all\nconnection_messages true\n");
    write_text(dir + "/mosquitto.passwd", "");
    pid_t pw = spawn({"mosquitto_passwd", "-b", dir + "/mosquitto.passwd", "sensor-gateway",
                      "Zoo-not-a-default-9d2f"},
                     dir + "/logs/mosquitto_passwd.out");
    int status = 0;
    ::waitpid(pw, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "citywatch-zoo: mosquitto_passwd failed:\n%s\n",
                   read_text(dir + "/logs/mosquitto_passwd.out").c_str());
      return 69;
    }
    ::chmod((dir + "/mosquitto.passwd").c_str(), 0600);
    children.push_back(
        {"mosquitto-anon",
         spawn({"mosquitto", "-c", dir + "/mosquitto-anon.conf"}, dir + "/logs/mosquitto-anon.out"),
         dir + "/logs/mosquitto-anon.out"});
    children.push_back(
        {"mosquitto-auth",
         spawn({"mosquitto", "-c", dir + "/mosquitto-auth.conf"}, dir + "/logs/mosquitto-auth.out"),
         dir + "/logs/mosquitto-auth.out"});
    ready.push_back({"mosquitto-anon", net + "30", 1883, false});
    ready.push_back({"mosquitto-auth", net + "31", 1883, false});

    // busybox telnetd with the fake login: a MikroTik router (admin, empty password: RouterOS's
    // default) and an OpenBSD host that accepts nobody.
    auto login_script = [&](const std::string& name, const std::vector<std::string>& args) {
      std::string path = dir + "/login-" + name + ".sh";
      std::string text = "#!/bin/sh\nexec '" + self + "' fake-login";
      for (const auto& a : args) text += " '" + a + "'";
      text += " --log '" + dir + "/logs/telnet-" + name + ".log'\n";
      write_text(path, text);
      ::chmod(path.c_str(), 0755);
      return path;
    };
    std::string mikrotik = login_script(
        "mikrotik", {"--banner", "\\r\\n\\r\\nMikroTik v6.45.3 (stable)\\r\\n", "--login-prompt",
                     "Login: ", "--user", "admin", "--password", "", "--prompt",
                     "\\r\\n\\r\\n  MikroTik RouterOS 6.45.3 (c) 1999-2019       "
                     "http://www.mikrotik.com/\\r\\n\\r\\n[admin@MikroTik] > ",
                     "--fail", "\\r\\nLogin failed, incorrect username or password\\r\\n\\r\\n"});
    std::string openbsd =
        login_script("openbsd", {"--banner", "\\r\\n\\r\\nOpenBSD/i386 (oof) (ttyp2)\\r\\n\\r\\n",
                                 "--login-prompt", "login: "});
    for (auto [name, ip, script] : {std::tuple{"telnet-mikrotik", net + "20", mikrotik},
                                    std::tuple{"telnet-openbsd", net + "21", openbsd}}) {
      children.push_back(
          {name,
           spawn({"busybox", "telnetd", "-F", "-f", "/dev/null", "-b", ip + ":23", "-l", script},
                 dir + "/logs/" + name + ".out"),
           dir + "/logs/" + name + ".out"});
      ready.push_back({name, ip, 23, false});
    }

    // snmpd answering the community "public" with a MikroTik sysDescr (Shadowserver scan_snmp).
    std::filesystem::create_directories(dir + "/snmp");
    write_text(dir + "/snmpd.conf",
               "agentaddress udp:" + net +
                   "40:161\nrocommunity public 127.0.0.0/8\n"
                   "sysdescr RouterOS CCR1009-8G-1S-1S+\nsysname zoo-snmp\nsyslocation zoo\n"
                   "syscontact zoo@example.invalid\n");
    children.push_back({"snmpd",
                        spawn({"snmpd", "-f", "-C", "-c", dir + "/snmpd.conf", "-Lf",
                               dir + "/logs/snmpd.log", "-p", dir + "/snmpd.pid"},
                              dir + "/logs/snmpd.out", {"SNMP_PERSISTENT_DIR=" + dir + "/snmp"}),
                        dir + "/logs/snmpd.out"});
    ready.push_back({"snmpd", net + "40", 161, true});
  }

  auto stop_children = [&] {
    for (auto& c : children) {
      if (c.pid > 0) ::kill(-c.pid, SIGTERM);
    }
    for (auto& c : children) {
      if (c.pid > 0) ::waitpid(c.pid, nullptr, 0);
    }
  };

  // Readiness by probing, with a deadline; a daemon that exits or never answers fails the zoo
  // with its own output.
  auto deadline = Clock::now() + std::chrono::seconds(20);
  for (const auto& r : ready) {
    while (true) {
      responders.serve_once(0);
      bool ok = r.udp ? udp_answers(r.ip, r.port, snmp_get_public()) : tcp_answers(r.ip, r.port);
      if (ok) break;
      for (auto& c : children) {
        int status = 0;
        if (c.pid > 0 && ::waitpid(c.pid, &status, WNOHANG) == c.pid) {
          std::fprintf(stderr, "citywatch-zoo: %s exited before it was ready:\n%s\n",
                       c.name.c_str(), read_text(c.log).c_str());
          c.pid = -1;
          stop_children();
          return 69;
        }
      }
      if (Clock::now() > deadline) {
        std::fprintf(stderr, "citywatch-zoo: %s on %s:%d did not answer within 20 s\n",
                     r.name.c_str(), r.ip.c_str(), r.port);
        for (auto& c : children) {
          if (c.name == r.name) std::fprintf(stderr, "%s\n", read_text(c.log).c_str());
        }
        stop_children();
        return 69;
      }
      // Wait for the daemon to get further: serve our own responders meanwhile (bounded).
      responders.serve_once(20);
    }
  }

  std::string ports = "21,22,23,80,502,554,1883,8080,161/udp,1900/udp,5683/udp,47808/udp";
  write_text(dir + "/zoo.scope",
             "# The device zoo (tests/zoo): owned by the test, so login checks are allowed.\n"
             "name = zoo\nmode = authorised\nports = " +
                 ports + "\n127.77.0.0/26\n");
  write_text(dir + "/zoo-observe.scope",
             "# The same zoo, observe only: no credential of any kind may be presented.\n"
             "name = zoo-observe\nmode = observe\nports = " +
                 ports + "\n127.77.0.0/26\n");
  std::printf("READY %s/%s\n", dir.c_str(), scale > 0 ? "bench.scope" : "zoo.scope");
  std::fflush(stdout);

  // Serve until stdin closes (the test fixture's pipe) or a signal.
  bool stdin_open = true;
  while (!g_stop) {
    responders.serve_once(50);
    if (stdin_open) {
      pollfd p{0, POLLIN, 0};
      if (::poll(&p, 1, 0) > 0) {
        char buf[64];
        ssize_t n = ::read(0, buf, sizeof buf);
        if (n <= 0) stdin_open = false;
        if (n <= 0 && !has_flag(argc, argv, "--ignore-stdin")) break;
      }
    }
  }
  if (scale > 0) responders.write_rate_report(dir + "/rate.json");
  stop_children();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "fake-login") return fake_login(argc, argv);
  if (cmd == "run") return run_zoo(argc, argv);
  std::fprintf(stderr,
               "usage: citywatch-zoo run --dir DIR [--scale N] [--no-daemons] [--ignore-stdin]\n"
               "       citywatch-zoo fake-login --banner B --user U --password P ...\n");
  return 64;
}
