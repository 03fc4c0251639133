// scanner/probe_parsers.h: the response parsers of the active prober, one small pure function
// per protocol. Each takes untrusted bytes as a string_view, checks every length before reading,
// never allocates more than its input (capped), and needs no socket or file, so each is fuzzed
// directly (fuzz/probe_response_fuzz.cpp). Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace citywatch::scanner {

// An HTTP/1.x, RTSP/1.0 or SSDP response head, and as much body as arrived.
struct HttpResponse {
  std::string_view protocol;  // "HTTP/1.1", "RTSP/1.0"
  int status = 0;
  std::vector<std::pair<std::string_view, std::string_view>> headers;  // at most 64
  std::string_view body;
  bool head_complete = false;  // the blank line after the headers arrived
  bool body_complete = false;  // Content-Length bytes arrived (or none was announced)

  std::string_view header(std::string_view name) const;  // case-insensitive, first one
};
// nullopt when the text does not start like a response ("HTTP/", "RTSP/").
std::optional<HttpResponse> parse_http_response(std::string_view text);

// The <title> of an HTML page, trimmed; empty when there is none.
std::string_view html_title(std::string_view body);

// Telnet: the text without IAC negotiation, and the refusals to send back (DO x -> WONT x,
// WILL x -> DONT x), so option negotiation never stalls and we never agree to anything.
struct TelnetText {
  std::string text;
  std::string replies;
};
TelnetText strip_telnet(std::string_view bytes);

// The reply code of the last complete line of an FTP/SMTP reply ("220 ready\r\n" -> 220);
// nullopt until a final line ("NNN " not "NNN-") has arrived.
std::optional<int> final_reply_code(std::string_view text);

// MQTT CONNACK: the return code (0 accepted, 1-5 refused; MQTT 5 reason codes as sent).
std::optional<std::uint8_t> parse_mqtt_connack(std::string_view bytes);

// Modbus/TCP Read Device Identification (function 0x2B, MEI 0x0E) answer.
struct ModbusDeviceId {
  std::uint8_t unit = 0;
  bool exception = false;
  std::uint8_t exception_code = 0;
  std::string vendor, product, revision;  // objects 0, 1, 2 (printable, at most 64 bytes each)
};
// nullopt while the frame is incomplete or when it is not Modbus; `complete` says which.
std::optional<ModbusDeviceId> parse_modbus_device_id(std::string_view bytes, bool* complete);

// CoAP (RFC 7252) response: code as "2.05", payload (the link format of /.well-known/core).
struct CoapResponse {
  std::string code;
  std::uint16_t message_id = 0;
  std::string_view payload;
};
std::optional<CoapResponse> parse_coap_response(std::string_view bytes);

// BACnet/IP I-Am: device instance and vendor id.
struct BacnetIAm {
  std::uint32_t device_instance = 0;
  std::uint32_t vendor_id = 0;
};
std::optional<BacnetIAm> parse_bacnet_iam(std::string_view bytes);

// SNMP v1/v2c GetResponse: error status and the first varbind's value when it is a string.
struct SnmpResponse {
  std::int64_t request_id = 0;
  std::int64_t error_status = 0;
  std::string value;  // printable, at most 256 bytes
};
std::optional<SnmpResponse> parse_snmp_response(std::string_view bytes);

}  // namespace citywatch::scanner
