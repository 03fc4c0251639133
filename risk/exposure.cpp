#include "risk/exposure.h"

#include <array>

#include "core/text.h"

namespace citywatch::risk {
namespace {

using core::Severity;
using core::Transport;

struct Entry {
  ExposureClass cls;
  std::array<std::string_view, 6> names;  // protocol names that mean it (lower case)
  std::array<std::uint16_t, 3> ports;     // default ports, for services without a name
  Transport transport;
};

// Severity per class (docs/risk.md): a remote shell or an industrial protocol gives an attacker
// control with one connection -> high; management and discovery protocols that are routinely
// abused (TR-069, UPnP, RDP, VNC, open databases) -> medium; services that are mostly a problem
// when badly configured -> low.
constexpr Entry kTable[] = {
    {{"telnet", "remote shell", "Telnet", Severity::kHigh},
     {"telnet", "telnet-alt", "telnets"},
     {23, 2323},
     Transport::kTcp},
    {{"modbus", "industrial control", "Modbus/TCP", Severity::kHigh},
     {"modbus", "mbap", "modbus-tcp"},
     {502},
     Transport::kTcp},
    {{"s7", "industrial control", "Siemens S7", Severity::kHigh},
     {"s7", "s7comm", "iso-tsap", "s7-1200"},
     {102},
     Transport::kTcp},
    {{"bacnet", "industrial control", "BACnet/IP", Severity::kHigh},
     {"bacnet"},
     {47808},
     Transport::kUdp},
    {{"dnp3", "industrial control", "DNP3", Severity::kHigh},
     {"dnp3", "dnp"},
     {20000},
     Transport::kTcp},
    {{"iec-104", "industrial control", "IEC 60870-5-104", Severity::kHigh},
     {"iec-104", "iec104", "iec-60870-5-104"},
     {2404},
     Transport::kTcp},
    {{"fox", "industrial control", "Niagara Fox", Severity::kHigh},
     {"fox", "niagara-fox"},
     {1911, 4911},
     Transport::kTcp},
    {{"ethernetip", "industrial control", "EtherNet/IP", Severity::kHigh},
     {"ethernetip", "ethernet-ip", "enip"},
     {44818},
     Transport::kTcp},
    {{"codesys", "industrial control", "CODESYS", Severity::kHigh},
     {"codesys"},
     {2455},
     Transport::kTcp},
    {{"fins", "industrial control", "Omron FINS", Severity::kHigh},
     {"fins", "omron"},
     {9600},
     Transport::kUdp},
    {{"adb", "remote shell", "Android Debug Bridge", Severity::kHigh},
     {"adb", "android-debug-bridge"},
     {5555},
     Transport::kTcp},
    {{"docker", "remote shell", "Docker API", Severity::kHigh},
     {"docker"},
     {2375},
     Transport::kTcp},
    {{"tr-069", "device management", "TR-069 (CWMP)", Severity::kMedium},
     {"cwmp", "tr-069", "tr069"},
     {7547, 30005},
     Transport::kTcp},
    {{"ssdp", "discovery", "UPnP/SSDP", Severity::kMedium},
     {"ssdp", "upnp"},
     {1900},
     Transport::kUdp},
    {{"rdp", "remote desktop", "RDP", Severity::kMedium},
     {"rdp", "ms-wbt-server"},
     {3389},
     Transport::kTcp},
    {{"vnc", "remote desktop", "VNC", Severity::kMedium},
     {"vnc", "rfb"},
     {5900, 5901},
     Transport::kTcp},
    {{"smb", "file sharing", "SMB", Severity::kMedium},
     {"smb", "microsoft-ds", "netbios-ssn"},
     {445},
     Transport::kTcp},
    {{"redis", "database", "Redis", Severity::kMedium}, {"redis"}, {6379}, Transport::kTcp},
    {{"mongodb", "database", "MongoDB", Severity::kMedium},
     {"mongodb", "mongod"},
     {27017},
     Transport::kTcp},
    {{"elasticsearch", "database", "Elasticsearch", Severity::kMedium},
     {"elastic", "elasticsearch"},
     {9200},
     Transport::kTcp},
    {{"memcached", "database", "Memcached", Severity::kMedium},
     {"memcache", "memcached"},
     {11211},
     Transport::kTcp},
    {{"mysql", "database", "MySQL", Severity::kMedium}, {"mysql"}, {3306}, Transport::kTcp},
    {{"postgresql", "database", "PostgreSQL", Severity::kMedium},
     {"postgresql", "postgres"},
     {5432},
     Transport::kTcp},
    {{"mssql", "database", "Microsoft SQL Server", Severity::kMedium},
     {"ms-sql", "mssql", "ms-sql-s"},
     {1433},
     Transport::kTcp},
    {{"couchdb", "database", "CouchDB", Severity::kMedium}, {"couchdb"}, {5984}, Transport::kTcp},
    {{"ipmi", "device management", "IPMI", Severity::kMedium},
     {"ipmi", "asf-rmcp"},
     {623},
     Transport::kUdp},
    {{"snmp", "device management", "SNMP", Severity::kLow}, {"snmp"}, {161}, Transport::kUdp},
    {{"ftp", "file transfer", "FTP", Severity::kLow}, {"ftp"}, {21}, Transport::kTcp},
    {{"tftp", "file transfer", "TFTP", Severity::kLow}, {"tftp"}, {69}, Transport::kUdp},
    {{"mqtt", "messaging", "MQTT", Severity::kLow}, {"mqtt"}, {1883}, Transport::kTcp},
    {{"rtsp", "video stream", "RTSP", Severity::kLow}, {"rtsp"}, {554}, Transport::kTcp},
    {{"coap", "messaging", "CoAP", Severity::kLow}, {"coap"}, {5683}, Transport::kUdp},
    {{"nat-pmp", "discovery", "NAT-PMP", Severity::kLow},
     {"nat-pmp", "natpmp"},
     {5351},
     Transport::kUdp},
    {{"ubiquiti-discovery", "discovery", "Ubiquiti discovery", Severity::kLow},
     {"ubiquiti", "ubnt-discovery"},
     {10001},
     Transport::kUdp},
    {{"dvr-dhcpdiscover", "discovery", "DVR DHCPDiscover", Severity::kLow},
     {"dvrdhcpdiscover", "dvr-dhcpdiscover"},
     {37810},
     Transport::kUdp},
};

// Names that say nothing about the service; the port decides then.
bool generic(std::string_view p) {
  return p.empty() || p == "unknown" || p == "tcpwrapped" || p == "http" || p == "https" ||
         p == "ssl" || p == "tls";
}

}  // namespace

std::optional<ExposureClass> classify_exposure(std::string_view protocol, std::uint16_t port,
                                               core::Transport transport) {
  std::string p = core::to_lower(protocol);
  if (!generic(p)) {
    for (const auto& e : kTable) {
      for (auto name : e.names) {
        if (!name.empty() && name == p) return e.cls;
      }
    }
    return std::nullopt;
  }
  if (p == "http" || p == "https") return std::nullopt;  // web servers are judged by content
  for (const auto& e : kTable) {
    if (e.transport != transport) continue;
    for (auto dp : e.ports) {
      if (dp != 0 && dp == port) return e.cls;
    }
  }
  return std::nullopt;
}

}  // namespace citywatch::risk
