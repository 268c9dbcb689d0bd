#include "cuda_runtime.hpp"

#include <gpustream/core/error.hpp>

#include <cuda_runtime_api.h>

#include <cstdint>
#include <mutex>

namespace gpustream::detail::cuda_rt {
namespace {

struct probe_result {
  bool ok = false;
  std::string reason;
};

const probe_result& probe() {
  static const probe_result result = [] {
    probe_result r;
    int count = 0;
    const cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) {
      r.reason = std::string{"no usable CUDA device: "} + cudaGetErrorString(err);
      cudaGetLastError();  // clear the sticky-free error so later calls start clean
      return r;
    }
    if (count == 0) {
      r.reason = "no CUDA device found";
      return r;
    }
    r.ok = true;
    return r;
  }();
  return result;
}

void init_pool_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    int device = 0;
    GPUSTREAM_CUDA_TRY(cudaGetDevice(&device));
    cudaMemPool_t pool{};
    GPUSTREAM_CUDA_TRY(cudaDeviceGetDefaultMemPool(&pool, device));
    // Keep freed memory in the pool: per-batch allocations then never reach
    // the driver after the first batches.
    std::uint64_t threshold = UINT64_MAX;
    GPUSTREAM_CUDA_TRY(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &threshold));
  });
}

}  // namespace

bool device_available() noexcept { return probe().ok; }
std::string unavailable_reason() { return probe().reason; }

std::string device_description() {
  int device = 0;
  GPUSTREAM_CUDA_TRY(cudaGetDevice(&device));
  cudaDeviceProp prop{};
  GPUSTREAM_CUDA_TRY(cudaGetDeviceProperties(&prop, device));
  return std::string{prop.name} + ", sm_" + std::to_string(prop.major) + std::to_string(prop.minor);
}

cuda_stream_t create_stream() {
  cudaStream_t s{};
  GPUSTREAM_CUDA_TRY(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  return s;
}

void destroy_stream(cuda_stream_t s) noexcept {
  if (s != nullptr) cudaStreamDestroy(s);
}

void synchronize(cuda_stream_t s) { GPUSTREAM_CUDA_TRY(cudaStreamSynchronize(s)); }

void* malloc_async(std::size_t bytes, cuda_stream_t s) {
  init_pool_once();
  void* p = nullptr;
  GPUSTREAM_CUDA_TRY(cudaMallocAsync(&p, bytes, s));
  return p;
}

void free_async(void* p, cuda_stream_t s) noexcept { cudaFreeAsync(p, s); }

void memcpy_async(void* dst, const void* src, std::size_t bytes, cuda_stream_t s) {
  GPUSTREAM_CUDA_TRY(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, s));
}

void memset_async(void* dst, int value, std::size_t bytes, cuda_stream_t s) {
  GPUSTREAM_CUDA_TRY(cudaMemsetAsync(dst, value, bytes, s));
}

void* host_alloc_pinned(std::size_t bytes) {
  void* p = nullptr;
  GPUSTREAM_CUDA_TRY(cudaHostAlloc(&p, bytes, cudaHostAllocDefault));
  return p;
}

void free_pinned(void* p) noexcept { cudaFreeHost(p); }

std::string error_string(int code) {
  return std::string{cudaGetErrorName(static_cast<cudaError_t>(code))} + ": " +
         cudaGetErrorString(static_cast<cudaError_t>(code));
}

}  // namespace gpustream::detail::cuda_rt
