#pragma once

#include "block_queue.hpp"

#include <gpustream/memory/pinned_pool.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace gpustream::detail {

/// What a receiver is given when it starts: where its bytes go and whom it
/// tells about trouble. Every callback is thread-safe.
struct receiver_env {
  pinned_block_pool* pool = nullptr;  // blocks to read into (bounded: backpressure)
  block_queue* queue = nullptr;       // sealed blocks of whole lines for the next batch
  int id = 0;                         // receiver id, unique in the context
  std::size_t max_record_bytes = 1 << 20;
  std::function<void(const std::string&)> on_error;  // a receiver error event (it goes on)
  std::function<void(std::size_t)> on_oversized;     // a record over the limit was dropped
  std::function<void()> on_skipped_file;             // a file source skipped a file (reported through on_error too)
};

/// A source of raw text lines running on its own thread(s). Lifecycle:
/// start() once, then any number of seal() calls from the job generator, then
/// stop() once. A receiver never drops data it has received, except a record
/// over the size limit (reported through on_oversized) and a file its options
/// tell it to skip (reported through on_skipped_file).
class receiver {
 public:
  virtual ~receiver() = default;
  /// A short description for logs and events, e.g. "socket localhost:9999".
  virtual std::string name() const = 0;
  /// Starts receiving in the background. Throws on bad configuration.
  virtual void start(receiver_env env) = 0;
  /// Called at each batch tick: pushes to the queue every complete line
  /// received so far, and returns after it has. Thread-safe; quick.
  virtual void seal() = 0;
  /// Stops receiving, pushes what was received (a partial last line becomes a
  /// record), and joins the receiver's threads. Idempotent.
  virtual void stop() = 0;
  /// True once the source can produce nothing more (a queue or a generator
  /// that ran dry); a socket or directory source never ends by itself.
  virtual bool exhausted() const { return false; }

  // ---- checkpoints ----

  /// At a batch tick with checkpointing on (instead of seal()): seals, takes
  /// every sealed block from `queue` into `out`, and returns the receiver's
  /// position right after exactly those blocks, as one step: what a receiver
  /// restarted from a checkpoint needs to go on after them without reading
  /// anything twice. Empty for a receiver that cannot go back (a socket, the
  /// generator): it goes on with whatever comes next.
  virtual std::string cut(block_queue& queue, std::vector<sealed_block>& out) {
    seal();
    out = queue.take_all();
    return {};
  }
  /// The position before anything was received, valid once start() returns.
  virtual std::string start_position() const { return {}; }
  /// Before start(): go on from a position cut() or start_position() returned
  /// by a receiver of the same kind. Throws checkpoint_error when the
  /// position cannot be read.
  virtual void restore(const std::string& /*position*/) {}
};

}  // namespace gpustream::detail
