// bench/gen_pcap.cpp: writes a synthetic but realistic capture for the capture benchmark.
// About a third of the packets are darknet SYNs aimed at one /15 as a telescope sees them (half
// of them Mirai-style: sequence number == destination address), the rest are whole TCP flows of
// IoT devices (HTTP with titles, telnet logins, MQTT CONNECT/CONNACK, RTSP, TLS with a real
// self-signed certificate), SSDP NOTIFYs and DNS noise, with many flows interleaved.
//   gen_pcap --packets 5000000 --layout concentrated|spread --out FILE
// "spread" maps every address through a bijection over the whole IPv4 space: the same traffic
// with no prefix concentration, to show the hash tables do not care.
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

struct Writer {
  std::FILE* out;
  std::int64_t usec = 1767225600LL * 1000000;  // 2026-01-01T00:00:00Z
  std::uint64_t packets = 0;
  std::vector<std::uint8_t> buf;

  void header() {
    std::uint32_t magic = 0xa1b2c3d4, snaplen = 65535, link = 1, zero = 0;
    std::uint16_t major = 2, minor = 4;
    std::fwrite(&magic, 4, 1, out);
    std::fwrite(&major, 2, 1, out);
    std::fwrite(&minor, 2, 1, out);
    std::fwrite(&zero, 4, 1, out);
    std::fwrite(&zero, 4, 1, out);
    std::fwrite(&snaplen, 4, 1, out);
    std::fwrite(&link, 4, 1, out);
  }
  void frame(const std::vector<std::uint8_t>& f) {
    usec += 20;  // 50 k packets per second of traffic
    std::uint32_t rec[4] = {
        static_cast<std::uint32_t>(usec / 1000000), static_cast<std::uint32_t>(usec % 1000000),
        static_cast<std::uint32_t>(f.size()), static_cast<std::uint32_t>(f.size())};
    std::fwrite(rec, 4, 4, out);
    std::fwrite(f.data(), 1, f.size(), out);
    ++packets;
  }
};

void put16(std::vector<std::uint8_t>& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
void put32(std::vector<std::uint8_t>& b, std::uint32_t v) {
  put16(b, static_cast<std::uint16_t>(v >> 16));
  put16(b, static_cast<std::uint16_t>(v));
}

bool g_spread = false;
// A bijection of the IPv4 space (odd multiplier, xor-shift): spreads a /15 everywhere.
std::uint32_t place(std::uint32_t ip) {
  if (!g_spread) return ip;
  ip *= 0x9e3779b1u;
  ip ^= ip >> 15;
  ip *= 0x85ebca77u;
  return ip | 0x01000000u;  // keep out of 0.0.0.0/8
}

std::vector<std::uint8_t> packet(std::uint32_t src, std::uint32_t dst, std::uint8_t proto,
                                 std::uint16_t sport, std::uint16_t dport, std::uint32_t seq,
                                 std::uint32_t ack, std::uint8_t flags, const std::string& data) {
  std::vector<std::uint8_t> f;
  f.reserve(64 + data.size());
  static const std::uint8_t mac[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
  f.insert(f.end(), mac, mac + 12);
  put16(f, 0x0800);
  std::size_t l4 = proto == 6 ? 20 : 8;
  f.push_back(0x45);
  f.push_back(0);
  put16(f, static_cast<std::uint16_t>(20 + l4 + data.size()));
  put16(f, 0);
  put16(f, 0x4000);
  f.push_back(64);
  f.push_back(proto);
  put16(f, 0);
  put32(f, place(src));
  put32(f, place(dst));
  put16(f, sport);
  put16(f, dport);
  if (proto == 6) {
    put32(f, seq);
    put32(f, ack);
    f.push_back(0x50);
    f.push_back(flags);
    put16(f, 65535);
    put32(f, 0);
  } else {
    put16(f, static_cast<std::uint16_t>(8 + data.size()));
    put16(f, 0);
  }
  f.insert(f.end(), data.begin(), data.end());
  return f;
}

std::string self_signed_certificate_flight() {
  EVP_PKEY* key = EVP_RSA_gen(1024);
  X509* x = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 3650L * 86400);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("IPCAM-HD"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_sign(x, key, EVP_sha256());
  unsigned char* der = nullptr;
  int n = i2d_X509(x, &der);
  std::string cert(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  X509_free(x);
  EVP_PKEY_free(key);
  auto u24 = [](std::string& s, std::size_t v) {
    s += static_cast<char>(v >> 16);
    s += static_cast<char>(v >> 8);
    s += static_cast<char>(v);
  };
  std::string hello = std::string("\x03\x03", 2) + std::string(32, 'r') + std::string(1, '\0') +
                      std::string("\xc0\x2f\x00", 3) + std::string("\x00\x00", 2);
  std::string hs;
  hs += '\x02';
  u24(hs, hello.size());
  hs += hello;
  std::string certs;
  u24(certs, cert.size());
  certs += cert;
  hs += '\x0b';
  u24(hs, certs.size() + 3);
  u24(hs, certs.size());
  hs += certs;
  hs += std::string("\x0e\x00\x00\x00", 4);  // ServerHelloDone
  std::string record = std::string("\x16\x03\x03", 3);
  record += static_cast<char>(hs.size() >> 8);
  record += static_cast<char>(hs.size());
  return record + hs;
}

std::string client_hello() {
  std::string sni = "camera.local";
  std::string ext;
  ext += std::string("\x00\x00", 2);
  std::size_t list = sni.size() + 3;
  ext += static_cast<char>((list + 2) >> 8);
  ext += static_cast<char>(list + 2);
  ext += static_cast<char>(list >> 8);
  ext += static_cast<char>(list);
  ext += '\0';
  ext += static_cast<char>(sni.size() >> 8);
  ext += static_cast<char>(sni.size());
  ext += sni;
  std::string body = std::string("\x03\x03", 2) + std::string(32, 'c') + std::string(1, '\0') +
                     std::string("\x00\x02\xc0\x2f\x01\x00", 6);
  body += static_cast<char>(ext.size() >> 8);
  body += static_cast<char>(ext.size());
  body += ext;
  std::string hs = "\x01";
  hs += '\0';
  hs += static_cast<char>(body.size() >> 8);
  hs += static_cast<char>(body.size());
  hs += body;
  std::string record = std::string("\x16\x03\x01", 3);
  record += static_cast<char>(hs.size() >> 8);
  record += static_cast<char>(hs.size());
  return record + hs;
}

// One TCP conversation as (from_client, payload) steps, played with handshake and teardown.
struct Step {
  bool from_client;
  std::string data;
};

struct Conversation {
  std::uint32_t client, server;
  std::uint16_t cport, sport;
  std::uint32_t cseq, sseq;
  std::vector<std::vector<std::uint8_t>> frames;
  std::size_t next = 0;
};

Conversation make_flow(std::uint32_t client, std::uint32_t server, std::uint16_t cport,
                       std::uint16_t sport, const std::vector<Step>& steps, std::mt19937_64& rng) {
  Conversation c{client,
                 server,
                 cport,
                 sport,
                 static_cast<std::uint32_t>(rng()),
                 static_cast<std::uint32_t>(rng()),
                 {},
                 0};
  auto from_c = [&](std::uint8_t flags, const std::string& d) {
    c.frames.push_back(packet(client, server, 6, cport, sport, c.cseq, c.sseq, flags, d));
    c.cseq += static_cast<std::uint32_t>(d.size()) + ((flags & 0x03) ? 1 : 0);
  };
  auto from_s = [&](std::uint8_t flags, const std::string& d) {
    c.frames.push_back(packet(server, client, 6, sport, cport, c.sseq, c.cseq, flags, d));
    c.sseq += static_cast<std::uint32_t>(d.size()) + ((flags & 0x03) ? 1 : 0);
  };
  from_c(0x02, "");
  from_s(0x12, "");
  from_c(0x10, "");
  for (const auto& s : steps) {
    if (s.from_client) {
      from_c(0x18, s.data);
    } else {
      from_s(0x18, s.data);
    }
  }
  from_c(0x11, "");
  from_s(0x11, "");
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t target = 5000000;
  std::string out_path = "capture-bench.pcap";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--packets") target = std::stoull(argv[i + 1]);
    if (a == "--layout") g_spread = std::string(argv[i + 1]) == "spread";
    if (a == "--out") out_path = argv[i + 1];
  }
  Writer w{std::fopen(out_path.c_str(), "wb")};
  if (w.out == nullptr) {
    std::perror(out_path.c_str());
    return 1;
  }
  std::setvbuf(w.out, nullptr, _IOFBF, 1 << 20);
  w.header();
  std::mt19937_64 rng(42);
  const std::uint32_t telescope = 0xc6120000;  // 198.18.0.0/15
  const std::uint32_t city = 0x91340000;       // 145.52.0.0/15: the IoT devices
  const std::uint32_t kDevices = 40000, kScanners = 30000;
  std::string tls_flight = self_signed_certificate_flight();
  std::string hello = client_hello();
  static const char* kServers[] = {"GoAhead-Webs", "Boa/0.94.14rc21", "lighttpd/1.4.35",
                                   "thttpd/2.25b 29dec2003", "mini_httpd/1.19 19dec2003"};
  static const char* kTitles[] = {"NETSURVEILLANCE WEB", "DVR Login", "WEB SERVICE",
                                  "RouterOS router configuration page", "IP Camera"};
  std::vector<Conversation> active;
  auto new_flow = [&]() -> Conversation {
    std::uint32_t dev = static_cast<std::uint32_t>(rng() % kDevices);
    std::uint32_t device = city + 256 + dev * 3;
    std::uint32_t client = 0x50000000u + static_cast<std::uint32_t>(rng() % 500000) * 7;
    auto cport = static_cast<std::uint16_t>(1024 + rng() % 60000);
    switch (dev % 5) {
      case 0: {
        std::string body = std::string("<html><head><title>") + kTitles[dev % 5 + 0 * dev] +
                           "</title></head><body>" + std::string(200, 'x') + "</body></html>";
        std::string resp =
            std::string("HTTP/1.1 200 OK\r\nServer: ") + kServers[(dev / 5) % 5] +
            "\r\nContent-Type: text/html\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\n\r\n" + body;
        return make_flow(client, device, cport, 80,
                         {{true, "GET / HTTP/1.1\r\nHost: cam\r\nUser-Agent: Mozilla/5.0\r\n\r\n"},
                          {false, resp}},
                         rng);
      }
      case 1:
        return make_flow(
            client, device, cport, 23,
            {{false, "\xff\xfd\x18\xff\xfd\x20"},
             {false, "\r\nBusyBox v1.19.4 built-in shell\r\nlogin: "},
             {true, "admin\r\n"},
             {false, "admin\r\nPassword: "},
             {true, (dev % 2 == 0 ? std::string("admin") : std::string("x9!k2")) + "\r\n"},
             {false, "\r\n# "}},
            rng);
      case 2: {
        std::string connect("\x10\x18\x00\x04MQTT\x04\x02\x00\x3c\x00\x0cplug-", 21);
        connect += std::to_string(10000000 + dev).substr(0, 7);
        return make_flow(client, device, cport, 1883,
                         {{true, connect}, {false, std::string("\x20\x02\x00\x00", 4)}}, rng);
      }
      case 3:
        return make_flow(
            client, device, cport, 554,
            {{true, "OPTIONS rtsp://cam/ RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: LibVLC/3.0\r\n\r\n"},
             {false,
              "RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: Hipcam RealServer/V1.0\r\nPublic: "
              "OPTIONS, DESCRIBE, SETUP, PLAY\r\n\r\n"}},
            rng);
      default:
        return make_flow(client, device, cport, 443, {{true, hello}, {false, tls_flight}}, rng);
    }
  };
  while (w.packets < target) {
    std::uint64_t r = rng() % 100;
    if (r < 34) {  // darknet SYN
      bool mirai = (rng() & 1) != 0;
      std::uint32_t scanner =
          0x20000000u + static_cast<std::uint32_t>(rng() % kScanners) * 2 + (mirai ? 1 : 0);
      std::uint32_t dst = telescope + static_cast<std::uint32_t>(rng() % (1u << 17));
      std::uint16_t dport =
          mirai ? ((rng() % 10) == 0 ? 2323 : 23)
                : static_cast<std::uint16_t>(rng() % 4 == 0 ? 22 : 80 + rng() % 8000);
      std::uint32_t seq = mirai ? place(dst) : static_cast<std::uint32_t>(rng());
      w.frame(packet(scanner, dst, 6, static_cast<std::uint16_t>(1024 + rng() % 60000), dport, seq,
                     0, 0x02, ""));
    } else if (r < 38) {  // SSDP NOTIFY
      std::uint32_t dev = static_cast<std::uint32_t>(rng() % kDevices);
      std::string notify =
          "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\n"
          "LOCATION: http://145.52.0.1:49152/rootDesc.xml\r\nNT: upnp:rootdevice\r\nNTS: "
          "ssdp:alive\r\nSERVER: Linux/3.4 UPnP/1.0 MiniUPnPd/1.9\r\nUSN: uuid:" +
          std::to_string(dev) + "::upnp:rootdevice\r\n\r\n";
      std::uint32_t src = city + 256 + dev * 3;
      auto f = packet(src, 0xeffffffa, 17, 1900, 1900, 0, 0, 0, notify);
      if (g_spread) std::memcpy(f.data() + 30, "\xef\xff\xff\xfa", 4);  // keep it multicast
      w.frame(f);
    } else if (r < 44) {  // DNS noise: a query and its answer
      std::uint32_t host = city + static_cast<std::uint32_t>(rng() % 65536);
      std::uint16_t id = static_cast<std::uint16_t>(rng());
      std::string q = std::string(1, static_cast<char>(id >> 8)) + static_cast<char>(id) +
                      std::string(
                          "\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03"
                          "com\x00\x00\x01\x00\x01",
                          29);
      auto sport = static_cast<std::uint16_t>(1024 + rng() % 60000);
      w.frame(packet(host, 0x08080808, 17, sport, 53, 0, 0, 0, q));
      q[2] = '\x81';
      q[3] = '\x80';
      w.frame(packet(0x08080808, host, 17, 53, sport, 0, 0, 0, q + std::string(16, '\x01')));
    } else {  // the next packet of one of many interleaved device flows
      if (active.size() < 512) active.push_back(new_flow());
      std::size_t k = rng() % active.size();
      Conversation& c = active[k];
      w.frame(c.frames[c.next++]);
      if (c.next == c.frames.size()) {
        active[k] = std::move(active.back());
        active.pop_back();
      }
    }
  }
  std::fclose(w.out);
  std::fprintf(stderr, "gen_pcap: %llu packets -> %s (%s)\n",
               static_cast<unsigned long long>(w.packets), out_path.c_str(),
               g_spread ? "spread" : "concentrated");
  return 0;
}
