#include "line_assembler.hpp"

#include <gpustream/core/error.hpp>

#include <algorithm>
#include <cstring>

namespace gpustream::detail {

line_assembler::line_assembler(pinned_block_pool& pool, block_queue& out, int receiver_id,
                               std::size_t max_record_bytes,
                               std::function<void(std::size_t)> on_oversized)
    : pool_{pool},
      out_{out},
      receiver_{receiver_id},
      max_record_{max_record_bytes},
      on_oversized_{std::move(on_oversized)} {
  GPUSTREAM_EXPECTS(max_record_bytes > 0, "the maximum record size must be positive");
  GPUSTREAM_EXPECTS(max_record_bytes * 2 <= pool.block_bytes(),
                    "the block size must be at least twice the maximum record size");
  tail_.reserve(max_record_bytes);
}

bool line_assembler::ensure_block() {
  if (block_) return true;
  block_ = pool_.try_acquire();
  if (!block_) return false;
  // The partial line of the previous block goes first (at most max_record bytes).
  std::memcpy(block_.data(), tail_.data(), tail_.size());
  pos_ = tail_.size();
  line_start_ = 0;
  tail_.clear();
  return true;
}

line_assembler::region line_assembler::writable() {
  if (!ensure_block()) return {};
  if (pos_ == block_.capacity()) {
    // Full: the partial line is at most max_record < capacity / 2, so there
    // are complete lines to seal.
    seal();
    if (!ensure_block()) return {};
  }
  return region{block_.data() + pos_, std::min(block_.capacity() - pos_, max_record_)};
}

void line_assembler::begin_discard() {
  discarding_ = true;
  discarded_ = pos_ - line_start_;
  pos_ = line_start_;
}

void line_assembler::end_discard() {
  discarding_ = false;
  ++oversized_;
  if (on_oversized_) on_oversized_(discarded_);
  discarded_ = 0;
}

void line_assembler::commit(std::size_t n) {
  GPUSTREAM_EXPECTS(block_ && n <= block_.capacity() - pos_ && n <= max_record_,
                    "line_assembler: commit beyond the writable region");
  if (n == 0) return;
  committed_ += n;
  char* b = block_.data();
  std::size_t w = pos_;
  pos_ += n;

  if (discarding_) {
    // Still inside an oversized line: drop up to and including its '\n'.
    const auto* nl = static_cast<const char*>(std::memchr(b + w, '\n', n));
    if (nl == nullptr) {
      discarded_ += n;
      pos_ = w;
      return;
    }
    const std::size_t consumed = static_cast<std::size_t>(nl - (b + w)) + 1;
    discarded_ += consumed - 1;
    end_discard();
    std::memmove(b + w, b + w + consumed, n - consumed);
    pos_ = w + n - consumed;
    line_start_ = w;
    n -= consumed;
    if (n == 0) return;
  }

  // The first '\n' of the new bytes ends the line that started at line_start_,
  // possibly several commits ago: the only line that can exceed the limit.
  const auto* first = static_cast<const char*>(std::memchr(b + w, '\n', pos_ - w));
  if (first == nullptr) {
    if (pos_ - line_start_ > max_record_) begin_discard();
    return;
  }
  const auto f = static_cast<std::size_t>(first - b);
  if (f - line_start_ > max_record_) {
    discarded_ = f - line_start_;
    ++oversized_;
    if (on_oversized_) on_oversized_(discarded_);
    discarded_ = 0;
    std::memmove(b + line_start_, b + f + 1, pos_ - (f + 1));
    pos_ -= f + 1 - line_start_;
    w = line_start_;
    if (pos_ == w) return;
    // Lines after it lie within this commit, so they are within the limit.
    const auto* last = static_cast<const char*>(memrchr(b + w, '\n', pos_ - w));
    if (last != nullptr) line_start_ = static_cast<std::size_t>(last - b) + 1;
    return;
  }
  const auto* last = static_cast<const char*>(memrchr(first, '\n', static_cast<std::size_t>(b + pos_ - first)));
  line_start_ = static_cast<std::size_t>(last - b) + 1;
}

void line_assembler::seal() {
  if (!block_ || line_start_ == 0) return;
  tail_.assign(block_.data() + line_start_, block_.data() + pos_);
  sealed_block sealed;
  sealed.block = std::move(block_);
  sealed.bytes = line_start_;
  sealed.receiver = receiver_;
  out_.push(std::move(sealed));
  block_ = pinned_block{};
  pos_ = 0;
  line_start_ = 0;
}

void line_assembler::finish() {
  if (discarding_) {
    end_discard();
  } else if (partial_bytes() > 0 || (!block_ && !tail_.empty())) {
    // The last line had no '\n': it ends with the input.
    if (!block_ || pos_ == block_.capacity()) {
      seal();
      if (!block_) {
        block_ = pool_.acquire();  // waits for a batch to free a block
        std::memcpy(block_.data(), tail_.data(), tail_.size());
        pos_ = tail_.size();
        line_start_ = 0;
        tail_.clear();
      }
    }
    block_.data()[pos_++] = '\n';
    line_start_ = pos_;
  }
  seal();
}

}  // namespace gpustream::detail
