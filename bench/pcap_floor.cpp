// bench/pcap_floor.cpp: the floor for the capture benchmark: a bare libpcap read loop that
// touches every packet (sums one byte) and does nothing else.
#include <pcap/pcap.h>

#include <cstdio>

namespace {
struct Totals {
  unsigned long long packets = 0;
  unsigned long long checksum = 0;
};
void on_packet(u_char* user, const pcap_pkthdr* h, const u_char* data) {
  auto* t = reinterpret_cast<Totals*>(user);
  ++t->packets;
  if (h->caplen > 0) t->checksum += data[h->caplen - 1];
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: pcap_floor FILE\n");
    return 64;
  }
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(argv[1], err);
  if (p == nullptr) {
    std::fprintf(stderr, "pcap_floor: %s\n", err);
    return 66;
  }
  Totals t;
  pcap_loop(p, -1, on_packet, reinterpret_cast<u_char*>(&t));
  pcap_close(p);
  std::printf("%llu packets (checksum %llu)\n", t.packets, t.checksum);
  return 0;
}
