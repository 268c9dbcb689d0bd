#pragma once

// Compiles an operator source (*.inl) for the CPU backend: g++ and Thrust's
// OpenMP system. Operator sources name only `policy(...)` and `GPUSTREAM_KERNEL_NS`.

#include <gpustream/core/stream.hpp>
#include <gpustream/memory/memory_resource.hpp>

#include <thrust/system/omp/execution_policy.h>

#define GPUSTREAM_KERNEL_NS cpu

namespace gpustream::detail::cpu {

inline auto policy(stream_view) { return thrust::omp::par; }

}  // namespace gpustream::detail::cpu
