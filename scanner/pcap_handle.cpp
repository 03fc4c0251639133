#include "scanner/pcap_handle.h"

#include <pcap/pcap.h>
#include <poll.h>

namespace citywatch::scanner {

void PcapHandle::Close::operator()(pcap* p) const { pcap_close(p); }

core::Result<PcapHandle> PcapHandle::open_file(const std::string& path) {
  char err[PCAP_ERRBUF_SIZE] = {};
  // Microsecond precision: nanosecond pcap and pcapng files are scaled by libpcap.
  pcap_t* p =
      pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, err);
  if (p == nullptr) {
    std::string message = err;
    auto code = message.find("No such file") != std::string::npos ? core::ErrorCode::kNotFound
                : message.find("ermission") != std::string::npos  ? core::ErrorCode::kIo
                                                                  : core::ErrorCode::kBadInput;
    if (code == core::ErrorCode::kBadInput) {
      message += " (not a pcap or pcapng file, or damaged at the start)";
    }
    return core::fail(code, message, path);
  }
  return PcapHandle(path, p);
}

core::Result<PcapHandle> PcapHandle::open_live(const std::string& interface, int snaplen,
                                               int timeout_ms) {
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* raw = pcap_create(interface.c_str(), err);
  if (raw == nullptr) return core::fail(core::ErrorCode::kUnavailable, err, interface);
  PcapHandle handle(interface, raw);
  handle.live_ = true;
  pcap_set_snaplen(raw, snaplen);
  pcap_set_promisc(raw, 1);
  pcap_set_timeout(raw, timeout_ms);
  pcap_set_buffer_size(raw, 32 * 1024 * 1024);
  int rc = pcap_activate(raw);
  if (rc < 0) {
    std::string message = pcap_geterr(raw);
    if (rc == PCAP_ERROR_PERM_DENIED) {
      message +=
          " (live capture needs root or CAP_NET_RAW: setcap cap_net_raw,cap_net_admin=eip "
          "$(command -v citywatch))";
    } else if (rc == PCAP_ERROR_NO_SUCH_DEVICE) {
      message += " (no such interface; `ip link` lists them)";
    }
    return core::fail(core::ErrorCode::kUnavailable, message, interface);
  }
  return handle;
}

core::Result<void> PcapHandle::set_filter(const std::string& expression) {
  bpf_program program{};
  if (pcap_compile(pcap_.get(), &program, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    return core::fail(core::ErrorCode::kUsage,
                      "bad BPF filter '" + expression + "': " + pcap_geterr(pcap_.get()), source_);
  }
  // The compiled program is freed right after installing: libpcap keeps its own copy.
  int rc = pcap_setfilter(pcap_.get(), &program);
  pcap_freecode(&program);
  if (rc != 0) {
    return core::fail(core::ErrorCode::kUnavailable,
                      std::string("cannot install the BPF filter: ") + pcap_geterr(pcap_.get()),
                      source_);
  }
  return core::ok();
}

int PcapHandle::link_type() const { return pcap_datalink(pcap_.get()); }

std::string PcapHandle::link_type_name() const {
  const char* name = pcap_datalink_val_to_name(link_type());
  return name != nullptr ? name : "DLT " + std::to_string(link_type());
}

PcapHandle::Next PcapHandle::next(RawPacket& packet, core::Error& error) {
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int rc = pcap_next_ex(pcap_.get(), &header, &data);
  switch (rc) {
    case 1:
      packet.seconds = header->ts.tv_sec;
      packet.microseconds = static_cast<std::uint32_t>(header->ts.tv_usec);
      packet.wire_length = header->len;
      packet.data = std::span<const std::uint8_t>(data, header->caplen);
      return Next::kPacket;
    case 0:
      return Next::kTimeout;
    case PCAP_ERROR_BREAK:  // a file's end, or break_loop() on a live handle
      return live_ ? Next::kStopped : Next::kEnd;
    case PCAP_ERROR:
      error = core::Error{core::ErrorCode::kBadInput, pcap_geterr(pcap_.get()), source_};
      return Next::kError;
    default:  // PCAP_ERROR_NOT_ACTIVATED and the like: ours, not the input's
      error = core::Error{core::ErrorCode::kInternal, "pcap_next_ex returned " + std::to_string(rc),
                          source_};
      return Next::kError;
  }
}

core::Result<void> PcapHandle::set_nonblocking(bool on) {
  char err[PCAP_ERRBUF_SIZE] = {};
  if (pcap_setnonblock(pcap_.get(), on ? 1 : 0, err) != 0) {
    return core::fail(core::ErrorCode::kUnavailable, err, source_);
  }
  return core::ok();
}

bool PcapHandle::wait_readable(int ms) {
  int fd = pcap_get_selectable_fd(pcap_.get());
  if (fd < 0) return true;  // no descriptor to wait on: let next() decide
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, ms) > 0;
}

void PcapHandle::break_loop() { pcap_breakloop(pcap_.get()); }

CaptureStats PcapHandle::stats() const {
  pcap_stat s{};
  if (pcap_stats(pcap_.get(), &s) != 0) return {};
  return {s.ps_recv, s.ps_drop, true};
}

}  // namespace citywatch::scanner
