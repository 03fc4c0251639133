#include "scanner/probe_parsers.h"

#include "core/text.h"

namespace citywatch::scanner {
namespace {

constexpr std::size_t kMaxHeaders = 64;
constexpr std::size_t kMaxValueBytes = 64;

std::uint8_t byte_at(std::string_view b, std::size_t i) { return static_cast<std::uint8_t>(b[i]); }

// BER: one TLV at `pos` of `b`; false when it does not fit.
struct Tlv {
  std::uint8_t tag = 0;
  std::size_t value_at = 0;
  std::size_t length = 0;
};
bool read_tlv(std::string_view b, std::size_t pos, Tlv& out) {
  if (pos + 2 > b.size()) return false;
  out.tag = byte_at(b, pos);
  std::size_t len = byte_at(b, pos + 1);
  std::size_t at = pos + 2;
  if (len & 0x80) {
    std::size_t n = len & 0x7f;
    if (n == 0 || n > 3 || at + n > b.size()) return false;
    len = 0;
    for (std::size_t i = 0; i < n; ++i) len = (len << 8) | byte_at(b, at + i);
    at += n;
  }
  if (at + len > b.size()) return false;
  out.value_at = at;
  out.length = len;
  return true;
}

std::optional<std::int64_t> ber_int(std::string_view b, const Tlv& t) {
  if (t.tag != 0x02 || t.length == 0 || t.length > 8) return std::nullopt;
  std::int64_t v = (byte_at(b, t.value_at) & 0x80) ? -1 : 0;
  for (std::size_t i = 0; i < t.length; ++i) {
    v = static_cast<std::int64_t>(static_cast<std::uint64_t>(v) << 8 | byte_at(b, t.value_at + i));
  }
  return v;
}

}  // namespace

std::string_view HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (core::iequals(k, name)) return v;
  }
  return {};
}

std::optional<HttpResponse> parse_http_response(std::string_view text) {
  if (!core::istarts_with(text, "HTTP/") && !core::istarts_with(text, "RTSP/")) {
    return std::nullopt;
  }
  HttpResponse r;
  std::size_t line_end = text.find('\n');
  std::string_view status_line = text.substr(0, line_end);
  std::size_t sp = status_line.find(' ');
  r.protocol = status_line.substr(0, sp);
  if (sp != std::string_view::npos) {
    auto code = core::parse_int(core::trim(status_line.substr(sp + 1, 4)), 100, 999);
    if (code) r.status = static_cast<int>(*code);
  }
  if (line_end == std::string_view::npos) return r;
  std::size_t pos = line_end + 1;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) return r;  // a header line still arriving
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = end + 1;
    if (line.empty()) {
      r.head_complete = true;
      break;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || r.headers.size() >= kMaxHeaders) continue;
    r.headers.emplace_back(core::trim(line.substr(0, colon)), core::trim(line.substr(colon + 1)));
  }
  if (!r.head_complete) return r;
  r.body = text.substr(pos);
  std::string_view cl = r.header("Content-Length");
  if (cl.empty()) {
    // No length: complete only when the peer closes (the caller knows); RTSP without a body
    // and bodiless statuses end at the head.
    r.body_complete = core::istarts_with(r.protocol, "RTSP/") || r.status == 204 ||
                      r.status == 304 || (r.status >= 100 && r.status < 200);
  } else if (auto n = core::parse_int(cl, 0, 1LL << 40)) {
    r.body_complete = r.body.size() >= static_cast<std::size_t>(*n);
  }
  return r;
}

std::string_view html_title(std::string_view body) {
  if (body.find('<') == std::string_view::npos) return {};
  std::size_t open = core::ifind(body, "<title");
  if (open == std::string_view::npos) return {};
  std::size_t start = body.find('>', open);
  if (start == std::string_view::npos) return {};
  std::size_t end = core::ifind(body, "</title", start);
  if (end == std::string_view::npos) end = body.size();
  return core::trim(body.substr(start + 1, std::min<std::size_t>(end - start - 1, 256)));
}

TelnetText strip_telnet(std::string_view b) {
  constexpr std::uint8_t kIac = 255, kDont = 254, kDo = 253, kWont = 252, kWill = 251, kSb = 250,
                         kSe = 240;
  TelnetText out;
  out.text.reserve(b.size());
  std::size_t i = 0;
  while (i < b.size()) {
    std::uint8_t c = byte_at(b, i);
    if (c != kIac) {
      if (c != 0) out.text.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (i + 1 >= b.size()) break;
    std::uint8_t cmd = byte_at(b, i + 1);
    if (cmd == kIac) {
      out.text.push_back(static_cast<char>(kIac));
      i += 2;
    } else if (cmd >= kWill && cmd <= kDont) {
      if (i + 2 >= b.size()) break;
      char opt = b[i + 2];
      if (out.replies.size() < 512) {
        if (cmd == kDo) out.replies += {static_cast<char>(kIac), static_cast<char>(kWont), opt};
        if (cmd == kWill) out.replies += {static_cast<char>(kIac), static_cast<char>(kDont), opt};
      }
      i += 3;
    } else if (cmd == kSb) {
      std::size_t end = b.find(std::string_view("\xff\xf0", 2), i + 2);
      i = end == std::string_view::npos ? b.size() : end + 2;
    } else {
      (void)kSe;
      i += 2;
    }
  }
  return out;
}

std::optional<int> final_reply_code(std::string_view text) {
  std::optional<int> code;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) break;  // last line incomplete
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.size() >= 4 && line[3] == ' ') {
      if (auto n = core::parse_int(line.substr(0, 3), 100, 999)) code = static_cast<int>(*n);
    } else if (line.size() == 4 && line[3] == '\r') {
      if (auto n = core::parse_int(line.substr(0, 3), 100, 999)) code = static_cast<int>(*n);
    }
  }
  return code;
}

std::optional<std::uint8_t> parse_mqtt_connack(std::string_view b) {
  // Fixed header 0x20, remaining length >= 2, flags, return code.
  if (b.size() < 4 || byte_at(b, 0) != 0x20) return std::nullopt;
  std::size_t remaining = byte_at(b, 1);
  if (remaining < 2 || remaining > 127 || b.size() < 2 + 2) return std::nullopt;
  return byte_at(b, 3);
}

std::optional<ModbusDeviceId> parse_modbus_device_id(std::string_view b, bool* complete) {
  if (complete) *complete = false;
  if (b.size() < 8) return std::nullopt;
  if (byte_at(b, 2) != 0 || byte_at(b, 3) != 0) return std::nullopt;  // protocol id 0
  std::size_t length = (std::size_t{byte_at(b, 4)} << 8) | byte_at(b, 5);
  if (length < 2 || length > 254) return std::nullopt;
  if (b.size() < 6 + length) return std::nullopt;  // still arriving
  if (complete) *complete = true;
  ModbusDeviceId id;
  id.unit = byte_at(b, 6);
  std::uint8_t fc = byte_at(b, 7);
  std::string_view pdu = b.substr(7, length - 1);
  if (fc == 0xAB || (fc & 0x80)) {
    id.exception = true;
    id.exception_code = pdu.size() > 1 ? byte_at(pdu, 1) : 0;
    return id;
  }
  // fc 0x2B, MEI 0x0E, read code, conformity, more follows, next object, count, objects.
  if (fc != 0x2B || pdu.size() < 7 || byte_at(pdu, 1) != 0x0E) return std::nullopt;
  std::size_t count = byte_at(pdu, 6);
  std::size_t pos = 7;
  for (std::size_t n = 0; n < count && pos + 2 <= pdu.size(); ++n) {
    std::uint8_t object = byte_at(pdu, pos);
    std::size_t len = byte_at(pdu, pos + 1);
    pos += 2;
    if (pos + len > pdu.size()) return std::nullopt;
    std::string value =
        core::printable_excerpt(pdu.substr(pos, std::min(len, kMaxValueBytes)), kMaxValueBytes);
    if (object == 0) id.vendor = value;
    if (object == 1) id.product = value;
    if (object == 2) id.revision = value;
    pos += len;
  }
  return id;
}

std::optional<CoapResponse> parse_coap_response(std::string_view b) {
  if (b.size() < 4) return std::nullopt;
  std::uint8_t first = byte_at(b, 0);
  if ((first >> 6) != 1) return std::nullopt;  // version 1
  std::size_t token_len = first & 0x0f;
  if (token_len > 8 || 4 + token_len > b.size()) return std::nullopt;
  std::uint8_t code = byte_at(b, 1);
  CoapResponse r;
  r.code = std::to_string(code >> 5) + "." + (((code & 0x1f) < 10) ? "0" : "") +
           std::to_string(code & 0x1f);
  r.message_id = static_cast<std::uint16_t>((byte_at(b, 2) << 8) | byte_at(b, 3));
  std::size_t pos = 4 + token_len;
  // Options: delta/length nibbles with 13/14 extensions; 0xFF starts the payload.
  while (pos < b.size()) {
    std::uint8_t h = byte_at(b, pos);
    if (h == 0xff) {
      r.payload = b.substr(pos + 1);
      return r;
    }
    ++pos;
    std::size_t delta = h >> 4, len = h & 0x0f;
    for (std::size_t* v : {&delta, &len}) {
      if (*v == 13) {
        if (pos >= b.size()) return std::nullopt;
        *v = 13 + byte_at(b, pos++);
      } else if (*v == 14) {
        if (pos + 1 >= b.size()) return std::nullopt;
        *v = 269 + ((std::size_t{byte_at(b, pos)} << 8) | byte_at(b, pos + 1));
        pos += 2;
      } else if (*v == 15) {
        return std::nullopt;
      }
    }
    if (pos + len > b.size()) return std::nullopt;
    pos += len;
  }
  return r;
}

std::optional<BacnetIAm> parse_bacnet_iam(std::string_view b) {
  // BVLC: 0x81, function, length (2 bytes).
  if (b.size() < 4 || byte_at(b, 0) != 0x81) return std::nullopt;
  std::size_t length = (std::size_t{byte_at(b, 2)} << 8) | byte_at(b, 3);
  if (length < 4 || length > b.size()) return std::nullopt;
  std::size_t pos = 4;
  std::uint8_t function = byte_at(b, 1);
  if (function == 0x04) pos += 6;  // forwarded NPDU carries the original source address
  // NPDU: version 1, control; optional destination / source specifiers.
  if (pos + 2 > length || byte_at(b, pos) != 0x01) return std::nullopt;
  std::uint8_t control = byte_at(b, pos + 1);
  pos += 2;
  if (control & 0x80) return std::nullopt;  // a network layer message, not an APDU
  if (control & 0x20) {                     // destination: net(2), len(1), addr, later hop
    if (pos + 3 > length) return std::nullopt;
    pos += 3 + byte_at(b, pos + 2);
  }
  if (control & 0x08) {  // source: net(2), len(1), addr
    if (pos + 3 > length) return std::nullopt;
    pos += 3 + byte_at(b, pos + 2);
  }
  if (control & 0x20) ++pos;  // hop count
  // APDU: unconfirmed request 0x10, service 0x00 (I-Am), object id tag 0xC4.
  if (pos + 7 > length || byte_at(b, pos) != 0x10 || byte_at(b, pos + 1) != 0x00 ||
      byte_at(b, pos + 2) != 0xC4) {
    return std::nullopt;
  }
  std::uint32_t object = (std::uint32_t{byte_at(b, pos + 3)} << 24) |
                         (std::uint32_t{byte_at(b, pos + 4)} << 16) |
                         (std::uint32_t{byte_at(b, pos + 5)} << 8) | byte_at(b, pos + 6);
  if ((object >> 22) != 8) return std::nullopt;  // object type 8: device
  BacnetIAm r;
  r.device_instance = object & 0x3fffff;
  pos += 7;
  // max APDU (unsigned, tag 2), segmentation (enumerated, tag 9), vendor id (unsigned, tag 2).
  for (int field = 0; field < 3 && pos < length; ++field) {
    std::uint8_t tag = byte_at(b, pos);
    std::size_t len = tag & 0x07;
    if (len > 4 || pos + 1 + len > length) return r;
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < len; ++i) v = (v << 8) | byte_at(b, pos + 1 + i);
    if (field == 2) r.vendor_id = v;
    pos += 1 + len;
  }
  return r;
}

std::optional<SnmpResponse> parse_snmp_response(std::string_view b) {
  Tlv msg, version, community, pdu, reqid, status, index, list, bind, oid, value;
  if (!read_tlv(b, 0, msg) || msg.tag != 0x30) return std::nullopt;
  if (!read_tlv(b, msg.value_at, version) || version.tag != 0x02) return std::nullopt;
  if (!read_tlv(b, version.value_at + version.length, community) || community.tag != 0x04) {
    return std::nullopt;
  }
  if (!read_tlv(b, community.value_at + community.length, pdu) || pdu.tag != 0xA2) {
    return std::nullopt;  // only GetResponse
  }
  if (!read_tlv(b, pdu.value_at, reqid)) return std::nullopt;
  if (!read_tlv(b, reqid.value_at + reqid.length, status)) return std::nullopt;
  if (!read_tlv(b, status.value_at + status.length, index)) return std::nullopt;
  auto id = ber_int(b, reqid);
  auto st = ber_int(b, status);
  if (!id || !st) return std::nullopt;
  SnmpResponse r;
  r.request_id = *id;
  r.error_status = *st;
  if (!read_tlv(b, index.value_at + index.length, list) || list.tag != 0x30) return r;
  if (!read_tlv(b, list.value_at, bind) || bind.tag != 0x30) return r;
  if (!read_tlv(b, bind.value_at, oid) || oid.tag != 0x06) return r;
  if (!read_tlv(b, oid.value_at + oid.length, value)) return r;
  if (value.tag == 0x04) {
    r.value = core::printable_excerpt(
        b.substr(value.value_at, std::min<std::size_t>(value.length, 256)), 256);
  }
  return r;
}

}  // namespace citywatch::scanner
