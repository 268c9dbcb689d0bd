#pragma once

#include "block_queue.hpp"

#include <gpustream/memory/pinned_pool.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace gpustream::detail {

/// Assembles one receiver's bytes into pinned blocks of whole lines. The
/// receiver reads straight into writable(), then commit()s what it read; the
/// assembler never copies records, except the partial line at a block's end,
/// which moves to the next block when the block is sealed. A line longer than
/// `max_record_bytes` is dropped whole, counted, and reported through
/// `on_oversized`; the stream goes on after it. Used by one thread at a time.
///
/// To find line ends without per-record work, each commit scans only up to its
/// first '\n' and back from its end to its last '\n'; callers must therefore
/// commit at most `max_record_bytes` at once (writable() never offers more).
class line_assembler {
 public:
  line_assembler(pinned_block_pool& pool, block_queue& out, int receiver_id,
                 std::size_t max_record_bytes, std::function<void(std::size_t)> on_oversized);

  /// Room to read into: at most max_record_bytes. Empty (size 0) when no
  /// block is free in the pool: the caller should stop reading and retry later
  /// (backpressure).
  struct region {
    char* data = nullptr;
    std::size_t size = 0;
  };
  region writable();

  /// `n` bytes were written at the start of the last writable() region.
  void commit(std::size_t n);

  /// Hands the complete lines received so far to the queue; the partial line
  /// stays for the next block. No-op when there is no complete line.
  void seal();

  /// End of input (connection closed, file read whole): a partial last line
  /// becomes a record, then everything is sealed.
  void finish();

  /// True when finish() must move the partial last line to a new block, and
  /// so would wait for a free one when the pool has none (writable() then
  /// tells whether one is free, without waiting).
  bool finish_needs_block() const noexcept {
    return !discarding_ && (block_ ? partial_bytes() > 0 && pos_ == block_.capacity() : !tail_.empty());
  }

  /// Bytes of the current partial line.
  std::size_t partial_bytes() const noexcept { return pos_ - line_start_; }
  std::uint64_t oversized_records() const noexcept { return oversized_; }
  std::uint64_t bytes_committed() const noexcept { return committed_; }
  /// Bytes committed but not yet handed to the queue: the block being filled
  /// (or the partial line carried for the next one), plus the dropped part of
  /// an oversized line still being discarded. bytes_committed() minus this is
  /// where the sealed data ends in the input.
  std::size_t unsealed_bytes() const noexcept { return (block_ ? pos_ : tail_.size()) + (discarding_ ? discarded_ : 0); }

 private:
  bool ensure_block();
  void begin_discard();
  void end_discard();

  pinned_block_pool& pool_;
  block_queue& out_;
  int receiver_;
  std::size_t max_record_;
  std::function<void(std::size_t)> on_oversized_;

  pinned_block block_;
  std::size_t pos_ = 0;         // bytes in block_
  std::size_t line_start_ = 0;  // start of the partial line in block_
  std::vector<char> tail_;      // partial line carried from a sealed block to the next
  bool discarding_ = false;     // inside an oversized line: drop until its '\n'
  std::size_t discarded_ = 0;   // bytes of the oversized line dropped so far
  std::uint64_t oversized_ = 0;
  std::uint64_t committed_ = 0;
};

}  // namespace gpustream::detail
