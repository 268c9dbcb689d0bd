#pragma once

// The one seam between the runtime and the CUDA runtime API. cuda_runtime.cpp
// implements it in a CUDA build; no_cuda.cpp in a CPU-only build, where every
// call that needs a GPU throws gpustream::backend_unavailable.

#include <gpustream/core/stream.hpp>

#include <cstddef>
#include <string>

namespace gpustream::detail::cuda_rt {

bool device_available() noexcept;
/// Why no device is usable ("" when one is).
std::string unavailable_reason();
/// "NVIDIA H100 80GB HBM3, sm_90" for the current device.
std::string device_description();

/// A non-blocking stream, recycled from one given back when there is one.
cuda_stream_t acquire_stream();
/// Gives a stream back for reuse; it is never destroyed (see cuda_runtime.cpp).
void release_stream(cuda_stream_t s) noexcept;
void synchronize(cuda_stream_t s);

/// Stream-ordered allocation from the current device's pool, which keeps
/// freed memory for reuse.
void* malloc_async(std::size_t bytes, cuda_stream_t s);
void free_async(void* p, cuda_stream_t s) noexcept;

void memcpy_async(void* dst, const void* src, std::size_t bytes, cuda_stream_t s);
void memset_async(void* dst, int value, std::size_t bytes, cuda_stream_t s);

void* host_alloc_pinned(std::size_t bytes);
void free_pinned(void* p) noexcept;

std::string error_string(int code);

}  // namespace gpustream::detail::cuda_rt
