#include <gpustream/core/error.hpp>
#include <gpustream/memory/pinned_pool.hpp>

#include "../cuda/cuda_runtime.hpp"

#include <cstdlib>
#include <new>

namespace gpustream {

void pinned_block::reset() noexcept {
  if (pool_ != nullptr && data_ != nullptr) pool_->release(data_);
  pool_ = nullptr;
  data_ = nullptr;
}

pinned_block_pool::pinned_block_pool(std::size_t block_bytes, std::size_t block_count, backend b)
    : block_bytes_{block_bytes}, block_count_{block_count} {
  GPUSTREAM_EXPECTS(block_bytes > 0, "pinned_block_pool: block size must be positive");
  GPUSTREAM_EXPECTS(block_count > 0, "pinned_block_pool: block count must be positive");
  constexpr std::size_t align = 4096;
  const std::size_t stride = (block_bytes + align - 1) / align * align;
  GPUSTREAM_EXPECTS(stride / align <= SIZE_MAX / align / block_count,
                    "pinned_block_pool: total size overflows");
  total_bytes_ = stride * block_count;
  // One allocation for all blocks: pinning is paid once, at start-up.
  if (resolve_backend(b) == backend::cuda) {
    base_ = static_cast<char*>(detail::cuda_rt::host_alloc_pinned(total_bytes_));
    pinned_ = true;
  } else {
    base_ = static_cast<char*>(std::aligned_alloc(align, total_bytes_));
    if (base_ == nullptr) throw std::bad_alloc{};
  }
  free_.reserve(block_count);
  for (std::size_t i = block_count; i-- > 0;) free_.push_back(base_ + i * stride);
}

pinned_block_pool::~pinned_block_pool() {
  if (pinned_) {
    detail::cuda_rt::free_pinned(base_);
  } else {
    std::free(base_);
  }
}

pinned_block pinned_block_pool::take_locked() {
  char* p = free_.back();
  free_.pop_back();
  return pinned_block{this, p, block_bytes_};
}

pinned_block pinned_block_pool::acquire() {
  std::unique_lock lock{mutex_};
  freed_.wait(lock, [this] { return !free_.empty(); });
  return take_locked();
}

pinned_block pinned_block_pool::try_acquire() {
  std::lock_guard lock{mutex_};
  if (free_.empty()) return {};
  return take_locked();
}

pinned_block pinned_block_pool::acquire_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock{mutex_};
  if (!freed_.wait_for(lock, timeout, [this] { return !free_.empty(); })) return {};
  return take_locked();
}

std::size_t pinned_block_pool::available() const {
  std::lock_guard lock{mutex_};
  return free_.size();
}

void pinned_block_pool::release(char* data) noexcept {
  {
    std::lock_guard lock{mutex_};
    free_.push_back(data);
  }
  freed_.notify_one();
}

}  // namespace gpustream
