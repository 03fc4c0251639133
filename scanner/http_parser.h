// scanner/http_parser.h: HTTP-style heads (HTTP/1.x, RTSP/1.0 and SSDP over UDP share the
// syntax) and the facts passive fingerprinting takes from them: Server, WWW-Authenticate and
// the page title from responses; User-Agent and Basic credentials from requests. Parsers see
// only the first bytes of a stream (bounded by the flow table), never need more than they have,
// and keep no state. Views point into the caller's bytes.
#pragma once

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "scanner/byte_reader.h"
#include "scanner/protocol_facts.h"

namespace citywatch::scanner {

struct HttpHead {
  bool request = false;
  std::string_view method, target, version;  // requests
  int status = 0;                            // responses
  std::string_view reason;
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  bool complete = false;      // the blank line ending the head was seen
  std::size_t head_size = 0;  // bytes of the head including the blank line, when complete

  std::string_view header(std::string_view name) const;  // case-insensitive; first one wins
};

inline constexpr std::size_t kMaxHttpHeaders = 64;

// nullopt when the text does not start like an HTTP or RTSP message.
std::optional<HttpHead> parse_http_head(std::string_view text);

// A server's first response (HTTP or RTSP; the protocol comes from the status line).
ParseOutcome parse_http_response(Bytes data);
// A client's first request: User-Agent, Host, and an Authorization: Basic credential.
ParseOutcome parse_http_request(Bytes data);
// One SSDP datagram: NOTIFY or an M-SEARCH answer (M-SEARCH itself says nothing of a device).
ProtocolFacts parse_ssdp(Bytes datagram);

// RFC 4648 base64 (padding optional); nullopt on a bad character. Output bounded by input.
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace citywatch::scanner
