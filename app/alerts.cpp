#include "app/alerts.h"

#include <netdb.h>
#include <poll.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <map>

#include "app/logging.h"
#include "app/metrics.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "risk/exposure.h"

namespace citywatch::app {
namespace {

constexpr std::size_t kMaxQueued = 1000;
constexpr std::size_t kMaxSyslogBytes = 2048;

int facility_code(std::string_view name) {
  static const std::map<std::string_view, int> kCodes{
      {"user", 1},    {"daemon", 3},  {"auth", 4},    {"local0", 16},
      {"local1", 17}, {"local2", 18}, {"local3", 19}, {"local4", 20},
      {"local5", 21}, {"local6", 22}, {"local7", 23}};
  auto it = kCodes.find(name);
  return it == kCodes.end() ? 16 : it->second;
}

int severity_code(std::string_view severity) {
  if (severity == "critical") return 2;
  if (severity == "error") return 3;
  if (severity == "warning") return 4;
  if (severity == "notice") return 5;
  return 6;
}

// PRINTUSASCII without '=', ' ', ']' and '"', at most `max` characters (RFC 5424 SD-NAME).
std::string sd_name(std::string_view text, std::size_t max) {
  std::string out;
  for (char c : text) {
    if (out.size() == max) break;
    if (c > 32 && c < 127 && c != '=' && c != ']' && c != '"') out += c;
  }
  return out.empty() ? "-" : out;
}

std::string sd_value(std::string_view text) {
  std::string out;
  for (char c : core::printable_excerpt(text, 512)) {
    if (c == '"' || c == '\\' || c == ']') out += '\\';
    out += c;
  }
  return out;
}

struct Endpoint {
  bool tcp = false;
  std::string host, port;
};

core::Result<Endpoint> parse_endpoint(std::string_view url) {
  Endpoint e;
  if (url.starts_with("udp://")) {
    url.remove_prefix(6);
  } else if (url.starts_with("tcp://")) {
    e.tcp = true;
    url.remove_prefix(6);
  } else {
    return core::fail(core::ErrorCode::kConfig, "syslog address must be udp:// or tcp://");
  }
  auto colon = url.rfind(':');
  if (colon == std::string_view::npos) {
    return core::fail(core::ErrorCode::kConfig, "syslog address needs a port");
  }
  e.host = std::string(url.substr(0, colon));
  if (e.host.size() > 2 && e.host.front() == '[' && e.host.back() == ']') {
    e.host = e.host.substr(1, e.host.size() - 2);
  }
  e.port = std::string(url.substr(colon + 1));
  return e;
}

std::string hmac_hex(std::string_view key, std::string_view body) {
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()),
                                body.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  std::array<char, crypto_auth_hmacsha256_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), mac.data(), mac.size());
  return hex.data();
}

std::string own_hostname() {
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) != 0) return "-";
  return buf.data();
}

}  // namespace

std::string format_syslog(const Alert& alert, std::string_view facility, std::string_view host,
                          int pid) {
  int pri = facility_code(facility) * 8 + severity_code(alert.severity);
  std::string out = "<" + std::to_string(pri) + ">1 " + core::format_utc(alert.at) + " " +
                    sd_name(host, 255) + " citywatch " + std::to_string(pid) + " " +
                    sd_name(alert.kind, 32) + " [citywatch@32473";
  out += " severity=\"" + sd_value(alert.severity) + "\"";
  for (const auto& [k, v] : alert.fields) {
    out += " " + sd_name(k, 32) + "=\"" + sd_value(v) + "\"";
  }
  out += "] ";
  out += core::printable_excerpt(alert.title, 512);
  if (out.size() > kMaxSyslogBytes) out.resize(kMaxSyslogBytes);
  return out;
}

std::string format_webhook(const Alert& alert, std::string_view host) {
  core::JsonWriter w;
  w.begin_object()
      .field("kind", alert.kind)
      .field("severity", alert.severity)
      .field("title", alert.title)
      .field("time", core::format_utc(alert.at))
      .field("host", host);
  w.key("fields").begin_object();
  for (const auto& [k, v] : alert.fields) w.field(k, v);
  w.end_object().end_object();
  return w.take();
}

Alerter::Alerter(AlertOptions options, Metrics* metrics)
    : options_(std::move(options)), metrics_(metrics) {
  if (options_.hostname.empty()) options_.hostname = own_hostname();
  if (sodium_init() < 0) options_.webhook_secret.clear();
  sender_ = std::thread([this] { run(); });
}

Alerter::~Alerter() {
  flush(std::chrono::seconds(5));
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  sender_.join();
}

void Alerter::raise(Alert alert) {
  if (!enabled()) return;
  if (alert.at == 0) alert.at = core::SystemClock().now();
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= kMaxQueued) {
      queue_.pop_front();  // the SOC endpoint is down; the newest alerts matter most
      if (metrics_) {
        metrics_->inc("citywatch_alerts_total",
                      {{"kind", "dropped"}, {"channel", "queue"}, {"outcome", "failed"}});
      }
    }
    queue_.push_back(std::move(alert));
  }
  wake_.notify_one();
}

std::optional<CriticalFinding> critical_of(const core::Finding& f) {
  CriticalFinding c;
  c.device = f.ip.to_string();
  c.detail = f.sentence;
  for (const auto& cve : f.cves) {
    c.cves.push_back(cve.id);
    c.kev = c.kev || cve.kev;
  }
  if (f.kind == core::FindingKind::kVulnerable && c.kev) {
    c.kind = "kev_cve";
  } else if (f.kind == core::FindingKind::kInfected) {
    c.kind = "infected";
  } else if (f.kind == core::FindingKind::kExposedService) {
    // The exposure table names each class by its code, so the code classifies itself.
    auto cls = risk::classify_exposure(f.code, 0, f.transport);
    if (!cls || cls->group != "industrial control") return std::nullopt;
    c.kind = "exposed_ics";
  } else {
    return std::nullopt;
  }
  return c;
}

void Alerter::critical_finding(const CriticalFinding& f, core::UnixSeconds now) {
  Alert a;
  a.kind = "critical_finding";
  a.severity = f.severity;
  a.at = now;
  a.title = "new critical finding: " + f.kind + " on " + f.device;
  a.fields = {{"device", f.device}, {"finding_kind", f.kind}, {"kev", f.kev ? "true" : "false"}};
  std::string cves;
  for (const auto& c : f.cves) cves += (cves.empty() ? "" : ",") + c;
  if (!cves.empty()) a.fields.emplace_back("cves", cves);
  if (f.finding_id) a.fields.emplace_back("finding_id", std::to_string(*f.finding_id));
  if (!f.detail.empty()) a.fields.emplace_back("detail", f.detail);
  raise(std::move(a));
}

bool Alerter::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, timeout, [this] { return queue_.empty() && !busy_; });
}

void Alerter::run() {
  while (true) {
    Alert alert;
    {
      std::unique_lock lock(mutex_);
      busy_ = false;
      idle_.notify_all();
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      alert = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    deliver(alert);
  }
}

void Alerter::deliver(const Alert& alert) {
  auto log = logger("app");
  auto count = [&](const char* channel, bool ok) {
    if (metrics_) {
      metrics_->inc(
          "citywatch_alerts_total",
          {{"kind", alert.kind}, {"channel", channel}, {"outcome", ok ? "sent" : "failed"}});
    }
  };
  if (!options_.syslog_url.empty()) {
    auto sent = send_syslog(format_syslog(alert, options_.facility, options_.hostname, ::getpid()));
    count("syslog", sent.has_value());
    if (!sent)
      log->warn("alert_syslog_failed kind={} reason={}", alert.kind, sent.error().to_string());
  }
  if (!options_.webhook_url.empty()) {
    net::HttpClient client(options_.http);
    net::Request request;
    request.method = "POST";
    request.url = options_.webhook_url;
    request.body = format_webhook(alert, options_.hostname);
    request.headers = {{"Content-Type", "application/json"}};
    if (!options_.webhook_secret.empty()) {
      request.headers.emplace_back("X-Citywatch-Signature",
                                   "sha256=" + hmac_hex(options_.webhook_secret, request.body));
    }
    request.timeout = std::chrono::seconds(15);
    auto response = client.send(request);
    bool ok = response && response->status >= 200 && response->status < 300;
    count("webhook", ok);
    if (!ok) {
      log->warn(
          "alert_webhook_failed kind={} url={} reason={}", alert.kind,
          net::url_for_log(options_.webhook_url),
          response ? "HTTP " + std::to_string(response->status) : response.error().to_string());
    }
  }
}

core::Result<void> Alerter::send_syslog(const std::string& message) {
  auto endpoint = parse_endpoint(options_.syslog_url);
  if (!endpoint) return core::fail(endpoint.error());
  addrinfo hints{};
  hints.ai_socktype = endpoint->tcp ? SOCK_STREAM : SOCK_DGRAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(endpoint->host.c_str(), endpoint->port.c_str(), &hints, &found);
      rc != 0) {
    return core::fail(core::ErrorCode::kUnavailable,
                      std::string("cannot resolve syslog host: ") + gai_strerror(rc),
                      options_.syslog_url);
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addrs(found, ::freeaddrinfo);
  int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return core::fail(core::ErrorCode::kIo, std::string("socket: ") + std::strerror(errno));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (!endpoint->tcp) {
    if (::sendto(fd, message.data(), message.size(), 0, found->ai_addr, found->ai_addrlen) < 0) {
      return core::fail(core::ErrorCode::kUnavailable,
                        std::string("syslog send failed: ") + std::strerror(errno),
                        options_.syslog_url);
    }
    return core::ok();
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
    return core::fail(core::ErrorCode::kUnavailable,
                      std::string("syslog connect failed: ") + std::strerror(errno),
                      options_.syslog_url);
  }
  // RFC 6587 octet counting: "LENGTH SP MESSAGE".
  std::string frame = std::to_string(message.size()) + " " + message;
  std::size_t sent = 0;
  while (sent < frame.size()) {
    ssize_t n = ::send(fd, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      return core::fail(core::ErrorCode::kUnavailable,
                        std::string("syslog send failed: ") + std::strerror(errno),
                        options_.syslog_url);
    }
    sent += static_cast<std::size_t>(n);
  }
  return core::ok();
}

}  // namespace citywatch::app
