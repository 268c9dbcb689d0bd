#pragma once

// The on-disk envelope of checkpoints and write-ahead log entries, and the
// binary encoding of what they hold.
//
// A file is a header and a sequence of segments:
//   header:  magic "GPSTREAM" (8 bytes), kind (4 bytes: "CKPT" or "WLOG"),
//            format version (u32), segment count (u32)
//   segment: size (u64), hash (u64: gpustream::hash_bytes of the bytes), bytes
// all little-endian. A file is written under a temporary name, flushed to
// disk, and renamed, so that a file under its final name is whole; a reader
// still checks every size and hash and names the file in any error.

#include <gpustream/core/error.hpp>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gpustream::detail {

/// Bumped whenever the encoding of any part changes; a file of another
/// version is refused with a clear error.
inline constexpr std::uint32_t checkpoint_format_version = 1;

enum class file_kind : std::uint32_t { checkpoint, wal };

/// Appends little-endian integers and length-prefixed bytes to a buffer.
class byte_writer {
 public:
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) { put(v); }
  void u64(std::uint64_t v) { put(v); }
  void i64(std::int64_t v) { put(static_cast<std::uint64_t>(v)); }
  void bytes(std::string_view s) {
    u64(s.size());
    out_.append(s.data(), s.size());
  }
  std::string& str() noexcept { return out_; }

 private:
  template <class T>
  void put(T v) {
    char b[sizeof(T)];
    for (std::size_t i = 0; i < sizeof(T); ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    out_.append(b, sizeof(T));
  }
  std::string out_;
};

/// Reads what byte_writer wrote; any read past the end, or a count that
/// cannot fit, throws checkpoint_error naming `file`.
class byte_reader {
 public:
  byte_reader(std::string_view data, std::string file) : data_{data}, file_{std::move(file)} {}
  std::uint8_t u8() { return static_cast<std::uint8_t>(take(1)[0]); }
  std::uint32_t u32() { return get<std::uint32_t>(); }
  std::uint64_t u64() { return get<std::uint64_t>(); }
  std::int64_t i64() { return static_cast<std::int64_t>(get<std::uint64_t>()); }
  std::string_view bytes() {
    const std::uint64_t n = u64();
    return take(n);
  }
  /// A count of items of at least `min_item_bytes` each: refused when the
  /// rest of the data cannot hold that many.
  std::uint64_t count(std::size_t min_item_bytes) {
    const std::uint64_t n = u64();
    if (min_item_bytes > 0 && n > remaining() / min_item_bytes) fail("an item count beyond the data");
    return n;
  }
  /// The next `n` bytes, without a length prefix.
  std::string_view bytes_raw(std::size_t n) { return take(n); }
  std::size_t remaining() const noexcept { return data_.size() - pos_; }
  bool done() const noexcept { return pos_ == data_.size(); }
  [[noreturn]] void fail(const std::string& what) const;
  const std::string& file() const noexcept { return file_; }

 private:
  std::string_view take(std::uint64_t n) {
    if (n > remaining()) fail("truncated data");
    std::string_view s = data_.substr(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }
  template <class T>
  T get() {
    const std::string_view b = take(sizeof(T));
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(static_cast<unsigned char>(b[i])) << (8 * i);
    return v;
  }
  std::string_view data_;
  std::size_t pos_ = 0;
  std::string file_;
};

/// The batch time in a file name "<prefix><digits><suffix>" (checkpoints,
/// log entries, save_as_text_files directories); std::nullopt for any other name.
inline std::optional<std::int64_t> batch_time_in_name(std::string_view name, std::string_view prefix,
                                                      std::string_view suffix = {}) {
  if (name.size() <= prefix.size() + suffix.size() || name.substr(0, prefix.size()) != prefix ||
      name.substr(name.size() - suffix.size()) != suffix) {
    return std::nullopt;
  }
  const std::string_view digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  std::int64_t t = 0;
  for (const char c : digits) t = t * 10 + (c - '0');
  return t;
}

/// One part of a file to write: bytes that stay alive during the call.
struct segment_view {
  const char* data = nullptr;
  std::size_t size = 0;
};

/// Writes `segments` to `path` atomically: to "<path>.tmp", fsync, rename,
/// fsync of the directory. Throws std::runtime_error naming the file.
void write_segments(const std::filesystem::path& path, file_kind kind, const std::vector<segment_view>& segments);

/// Reads and checks a whole file written by write_segments: its segments in
/// order. Throws checkpoint_error naming the file when it is not a gpustream
/// file of `kind`, of another format version, truncated, or corrupt.
/// With `max_segments`, only the first that many are read (and checked).
std::vector<std::string> read_segments(const std::filesystem::path& path, file_kind kind,
                                       std::size_t max_segments = static_cast<std::size_t>(-1));

}  // namespace gpustream::detail
