#include "app/web_assets.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/config.h"

namespace citywatch::app {
namespace {

struct Asset {
  std::string_view url;
  std::string_view file;  // relative to the web directory
  std::string_view type;
  bool vendor;  // a library file from node_modules: cached for a day, not revalidated
};

constexpr std::string_view kHtml = "text/html; charset=utf-8";
constexpr std::string_view kJs = "text/javascript; charset=utf-8";
constexpr std::string_view kCss = "text/css; charset=utf-8";

// Every file the daemon serves. A new page or module is added here and nowhere else.
constexpr Asset kAssets[] = {
    {"/", "index.html", kHtml, false},
    {"/screen", "screen.html", kHtml, false},
    {"/assets/favicon.svg", "assets/favicon.svg", "image/svg+xml", false},
    {"/assets/css/dashboard.css", "assets/css/dashboard.css", kCss, false},
    {"/assets/css/screen.css", "assets/css/screen.css", kCss, false},
    {"/assets/js/api.js", "assets/js/api.js", kJs, false},
    {"/assets/js/format.js", "assets/js/format.js", kJs, false},
    {"/assets/js/map.js", "assets/js/map.js", kJs, false},
    {"/assets/js/chart.js", "assets/js/chart.js", kJs, false},
    {"/assets/js/dashboard.js", "assets/js/dashboard.js", kJs, false},
    {"/assets/js/overview.js", "assets/js/overview.js", kJs, false},
    {"/assets/js/findings.js", "assets/js/findings.js", kJs, false},
    {"/assets/js/device.js", "assets/js/device.js", kJs, false},
    {"/assets/js/jobs.js", "assets/js/jobs.js", kJs, false},
    {"/assets/js/partners.js", "assets/js/partners.js", kJs, false},
    {"/assets/js/screen.js", "assets/js/screen.js", kJs, false},
    {"/assets/vendor/uPlot.iife.min.js", "node_modules/uplot/dist/uPlot.iife.min.js", kJs, true},
    {"/assets/vendor/uPlot.min.css", "node_modules/uplot/dist/uPlot.min.css", kCss, true},
};

// The pages load scripts and styles from this server only, talk to this server only and may
// not be framed; a script injected through data could not run.
constexpr std::string_view kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

constexpr std::uintmax_t kMaxAssetBytes = 8u << 20;

std::string fnv1a_etag(const std::string& body) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : body) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char out[24];
  std::snprintf(out, sizeof out, "\"%016llx\"", static_cast<unsigned long long>(h));
  return out;
}

bool read_file(const std::filesystem::path& path, std::string& out) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxAssetBytes || !std::filesystem::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buf;
  buf << in.rdbuf();
  out = buf.str();
  return static_cast<bool>(in) || in.eof();
}

// If-None-Match may list several tags, or "*".
bool etag_matches(std::string_view header, std::string_view etag) {
  if (header.empty()) return false;
  if (header == "*") return true;
  return header.find(etag) != std::string_view::npos;
}

}  // namespace

std::string web_dir(const Config& config) {
  if (!config.server.web_dir.empty()) return config.server.web_dir;
  if (const char* env = std::getenv("CITYWATCH_WEB_DIR"); env && *env) return env;
  std::error_code ec;
  if (std::filesystem::is_directory(CITYWATCH_SOURCE_WEB_DIR, ec)) return CITYWATCH_SOURCE_WEB_DIR;
  return CITYWATCH_INSTALL_WEB_DIR;
}

WebAssets WebAssets::load(const std::string& root, const std::vector<Extra>& extras) {
  WebAssets assets;
  assets.root_ = root;
  auto add = [&assets](std::string_view url, const std::filesystem::path& path,
                       std::string_view type, bool vendor, const std::string& name) {
    File f;
    f.content_type = std::string(type);
    f.html = type == kHtml;
    f.present = read_file(path, f.body);
    if (!f.present) {
      f.body.clear();
      assets.missing_.push_back(name);
    }
    f.etag = fnv1a_etag(f.body);
    f.cache_control = vendor ? "public, max-age=86400" : "no-cache";
    assets.files_.insert_or_assign(std::string(url), std::move(f));
  };
  for (const Asset& a : kAssets) {
    add(a.url, std::filesystem::path(root) / a.file, a.type, a.vendor, std::string(a.file));
  }
  for (const Extra& e : extras) add(e.url, e.path, e.content_type, false, e.path);
  return assets;
}

std::optional<ApiResponse> WebAssets::serve(std::string_view path,
                                            std::string_view if_none_match) const {
  // "/index.html" is the same page as "/"; nothing else has a second name.
  if (path == "/index.html") path = "/";
  auto it = files_.find(path);
  if (it == files_.end()) return std::nullopt;
  const File& f = it->second;
  if (!f.present) {
    return error_response(503, "unavailable",
                          "the dashboard's files are missing under " + root_ +
                              " (run `npm ci` in web/, as deploy/install-deps.sh does, or set "
                              "server.web_dir)");
  }
  ApiResponse r;
  r.content_type = f.content_type;
  r.headers.emplace_back("Cache-Control", f.cache_control);
  r.headers.emplace_back("ETag", f.etag);
  if (f.html) {
    r.headers.emplace_back("Content-Security-Policy", std::string(kCsp));
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
  }
  if (etag_matches(if_none_match, f.etag)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.body = f.body;
  return r;
}

}  // namespace citywatch::app
