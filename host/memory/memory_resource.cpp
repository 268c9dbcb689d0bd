#include <gpustream/core/error.hpp>
#include <gpustream/memory/buffer.hpp>
#include <gpustream/memory/memory_resource.hpp>

#include "../cuda/cuda_runtime.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

namespace gpustream {
namespace {

constexpr std::size_t alignment = 256;

/// Host memory for the CPU backend, aligned like device allocations.
class host_resource final : public memory_resource {
 public:
  backend kind() const noexcept override { return backend::cpu; }

 private:
  void* do_allocate(std::size_t bytes, stream_view) override {
    if (bytes == 0) return nullptr;
    const std::size_t rounded = (bytes + alignment - 1) / alignment * alignment;
    void* p = std::aligned_alloc(alignment, rounded);
    if (p == nullptr) throw std::bad_alloc{};
    return p;
  }
  void do_deallocate(void* p, std::size_t, stream_view) noexcept override { std::free(p); }
};

/// Stream-ordered device memory from the current device's pool.
class cuda_pool_resource final : public memory_resource {
 public:
  backend kind() const noexcept override { return backend::cuda; }

 private:
  void* do_allocate(std::size_t bytes, stream_view s) override {
    if (bytes == 0) return nullptr;
    return detail::cuda_rt::malloc_async(bytes, s.handle());
  }
  void do_deallocate(void* p, std::size_t, stream_view s) noexcept override {
    if (p != nullptr) detail::cuda_rt::free_async(p, s.handle());
  }
};

}  // namespace

memory_resource* default_resource(backend b) {
  static host_resource host;
  static cuda_pool_resource device;
  return resolve_backend(b) == backend::cuda ? static_cast<memory_resource*>(&device) : &host;
}

void copy_bytes(void* dst, const void* src, std::size_t bytes, stream_view s) {
  if (bytes == 0) return;
  if (s.is_cuda()) {
    detail::cuda_rt::memcpy_async(dst, src, bytes, s.handle());
  } else {
    std::memmove(dst, src, bytes);
  }
}

void fill_bytes(void* dst, int value, std::size_t bytes, stream_view s) {
  if (bytes == 0) return;
  if (s.is_cuda()) {
    detail::cuda_rt::memset_async(dst, value, bytes, s.handle());
  } else {
    std::memset(dst, value, bytes);
  }
}

}  // namespace gpustream
