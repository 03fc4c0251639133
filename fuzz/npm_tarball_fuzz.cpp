// What `geodb fetch` unpacks: gzip, then the tar inside, then a gzip member of it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "enrich/geodb_package.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace citywatch::enrich;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // The input as a tar directly, and as gzip data holding one.
  auto members = list_tar(bytes);
  if (members) {
    for (const auto& m : *members) (void)gunzip(m.data, 1 << 20);
  }
  if (auto tar = gunzip(bytes, 4 << 20)) (void)list_tar(*tar);
  return 0;
}
