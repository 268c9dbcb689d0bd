#include <gpustream/core/error.hpp>
#include <gpustream/memory/buffer.hpp>
#include <gpustream/memory/memory_resource.hpp>

#include "../cuda/cuda_runtime.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <unordered_map>
#include <cstring>
#include <new>

#include <unistd.h>

namespace gpustream {
namespace {

constexpr std::size_t alignment = 256;

/// Host memory for the CPU backend, aligned like device allocations. Like the
/// device pool it keeps freed large blocks for reuse (up to a bound), so that
/// a batch's buffers do not cost fresh pages (page faults) every interval.
class host_resource final : public memory_resource {
 public:
  backend kind() const noexcept override { return backend::cpu; }
  ~host_resource() override {
    for (const auto& [size, p] : free_) std::free(p);
  }

 private:
  static constexpr std::size_t pooled_min = std::size_t{1} << 20;   // smaller: plain malloc
  /// Bytes kept free at most: an eighth of the machine's memory, and at
  /// least 1 GiB: room for the staged text of two full batches of a large
  /// receive pool beside their columns. Blocks freed beyond it go back to
  /// the system.
  const std::size_t cache_limit_ = [] {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page = sysconf(_SC_PAGESIZE);
    const std::size_t memory =
        pages > 0 && page > 0 ? static_cast<std::size_t>(pages) * static_cast<std::size_t>(page) : 0;
    return std::max(std::size_t{1} << 30, memory / 8);
  }();

  /// `bytes` rounded up to a quarter of the power of two below it (at most
  /// 25% more): a batch a little larger than the last still finds its block.
  static std::size_t size_class(std::size_t bytes) {
    std::size_t power = pooled_min;
    while (power <= bytes / 2) power *= 2;
    const std::size_t step = power / 4;
    return (bytes + step - 1) / step * step;
  }

  void* do_allocate(std::size_t bytes, stream_view) override {
    if (bytes == 0) return nullptr;
    if (bytes < pooled_min) {
      void* p = std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment);
      if (p == nullptr) throw std::bad_alloc{};
      return p;
    }
    const std::size_t rounded = size_class(bytes);
    {
      std::lock_guard lock{mutex_};
      // A free block of at least the size and at most twice it.
      auto it = free_.lower_bound(rounded);
      if (it != free_.end() && it->first <= 2 * rounded) {
        void* p = it->second;
        cached_ -= it->first;
        sizes_[p] = it->first;
        free_.erase(it);
        return p;
      }
    }
    void* p = std::aligned_alloc(alignment, rounded);
    if (p == nullptr) throw std::bad_alloc{};
    std::lock_guard lock{mutex_};
    sizes_[p] = rounded;
    return p;
  }
  void do_deallocate(void* p, std::size_t bytes, stream_view) noexcept override {
    if (p == nullptr) return;
    if (bytes < pooled_min) {
      std::free(p);
      return;
    }
    std::lock_guard lock{mutex_};
    const auto it = sizes_.find(p);
    if (it == sizes_.end()) {  // cannot happen; never leak or crash on it
      std::free(p);
      return;
    }
    const std::size_t size = it->second;
    sizes_.erase(it);
    // Over the bound, the smallest free blocks make room for a larger one:
    // batches of varying size then keep finding a block that fits, where
    // small blocks kept first would send every larger batch to fresh pages.
    while (cached_ + size > cache_limit_ && !free_.empty() && free_.begin()->first < size) {
      cached_ -= free_.begin()->first;
      std::free(free_.begin()->second);
      free_.erase(free_.begin());
    }
    if (cached_ + size > cache_limit_) {
      std::free(p);
      return;
    }
    cached_ += size;
    free_.emplace(size, p);
  }

  std::mutex mutex_;
  std::multimap<std::size_t, void*> free_;      // free blocks by size
  std::unordered_map<void*, std::size_t> sizes_;  // blocks lent, by address
  std::size_t cached_ = 0;
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
