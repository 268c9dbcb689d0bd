#pragma once

#include "receiver.hpp"

#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace gpustream::detail {

/// Spark's queueStream with oneAtATime: each seal() pushes the next prepared
/// batch of lines (each line followed by '\n'; a line containing '\n' becomes
/// several records), then nothing once the queue is empty. A line longer than
/// the maximum record size is dropped and reported through on_oversized.
/// start() throws gpustream::logic_error when a batch needs more blocks than
/// the pool has (a batch's blocks are all held until the batch is cut).
class queue_receiver final : public receiver {
 public:
  explicit queue_receiver(std::vector<std::vector<std::string>> batches);
  std::string name() const override;
  void start(receiver_env env) override;
  void seal() override;
  void stop() override;
  bool exhausted() const override;
  /// The position is the number of batches handed out so far.
  std::string cut(block_queue& queue, std::vector<sealed_block>& out) override;
  std::string start_position() const override;
  void restore(const std::string& position) override;

 private:
  mutable std::mutex mutex_;
  std::deque<std::vector<std::string>> batches_;
  receiver_env env_;
  bool started_ = false;
  bool stopped_ = false;
  std::uint64_t handed_out_ = 0;
};

}  // namespace gpustream::detail
