#include "queue_receiver.hpp"

#include <gpustream/core/error.hpp>

#include <cstring>
#include <stdexcept>

namespace gpustream::detail {

queue_receiver::queue_receiver(std::vector<std::vector<std::string>> batches)
    : batches_(std::make_move_iterator(batches.begin()), std::make_move_iterator(batches.end())) {}

std::string queue_receiver::name() const { return "queue"; }

void queue_receiver::start(receiver_env env) {
  std::lock_guard lock{mutex_};
  GPUSTREAM_EXPECTS(!started_ && !stopped_, "queue_receiver: started twice");
  GPUSTREAM_EXPECTS(env.pool != nullptr && env.queue != nullptr, "queue_receiver: no pool or queue");
  // seal() holds a batch's blocks until the batch is cut, after it returns: a
  // batch that needs more blocks than the pool has would wait for ever.
  const std::size_t capacity = env.pool->block_bytes();
  for (std::size_t b = 0; b < batches_.size(); ++b) {
    std::size_t blocks = 0;
    std::size_t used = capacity;
    for (const std::string& line : batches_[b]) {
      if (line.size() > env.max_record_bytes) continue;  // dropped by seal()
      if (used + line.size() + 1 > capacity) {
        ++blocks;
        used = 0;
      }
      used += line.size() + 1;
    }
    GPUSTREAM_EXPECTS(blocks <= env.pool->block_count(),
                      "queue_stream: batch " + std::to_string(b) + " needs " + std::to_string(blocks) +
                          " receive blocks of " + std::to_string(capacity) + " bytes, more than the " +
                          std::to_string(env.pool->block_count()) +
                          " of the pool; raise block_bytes or blocks_per_receiver, or queue smaller batches");
  }
  env_ = std::move(env);
  started_ = true;
}

void queue_receiver::seal() {
  std::lock_guard lock{mutex_};
  if (!started_ || stopped_ || batches_.empty()) return;
  std::vector<std::string> lines = std::move(batches_.front());
  batches_.pop_front();
  ++handed_out_;

  sealed_block current;
  auto flush = [&] {
    if (current.block && current.bytes > 0) env_.queue->push(std::move(current));
    current = sealed_block{};
  };
  for (const std::string& line : lines) {
    if (line.size() > env_.max_record_bytes) {
      if (env_.on_oversized) env_.on_oversized(line.size());
      continue;
    }
    const std::size_t need = line.size() + 1;
    if (current.block && current.bytes + need > current.block.capacity()) flush();
    if (!current.block) {
      current.block = env_.pool->acquire();  // waits for a batch to free a block
      current.receiver = env_.id;
    }
    std::memcpy(current.block.data() + current.bytes, line.data(), line.size());
    current.block.data()[current.bytes + line.size()] = '\n';
    current.bytes += need;
    ++current.records;
  }
  flush();
}

std::string queue_receiver::cut(block_queue& queue, std::vector<sealed_block>& out) {
  seal();
  std::lock_guard lock{mutex_};
  out = queue.take_all();
  return std::to_string(handed_out_);
}

std::string queue_receiver::start_position() const { return "0"; }

void queue_receiver::restore(const std::string& position) {
  std::lock_guard lock{mutex_};
  std::uint64_t n = 0;
  try {
    std::size_t used = 0;
    n = std::stoull(position, &used);
    if (used != position.size()) throw std::invalid_argument{position};
  } catch (const std::exception&) {
    throw checkpoint_error{"queue_stream: a bad position '" + position + "' in the checkpoint"};
  }
  for (; handed_out_ < n && !batches_.empty(); ++handed_out_) batches_.pop_front();
}

void queue_receiver::stop() {
  std::lock_guard lock{mutex_};
  stopped_ = true;
}

bool queue_receiver::exhausted() const {
  std::lock_guard lock{mutex_};
  return batches_.empty();
}

}  // namespace gpustream::detail
