#include "scanner/shodan_api.h"

#include <simdjson.h>

#include <algorithm>
#include <chrono>

#include "core/text.h"

namespace citywatch::scanner {
namespace {

namespace dom = simdjson::dom;

// The "error" text of a Shodan error body, printable and short; empty when there is none.
std::string error_text(std::string_view body) {
  dom::parser parser;
  dom::element doc;
  if (parser.parse(body.data(), body.size(), true).get(doc) != simdjson::SUCCESS) {
    return core::printable_excerpt(core::trim(body), 200);
  }
  std::string_view text;
  if (doc["error"].get_string().get(text) != simdjson::SUCCESS) return {};
  return core::printable_excerpt(text, 200);
}

std::string with_detail(std::string message, const std::string& detail) {
  if (!detail.empty()) message += ": " + detail;
  return message;
}

bool retryable(long status) { return status == 429 || status >= 500; }

}  // namespace

core::Result<ShodanPageSummary> parse_shodan_search_page(std::string_view body) {
  dom::parser parser;
  dom::element doc;
  if (auto err = parser.parse(body.data(), body.size(), true).get(doc); err) {
    return core::fail(core::ErrorCode::kBadInput,
                      std::string("Shodan answer is not JSON: ") + simdjson::error_message(err));
  }
  dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    return core::fail(core::ErrorCode::kBadInput, "Shodan answer is not a JSON object");
  }
  std::string_view error;
  if (obj["error"].get_string().get(error) == simdjson::SUCCESS) {
    return core::fail(core::ErrorCode::kBadInput,
                      "Shodan answered with an error: " + core::printable_excerpt(error, 200));
  }
  dom::array matches;
  if (obj["matches"].get_array().get(matches) != simdjson::SUCCESS) {
    return core::fail(core::ErrorCode::kBadInput, "Shodan answer has no \"matches\" array");
  }
  ShodanPageSummary summary;
  summary.matches = matches.size();
  std::uint64_t total = 0;
  std::int64_t signed_total = 0;
  if (obj["total"].get_uint64().get(total) == simdjson::SUCCESS) {
    summary.total = total;
  } else if (obj["total"].get_int64().get(signed_total) == simdjson::SUCCESS && signed_total > 0) {
    summary.total = static_cast<std::uint64_t>(signed_total);
  }
  return summary;
}

std::string shodan_net_query(const core::Prefix& network, std::string_view extra) {
  std::string query = "net:" + network.to_string();
  std::string_view more = core::trim(extra);
  if (!more.empty()) {
    query += ' ';
    query += more;
  }
  return query;
}

core::Result<ShodanPage> ShodanApi::search_page(const std::string& query, int page,
                                                const net::CancelFn& cancelled) {
  std::string base = options_.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  net::Request request;
  request.url = base + "/shodan/host/search?key=" + net::url_encode(options_.api_key) +
                "&query=" + net::url_encode(query) + "&page=" + std::to_string(page);
  const std::string where = net::url_for_log(request.url) + " page " + std::to_string(page);

  core::Error last{core::ErrorCode::kUnavailable, "no attempt made", where};
  for (int attempt = 0; attempt <= options_.max_retries; ++attempt) {
    if (!gate_.wait()) {
      return core::fail(core::ErrorCode::kUnavailable, "cancelled (shutting down)", where);
    }
    auto response = http_.send(request, cancelled);
    if (!response) {
      if (cancelled && cancelled()) return core::fail(response.error());
      last = response.error();
      gate_.back_off(gate_.interval() * (attempt + 1));
      continue;
    }
    long status = response->status;
    if (status == 200) {
      auto summary = parse_shodan_search_page(response->body);
      if (!summary) {
        auto err = summary.error();
        err.where = where;
        return core::fail(std::move(err));
      }
      ShodanPage out;
      out.number = page;
      out.summary = *summary;
      out.json_line = std::move(response->body);
      std::replace(out.json_line.begin(), out.json_line.end(), '\n', ' ');
      std::replace(out.json_line.begin(), out.json_line.end(), '\r', ' ');
      return out;
    }
    std::string detail = error_text(response->body);
    if (status == 401) {
      return core::fail(core::ErrorCode::kConfig,
                        with_detail("Shodan refused the API key (HTTP 401); check "
                                    "feeds.shodan.api_key_file or CITYWATCH_SHODAN_API_KEY",
                                    detail),
                        where);
    }
    if (status == 403) {
      return core::fail(core::ErrorCode::kConfig,
                        with_detail("Shodan denied the search (HTTP 403): the plan may not allow "
                                    "this query or no query credits are left",
                                    detail),
                        where);
    }
    if (!retryable(status)) {
      return core::fail(core::ErrorCode::kBadInput,
                        with_detail("Shodan rejected the query '" + query + "' (HTTP " +
                                        std::to_string(status) + ")",
                                    detail),
                        where);
    }
    // 429 or 5xx: wait longer each time; a Retry-After in seconds is honoured up to a minute.
    auto pause =
        std::chrono::duration_cast<RateGate::Clock::duration>(gate_.interval() * (attempt + 1));
    if (const std::string* after = response->header("retry-after")) {
      if (auto secs = core::parse_int(*after, 0, 60)) {
        pause = std::max<RateGate::Clock::duration>(pause, std::chrono::seconds(*secs));
      }
    }
    gate_.back_off(pause);
    last =
        core::Error{core::ErrorCode::kUnavailable,
                    with_detail("Shodan answered HTTP " + std::to_string(status), detail), where};
  }
  last.message += " (gave up after " + std::to_string(options_.max_retries + 1) + " attempts)";
  return core::fail(std::move(last));
}

core::Result<ShodanApi::SearchTotals> ShodanApi::search_all(const std::string& query,
                                                            int start_page, const PageFn& on_page,
                                                            const net::CancelFn& cancelled) {
  SearchTotals totals;
  for (int page = std::max(1, start_page); page <= options_.max_pages; ++page) {
    if (cancelled && cancelled()) {
      totals.cancelled = true;
      return totals;
    }
    auto fetched = search_page(query, page, cancelled);
    if (!fetched) {
      if (cancelled && cancelled()) {
        totals.cancelled = true;
        return totals;
      }
      return core::fail(fetched.error());
    }
    ++totals.pages;
    totals.banners += fetched->summary.matches;
    totals.total = fetched->summary.total;
    CITYWATCH_TRY(on_page(*fetched));
    std::uint64_t seen = static_cast<std::uint64_t>(page) * kShodanPageSize;
    if (fetched->summary.matches == 0 || seen >= fetched->summary.total) return totals;
    if (page == options_.max_pages) totals.truncated = true;
  }
  return totals;
}

}  // namespace citywatch::scanner
