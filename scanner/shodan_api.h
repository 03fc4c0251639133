// scanner/shodan_api.h: the Shodan REST API host search (GET /shodan/host/search?key=&query=
// &page=N; 100 banners per page as {"matches": [...], "total": N}) for the city's networks,
// one query per network ("net:CIDR"). Requests go through a RateGate (Shodan allows one per
// second); 429 and 5xx answers are retried with back-off, 401/403 stop with advice. Pages come
// back as one line of JSON each, ready for the Shodan importer. One instance per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/ip_address.h"
#include "core/result.h"
#include "net/http_client.h"
#include "scanner/rate_gate.h"

namespace citywatch::scanner {

inline constexpr std::size_t kShodanPageSize = 100;

struct ShodanApiOptions {
  std::string base_url = "https://api.shodan.io";
  std::string api_key;
  int max_pages = 100;  // per query; every page after the first costs a query credit
  int max_retries = 3;  // per page, for 429 and 5xx answers and transport failures
};

struct ShodanPageSummary {
  std::uint64_t total = 0;  // results the query matches in all
  std::size_t matches = 0;  // banners on this page
};

// Reads a search response body: kBadInput for anything but an object with a "matches" array
// (an {"error": "..."} body gives its text).
core::Result<ShodanPageSummary> parse_shodan_search_page(std::string_view body);

struct ShodanPage {
  int number = 0;         // 1-based
  std::string json_line;  // the page as one line (raw newlines are whitespace in JSON)
  ShodanPageSummary summary;
};

// "net:192.0.2.0/24" plus extra filters ("port:23"), if any.
std::string shodan_net_query(const core::Prefix& network, std::string_view extra);

class ShodanApi {
 public:
  ShodanApi(ShodanApiOptions options, net::HttpClient& http, RateGate& gate)
      : options_(std::move(options)), http_(http), gate_(gate) {}

  core::Result<ShodanPage> search_page(const std::string& query, int page,
                                       const net::CancelFn& cancelled = {});

  struct SearchTotals {
    int pages = 0;              // pages fetched by this call
    std::uint64_t banners = 0;  // banners on them
    std::uint64_t total = 0;    // results Shodan reported for the query
    bool truncated = false;     // stopped at max_pages with results left
    bool cancelled = false;
  };
  // Fetches pages start_page, start_page+1, ... until every result is read, a page comes back
  // empty or max_pages is reached. Each page goes to on_page before the next is asked for; an
  // error from on_page stops the search and is returned.
  using PageFn = std::function<core::Result<void>(const ShodanPage&)>;
  core::Result<SearchTotals> search_all(const std::string& query, int start_page,
                                        const PageFn& on_page, const net::CancelFn& cancelled = {});

 private:
  ShodanApiOptions options_;
  net::HttpClient& http_;
  RateGate& gate_;
};

}  // namespace citywatch::scanner
