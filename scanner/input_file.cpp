#include "scanner/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace citywatch::scanner {

struct InputFile::Impl {
  gzFile gz = nullptr;
  int fd = -1;
  ~Impl() {
    if (gz) gzclose(gz);  // closes fd too
  }
};

InputFile::InputFile(std::string path, std::unique_ptr<Impl> impl, std::uint64_t size)
    : path_(std::move(path)), impl_(std::move(impl)), size_(size) {}
InputFile::InputFile(InputFile&&) noexcept = default;
InputFile& InputFile::operator=(InputFile&&) noexcept = default;
InputFile::~InputFile() = default;

core::Result<InputFile> InputFile::open(const std::string& path) {
  bool is_stdin = path == "-";
  int fd = is_stdin ? ::dup(STDIN_FILENO) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    auto code = err == ENOENT ? core::ErrorCode::kNotFound : core::ErrorCode::kIo;
    return core::fail(code, std::string("cannot open: ") + std::strerror(err),
                      is_stdin ? "stdin" : path);
  }
  struct stat st {};
  std::uint64_t size = 0;
  if (::fstat(fd, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      ::close(fd);
      return core::fail(core::ErrorCode::kIo, "is a directory, not a feed file", path);
    }
    if (S_ISREG(st.st_mode)) size = static_cast<std::uint64_t>(st.st_size);
  }
  auto impl = std::make_unique<Impl>();
  impl->fd = fd;
  impl->gz = gzdopen(fd, "rb");  // reads plain files unchanged ("transparent" mode)
  if (!impl->gz) {
    ::close(fd);
    return core::fail(core::ErrorCode::kIo, "cannot start reading (out of memory?)", path);
  }
  gzbuffer(impl->gz, 256 * 1024);
  return InputFile(is_stdin ? "stdin" : path, std::move(impl), size);
}

core::Result<std::size_t> InputFile::read(std::span<char> buf) {
  auto want = static_cast<unsigned>(std::min<std::size_t>(buf.size(), 1u << 30));
  int n = gzread(impl_->gz, buf.data(), want);
  if (n > 0) return static_cast<std::size_t>(n);
  int errnum = Z_OK;
  const char* message = gzerror(impl_->gz, &errnum);
  if (n < 0 || (errnum != Z_OK && errnum != Z_STREAM_END)) {
    if (errnum == Z_ERRNO) {
      return core::fail(core::ErrorCode::kIo, std::string("read failed: ") + std::strerror(errno),
                        path_);
    }
    return core::fail(core::ErrorCode::kBadInput,
                      std::string("compressed data is damaged: ") + message +
                          " (the .gz file is truncated or corrupt; records before this point "
                          "were read)",
                      path_);
  }
  return std::size_t{0};
}

std::uint64_t InputFile::position() const {
  z_off_t off = gzoffset(impl_->gz);
  return off < 0 ? 0 : static_cast<std::uint64_t>(off);
}

LineReader::LineReader(InputFile& input, std::size_t max_line_bytes)
    : input_(input), max_line_(max_line_bytes), buffer_(256 * 1024, '\0') {}

bool LineReader::fill() {
  if (eof_) return false;
  begin_ = 0;
  end_ = 0;
  auto n = input_.read(std::span<char>(buffer_.data(), buffer_.size()));
  if (!n) {
    pending_error_ = n.error();
    eof_ = true;
    return false;
  }
  if (*n == 0) {
    eof_ = true;
    return false;
  }
  end_ = *n;
  return true;
}

core::Result<std::optional<LineReader::Line>> LineReader::next() {
  line_.clear();
  bool truncated = false;
  bool any = false;
  while (true) {
    if (begin_ == end_ && !fill()) break;
    any = true;
    const char* start = buffer_.data() + begin_;
    const void* nl = std::memchr(start, '\n', end_ - begin_);
    std::size_t take =
        nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - start) : end_ - begin_;
    if (line_.size() < max_line_) {
      std::size_t room = max_line_ - line_.size();
      line_.append(start, std::min(take, room));
      if (take > room) truncated = true;
    } else if (take > 0) {
      truncated = true;
    }
    begin_ += take;
    if (nl) {
      ++begin_;  // the '\n'
      ++line_number_;
      if (!line_.empty() && line_.back() == '\r') line_.pop_back();
      return std::optional<Line>(Line{line_, line_number_, truncated});
    }
  }
  if (any && (!line_.empty() || truncated)) {  // last line without a terminator
    ++line_number_;
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    return std::optional<Line>(Line{line_, line_number_, truncated});
  }
  if (pending_error_) {
    auto err = *pending_error_;
    pending_error_.reset();
    err.where = input_.path() + ":" + std::to_string(line_number_ + 1);
    return core::fail(std::move(err));
  }
  return std::optional<Line>();
}

}  // namespace citywatch::scanner
