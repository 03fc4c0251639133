// scanner/shadowserver_api.h: the Shadowserver Reports API. The list of reports for a date
// range is a POST to <api_url>reports/list with a JSON body carrying the API key, signed with
// HMAC-SHA256 of the exact body under the secret, hex in header HMAC2. A report's CSV is then
// fetched from <download_url><id> (dl.shadowserver.org), as Shadowserver's own report-manager
// does, and goes through the Shadowserver importer like any report file. Names and ids in the
// list are untrusted: file names are reduced to a safe character set before use. One instance
// per thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "net/http_client.h"

namespace citywatch::scanner {

struct ShadowserverApiOptions {
  std::string api_url = "https://transform.shadowserver.org/api2/";
  std::string download_url = "https://dl.shadowserver.org/";
  std::string api_key;
  std::string secret;
  std::vector<std::string> reports;  // report (mailing list) names to ask for; empty: all
  std::vector<std::string> types;    // report types to keep ("scan_mqtt"); empty: all
};

struct ReportRef {
  std::string id;         // [A-Za-z0-9_-] only; other ids are refused when the list is read
  std::string report;     // the subscription it belongs to
  std::string type;       // scan_mqtt, event4_honeypot_darknet, ...
  std::string file;       // a safe file name: 2024-05-01-scan_mqtt-nl-geo.csv
  std::string timestamp;  // the report date as given
};

// HMAC-SHA256 of data under key, lower-case hex.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// Reads a reports/list answer: an array of report objects. An {"error": "..."} object is
// kUnavailable with its text; entries with a missing or unsafe id are skipped and counted.
struct ReportList {
  std::vector<ReportRef> reports;
  std::size_t skipped = 0;
};
core::Result<ReportList> parse_report_list(std::string_view json);

// A file name from untrusted text: [A-Za-z0-9._-] kept, others become '_', no leading dot,
// at most 200 bytes; empty input gives "report.csv".
std::string safe_file_name(std::string_view name);

class ShadowserverApi {
 public:
  ShadowserverApi(ShadowserverApiOptions options, net::HttpClient& http)
      : options_(std::move(options)), http_(http) {}

  // Reports dated from..to inclusive ("YYYY-MM-DD"), filtered by the configured types.
  core::Result<ReportList> list(std::string_view from, std::string_view to,
                                const net::CancelFn& cancelled = {});
  // Writes the report's CSV to path (complete or not at all).
  core::Result<net::Response> download(const ReportRef& report, const std::string& path,
                                       const net::CancelFn& cancelled = {});
  // The signed request for reports/list, exposed for tests of the signature.
  net::Request list_request(std::string_view from, std::string_view to) const;

 private:
  ShadowserverApiOptions options_;
  net::HttpClient& http_;
};

}  // namespace citywatch::scanner
