#include "scanner/shadowserver_api.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdio>

#include "core/json_writer.h"
#include "core/text.h"

namespace citywatch::scanner {
namespace {

namespace dom = simdjson::dom;

constexpr std::size_t kMaxReports = 100000;

bool safe_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

std::string field(dom::object obj, std::string_view key) {
  std::string_view s;
  if (obj[key].get_string().get(s) != simdjson::SUCCESS) return {};
  return core::printable_excerpt(s, 256);
}

std::string with_slash(std::string url) {
  if (url.empty() || url.back() != '/') url += '/';
  return url;
}

}  // namespace

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 15];
  }
  return out;
}

std::string safe_file_name(std::string_view name) {
  // Only the last path component counts: "../../etc/x.csv" is "x.csv".
  if (auto slash = name.find_last_of("/\\"); slash != std::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  std::string out;
  for (char c : name.substr(0, 200)) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_';
    out += ok ? c : '_';
  }
  while (!out.empty() && out.front() == '.') out.erase(out.begin());
  return out.empty() ? "report.csv" : out;
}

core::Result<ReportList> parse_report_list(std::string_view json) {
  dom::parser parser;
  dom::element doc;
  if (auto err = parser.parse(json.data(), json.size(), true).get(doc); err) {
    return core::fail(core::ErrorCode::kBadInput,
                      std::string("report list is not JSON: ") + simdjson::error_message(err));
  }
  dom::object obj;
  if (doc.get_object().get(obj) == simdjson::SUCCESS) {
    std::string_view error;
    if (obj["error"].get_string().get(error) == simdjson::SUCCESS) {
      return core::fail(core::ErrorCode::kUnavailable, "Shadowserver answered with an error: " +
                                                           core::printable_excerpt(error, 200));
    }
    return core::fail(core::ErrorCode::kBadInput, "report list is an object, not an array");
  }
  dom::array items;
  if (doc.get_array().get(items) != simdjson::SUCCESS) {
    return core::fail(core::ErrorCode::kBadInput, "report list is not an array");
  }
  ReportList list;
  for (dom::element item : items) {
    dom::object entry;
    if (list.reports.size() >= kMaxReports || item.get_object().get(entry) != simdjson::SUCCESS) {
      ++list.skipped;
      continue;
    }
    ReportRef ref;
    ref.id = field(entry, "id");
    if (!safe_id(ref.id)) {
      ++list.skipped;
      continue;
    }
    ref.report = field(entry, "report");
    ref.type = field(entry, "type");
    ref.timestamp = field(entry, "timestamp");
    std::string file = field(entry, "file");
    if (file.empty()) {
      file = (ref.type.empty() ? "" : ref.timestamp + "-" + ref.type + "-") + ref.id + ".csv";
    }
    ref.file = safe_file_name(file);
    list.reports.push_back(std::move(ref));
  }
  return list;
}

net::Request ShadowserverApi::list_request(std::string_view from, std::string_view to) const {
  core::JsonWriter body;
  body.begin_object().field("apikey", options_.api_key);
  body.field("date", std::string(from) + ":" + std::string(to));
  if (!options_.reports.empty()) {
    body.key("reports").begin_array();
    for (const auto& r : options_.reports) body.value(r);
    body.end_array();
  }
  body.field("limit", 1000).end_object();
  net::Request request;
  request.method = "POST";
  request.url = with_slash(options_.api_url) + "reports/list";
  request.body = body.take();
  request.headers = {{"Content-Type", "application/json"},
                     {"HMAC2", hmac_sha256_hex(options_.secret, request.body)}};
  return request;
}

core::Result<ReportList> ShadowserverApi::list(std::string_view from, std::string_view to,
                                               const net::CancelFn& cancelled) {
  net::Request request = list_request(from, to);
  const std::string where = net::url_for_log(request.url);
  auto response = http_.send(request, cancelled);
  if (!response) return core::fail(response.error());
  if (response->status == 401 || response->status == 403) {
    return core::fail(core::ErrorCode::kConfig,
                      "Shadowserver refused the API key or signature (HTTP " +
                          std::to_string(response->status) +
                          "); check feeds.shadowserver.api_key_file and secret_file",
                      where);
  }
  if (response->status != 200) {
    return core::fail(core::ErrorCode::kUnavailable,
                      "Shadowserver answered HTTP " + std::to_string(response->status) + ": " +
                          core::printable_excerpt(core::trim(response->body), 200),
                      where);
  }
  auto parsed = parse_report_list(response->body);
  if (!parsed) {
    auto err = parsed.error();
    err.where = where;
    // The API reports a bad key or signature as an error object with HTTP 200.
    if (core::ifind(err.message, "key") != std::string::npos ||
        core::ifind(err.message, "hmac") != std::string::npos) {
      err.code = core::ErrorCode::kConfig;
    }
    return core::fail(std::move(err));
  }
  if (!options_.types.empty()) {
    std::erase_if(parsed->reports, [&](const ReportRef& r) {
      return std::find(options_.types.begin(), options_.types.end(), r.type) ==
             options_.types.end();
    });
  }
  return parsed;
}

core::Result<net::Response> ShadowserverApi::download(const ReportRef& report,
                                                      const std::string& path,
                                                      const net::CancelFn& cancelled) {
  net::Request request;
  request.url = with_slash(options_.download_url) + report.id;
  auto response = http_.download(request, path, cancelled);
  if (!response) return response;
  if (response->status != 200) {
    std::remove(path.c_str());
    return core::fail(core::ErrorCode::kUnavailable,
                      "report download answered HTTP " + std::to_string(response->status),
                      net::url_for_log(request.url));
  }
  return response;
}

}  // namespace citywatch::scanner
