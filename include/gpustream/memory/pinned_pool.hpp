#pragma once

#include <gpustream/core/backend.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <vector>

namespace gpustream {

class pinned_block_pool;

/// One block lent by a pinned_block_pool; returned to the pool when destroyed.
/// Move-only.
class pinned_block {
 public:
  pinned_block() = default;
  ~pinned_block() { reset(); }
  pinned_block(const pinned_block&) = delete;
  pinned_block& operator=(const pinned_block&) = delete;
  pinned_block(pinned_block&& o) noexcept : pool_{o.pool_}, data_{o.data_}, capacity_{o.capacity_} {
    o.pool_ = nullptr;
    o.data_ = nullptr;
  }
  pinned_block& operator=(pinned_block&& o) noexcept {
    if (this != &o) {
      reset();
      pool_ = o.pool_;
      data_ = o.data_;
      capacity_ = o.capacity_;
      o.pool_ = nullptr;
      o.data_ = nullptr;
    }
    return *this;
  }

  char* data() const noexcept { return data_; }
  std::size_t capacity() const noexcept { return capacity_; }
  explicit operator bool() const noexcept { return data_ != nullptr; }
  /// Returns the block to its pool now.
  void reset() noexcept;

 private:
  friend class pinned_block_pool;
  pinned_block(pinned_block_pool* pool, char* data, std::size_t capacity) noexcept
      : pool_{pool}, data_{data}, capacity_{capacity} {}
  pinned_block_pool* pool_ = nullptr;
  char* data_ = nullptr;
  std::size_t capacity_ = 0;
};

/// A bounded pool of equal-sized host blocks, allocated once at construction
/// and reused: page-locked (cudaHostAlloc) for the CUDA backend so that copies
/// to the device run at full PCIe speed, ordinary aligned memory for the CPU
/// backend. Construction costs about 0.7 s per GiB of pinned memory, so make one
/// pool at start-up, never per batch. Thread-safe. The pool must outlive its
/// blocks.
class pinned_block_pool {
 public:
  /// Throws gpustream::logic_error for a zero size or count, and std::bad_alloc
  /// or gpustream::cuda_error when the memory cannot be had.
  pinned_block_pool(std::size_t block_bytes, std::size_t block_count, backend b);
  ~pinned_block_pool();
  pinned_block_pool(const pinned_block_pool&) = delete;
  pinned_block_pool& operator=(const pinned_block_pool&) = delete;

  /// Waits until a block is free and takes it.
  pinned_block acquire();
  /// Takes a free block, or returns an empty one when none is free.
  pinned_block try_acquire();
  /// Waits at most `timeout` for a free block; an empty block on time-out.
  pinned_block acquire_for(std::chrono::milliseconds timeout);

  std::size_t block_bytes() const noexcept { return block_bytes_; }
  std::size_t block_count() const noexcept { return block_count_; }
  /// Blocks not lent out right now.
  std::size_t available() const;
  /// True when the blocks are page-locked (CUDA backend).
  bool pinned() const noexcept { return pinned_; }

 private:
  friend class pinned_block;
  void release(char* data) noexcept;
  pinned_block take_locked();

  std::size_t block_bytes_;
  std::size_t block_count_;
  bool pinned_ = false;
  char* base_ = nullptr;
  std::size_t total_bytes_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<char*> free_;
};

}  // namespace gpustream
