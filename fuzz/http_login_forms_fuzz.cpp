// Fuzzes the web login form list parser (scanner/http_login_forms.h); when the input loads, every
// entry renders a credential, classifies the input as an answer, and its login dialog reads the
// input as the device's response. Aborts if a JSON body with the credential stops being a JSON
// object, or if a dialog's report holds the password.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/ip_address.h"
#include "scanner/http_login_forms.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace citywatch::scanner;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto forms = HttpLoginForms::parse(text, "fuzz.jsonl");
  if (!forms) return 0;
  LoginCredential cred;
  cred.username = "root";
  cred.password = "Fz\"pw&=%{password}";
  cred.label = "fuzz";
  DialogTarget target{*citywatch::core::IpAddress::parse("127.0.0.1"), 80};
  for (const auto& f : forms->entries()) {
    std::string body = f->render_body(cred.username, cred.password);
    if (!f->json_body() && body.find('"') != std::string::npos) std::abort();  // not encoded
    (void)f->classify(text);
    cred.form = f;
    auto dialog = make_login_dialog(Protocol::kHttp, target, DialogOptions{}, cred);
    if (!dialog) std::abort();
    (void)dialog->opening();
    (void)dialog->on_data(text.substr(0, size / 2));
    (void)dialog->on_data(text.substr(size / 2));
    DialogReport r = dialog->report();
    if (r.excerpt.find("Fz\"pw") != std::string::npos) std::abort();
    for (const auto& [k, v] : r.fields) {
      if (v.find("Fz\"pw") != std::string::npos) std::abort();
    }
  }
  return 0;
}
