#pragma once
// Whole-file reads for the data citywatch loads before it works: rule sets, credential and
// end-of-life lists, vulnerability feeds. Streams (imports, captures) never come through here.

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace citywatch::core {

// Reads `path` into memory. A missing file fails with `missing` and `hint` (what to do next);
// a file larger than `max_bytes` is refused before it is read, so a wrong path (a disk image, a
// device) cannot take all memory.
Result<std::string> read_file(const std::string& path, std::size_t max_bytes, ErrorCode missing,
                              std::string_view hint);

}  // namespace citywatch::core
