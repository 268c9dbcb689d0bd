#include "file_format.hpp"

#include <gpustream/text/hash.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>

namespace gpustream::detail {

namespace fs = std::filesystem;

namespace {

constexpr char magic[8] = {'G', 'P', 'S', 'T', 'R', 'E', 'A', 'M'};
constexpr std::size_t header_bytes = 8 + 4 + 4 + 4;
constexpr std::size_t segment_header_bytes = 16;

const char* kind_tag(file_kind k) { return k == file_kind::checkpoint ? "CKPT" : "WLOG"; }
const char* kind_name(file_kind k) { return k == file_kind::checkpoint ? "checkpoint" : "write-ahead log entry"; }

std::uint64_t checksum(const char* data, std::size_t n) {
  return hash_bytes(data, static_cast<length_type>(n));
}

[[noreturn]] void io_failure(const std::string& what, const fs::path& path) {
  throw std::runtime_error{"cannot " + what + " " + path.string() + ": " + std::strerror(errno)};
}

void write_all(int fd, const char* data, std::size_t n, const fs::path& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      io_failure("write", path);
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
}

void sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: the rename itself is atomic
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void byte_reader::fail(const std::string& what) const {
  throw checkpoint_error{file_ + ": corrupt or truncated (" + what + ")"};
}

void write_segments(const fs::path& path, file_kind kind, const std::vector<segment_view>& segments) {
  const fs::path temp{path.string() + ".tmp"};
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) io_failure("create", temp);
  try {
    byte_writer header;
    header.str().append(magic, sizeof magic);
    header.str().append(kind_tag(kind), 4);
    header.u32(checkpoint_format_version);
    header.u32(static_cast<std::uint32_t>(segments.size()));
    write_all(fd, header.str().data(), header.str().size(), temp);
    for (const auto& seg : segments) {
      byte_writer sh;
      sh.u64(seg.size);
      sh.u64(checksum(seg.data, seg.size));
      write_all(fd, sh.str().data(), sh.str().size(), temp);
      write_all(fd, seg.data, seg.size, temp);
    }
    if (::fdatasync(fd) != 0) io_failure("flush", temp);
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  if (::close(fd) != 0) io_failure("close", temp);
  if (::rename(temp.c_str(), path.c_str()) != 0) io_failure("rename into place", path);
  sync_directory(path.parent_path());
}

std::vector<std::string> read_segments(const fs::path& path, file_kind kind, std::size_t max_segments) {
  const std::string name = path.string();
  const std::string what = kind_name(kind);
  std::ifstream in{path, std::ios::binary};
  if (!in) throw checkpoint_error{name + ": cannot open the " + what + ": " + std::strerror(errno)};
  in.seekg(0, std::ios::end);
  const auto file_size = static_cast<std::uint64_t>(in.tellg());
  in.seekg(0);
  auto read_exactly = [&](char* dst, std::uint64_t n, const char* part) {
    if (!in.read(dst, static_cast<std::streamsize>(n))) {
      throw checkpoint_error{name + ": corrupt or truncated (" + std::string{part} + " ends early)"};
    }
  };

  char header[header_bytes];
  if (file_size < header_bytes) {
    throw checkpoint_error{name + ": not a gpustream " + what + " (" + std::to_string(file_size) + " bytes, no header)"};
  }
  read_exactly(header, header_bytes, "the header");
  if (std::memcmp(header, magic, sizeof magic) != 0) {
    throw checkpoint_error{name + ": not a gpustream " + what + " (no gpustream header)"};
  }
  if (std::memcmp(header + 8, kind_tag(kind), 4) != 0) {
    throw checkpoint_error{name + ": not a gpustream " + what + " (a file of another kind)"};
  }
  byte_reader hr{std::string_view{header + 12, 8}, name};
  const std::uint32_t version = hr.u32();
  if (version != checkpoint_format_version) {
    throw checkpoint_error{name + ": written in format version " + std::to_string(version) +
                           "; this build of gpustream reads version " + std::to_string(checkpoint_format_version)};
  }
  const std::uint32_t n = hr.u32();
  std::uint64_t left = file_size - header_bytes;
  if (n > left / segment_header_bytes) hr.fail("a segment count beyond the file");
  std::vector<std::string> out;
  const std::size_t wanted = std::min<std::size_t>(n, max_segments);
  out.reserve(wanted);
  for (std::uint32_t i = 0; i < n && out.size() < wanted; ++i) {
    char sh[segment_header_bytes];
    read_exactly(sh, segment_header_bytes, "a segment header");
    left -= segment_header_bytes;
    byte_reader sr{std::string_view{sh, segment_header_bytes}, name};
    const std::uint64_t size = sr.u64();
    const std::uint64_t hash = sr.u64();
    if (size > left) hr.fail("segment " + std::to_string(i) + " runs past the end of the file");
    std::string seg(static_cast<std::size_t>(size), '\0');
    read_exactly(seg.data(), size, "a segment");
    left -= size;
    if (checksum(seg.data(), seg.size()) != hash) hr.fail("checksum mismatch in segment " + std::to_string(i));
    out.push_back(std::move(seg));
  }
  if (wanted == n && left != 0) hr.fail(std::to_string(left) + " bytes after the last segment");
  return out;
}

}  // namespace gpustream::detail
