// scanner/pcap_handle.h: the one owner of a libpcap handle (pcap_t) and its compiled BPF
// filter (STYLE.md section 4). Opens a capture file (pcap or pcapng) or a live interface and
// hands out packets one at a time. Move-only; not thread-safe, except break_loop(), which may
// be called from a signal handler or another thread to make next() return kStopped.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/result.h"

struct pcap;  // keeps <pcap/pcap.h> out of every file that includes this one

namespace citywatch::scanner {

struct RawPacket {
  std::int64_t seconds = 0;            // capture time, UTC
  std::uint32_t microseconds = 0;      // fraction (nanosecond files are read as microseconds)
  std::uint32_t wire_length = 0;       // length on the wire
  std::span<const std::uint8_t> data;  // the captured bytes (may be shorter: snaplen)
};

struct CaptureStats {
  std::uint64_t received = 0;  // live only: what the kernel saw
  std::uint64_t dropped = 0;   // live only: dropped by the kernel (buffer full)
  bool available = false;
};

class PcapHandle {
 public:
  enum class Next { kPacket, kTimeout, kEnd, kStopped, kError };

  static core::Result<PcapHandle> open_file(const std::string& path);
  // snaplen: bytes kept per packet; timeout_ms: how long next() may wait before kTimeout.
  static core::Result<PcapHandle> open_live(const std::string& interface, int snaplen,
                                            int timeout_ms);

  // Compiles and installs a BPF filter ("tcp port 23 or udp port 1900").
  core::Result<void> set_filter(const std::string& expression);

  // The file's or interface's link-layer type (a DLT_ value).
  int link_type() const;
  std::string link_type_name() const;

  // Reads the next packet into `packet` (valid until the next call). kError fills `error` with
  // libpcap's own text (a truncated file says so).
  Next next(RawPacket& packet, core::Error& error);

  // Live: next() returns kTimeout at once when nothing is waiting, instead of blocking.
  core::Result<void> set_nonblocking(bool on);
  // Live: waits up to `ms` for packets (or a signal). False when none came. With TPACKET_V3 the
  // kernel hands packets over in blocks, at the latest after the read timeout.
  bool wait_readable(int ms);

  // Async-signal-safe: pcap_breakloop only sets a flag.
  void break_loop();
  CaptureStats stats() const;
  const std::string& source() const { return source_; }
  bool is_live() const { return live_; }

 private:
  struct Close {
    void operator()(pcap* p) const;
  };
  PcapHandle(std::string source, pcap* p) : source_(std::move(source)), pcap_(p) {}
  std::string source_;
  std::unique_ptr<pcap, Close> pcap_;
  bool live_ = false;
};

}  // namespace citywatch::scanner
