#pragma once

#include <gpustream/memory/pinned_pool.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

namespace gpustream::detail {

/// Whole lines received by one receiver: `bytes` bytes at the start of `block`,
/// the last of them '\n'.
struct sealed_block {
  pinned_block block;
  std::size_t bytes = 0;
  std::uint64_t records = 0;  // lines, when the receiver knows them; else 0
  int receiver = 0;
};

/// Sealed blocks waiting for the next batch. Thread-safe; many receivers push,
/// the job generator takes.
class block_queue {
 public:
  void push(sealed_block&& b) {
    std::lock_guard lock{mutex_};
    bytes_ += b.bytes;
    blocks_.push_back(std::move(b));
  }
  /// Everything pushed so far, in push order.
  std::vector<sealed_block> take_all() {
    std::lock_guard lock{mutex_};
    std::vector<sealed_block> out;
    out.swap(blocks_);
    bytes_ = 0;
    return out;
  }
  std::size_t pending_bytes() const {
    std::lock_guard lock{mutex_};
    return bytes_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<sealed_block> blocks_;
  std::size_t bytes_ = 0;
};

}  // namespace gpustream::detail
