#pragma once

#include <gpustream/core/backend.hpp>
#include <gpustream/core/stream.hpp>

#include <cstddef>

namespace gpustream {

/// Source of the memory that columns live in: device memory for the CUDA
/// backend, host memory for the CPU backend. Allocation is stream-ordered: memory
/// freed on a stream may be reused by later work on that stream without a sync.
class memory_resource {
 public:
  virtual ~memory_resource() = default;

  /// Returns `bytes` bytes aligned to at least 256 bytes (nullptr for 0 bytes).
  /// Throws std::bad_alloc or gpustream::cuda_error when memory is exhausted.
  void* allocate(std::size_t bytes, stream_view s) { return do_allocate(bytes, s); }
  /// Returns memory from allocate() with the same size and stream.
  void deallocate(void* p, std::size_t bytes, stream_view s) noexcept {
    do_deallocate(p, bytes, s);
  }
  /// Which backend's memory this is.
  virtual backend kind() const noexcept = 0;

 private:
  virtual void* do_allocate(std::size_t bytes, stream_view s) = 0;
  virtual void do_deallocate(void* p, std::size_t bytes, stream_view s) noexcept = 0;
};

/// The process-wide default resource of a backend (`automatic` is resolved):
/// for `cuda`, a stream-ordered pool (cudaMallocAsync) on the current device that
/// keeps freed memory for reuse instead of returning it to the driver; for
/// `cpu`, aligned host memory. Never null; valid for the life of the process.
memory_resource* default_resource(backend b);

/// The resource to use for `s` when the caller passes nullptr.
inline memory_resource* resource_or_default(memory_resource* mr, stream_view s) {
  return mr != nullptr ? mr : default_resource(s.kind());
}

}  // namespace gpustream
