#pragma once

// Compiles an operator source (*.inl) for the CUDA backend: nvcc, Thrust's CUDA
// system on the batch's stream, temporary storage from the device pool.

#include <gpustream/core/stream.hpp>
#include <gpustream/memory/memory_resource.hpp>

#include <thrust/system/cuda/execution_policy.h>

#include <cstddef>

#define GPUSTREAM_KERNEL_NS cuda

namespace gpustream::detail::cuda {

/// Thrust's temporary storage, taken from the stream-ordered device pool so that
/// no algorithm calls cudaMalloc on the hot path.
class thrust_allocator {
 public:
  using value_type = char;
  explicit thrust_allocator(stream_view s) : mr_{default_resource(backend::cuda)}, s_{s} {}
  char* allocate(std::ptrdiff_t n) {
    return static_cast<char*>(mr_->allocate(static_cast<std::size_t>(n), s_));
  }
  void deallocate(char* p, std::size_t n) { mr_->deallocate(p, n, s_); }

 private:
  memory_resource* mr_;
  stream_view s_;
};

/// Asynchronous on the stream: algorithms that return a host value synchronise
/// it themselves; everything else is ordered by the stream.
inline auto policy(stream_view s) {
  return thrust::cuda::par_nosync(thrust_allocator{s}).on(s.handle());
}

}  // namespace gpustream::detail::cuda
