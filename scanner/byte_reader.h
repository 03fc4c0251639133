// scanner/byte_reader.h: bounds-checked big-endian reads over untrusted bytes, for the packet
// decoder and the protocol parsers. Every read checks the length first and fails softly.
// Header-only, no state beyond a span and a position.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace citywatch::scanner {

using Bytes = std::span<const std::uint8_t>;

inline std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
inline std::string_view as_text(Bytes b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

class ByteReader {
 public:
  explicit ByteReader(Bytes data) : data_(data) {}
  std::size_t remaining() const { return data_.size() - pos_; }
  std::size_t position() const { return pos_; }
  bool ok() const { return ok_; }

  std::uint8_t u8() {
    if (!need(1)) return 0;
    return data_[pos_++];
  }
  std::uint16_t u16() {
    if (!need(2)) return 0;
    auto v = be16(data_.data() + pos_);
    pos_ += 2;
    return v;
  }
  std::uint32_t u32() {
    if (!need(4)) return 0;
    auto v = be32(data_.data() + pos_);
    pos_ += 4;
    return v;
  }
  Bytes bytes(std::size_t n) {
    if (!need(n)) return {};
    Bytes out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  Bytes rest() {
    Bytes out = data_.subspan(pos_);
    pos_ = data_.size();
    return out;
  }
  void skip(std::size_t n) {
    if (need(n)) pos_ += n;
  }

 private:
  bool need(std::size_t n) {
    if (!ok_ || n > remaining()) {
      ok_ = false;
      return false;
    }
    return true;
  }
  Bytes data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace citywatch::scanner
