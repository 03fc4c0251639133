// fuzz/probe_response_fuzz.cpp: libFuzzer target for every response parser of the active prober
// (scanner/probe_parsers.h) and every dialog (scanner/probe_dialogs.h), probes and login checks
// alike, fed the same bytes in two pieces (the first byte chooses the cut). Besides sanitizer
// reports it aborts when a report holds the presented password or an excerpt over its bound.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/observation.h"
#include "scanner/probe_dialogs.h"
#include "scanner/probe_parsers.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace citywatch::scanner;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto r = parse_http_response(in)) {
    (void)r->header("Server");
    (void)html_title(r->body);
  }
  (void)strip_telnet(in);
  (void)final_reply_code(in);
  (void)parse_mqtt_connack(in);
  bool complete = false;
  (void)parse_modbus_device_id(in, &complete);
  (void)parse_coap_response(in);
  (void)parse_bacnet_iam(in);
  (void)parse_snmp_response(in);
  (void)product_version(in.substr(0, 512));

  std::size_t cut = size == 0 ? 0 : static_cast<std::size_t>(data[0]) % (size + 1);
  const LoginCredential cred{"fuzzuser", "Secret-7f3a", "fuzz entry"};
  DialogTarget target{*citywatch::core::IpAddress::parse("192.0.2.1"), 80};
  DialogOptions options;
  for (int p = 0; p <= static_cast<int>(Protocol::kSnmp); ++p) {
    auto protocol = static_cast<Protocol>(p);
    for (int login = 0; login < 2; ++login) {
      auto d = login ? make_login_dialog(protocol, target, options, cred)
                     : make_probe_dialog(protocol, target, options);
      if (!d) continue;
      (void)d->opening();
      Step s = d->on_data(in.substr(0, cut));
      if (s.action != Step::Action::kDone) s = d->on_data(in.substr(cut));
      if (s.action != Step::Action::kDone) (void)d->on_idle();
      DialogReport r = d->report();
      if (r.excerpt.size() > citywatch::core::kMaxExcerptBytes) std::abort();
      if (login) {
        if (r.excerpt.find("Secret-7f3a") != std::string::npos) std::abort();
        for (const auto& [k, v] : r.fields) {
          if (v.find("Secret-7f3a") != std::string::npos) std::abort();
        }
      }
    }
  }
  return 0;
}
