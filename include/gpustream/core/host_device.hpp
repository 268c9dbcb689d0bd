#pragma once

/// Marks functors and helpers that run on both backends. Empty for a host
/// compiler, so the same operator source compiles with g++ for the CPU backend.
#if defined(__CUDACC__)
#define GPUSTREAM_HOST_DEVICE __host__ __device__
#define GPUSTREAM_FORCEINLINE __forceinline__
#else
#define GPUSTREAM_HOST_DEVICE
#define GPUSTREAM_FORCEINLINE inline __attribute__((always_inline))
#endif
