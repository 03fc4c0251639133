#include "scanner/ics_presence.h"

#include <string>

namespace citywatch::scanner {

ProtocolFacts detect_modbus(Bytes data) {
  ProtocolFacts f;
  // MBAP: transaction id, protocol id 0, length (unit id + PDU, 2..254), unit id, function.
  if (data.size() < 8 || be16(data.data() + 2) != 0) return f;
  std::size_t length = be16(data.data() + 4);
  if (length < 2 || length > 254) return f;
  std::uint8_t function = data[7] & 0x7f;
  if (function == 0 || function > 127) return f;
  f.protocol = "modbus";
  f.device_type = "industrial control";
  f.add("modbus.unit_id", std::to_string(data[6]));
  f.add("modbus.function", std::to_string(function));
  return f;
}

ProtocolFacts detect_s7(Bytes data) {
  ProtocolFacts f;
  // TPKT version 3, length; COTP length and PDU type (CR 0xe0, CC 0xd0, DT 0xf0).
  if (data.size() < 7 || data[0] != 3 || data[1] != 0) return f;
  std::size_t tpkt = be16(data.data() + 2);
  if (tpkt < 7) return f;
  std::uint8_t cotp_type = data[5] & 0xf0;
  if (cotp_type != 0xe0 && cotp_type != 0xd0 && cotp_type != 0xf0) return f;
  std::size_t s7 = 5 + 1 + std::size_t{data[4]};
  if (cotp_type == 0xf0 && (s7 >= data.size() || data[s7] != 0x32)) return f;  // not S7comm
  f.protocol = "s7";
  f.device_type = "industrial control";
  f.add("s7.cotp", cotp_type == 0xe0   ? "connect request"
                   : cotp_type == 0xd0 ? "connect confirm"
                                       : "data");
  return f;
}

ProtocolFacts detect_dnp3(Bytes data) {
  ProtocolFacts f;
  if (data.size() < 10 || data[0] != 0x05 || data[1] != 0x64 || data[2] < 5) return f;
  f.protocol = "dnp3";
  f.device_type = "industrial control";
  f.add("dnp3.destination", std::to_string(data[4] | (data[5] << 8)));
  f.add("dnp3.source", std::to_string(data[6] | (data[7] << 8)));
  return f;
}

ProtocolFacts detect_bacnet(Bytes d, BacnetRole& role) {
  ProtocolFacts f;
  role = BacnetRole::kNone;
  // BVLC: type 0x81, function, length == datagram length; then NPDU version 1.
  if (d.size() < 6 || d[0] != 0x81 || be16(d.data() + 2) != d.size()) return f;
  std::size_t npdu = d[1] == 0x04 ? 10 : 4;  // Forwarded-NPDU carries the original address
  if (npdu + 2 > d.size() || d[npdu] != 0x01) return f;
  std::uint8_t control = d[npdu + 1];
  if (control & 0x80) return f;  // network layer message, no APDU
  std::size_t apdu = npdu + 2;
  if (control & 0x20) {  // destination specifier: DNET, DLEN, DADR
    if (apdu + 3 > d.size()) return f;
    apdu += 3 + d[apdu + 2];
  }
  if (control & 0x08) {  // source specifier
    if (apdu + 3 > d.size()) return f;
    apdu += 3 + d[apdu + 2];
  }
  if (control & 0x20) ++apdu;  // hop count
  if (apdu >= d.size()) return f;
  f.protocol = "bacnet";
  f.device_type = "building automation";
  std::uint8_t type = d[apdu] >> 4;
  if (type == 0 || (type == 1 && apdu + 1 < d.size() && d[apdu + 1] == 0x08)) {
    role = BacnetRole::kRequest;  // confirmed request, or Who-Is
  } else {
    role = BacnetRole::kAnswer;
  }
  // I-Am: unconfirmed service 0; object id (application tag 12, 4 bytes), max APDU, segmentation,
  // vendor id.
  if (type == 1 && apdu + 7 <= d.size() && d[apdu + 1] == 0x00 && d[apdu + 2] == 0xc4) {
    std::uint32_t object = be32(d.data() + apdu + 3);
    f.add("bacnet.device_instance", std::to_string(object & 0x3fffff));
    ByteReader r(d.subspan(apdu + 7));
    for (int k = 0; k < 3 && r.remaining() > 0; ++k) {
      std::uint8_t tag = r.u8();
      std::size_t len = tag & 0x07;
      Bytes v = r.bytes(len);
      if (!r.ok()) break;
      if (k == 2 && (tag >> 4) == 2) {
        std::uint32_t vendor = 0;
        for (auto b : v) vendor = (vendor << 8) | b;
        f.add("bacnet.vendor_id", std::to_string(vendor));
      }
    }
  }
  return f;
}

}  // namespace citywatch::scanner
