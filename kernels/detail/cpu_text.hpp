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

/// Bit i set when byte i of the 64 bytes at p is a token separator.
inline std::uint64_t separator_mask64(const char* p) {
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(' ');
  const __m128i nine = _mm_set1_epi8(9);
  const __m128i four = _mm_set1_epi8(4);
  std::uint64_t mask = 0;
  for (int k = 0; k < 4; ++k) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    const __m128i t = _mm_sub_epi8(v, nine);  // \t \n \v \f \r: 0..4 unsigned
    const __m128i ctrl = _mm_cmpeq_epi8(_mm_min_epu8(t, four), t);
    const __m128i is_sep = _mm_or_si128(_mm_cmpeq_epi8(v, space), ctrl);
    mask |= static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(is_sep))) << (16 * k);
  }
  return mask;
#else
  std::uint64_t mask = 0;
  for (int i = 0; i < 64; ++i) mask |= static_cast<std::uint64_t>(sep(p[i])) << i;
  return mask;
#endif
}

/// Bit i set when byte i of the 64 bytes at p is `byte`.
inline std::uint64_t byte_mask64(const char* p, char byte) {
#if defined(__SSE2__)
  const __m128i b = _mm_set1_epi8(byte);
  std::uint64_t mask = 0;
  for (int k = 0; k < 4; ++k) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    mask |= static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, b))))
            << (16 * k);
  }
  return mask;
#else
  std::uint64_t mask = 0;
  for (int i = 0; i < 64; ++i) mask |= static_cast<std::uint64_t>(p[i] == byte) << i;
  return mask;
#endif
}

}  // namespace gpustream::detail::cpu
