#include "scanner/tplink_smarthome.h"

#include "core/text.h"

namespace citywatch::scanner {
namespace {

// The string value of "key":"value" in flat JSON text, without a JSON library: the fields are
// simple strings in every firmware seen, and a miss only loses a detail.
std::string json_string(std::string_view json, std::string_view key) {
  std::string needle = "\"" + std::string(key) + "\"";
  std::size_t at = json.find(needle);
  if (at == std::string_view::npos) return {};
  std::size_t colon = json.find(':', at + needle.size());
  if (colon == std::string_view::npos) return {};
  std::size_t open = json.find('"', colon);
  if (open == std::string_view::npos || open > colon + 3) return {};
  std::size_t close = json.find('"', open + 1);
  if (close == std::string_view::npos) return {};
  return std::string(json.substr(open + 1, std::min<std::size_t>(close - open - 1, 128)));
}

}  // namespace

std::string tplink_decode(Bytes data) {
  std::string out;
  out.reserve(data.size());
  std::uint8_t key = 171;
  for (std::uint8_t c : data) {
    out += static_cast<char>(c ^ key);
    key = c;
  }
  return out;
}

ProtocolFacts parse_tplink_smarthome(Bytes payload, bool tcp) {
  ProtocolFacts f;
  if (tcp) {
    if (payload.size() < 5) return f;
    payload = payload.subspan(4);
  }
  std::string json = tplink_decode(payload);
  if (json.empty() || json[0] != '{' || json.find("\"system\"") == std::string::npos) return f;
  f.protocol = "tplink-smarthome";
  f.vendor = "TP-Link";
  f.model = json_string(json, "model");
  f.firmware = json_string(json, "sw_ver");
  f.add("tplink.hw_ver", json_string(json, "hw_ver"));
  f.add("tplink.dev_name", json_string(json, "dev_name"));
  std::string type = json_string(json, "type");
  if (type.empty()) type = json_string(json, "mic_type");
  f.add("tplink.type", type);
  if (type.find("SMARTPLUG") != std::string::npos) f.device_type = "smart plug";
  if (type.find("SMARTBULB") != std::string::npos) f.device_type = "smart bulb";
  f.add("tplink.message",
        json.find("\"get_sysinfo\":{}") != std::string::npos ? "get_sysinfo query" : "sysinfo");
  f.banner = core::printable_excerpt(json, 512);
  return f;
}

}  // namespace citywatch::scanner
