// scanner/input_file.h: a feed file opened for streaming: a path or "-" for stdin, plain or
// gzip (detected from the bytes, not the name), read in bounded chunks. LineReader adds line
// splitting with a cap on line length. Move-only; one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"

namespace citywatch::scanner {

class InputFile {
 public:
  // kNotFound when the path does not exist, kIo when it cannot be read.
  static core::Result<InputFile> open(const std::string& path);
  InputFile(InputFile&&) noexcept;
  InputFile& operator=(InputFile&&) noexcept;
  ~InputFile();

  // Fills buf; 0 means end of input. A truncated or corrupt gzip stream is kBadInput with the
  // zlib message, after every byte before the damage has been returned.
  core::Result<std::size_t> read(std::span<char> buf);

  const std::string& path() const { return path_; }
  // For progress: position in the underlying file (compressed bytes for gzip) and its size
  // (0 when unknown, e.g. a pipe).
  std::uint64_t position() const;
  std::uint64_t size() const { return size_; }

 private:
  struct Impl;
  InputFile(std::string path, std::unique_ptr<Impl> impl, std::uint64_t size);
  std::string path_;
  std::unique_ptr<Impl> impl_;
  std::uint64_t size_ = 0;
};

class LineReader {
 public:
  struct Line {
    std::string_view text;   // without the line terminator (\n or \r\n); valid until next()
    std::size_t number = 0;  // 1-based
    bool truncated = false;  // longer than max_line_bytes; text holds the first part only
  };

  explicit LineReader(InputFile& input, std::size_t max_line_bytes = 16 << 20);

  // nullopt at the end of input. A read error is returned once, after the lines before it.
  core::Result<std::optional<Line>> next();
  std::size_t line_number() const { return line_number_; }

 private:
  bool fill();
  InputFile& input_;
  std::size_t max_line_;
  std::string buffer_;
  std::size_t begin_ = 0;  // unconsumed data is buffer_[begin_, end_)
  std::size_t end_ = 0;
  std::string line_;
  std::size_t line_number_ = 0;
  bool eof_ = false;
  std::optional<core::Error> pending_error_;
};

}  // namespace citywatch::scanner
