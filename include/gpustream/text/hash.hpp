#pragma once

#include <gpustream/memory/array.hpp>
#include <gpustream/column/string_column.hpp>
#include <gpustream/core/host_device.hpp>
#include <gpustream/core/types.hpp>

#include <cstring>

namespace gpustream {

/// Which 64-bit string hash an operator uses. `mix64` is the default: 8 bytes a
/// step, fully avalanched. `length_only` hashes a string to its length: every
/// pair of equal-length strings collides. It exists so that tests can prove that
/// distinct keys are never merged on a hash collision; never use it for speed.
enum class hash_function { mix64, length_only };

namespace detail {

GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE std::uint64_t rotl64(std::uint64_t x, int r) {
  return (x << r) | (x >> (64 - r));
}

/// SplitMix64's finaliser: every input bit affects every output bit.
GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE std::uint64_t fmix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return x;
}

GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE std::uint64_t load_u64(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof(w));
  return w;
}

}  // namespace detail

/// 64-bit hash of `size` bytes at `data` (any alignment), the same on host and
/// device and on both backends.
GPUSTREAM_HOST_DEVICE inline hash_type hash_bytes(const char* data, length_type size) {
  constexpr std::uint64_t k0 = 0x9E3779B97F4A7C15ull;
  constexpr std::uint64_t k1 = 0xC2B2AE3D27D4EB4Full;
  // The length enters through its own avalanche so that it cannot cancel data bits.
  std::uint64_t h = detail::fmix64(static_cast<std::uint64_t>(size) + k0);
  length_type i = 0;
  for (; i + 8 <= size; i += 8) {
    h = detail::rotl64(h ^ (detail::load_u64(data + i) * k1), 29) * k0;
  }
  if (i < size) {
    std::uint64_t tail = 0;
    for (int j = 0; i + j < size; ++j) {
      tail |= static_cast<std::uint64_t>(static_cast<unsigned char>(data[i + j])) << (8 * j);
    }
    h = detail::rotl64(h ^ (tail * k1), 29) * k0;
  }
  return detail::fmix64(h);
}

/// The hash `f` of one string.
GPUSTREAM_HOST_DEVICE inline hash_type hash_string(string_ref s, hash_function f) {
  return f == hash_function::length_only ? static_cast<hash_type>(s.size)
                                         : hash_bytes(s.data, s.size);
}

/// Hashes every string of `strings` with `f`. One pass over the bytes.
array<hash_type> hash_strings(string_spans_view strings, stream_view s,
                               memory_resource* mr = nullptr,
                               hash_function f = hash_function::mix64);

}  // namespace gpustream
