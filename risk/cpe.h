// risk/cpe.h: reading CPE names: the 2.3 formatted string ("cpe:2.3:o:mikrotik:routeros:6.42:
// *:...") and the older 2.2 URI Shodan still gives ("cpe:/o:mikrotik:routeros:6.42"). Pure.
#pragma once

#include <optional>
#include <string_view>

#include "core/vuln.h"

namespace citywatch::risk {

// nullopt for anything that is not a CPE with at least part, vendor and product. Escapes
// ("\/", "\(") are removed so names compare as NVD means them.
std::optional<core::Cpe> parse_cpe(std::string_view text);

}  // namespace citywatch::risk
