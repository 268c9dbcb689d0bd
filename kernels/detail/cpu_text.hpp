#pragma once

// Byte classes shared by the CPU backend's text fast paths.

#include <gpustream/text/tokenize.hpp>

#include <array>
#include <cstddef>

namespace gpustream::detail::cpu {

constexpr std::array<bool, 256> separator_table() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[static_cast<std::size_t>(c)] = is_token_separator(static_cast<char>(c));
  return t;
}
inline constexpr std::array<bool, 256> separators = separator_table();

/// is_token_separator by table lookup.
inline bool sep(char c) { return separators[static_cast<unsigned char>(c)]; }

}  // namespace gpustream::detail::cpu
