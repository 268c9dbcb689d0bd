#pragma once

// Byte classes shared by the CPU backend's text fast paths.

#include <gpustream/text/tokenize.hpp>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <array>
#include <cstddef>
#include <cstdint>

/// On a function whose inner loop counts bits: x86-64 without POPCNT in its
/// baseline makes __builtin_popcountll a library call, so a clone built for
/// POPCNT is chosen at load time where the CPU has it.
#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define GPUSTREAM_POPCNT_CLONES __attribute__((target_clones("popcnt", "default")))
#endif
#endif
#ifndef GPUSTREAM_POPCNT_CLONES
#define GPUSTREAM_POPCNT_CLONES
#endif

namespace gpustream::detail::cpu {

constexpr std::array<bool, 256> separator_table() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[static_cast<std::size_t>(c)] = is_token_separator(static_cast<char>(c));
  return t;
}
inline constexpr std::array<bool, 256> separators = separator_table();

/// is_token_separator by table lookup.
inline bool sep(char c) { return separators[static_cast<unsigned char>(c)]; }

#if defined(__SSE2__)
/// Bit i set when byte i of the 64 bytes at p matches: `match(v)` gives 0xff
/// in each matching byte of the 16 bytes v.
template <class Match>
inline std::uint64_t mask64(const char* p, Match match) {
  std::uint64_t mask = 0;
  for (int k = 0; k < 4; ++k) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    mask |= static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(match(v)))) << (16 * k);
  }
  return mask;
}
#else
/// Bit i set when byte i of the 64 bytes at p matches: `match(c)` for each byte.
template <class Match>
inline std::uint64_t mask64(const char* p, Match match) {
  std::uint64_t mask = 0;
  for (int i = 0; i < 64; ++i) mask |= static_cast<std::uint64_t>(match(p[i])) << i;
  return mask;
}
#endif

/// Bit i set when byte i of the 64 bytes at p is a token separator.
inline std::uint64_t separator_mask64(const char* p) {
#if defined(__SSE2__)
  return mask64(p, [](__m128i v) {
    const __m128i t = _mm_sub_epi8(v, _mm_set1_epi8(9));  // \t \n \v \f \r: 0..4 unsigned
    const __m128i ctrl = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(4)), t);
    return _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')), ctrl);
  });
#else
  return mask64(p, sep);
#endif
}

/// Bit i set when byte i of the 64 bytes at p is `byte`.
inline std::uint64_t byte_mask64(const char* p, char byte) {
#if defined(__SSE2__)
  return mask64(p, [b = _mm_set1_epi8(byte)](__m128i v) { return _mm_cmpeq_epi8(v, b); });
#else
  return mask64(p, [byte](char c) { return c == byte; });
#endif
}

}  // namespace gpustream::detail::cpu
