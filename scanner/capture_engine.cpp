#include "scanner/capture_engine.h"

#include <algorithm>
#include <cstring>

#include "core/redact.h"
#include "core/text.h"
#include "scanner/dhcp.h"
#include "scanner/ftp.h"
#include "scanner/http_parser.h"
#include "scanner/ics_presence.h"
#include "scanner/mdns.h"
#include "scanner/mqtt.h"
#include "scanner/snmp.h"
#include "scanner/ssh_banner.h"
#include "scanner/telnet.h"
#include "scanner/tls_certificate.h"
#include "scanner/tplink_smarthome.h"
#include "scanner/vnc.h"

namespace citywatch::scanner {
namespace {

constexpr std::size_t kGiveUpBytes = 2048;  // unrecognised after this much: stop buffering
constexpr core::UnixSeconds kRepeatWindow = 3600;

bool is_service_port(std::uint16_t port) {
  switch (port) {
    case 21:
    case 22:
    case 23:
    case 25:
    case 80:
    case 102:
    case 443:
    case 502:
    case 554:
    case 1883:
    case 2323:
    case 5000:
    case 7547:
    case 8000:
    case 8080:
    case 8081:
    case 8443:
    case 8554:
    case 8883:
    case 8888:
    case 9999:
    case 20000:
      return true;
    default:
      return false;
  }
}

int guess_server(const FlowKey& k) {
  bool a = is_service_port(k.port[0]), b = is_service_port(k.port[1]);
  if (a != b) return a ? 0 : 1;
  return k.port[0] <= k.port[1] ? 0 : 1;
}

Bytes bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

bool starts_with(Bytes b, std::string_view prefix) { return as_text(b).starts_with(prefix); }

bool is_broadcast(const DecodedPacket& p) {
  if (p.v4) return p.dst_v4 == 0xffffffff || (p.dst_v4 >> 28) == 0xe || (p.dst_v4 & 0xff) == 0xff;
  return p.dst.bytes()[0] == 0xff;
}

std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Eight bytes a step: datagram identity, not security.
std::uint64_t hash_bytes(Bytes b) {
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ b.size();
  std::size_t i = 0;
  for (; i + 8 <= b.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, b.data() + i, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, b.data() + i, b.size() - i);
  return mix64(h ^ tail);
}

AppProtocol detect(Flow& f, Bytes s, Bytes c) {
  std::uint16_t port = f.key.port[f.server];
  if (starts_with(s, "SSH-") || starts_with(c, "SSH-")) return AppProtocol::kSsh;
  if (looks_like_tls(s) || looks_like_tls(c)) return AppProtocol::kTls;
  if (starts_with(s, "RTSP/")) return AppProtocol::kRtsp;
  if (starts_with(s, "HTTP/")) return AppProtocol::kHttp;
  if (!c.empty() && c[0] == 0x10) {
    MqttConnect connect;
    if (parse_mqtt_connect(c, connect) != MqttParse::kNotMqtt) return AppProtocol::kMqtt;
  }
  if (auto head = parse_http_head(as_text(c)); head && head->request && !head->method.empty()) {
    return head->version.starts_with("RTSP") ? AppProtocol::kRtsp : AppProtocol::kHttp;
  }
  if (looks_like_ftp_greeting(s)) return AppProtocol::kFtp;
  if (starts_with(s, "RFB ") && !parse_rfb_greeting(s).empty()) return AppProtocol::kVnc;
  if ((!s.empty() && s[0] == 0xff) || (!c.empty() && c[0] == 0xff) || port == 23 || port == 2323) {
    return AppProtocol::kTelnet;
  }
  if (port == 502 && (!detect_modbus(c).empty() || !detect_modbus(s).empty())) {
    return AppProtocol::kModbus;
  }
  if (port == 102 && (!detect_s7(c).empty() || !detect_s7(s).empty())) return AppProtocol::kS7;
  if (port == 20000 && (!detect_dnp3(c).empty() || !detect_dnp3(s).empty())) {
    return AppProtocol::kDnp3;
  }
  if (port == 9999 &&
      (!parse_tplink_smarthome(s, true).empty() || !parse_tplink_smarthome(c, true).empty())) {
    return AppProtocol::kTplink;
  }
  if (s.size() + c.size() >= kGiveUpBytes) return AppProtocol::kUnrecognised;
  return AppProtocol::kUnknown;
}

// add_field (redacting) for values that could hold a secret. Every pattern redact_secrets
// knows needs a ':', '=', '@' or a space (a header, key=value, URL user-info, "PASS x"), so a
// value without any is stored as it is, bounded and escaped: most of ours are numbers,
// booleans and product tokens, and redaction is the costliest part of an observation.
void add_capture_field(core::Observation& o, std::string_view name, std::string_view value) {
  value = core::trim(value);
  if (value.find_first_of(":=@ \t") != std::string_view::npos || core::is_secret_field(name)) {
    add_field(o, name, value);
    return;
  }
  if (value.empty() || o.fields.size() >= kMaxFields) return;
  o.fields.emplace_back(std::string(name), core::printable_excerpt(value, kMaxFieldBytes));
}

std::string snmp_version(int v) { return v == 2 ? "2c" : std::to_string(v); }

}  // namespace

std::string_view to_string(PacketIssue issue) {
  switch (issue) {
    case PacketIssue::kUnknownLinkType:
      return "unknown link type";
    case PacketIssue::kTruncatedLinkHeader:
      return "truncated link header";
    case PacketIssue::kTruncatedIpHeader:
      return "truncated IP header";
    case PacketIssue::kBadIpHeader:
      return "bad IP header length";
    case PacketIssue::kTruncatedTransportHeader:
      return "truncated TCP/UDP header";
    case PacketIssue::kBadTransportHeader:
      return "bad TCP/UDP header length";
    case PacketIssue::kSnaplenCut:
      return "cut by snapshot length";
    case PacketIssue::kCount:
      break;
  }
  return "unknown";
}

CaptureEngine::CaptureEngine(CaptureOptions options, ObservationSink sink)
    : options_(options),
      sink_(std::move(sink)),
      flows_(options.max_flows),
      darknet_(options.max_scan_sources, options.darknet) {
  std::size_t slots = 1;
  while (slots < options_.dedup_slots || slots < 2) slots <<= 1;
  recent_.assign(slots, 0);
}

CaptureEngine::~CaptureEngine() = default;

void CaptureEngine::begin_source(std::string where, int link_type) {
  where_ = std::move(where);
  link_type_ = link_type;
}

void CaptureEngine::issue(PacketIssue kind, std::uint64_t number) {
  IssueCount& c = issues_[static_cast<std::size_t>(kind)];
  ++c.count;
  if (kind != PacketIssue::kSnaplenCut) ++counters_.bad_packets;
  if (c.first.size() < IssueCount::kKeep) {
    c.first.push_back(where_ + " packet " + std::to_string(number));
  }
}

void CaptureEngine::on_packet(const RawPacket& packet, std::uint64_t number) {
  ++counters_.packets;
  counters_.bytes += packet.wire_length;
  if (packet.data.size() < packet.wire_length) issue(PacketIssue::kSnaplenCut, number);
  DecodedPacket p;
  DecodeStatus status = decode_packet(link_type_, packet.data, packet.wire_length, p);
  switch (status) {
    case DecodeStatus::kOk:
      break;
    case DecodeStatus::kOtherProtocol:
      ++counters_.other_ip;
      return;
    case DecodeStatus::kFragment:
      ++counters_.fragments;
      return;
    case DecodeStatus::kNotIp:
      ++counters_.not_ip;
      return;
    case DecodeStatus::kUnknownLinkType:
      issue(PacketIssue::kUnknownLinkType, number);
      return;
    case DecodeStatus::kTruncatedLinkHeader:
      issue(PacketIssue::kTruncatedLinkHeader, number);
      return;
    case DecodeStatus::kTruncatedIpHeader:
      issue(PacketIssue::kTruncatedIpHeader, number);
      return;
    case DecodeStatus::kBadIpHeader:
      issue(PacketIssue::kBadIpHeader, number);
      return;
    case DecodeStatus::kTruncatedTransportHeader:
      issue(PacketIssue::kTruncatedTransportHeader, number);
      return;
    case DecodeStatus::kBadTransportHeader:
      issue(PacketIssue::kBadTransportHeader, number);
      return;
  }
  core::UnixSeconds now = packet.seconds;
  if (p.protocol == 6) {
    ++counters_.tcp;
    if ((p.tcp_flags & tcp_flag::kSyn) && !(p.tcp_flags & tcp_flag::kAck)) {
      darknet_.on_syn(p, now);
      if (p.payload.empty()) return;
    }
    handle_tcp(p, now);
  } else {
    ++counters_.udp;
    handle_udp(p, now);
  }
  if (now > last_expire_ + 10 || now < last_expire_) expire(now);
}

void CaptureEngine::append(HalfStream& side, const DecodedPacket& p) {
  if (side.closed || p.payload.empty()) return;
  std::uint32_t seq = p.seq + ((p.tcp_flags & tcp_flag::kSyn) ? 1u : 0u);
  if (!side.seq_known) {
    side.next_seq = seq;
    side.seq_known = true;
  }
  auto diff = static_cast<std::int32_t>(seq - side.next_seq);
  if (diff > 0) {  // a hole: the bytes after it cannot be placed
    side.closed = true;
    ++counters_.stream_gaps;
    return;
  }
  std::size_t skip = static_cast<std::size_t>(-static_cast<std::int64_t>(diff));
  if (skip >= p.payload.size()) return;  // a retransmission of what we have
  Bytes fresh = p.payload.subspan(skip);
  if (side.cap == 0) side.cap = options_.stream_bytes;
  std::size_t room = side.cap - std::min<std::size_t>(side.cap, side.data.size());
  std::size_t take = std::min(room, fresh.size());
  side.data.append(reinterpret_cast<const char*>(fresh.data()), take);
  buffered_ += take;
  side.next_seq += static_cast<std::uint32_t>(fresh.size());
  if (side.data.size() >= side.cap) side.closed = true;
}

void CaptureEngine::handle_tcp(const DecodedPacket& p, core::UnixSeconds now) {
  int sender = 0;
  FlowKey key = make_flow_key(p, sender);
  std::uint64_t hash = hash_flow_key(key);
  Flow* f = flows_.find(key, hash);
  bool synack = (p.tcp_flags & tcp_flag::kSyn) && (p.tcp_flags & tcp_flag::kAck);
  if (f == nullptr) {
    // Pure ACKs, FINs and RSTs of flows we do not follow create nothing: a telescope's
    // backscatter must not fill the table.
    if ((p.payload.empty() && !synack) || (p.tcp_flags & tcp_flag::kRst)) return;
    if (flows_.full()) {
      Flow* victim = flows_.oldest();
      ++counters_.flows_evicted;
      close(*victim, now);
    }
    f = &flows_.insert(key, hash, now);
    ++counters_.flows;
  }
  flows_.touch(*f);
  f->last_seen = std::max(f->last_seen, now);
  if (synack && !f->server_confirmed) {
    f->server = static_cast<std::int8_t>(sender);
    f->server_confirmed = true;
    f->side[sender].next_seq = p.seq + 1;
    f->side[sender].seq_known = true;
    f->side[1 - sender].next_seq = p.ack;
    f->side[1 - sender].seq_known = true;
  }
  if (f->server < 0) f->server = static_cast<std::int8_t>(guess_server(key));
  HalfStream& side = f->side[sender];
  if (!f->done) {
    append(side, p);
  }
  if (p.tcp_flags & tcp_flag::kFin) side.fin = side.closed = true;
  bool reset = (p.tcp_flags & tcp_flag::kRst) != 0;
  if (reset) f->side[0].closed = f->side[1].closed = true;
  bool ended = reset || (f->side[0].fin && f->side[1].fin);
  if (!f->done && !p.payload.empty()) analyze(*f, now, ended);
  if (ended) close(*f, now);
  while (buffered_ > options_.buffer_budget_bytes && flows_.size() > 0) {
    ++counters_.flows_evicted;
    close(*flows_.oldest(), now);
  }
}

void CaptureEngine::analyze(Flow& f, core::UnixSeconds now, bool final) {
  int s_idx = f.server, c_idx = 1 - f.server;
  HalfStream& srv = f.side[s_idx];
  HalfStream& cli = f.side[c_idx];
  Bytes s = bytes_of(srv.data), c = bytes_of(cli.data);
  if (f.app == AppProtocol::kUnknown) {
    // Picked up mid-stream with the roles guessed wrong: the answer tells who the server is.
    if (!f.server_confirmed && s.empty() &&
        (starts_with(c, "HTTP/") || starts_with(c, "RTSP/") || starts_with(c, "SSH-") ||
         looks_like_ftp_greeting(c))) {
      f.server = static_cast<std::int8_t>(c_idx);
      analyze(f, now, final);
      return;
    }
    f.app = detect(f, s, c);
    if (f.app == AppProtocol::kTls) srv.cap = std::max(srv.cap, options_.tls_stream_bytes);
  }
  bool no_more = final || (srv.closed && cli.closed);
  const core::IpAddress& server_ip = f.key.ip[s_idx];
  std::uint16_t server_port = f.key.port[s_idx];
  const core::IpAddress& client_ip = f.key.ip[c_idx];
  std::uint16_t client_port = f.key.port[c_idx];
  ProtocolFacts facts;
  ProtocolFacts client_facts;
  bool complete = false;
  switch (f.app) {
    case AppProtocol::kUnknown:
      if (!no_more) return;
      complete = true;
      break;
    case AppProtocol::kUnrecognised:
      complete = true;
      break;
    case AppProtocol::kHttp:
    case AppProtocol::kRtsp: {
      ParseOutcome response = parse_http_response(s);
      ParseOutcome request = parse_http_request(c);
      complete = response.complete || no_more || srv.closed;
      if (!complete) return;
      facts = std::move(response.facts);
      if (facts.protocol.empty()) facts.protocol = request.facts.protocol;
      if (request.facts.credential) {
        facts.credential = std::move(request.facts.credential);
        if (const std::string* status = facts.field(facts.protocol + ".status")) {
          auto code = core::parse_int(*status, 100, 999).value_or(0);
          if (code == 401 || code == 403) facts.login_accepted = false;
          if (code >= 200 && code < 400) facts.login_accepted = true;
        }
      }
      if (const std::string* ua = request.facts.field(request.facts.protocol + ".user_agent")) {
        client_facts.protocol = request.facts.protocol;
        client_facts.add(request.facts.protocol + ".user_agent", *ua);
      }
      if (const std::string* host = request.facts.field("http.host")) {
        auto colon = host->rfind(':');
        std::string name = host->substr(0, colon == std::string::npos ? host->size() : colon);
        if (!name.empty() && !core::IpAddress::parse(name) && name.front() != '[') {
          facts.hostnames.push_back(name);
        }
      }
      break;
    }
    case AppProtocol::kSsh: {
      ParseOutcome server = parse_ssh_banner(s);
      ParseOutcome client = parse_ssh_banner(c);
      complete = server.complete || no_more || srv.closed;
      if (!complete) return;
      facts = std::move(server.facts);
      if (client.complete) {
        client_facts.protocol = "ssh";
        if (const std::string* b = client.facts.field("ssh.banner")) {
          client_facts.add("ssh.client", *b);
        }
      }
      break;
    }
    case AppProtocol::kTelnet: {
      // A login needs two typed lines (or the session's end) before there is anything to
      // judge; counting line ends is much cheaper than parsing on every keystroke.
      if (!no_more && !srv.closed &&
          std::count_if(cli.data.begin(), cli.data.end(),
                        [](char ch) { return ch == '\r' || ch == '\n'; }) < 2 &&
          s.size() < 2048) {
        return;
      }
      ParseOutcome out = parse_telnet(s, c, no_more || srv.closed);
      if (!out.complete) return;
      complete = true;
      facts = std::move(out.facts);
      break;
    }
    case AppProtocol::kFtp: {
      ParseOutcome out = parse_ftp(s, c, no_more || srv.closed);
      if (!out.complete) return;
      complete = true;
      facts = std::move(out.facts);
      break;
    }
    case AppProtocol::kMqtt: {
      ParseOutcome out = parse_mqtt(c, s, no_more || srv.closed);
      if (!out.complete) return;
      complete = true;
      facts = std::move(out.facts);
      break;
    }
    case AppProtocol::kTls: {
      ParseOutcome out = parse_tls_server(s, now, no_more || srv.closed, &certificates_);
      if (!out.complete) return;
      complete = true;
      facts = std::move(out.facts);
      std::string sni = parse_tls_sni(c);
      if (!sni.empty()) {
        facts.add("ssl.sni", sni);
        facts.hostnames.push_back(sni);
      }
      break;
    }
    case AppProtocol::kModbus:
      facts = detect_modbus(c);
      if (facts.empty()) facts = detect_modbus(s);
      complete = true;
      break;
    case AppProtocol::kS7:
      facts = detect_s7(c);
      if (facts.empty()) facts = detect_s7(s);
      complete = true;
      break;
    case AppProtocol::kDnp3:
      facts = detect_dnp3(c);
      if (facts.empty()) facts = detect_dnp3(s);
      complete = true;
      break;
    case AppProtocol::kVnc:
      facts = parse_rfb_greeting(s);
      complete = true;
      break;
    case AppProtocol::kTplink:
      facts = parse_tplink_smarthome(s, true);
      if (facts.empty()) facts = parse_tplink_smarthome(c, true);
      complete = true;
      break;
  }
  if (!complete) return;
  f.done = true;
  buffered_ -= std::min(buffered_, srv.data.size() + cli.data.size());
  srv.release();
  cli.release();
  srv.closed = cli.closed = true;
  if (!facts.empty()) {
    emit(std::move(facts), server_ip, server_port, core::Transport::kTcp,
         core::ObservationKind::kService, std::nullopt, now);
  }
  if (!client_facts.empty() && options_.client_fingerprints) {
    emit(std::move(client_facts), client_ip, client_port, core::Transport::kTcp,
         core::ObservationKind::kEvent, client_port, now);
  }
}

void CaptureEngine::close(Flow& f, core::UnixSeconds now) {
  if (!f.done && (!f.side[0].data.empty() || !f.side[1].data.empty())) {
    if (f.server < 0) f.server = static_cast<std::int8_t>(guess_server(f.key));
    analyze(f, now, true);
  }
  buffered_ -= std::min(buffered_, f.side[0].data.size() + f.side[1].data.size());
  flows_.erase(f);
}

void CaptureEngine::expire(core::UnixSeconds now) {
  last_expire_ = now;
  while (Flow* oldest = flows_.oldest()) {
    if (oldest->last_seen + options_.flow_idle_seconds > now) break;
    close(*oldest, now);
  }
}

void CaptureEngine::handle_udp(const DecodedPacket& p, core::UnixSeconds now) {
  std::uint16_t sp = p.src_port, dp = p.dst_port;
  Bytes data = p.payload;
  if (data.empty()) return;
  auto either = [&](std::uint16_t port) { return sp == port || dp == port; };
  bool ours = either(1900) || either(161) || either(162) || either(5353) || either(47808) ||
              either(9999) || ((sp == 67 || sp == 68) && (dp == 67 || dp == 68));
  if (!ours) return;
  // The same datagram again (periodic NOTIFYs, polls) costs one hash, not a parse.
  std::uint64_t h = mix64(core::IpAddressHash{}(p.src) ^ (std::uint64_t{sp} << 32 | dp));
  h = mix64(h ^ hash_bytes(data.first(std::min<std::size_t>(data.size(), 512))));
  if (seen_recently(h ^ 0x5bd1e995, now)) {
    ++counters_.repeats_suppressed;
    return;
  }
  if (either(1900)) {
    ProtocolFacts f = parse_ssdp(data);
    if (!f.empty())
      emit(std::move(f), p.src, 1900, core::Transport::kUdp, core::ObservationKind::kService, sp,
           now);
    return;
  }
  if (either(161) || either(162)) {
    auto m = parse_snmp(data);
    if (!m) return;
    // The agent answers from 161 or sends traps to 162; a request only says what a manager
    // tried, not what the agent accepts.
    bool answer = sp == 161 && (m->pdu_type == 2 || m->pdu_type == 8);
    bool trap = dp == 162 && (m->pdu_type == 4 || m->pdu_type == 7 || m->pdu_type == 6);
    if (!answer && !trap) return;
    ProtocolFacts f;
    f.protocol = "snmp";
    f.add("snmp.version", snmp_version(m->version));
    f.add("snmp.user", m->v3_user);
    f.add("snmp.pdu", answer ? "response" : "trap");
    for (const auto& [oid, value] : m->varbinds) {
      if (oid == "1.3.6.1.2.1.1.1.0") {
        f.add("snmp.description", value);
        f.banner = value;
      } else if (oid == "1.3.6.1.2.1.1.5.0") {
        f.add("snmp.name", value);
      } else if (oid == "1.3.6.1.2.1.1.2.0") {
        f.add("snmp.objectid", value);
      } else if (oid == "1.3.6.1.2.1.1.4.0") {
        f.add("snmp.contact", value);
      } else if (oid == "1.3.6.1.2.1.1.6.0") {
        f.add("snmp.location", value);
      }
    }
    if (m->version < 3 && !m->community.empty() && (trap || m->error_status == 0)) {
      bool well_known =
          core::iequals(m->community, "public") || core::iequals(m->community, "private");
      f.add("default_snmp_access", well_known ? "true" : "false");
      f.credential = Credential{{}, m->community, true};
      f.login_accepted = true;
    }
    emit(std::move(f), p.src, 161, core::Transport::kUdp, core::ObservationKind::kService, sp, now);
    return;
  }
  if ((sp == 67 || sp == 68) && (dp == 67 || dp == 68)) {
    auto m = parse_dhcp(data);
    if (!m || !m->from_client) return;
    std::uint32_t address = m->client_address != 0      ? m->client_address
                            : m->requested_address != 0 ? m->requested_address
                            : p.v4                      ? p.src_v4
                                                        : 0;
    if (address == 0) return;  // nothing to tie the fingerprint to yet
    ProtocolFacts f;
    f.protocol = "dhcp";
    f.add("dhcp.message_type", std::to_string(m->message_type));
    f.add("dhcp.hostname", m->hostname);
    f.add("dhcp.vendor_class", m->vendor_class);
    f.add("dhcp.fingerprint", m->parameter_list);
    f.add("dhcp.user_class", m->user_class);
    if (!m->hostname.empty()) f.hostnames.push_back(m->hostname);
    emit(std::move(f), core::IpAddress::v4(address), 68, core::Transport::kUdp,
         core::ObservationKind::kEvent, sp, now);
    return;
  }
  if (either(5353)) {
    auto m = parse_mdns(data);
    if (!m || !m->response || (m->services.empty() && m->hostnames.empty())) return;
    ProtocolFacts f;
    f.protocol = "mdns";
    auto join = [](const std::vector<std::string>& items) {
      std::string out;
      for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
      return out;
    };
    f.add("mdns.services", join(m->services));
    f.add("mdns.instances", join(m->instances));
    f.add("mdns.hostnames", join(m->hostnames));
    for (const auto& host : m->hostnames) {
      if (f.hostnames.size() < kMaxListItems) f.hostnames.push_back(host);
    }
    emit(std::move(f), p.src, 5353, core::Transport::kUdp, core::ObservationKind::kService, sp,
         now);
    return;
  }
  if (either(47808)) {
    BacnetRole role = BacnetRole::kNone;
    ProtocolFacts f = detect_bacnet(data, role);
    if (f.empty()) return;
    if (role == BacnetRole::kAnswer) {
      emit(std::move(f), p.src, sp, core::Transport::kUdp, core::ObservationKind::kService, sp,
           now);
    } else if (!is_broadcast(p)) {
      emit(std::move(f), p.dst, dp, core::Transport::kUdp, core::ObservationKind::kService,
           std::nullopt, now);
    }
    return;
  }
  if (either(9999)) {
    ProtocolFacts f = parse_tplink_smarthome(data, false);
    if (f.empty()) return;
    if (sp == 9999) {
      emit(std::move(f), p.src, 9999, core::Transport::kUdp, core::ObservationKind::kService, sp,
           now);
    } else if (!is_broadcast(p)) {
      emit(std::move(f), p.dst, 9999, core::Transport::kUdp, core::ObservationKind::kService,
           std::nullopt, now);
    }
  }
}

bool CaptureEngine::seen_recently(std::uint64_t hash, core::UnixSeconds now) {
  std::uint64_t keyed = mix64(hash ^ static_cast<std::uint64_t>(now / kRepeatWindow));
  if (keyed == 0) keyed = 1;
  // Two-way: a new entry replaces the older of the pair, so a burst of one-off facts does not
  // push out a steady device.
  std::size_t i = keyed & (recent_.size() - 2);
  if (recent_[i] == keyed || recent_[i + 1] == keyed) return true;
  recent_[i + 1] = recent_[i];
  recent_[i] = keyed;
  return false;
}

void CaptureEngine::emit(ProtocolFacts&& facts, const core::IpAddress& ip, std::uint16_t port,
                         core::Transport transport, core::ObservationKind kind,
                         std::optional<std::uint16_t> src_port, core::UnixSeconds now) {
  // The credential is judged here and goes no further: only the matched entry's name is kept.
  if (facts.credential) {
    ++counters_.credentials_seen;
    const Credential& c = *facts.credential;
    std::optional<CredentialMatch> match;
    if (options_.credentials != nullptr) {
      match = facts.protocol == "snmp" ? options_.credentials->match_secret(c.password)
                                       : options_.credentials->match(c.username, c.password);
    }
    facts.add("cleartext_credentials", "true");
    if (match) {
      ++counters_.credentials_matched;
      facts.add("default_credential", match->identity());
      facts.add("default_credential.line", std::to_string(match->line));
      facts.add("default_credential.entries", std::to_string(match->entries));
      facts.add("default_credential.protocol", facts.protocol);
    } else if (options_.credentials == nullptr) {
      facts.add("default_credential", "unchecked");
    }
    facts.add("login", !facts.login_accepted   ? "unknown"
                       : *facts.login_accepted ? "accepted"
                                               : "rejected");
    facts.credential.reset();
  }
  // One observation per distinct set of facts about a service per hour.
  std::uint64_t h = mix64(core::IpAddressHash{}(ip) ^
                          (kind == core::ObservationKind::kService ? port : 0x10000u));
  auto fold = [&h](std::string_view text) { h = mix64(h ^ core::fnv1a64(text)); };
  fold(facts.protocol);
  fold(facts.product);
  fold(facts.version);
  fold(facts.model);
  for (const auto& [k, v] : facts.fields) {
    if (k == "http.status" && facts.fields.size() > 1) continue;
    fold(k);
    fold(v);
  }
  if (seen_recently(h, now)) {
    ++counters_.repeats_suppressed;
    return;
  }
  core::Observation o;
  o.source = core::Source::kCapture;
  o.kind = kind;
  o.ip = ip;
  o.port = port;
  o.transport = transport;
  o.observed_at = now;
  o.src_port = src_port;
  o.protocol = facts.protocol;
  o.report_type = kind == core::ObservationKind::kService ? "capture" : "capture_client";
  o.product = clean_value(facts.product);
  o.version = clean_value(facts.version);
  o.vendor = clean_value(facts.vendor);
  o.model = clean_value(facts.model);
  o.device_type = clean_value(facts.device_type);
  o.firmware = clean_value(facts.firmware);
  for (const auto& host : facts.hostnames) {
    if (o.hostnames.size() < kMaxListItems) o.hostnames.push_back(clean_value(host));
  }
  o.excerpt = make_excerpt(facts.banner);
  for (const auto& [k, v] : facts.fields) add_capture_field(o, k, v);
  ++counters_.observations;
  sink_(std::move(o));
}

void CaptureEngine::report_infections() {
  darknet_.take_changed([&](const ScanSource& s) {
    core::Observation o;
    o.source = core::Source::kCapture;
    o.kind = core::ObservationKind::kEvent;
    o.ip = s.ip;
    o.port = s.last_src_port;
    o.src_port = s.last_src_port;
    o.transport = core::Transport::kTcp;
    o.observed_at = s.last_seen;
    o.report_type = options_.darknet ? "darknet" : "capture";
    o.tags = {"mirai", "scanner"};
    std::string ports;
    for (std::size_t i = 0; i < s.port_count; ++i) {
      ports += (ports.empty() ? "" : ",") + std::to_string(s.ports[i]);
    }
    if (s.more_ports) ports += ",...";
    add_field(o, "infection", "mirai");
    add_field(o, "detection", "TCP SYN sequence number equals the destination IPv4 address");
    add_field(o, "scan.syns", std::to_string(s.syns));
    add_field(o, "scan.ports", ports);
    add_field(o, "scan.first_seen", core::format_utc(s.first_seen));
    add_field(o, "scan.last_seen", core::format_utc(s.last_seen));
    ++counters_.observations;
    sink_(std::move(o));
  });
}

void CaptureEngine::flush() {
  while (Flow* oldest = flows_.oldest()) close(*oldest, oldest->last_seen);
  report_infections();
}

}  // namespace citywatch::scanner
