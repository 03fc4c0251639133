#include "scanner/snmp.h"

#include "core/text.h"

namespace citywatch::scanner {
namespace {

struct Tlv {
  std::uint8_t tag = 0;
  Bytes value;
};

// One BER TLV from r. Definite lengths only (SNMP never uses the indefinite form), at most 4
// length bytes, never past the end.
std::optional<Tlv> read_tlv(ByteReader& r) {
  Tlv t;
  t.tag = r.u8();
  if ((t.tag & 0x1f) == 0x1f) return std::nullopt;  // high tag numbers: not SNMP
  std::uint8_t first = r.u8();
  std::size_t length = first;
  if (first & 0x80) {
    std::size_t n = first & 0x7f;
    if (n == 0 || n > 4) return std::nullopt;
    length = 0;
    for (std::size_t i = 0; i < n; ++i) length = (length << 8) | r.u8();
  }
  if (!r.ok() || length > r.remaining()) return std::nullopt;
  t.value = r.bytes(length);
  return t;
}

std::optional<long long> integer(Bytes v) {
  if (v.empty() || v.size() > 8) return std::nullopt;
  long long x = (v[0] & 0x80) ? -1 : 0;
  for (std::uint8_t b : v)
    x = static_cast<long long>((static_cast<unsigned long long>(x) << 8) | b);
  return x;
}

std::string oid_text(Bytes v) {
  std::string out;
  unsigned long long sub = 0;
  bool first = true;
  for (std::size_t i = 0; i < v.size() && out.size() < 256; ++i) {
    if (sub > (1ULL << 56)) return out + ".?";
    sub = (sub << 7) | (v[i] & 0x7f);
    if (v[i] & 0x80) continue;
    if (first) {
      unsigned long long a = sub < 40 ? 0 : sub < 80 ? 1 : 2;
      out = std::to_string(a) + "." + std::to_string(sub - a * 40);
      first = false;
    } else {
      out += "." + std::to_string(sub);
    }
    sub = 0;
  }
  return out;
}

std::string value_text(const Tlv& t) {
  switch (t.tag) {
    case 0x04:  // OCTET STRING
      return core::printable_excerpt(as_text(t.value), 512);
    case 0x06:
      return oid_text(t.value);
    case 0x02:
    case 0x41:  // Counter32
    case 0x42:  // Gauge32
    case 0x43:  // TimeTicks
    case 0x46: {
      auto n = integer(t.value);
      return n ? std::to_string(*n) : std::string();
    }
    case 0x40:  // IpAddress
      if (t.value.size() == 4) {
        return std::to_string(t.value[0]) + "." + std::to_string(t.value[1]) + "." +
               std::to_string(t.value[2]) + "." + std::to_string(t.value[3]);
      }
      return {};
    default:
      return {};  // NULL, noSuchObject, ...: no value to keep
  }
}

bool parse_pdu(const Tlv& pdu, SnmpMessage& m) {
  if ((pdu.tag & 0xe0) != 0xa0) return false;
  m.pdu_type = pdu.tag & 0x1f;
  ByteReader r(pdu.value);
  if (m.pdu_type == 4) {  // v1 trap: enterprise, agent-addr, generic, specific, time, varbinds
    for (int i = 0; i < 5; ++i) {
      if (!read_tlv(r)) return false;
    }
  } else {
    auto id = read_tlv(r);
    auto status = read_tlv(r);
    auto index = read_tlv(r);
    if (!id || !status || !index) return false;
    m.error_status = static_cast<int>(integer(status->value).value_or(0));
  }
  auto list = read_tlv(r);
  if (!list || list->tag != 0x30) return false;
  ByteReader items(list->value);
  while (items.remaining() > 0 && m.varbinds.size() < kMaxSnmpVarbinds) {
    auto vb = read_tlv(items);
    if (!vb || vb->tag != 0x30) return false;
    ByteReader pair(vb->value);
    auto oid = read_tlv(pair);
    auto value = read_tlv(pair);
    if (!oid || oid->tag != 0x06 || !value) return false;
    m.varbinds.emplace_back(oid_text(oid->value), value_text(*value));
  }
  return true;
}

}  // namespace

std::optional<SnmpMessage> parse_snmp(Bytes datagram) {
  ByteReader top(datagram);
  auto message = read_tlv(top);
  if (!message || message->tag != 0x30) return std::nullopt;
  ByteReader r(message->value);
  auto version = read_tlv(r);
  if (!version || version->tag != 0x02) return std::nullopt;
  auto v = integer(version->value);
  if (!v || *v < 0 || *v > 3 || *v == 2) return std::nullopt;
  SnmpMessage m;
  m.version = *v == 0 ? 1 : *v == 1 ? 2 : 3;
  if (m.version < 3) {
    auto community = read_tlv(r);
    if (!community || community->tag != 0x04) return std::nullopt;
    m.community = std::string(as_text(community->value));
    auto pdu = read_tlv(r);
    if (!pdu || !parse_pdu(*pdu, m)) return std::nullopt;
    return m;
  }
  // v3: header data, security parameters (USM: engine id, boots, time, user name, ...), data.
  auto header = read_tlv(r);
  auto security = read_tlv(r);
  if (!header || header->tag != 0x30 || !security || security->tag != 0x04) return std::nullopt;
  ByteReader sr(security->value);
  if (auto usm = read_tlv(sr); usm && usm->tag == 0x30) {
    ByteReader u(usm->value);
    auto engine = read_tlv(u);
    auto boots = read_tlv(u);
    auto time = read_tlv(u);
    auto user = read_tlv(u);
    if (engine && boots && time && user && user->tag == 0x04) {
      m.v3_user = core::printable_excerpt(as_text(user->value), 64);
    }
  }
  auto data = read_tlv(r);
  if (data && data->tag == 0x30) {  // plaintext scoped PDU: context engine id, name, PDU
    ByteReader d(data->value);
    auto ctx_engine = read_tlv(d);
    auto ctx_name = read_tlv(d);
    auto pdu = read_tlv(d);
    if (ctx_engine && ctx_name && pdu) (void)parse_pdu(*pdu, m);
  }
  return m;
}

}  // namespace citywatch::scanner
