// scanner/mqtt.h: the start of an MQTT 3.1, 3.1.1 or 5 connection: the client's CONNECT
// (protocol level, client id, whether it sent a user name and password) and the broker's
// CONNACK (accepted or not). A broker that accepts a CONNECT without credentials lets anyone
// read and publish. Stateless.
#pragma once

#include <optional>
#include <string>

#include "scanner/byte_reader.h"
#include "scanner/protocol_facts.h"

namespace citywatch::scanner {

struct MqttConnect {
  std::string protocol_name;  // "MQTT" or "MQIsdp"
  int level = 0;              // 3 (3.1), 4 (3.1.1), 5
  std::string client_id;
  std::optional<std::string> username;
  std::optional<std::string> password;
};

enum class MqttParse { kOk, kNeedMore, kNotMqtt };

// One CONNECT packet at the start of `data`.
MqttParse parse_mqtt_connect(Bytes data, MqttConnect& out);
// One CONNACK at the start of `data`: the return code (3.1.1) or reason code (5).
MqttParse parse_mqtt_connack(Bytes data, int level, int& code);

// Both directions of a flow; facts about the broker.
ParseOutcome parse_mqtt(Bytes client, Bytes server, bool final);

}  // namespace citywatch::scanner
