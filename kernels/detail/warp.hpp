#pragma once

// The warp's shape, for the kernels that work a warp at a time (and
// warp_emulator, which runs them on the CPU).

namespace gpustream::detail {

constexpr int warp_size = 32;
constexpr unsigned full_warp = 0xffffffffu;

}  // namespace gpustream::detail
