#include "cuda_runtime.hpp"

#include <gpustream/core/error.hpp>

#include <cuda_runtime_api.h>

#include <cstdint>
#include <mutex>
#include <vector>

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

namespace {

// Streams given back, for the next acquire_stream(). A handle is never
// destroyed: memory allocated on a stream is freed on it (cudaFreeAsync), and
// that free may come after the stream's owner is gone (a column kept longer
// than its stream, a DStream's window or state kept after its context). On a
// destroyed handle it would be undefined behaviour; on a recycled one it is
// ordered after the work of its next owner, which is harmless. The list holds
// at most as many streams as were ever alive at once.
struct stream_list {
  std::mutex mutex;
  std::vector<cudaStream_t> free;
};

stream_list& streams() {
  static auto* list = new stream_list;  // never destroyed: frees may come during exit
  return *list;
}

}  // namespace

cuda_stream_t acquire_stream() {
  auto& list = streams();
  {
    std::lock_guard lock{list.mutex};
    if (!list.free.empty()) {
      cudaStream_t s = list.free.back();
      list.free.pop_back();
      return s;
    }
  }
  cudaStream_t s{};
  GPUSTREAM_CUDA_TRY(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  return s;
}

void release_stream(cuda_stream_t s) noexcept {
  if (s == nullptr) return;
  auto& list = streams();
  std::lock_guard lock{list.mutex};
  try {
    list.free.push_back(s);
  } catch (...) {  // NOLINT(bugprone-empty-catch): out of memory: the handle is leaked, never destroyed
  }
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
