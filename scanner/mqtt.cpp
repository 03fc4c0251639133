#include "scanner/mqtt.h"

namespace citywatch::scanner {
namespace {

constexpr std::size_t kMaxConnectBytes = 64 * 1024;

// MQTT's variable-length "remaining length": 1-4 bytes, 7 bits each.
MqttParse remaining_length(Bytes data, std::size_t& header, std::size_t& length) {
  length = 0;
  for (std::size_t i = 1; i <= 4; ++i) {
    if (i >= data.size()) return MqttParse::kNeedMore;
    length |= static_cast<std::size_t>(data[i] & 0x7f) << (7 * (i - 1));
    if ((data[i] & 0x80) == 0) {
      header = i + 1;
      return MqttParse::kOk;
    }
  }
  return MqttParse::kNotMqtt;
}

std::optional<std::string> read_string(ByteReader& r) {
  std::uint16_t n = r.u16();
  Bytes b = r.bytes(n);
  if (!r.ok()) return std::nullopt;
  return std::string(as_text(b));
}

// MQTT 5 properties: a variable-length byte count, then the properties, skipped whole.
bool skip_properties(ByteReader& r) {
  std::size_t length = 0;
  for (int i = 0; i < 4; ++i) {
    std::uint8_t b = r.u8();
    if (!r.ok()) return false;
    length |= static_cast<std::size_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      r.skip(length);
      return r.ok();
    }
  }
  return false;
}

}  // namespace

MqttParse parse_mqtt_connect(Bytes data, MqttConnect& out) {
  if (data.empty()) return MqttParse::kNeedMore;
  if (data[0] != 0x10) return MqttParse::kNotMqtt;
  std::size_t header = 0, length = 0;
  MqttParse rl = remaining_length(data, header, length);
  if (rl != MqttParse::kOk) return rl;
  if (length > kMaxConnectBytes || length < 10) return MqttParse::kNotMqtt;
  if (data.size() < header + length) return MqttParse::kNeedMore;
  ByteReader r(data.subspan(header, length));
  auto name = read_string(r);
  if (!name || (*name != "MQTT" && *name != "MQIsdp")) return MqttParse::kNotMqtt;
  out.protocol_name = *name;
  out.level = r.u8();
  std::uint8_t flags = r.u8();
  r.skip(2);                                                       // keep-alive
  if (!r.ok() || (flags & 0x01) != 0) return MqttParse::kNotMqtt;  // reserved bit must be 0
  if (out.level >= 5 && !skip_properties(r)) return MqttParse::kNotMqtt;
  auto client = read_string(r);
  if (!client) return MqttParse::kNotMqtt;
  out.client_id = *client;
  if ((flags & 0x04) != 0) {  // will: (properties,) topic, message
    if (out.level >= 5 && !skip_properties(r)) return MqttParse::kNotMqtt;
    if (!read_string(r) || !read_string(r)) return MqttParse::kNotMqtt;
  }
  if ((flags & 0x80) != 0) {
    out.username = read_string(r);
    if (!out.username) return MqttParse::kNotMqtt;
  }
  if ((flags & 0x40) != 0) {
    out.password = read_string(r);
    if (!out.password) return MqttParse::kNotMqtt;
  }
  return MqttParse::kOk;
}

MqttParse parse_mqtt_connack(Bytes data, int level, int& code) {
  if (data.empty()) return MqttParse::kNeedMore;
  if (data[0] != 0x20) return MqttParse::kNotMqtt;
  std::size_t header = 0, length = 0;
  MqttParse rl = remaining_length(data, header, length);
  if (rl != MqttParse::kOk) return rl;
  if (length < 2) return MqttParse::kNotMqtt;
  if (data.size() < header + 2) return MqttParse::kNeedMore;
  (void)level;  // 3.1.1 return code and 5 reason code sit in the same byte
  code = data[header + 1];
  return MqttParse::kOk;
}

ParseOutcome parse_mqtt(Bytes client, Bytes server, bool final) {
  ParseOutcome out;
  MqttConnect connect;
  MqttParse c = parse_mqtt_connect(client, connect);
  if (c == MqttParse::kNotMqtt) return out;
  out.facts.protocol = "mqtt";
  if (c == MqttParse::kNeedMore) {
    out.complete = final;
    return out;
  }
  ProtocolFacts& f = out.facts;
  f.add("mqtt.protocol_level", std::to_string(connect.level));
  if (connect.username) {
    f.credential =
        Credential{*connect.username, connect.password.value_or(""), connect.password.has_value()};
  }
  int code = -1;
  MqttParse a = parse_mqtt_connack(server, connect.level, code);
  if (a != MqttParse::kOk) {
    out.complete = final || a == MqttParse::kNotMqtt;
    return out;
  }
  f.add("mqtt.code", std::to_string(code));
  f.login_accepted = code == 0;
  f.add("mqtt.anonymous", code == 0 && !connect.username ? "true" : "false");
  out.complete = true;
  return out;
}

}  // namespace citywatch::scanner
