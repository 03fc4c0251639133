// Fuzzes the default-credential list and end-of-life list parsers (the same CSV dialect).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "risk/credential_list.h"
#include "risk/eol_list.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto creds = citywatch::risk::CredentialList::parse(text, "fuzz.csv");
  if (creds) (void)creds->for_vendor("hikvision", "http");
  (void)citywatch::risk::EolList::parse(text, "fuzz.csv");
  return 0;
}
