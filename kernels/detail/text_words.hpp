#pragma once

// The text as aligned 8-byte words, and the bit tricks over them, shared by
// the operator sources that scan text a word at a time on both backends.

#include <gpustream/core/host_device.hpp>
#include <gpustream/core/types.hpp>

#include <cstdint>
#include <cstring>

namespace gpustream::detail {

using word64 = std::uint64_t;

GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE int lowest_bit(word64 x) {
#if defined(__CUDA_ARCH__)
  return __ffsll(static_cast<long long>(x)) - 1;
#else
  return __builtin_ctzll(x);
#endif
}

GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE word64 byte_ones(unsigned c) { return 0x0101010101010101ull * c; }

/// The high bit of each byte of `w` that equals `c`, exactly (no carry
/// between bytes).
GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE word64 equal_bytes(word64 w, unsigned char c) {
  constexpr word64 low7 = 0x7f7f7f7f7f7f7f7full;
  constexpr word64 high = 0x8080808080808080ull;
  const word64 t = w ^ byte_ones(c);
  return ~((((t & low7) + low7) | t)) & high;
}

/// The high bit of each byte of `w` that is a token separator (' ' or '\t'
/// to '\r', as is_token_separator), with no carry between bytes.
GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE word64 separator_bits(word64 w) {
  constexpr word64 low7 = 0x7f7f7f7f7f7f7f7full;
  constexpr word64 high = 0x8080808080808080ull;
  const word64 low = w & low7;
  const word64 space = equal_bytes(w, ' ');
  const word64 from_tab = low + byte_ones(0x80 - '\t');  // high bit: low >= '\t'
  const word64 past_cr = low + byte_ones(0x80 - '\r' - 1);  // high bit: low > '\r'
  return space | (from_tab & ~past_cr & ~w & high);
}

/// The first `length` bytes of a little-endian word: none for a length of 0
/// or less, all for 8 or more.
GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE word64 first_bytes(word64 w, length_type length) {
  if (length <= 0) return 0;
  return length >= 8 ? w : w & ((word64{1} << (8 * length)) - 1);
}

/// Bytes [8 * shift_bytes, ...) of the 16 bytes `lo`, `hi` (little-endian).
GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE word64 shift_pair(word64 lo, word64 hi, int shift_bytes) {
  return shift_bytes == 0 ? lo : (lo >> (8 * shift_bytes)) | (hi << (64 - 8 * shift_bytes));
}

/// The text as little-endian 8-byte words at 8-byte aligned addresses, so
/// that every load is one aligned load: word k holds text positions
/// [8k - misalign, 8k - misalign + 8). Bytes outside the text read as ' ',
/// a separator, and are never loaded.
struct text_words {
  const char* text;
  size_type n;
  size_type misalign;  // the text's address modulo 8

  GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE word64 word(size_type k) const {
    const size_type p = 8 * k - misalign;
    if (p >= 0 && p + 8 <= n) {
#if defined(__CUDA_ARCH__)
      return __ldg(reinterpret_cast<const unsigned long long*>(text + p));
#else
      word64 w;
      std::memcpy(&w, text + p, sizeof w);
      return w;
#endif
    }
    word64 w = 0;
    for (int j = 0; j < 8; ++j) {
      const size_type q = p + j;
      const auto c = q >= 0 && q < n ? static_cast<unsigned char>(text[q]) : static_cast<unsigned char>(' ');
      w |= static_cast<word64>(c) << (8 * j);
    }
    return w;
  }

  /// The word index and byte of text position p.
  GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE size_type word_of(size_type p) const { return (p + misalign) >> 3; }
  GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE int byte_of(size_type p) const {
    return static_cast<int>((p + misalign) & 7);
  }
};

}  // namespace gpustream::detail
