#include "cuda_runtime.hpp"

#include <gpustream/core/error.hpp>

namespace gpustream::detail::cuda_rt {
namespace {
[[noreturn]] void no_cuda() {
  throw backend_unavailable{"the CUDA backend is not part of this build (built with GPUSTREAM_ENABLE_CUDA=OFF)"};
}
}  // namespace

bool device_available() noexcept { return false; }
std::string unavailable_reason() {
  return "the CUDA backend is not part of this build (built with GPUSTREAM_ENABLE_CUDA=OFF)";
}
std::string device_description() { no_cuda(); }
cuda_stream_t acquire_stream() { no_cuda(); }
void release_stream(cuda_stream_t) noexcept {}
void synchronize(cuda_stream_t) { no_cuda(); }
void* malloc_async(std::size_t, cuda_stream_t) { no_cuda(); }
void free_async(void*, cuda_stream_t) noexcept {}
void memcpy_async(void*, const void*, std::size_t, cuda_stream_t) { no_cuda(); }
void memset_async(void*, int, std::size_t, cuda_stream_t) { no_cuda(); }
void* host_alloc_pinned(std::size_t) { no_cuda(); }
void free_pinned(void*) noexcept {}
std::string error_string(int code) { return "CUDA error " + std::to_string(code); }

}  // namespace gpustream::detail::cuda_rt
