// fuzz/capture_fuzz.cpp: arbitrary bytes into the capture path. The first byte picks the
// target: the packet decoder (with a link type), each protocol parser, the credential list,
// or the whole engine fed a run of length-prefixed frames. Needs citywatch_scanner.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "core/diagnostics.h"
#include "scanner/capture_engine.h"
#include "scanner/credential_matcher.h"
#include "scanner/dhcp.h"
#include "scanner/ftp.h"
#include "scanner/http_parser.h"
#include "scanner/ics_presence.h"
#include "scanner/mdns.h"
#include "scanner/mqtt.h"
#include "scanner/packet_decoder.h"
#include "scanner/snmp.h"
#include "scanner/ssh_banner.h"
#include "scanner/telnet.h"
#include "scanner/tls_certificate.h"
#include "scanner/tplink_smarthome.h"
#include "scanner/vnc.h"

namespace {

using citywatch::scanner::Bytes;
namespace sc = citywatch::scanner;

void engine(Bytes data) {
  static const sc::CredentialMatcher list = [] {
    citywatch::core::Diagnostics diag;
    return sc::CredentialMatcher::parse("productvendor,username,password\nA,admin,admin\n", "fuzz",
                                        diag);
  }();
  sc::CaptureOptions options;
  options.max_flows = 16;
  options.dedup_slots = 64;
  options.max_scan_sources = 16;
  options.darknet = !data.empty() && (data[0] & 1);
  options.credentials = &list;
  sc::CaptureEngine e(options, [](citywatch::core::Observation&&) {});
  e.begin_source("fuzz", data.empty()              ? 1
                         : (data[0] >> 1) % 3 == 0 ? 1
                         : (data[0] >> 1) % 3 == 1 ? 113
                                                   : 0);
  std::size_t pos = 1;
  std::uint64_t n = 0;
  while (pos + 2 <= data.size()) {
    std::size_t len = (std::size_t{data[pos]} << 8 | data[pos + 1]) % 2048;
    pos += 2;
    len = std::min(len, data.size() - pos);
    sc::RawPacket p;
    p.seconds = 1700000000 + static_cast<std::int64_t>(n);
    p.wire_length = static_cast<std::uint32_t>(len + (n % 3 == 0 ? 10 : 0));
    p.data = data.subspan(pos, len);
    e.on_packet(p, ++n);
    pos += len;
  }
  e.flush();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size == 0) return 0;
  Bytes all(bytes, size);
  Bytes data = all.subspan(1);
  std::size_t half = data.size() / 2;
  switch (bytes[0] % 17) {
    case 0: {
      static constexpr int kLinks[] = {0, 1, 12, 14, 108, 113, 228, 229, 276, 147};
      sc::DecodedPacket p;
      int link = data.empty() ? 1 : kLinks[data[0] % 10];
      (void)sc::decode_packet(link, data, static_cast<std::uint32_t>(data.size() + size % 3), p);
      break;
    }
    case 1:
      (void)sc::parse_http_response(data);
      break;
    case 2:
      (void)sc::parse_http_request(data);
      break;
    case 3:
      (void)sc::parse_ssdp(data);
      break;
    case 4:
      (void)sc::parse_ssh_banner(data);
      break;
    case 5:
      (void)sc::parse_telnet(data.first(half), data.subspan(half), size % 2 == 0);
      break;
    case 6:
      (void)sc::parse_ftp(data.first(half), data.subspan(half), size % 2 == 0);
      break;
    case 7:
      (void)sc::parse_mqtt(data.first(half), data.subspan(half), size % 2 == 0);
      break;
    case 8:
      (void)sc::parse_tls_server(data, 1700000000, size % 2 == 0);
      break;
    case 9:
      (void)sc::parse_tls_sni(data);
      break;
    case 10:
      (void)sc::parse_snmp(data);
      break;
    case 11:
      (void)sc::parse_dhcp(data);
      break;
    case 12:
      (void)sc::parse_mdns(data);
      break;
    case 13: {
      sc::BacnetRole role;
      (void)sc::detect_modbus(data);
      (void)sc::detect_s7(data);
      (void)sc::detect_dnp3(data);
      (void)sc::detect_bacnet(data, role);
      break;
    }
    case 14:
      (void)sc::parse_tplink_smarthome(data, size % 2 == 0);
      (void)sc::parse_rfb_greeting(data);
      break;
    case 15: {
      citywatch::core::Diagnostics diag;
      auto m = sc::CredentialMatcher::parse(sc::as_text(data), "fuzz", diag);
      (void)m.match("admin", "admin");
      (void)m.match_secret("public");
      break;
    }
    default:
      engine(data);
      break;
  }
  return 0;
}
