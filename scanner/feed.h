// scanner/feed.h: what every importer shares: the sink observations go to, progress reports,
// and the common clean-up of values taken from a feed (bounds, redaction).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/observation.h"

namespace citywatch::scanner {

using ObservationSink = std::function<void(core::Observation&&)>;

struct Progress {
  std::uint64_t records = 0;      // records read so far (good and bad)
  std::uint64_t bytes_done = 0;   // position in the file (compressed bytes for gzip)
  std::uint64_t bytes_total = 0;  // 0 when unknown (stdin, pipes)
};
using ProgressFn = std::function<void(const Progress&)>;

// Limits on what one record may contribute, so a hostile feed cannot make memory grow.
inline constexpr std::size_t kMaxFieldBytes = 1024;
inline constexpr std::size_t kMaxFields = 96;
inline constexpr std::size_t kMaxListItems = 32;

// Adds name=value to o.fields: empty values are skipped, secret names (password, community,
// ...) get "[redacted]", other values are redacted and cut to kMaxFieldBytes.
void add_field(core::Observation& o, std::string_view name, std::string_view value);

// The stored excerpt of raw data: secrets redacted, control bytes escaped, bounded.
std::string make_excerpt(std::string_view raw);

// A value cut to kMaxFieldBytes with control bytes escaped; for product, version and the like.
std::string clean_value(std::string_view value);

// "AS1136", "1136" -> 1136; 0 when not a valid 32-bit AS number.
std::uint32_t parse_asn(std::string_view text);

}  // namespace citywatch::scanner
