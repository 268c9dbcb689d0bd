#pragma once

#include "graph.hpp"
#include "signal_watch.hpp"
#include "../receivers/block_queue.hpp"
#include "../receivers/receiver.hpp"

#include <gpustream/core/stream.hpp>
#include <gpustream/memory/pinned_pool.hpp>
#include <gpustream/streaming/streaming_context.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace gpustream::detail {

/// The state and threads behind a streaming_context.
///
/// Three threads move a batch along:
///   job generator: at each interval tick, seals every receiver and takes the
///     sealed blocks of every input into a job (batch submitted);
///   copier: copies a job's blocks into one text column per input on the copy
///     stream, waits for the copy, and returns the blocks to their pools;
///   processor: runs the graph's output operations on the compute stream.
/// The copy of batch t+1 thus overlaps the compute of batch t, and batches
/// complete once each, in order.
class context_impl : public std::enable_shared_from_this<context_impl> {
 public:
  using clock = std::chrono::steady_clock;
  using state = streaming_context::state;

  explicit context_impl(streaming_options options);
  ~context_impl();

  // Graph building (before start).
  node_ptr add_input(std::unique_ptr<receiver> r);
  void add_output(std::unique_ptr<output_op> op);
  /// A node evaluated every batch whether or not an output needs it then
  /// (windows record each batch, state updates each batch).
  void add_per_batch_node(node_ptr n);
  /// Throws unless the graph may still change.
  void expect_building(const char* what) const;

  void add_listener(std::shared_ptr<streaming_listener> l);
  void set_checkpoint_directory(const std::string& dir);
  std::optional<batch_time> recovered_from() const;
  void start();
  void stop(bool graceful);
  bool await(std::optional<std::chrono::milliseconds> timeout);

  state current_state() const;
  backend active_backend() const noexcept { return backend_; }
  const streaming_options& options() const noexcept { return options_; }
  std::uint64_t batches_completed() const noexcept { return completed_.load(); }
  /// One line to the context's log (options().log), whole, even from several threads.
  void log_line(const std::string& line);

 private:
  struct input {
    int id = 0;
    std::string name;
    std::unique_ptr<pinned_block_pool> pool;
    block_queue queue;
    std::unique_ptr<receiver> source;
  };
  struct job {
    batch_time time = 0;
    std::vector<std::vector<sealed_block>> blocks;  // by input
    std::uint64_t bytes = 0;
    std::uint64_t oversized = 0;
    std::uint64_t skipped_files = 0;
    clock::time_point submitted{};
    bool last = false;  // the final batch of a stop
    std::vector<std::string> positions;  // by input, with checkpointing: right after this batch
    std::filesystem::path replay;        // a batch of the write-ahead log to run again
  };
  struct staged_job {
    job info;
    std::vector<std::shared_ptr<array<char>>> texts;  // by input
    bool dropped = false;
  };

  void generator_loop();
  void copier_loop();
  void processor_loop();
  job cut_batch(batch_time t);
  staged_job stage(job&& j);
  void process(staged_job& j);
  void fail(std::exception_ptr e);
  /// Starts a stop on a thread of its own (error_stopper_), unless one is
  /// under way: for callers that the stop would wait for, or that must not wait.
  void stop_beside(bool graceful);
  bool on_own_thread() const;
  batch_info info_of(const job& j) const;

  // Checkpoints and the write-ahead log (host/streaming/checkpointing.cpp).
  std::string graph_signature() const;
  /// Before the receivers start: loads the newest checkpoint and lists the
  /// log's batches after it; restores the graph's state and the receivers'
  /// positions. False for a fresh start.
  bool recover();
  void write_checkpoint(batch_time t, const std::vector<std::string>& positions);
  void write_log(const job& j);
  /// A logged batch read back, as a staged job.
  staged_job load_logged(job&& j);
  std::filesystem::path checkpoint_path(batch_time t) const;
  std::filesystem::path log_path(batch_time t) const;
  void release_checkpoint_lock() noexcept;
  /// A start() that failed: stops the first `receivers_started` receivers,
  /// releases the checkpoint lock and marks the context stopped.
  void abandon_start(std::size_t receivers_started);

  template <class F>
  void notify(F&& f);

  streaming_options options_;
  backend backend_;
  std::ostream* log_;
  std::ostream* out_;

  mutable std::mutex mutex_;  // state_, error_, listeners_ and the graph
  std::condition_variable state_changed_;
  state state_ = state::initialized;
  std::exception_ptr error_;
  std::vector<std::unique_ptr<input>> inputs_;
  std::vector<node_ptr> input_nodes_;
  std::vector<node_ptr> per_batch_nodes_;
  batch_time zero_time_ = 0;  // the time before the first batch
  std::vector<std::unique_ptr<output_op>> outputs_;
  std::vector<std::shared_ptr<streaming_listener>> listeners_;
  std::mutex notify_mutex_;  // one event at a time

  std::mutex stop_mutex_;  // serializes stop()
  bool stop_requested_ = false;  // a stop runs on error_stopper_ (under mutex_)
  std::thread error_stopper_;
  std::optional<signal_watch> signals_;  // options_.stop_on_signals, while active

  // Streams: the copy stream feeds the compute stream.
  std::optional<gpustream::stream> copy_stream_;
  std::optional<gpustream::stream> compute_stream_;

  // Job generator.
  std::mutex tick_mutex_;
  std::condition_variable tick_wake_;
  bool receivers_stopped_ = false;  // stop(): cut the last batch now
  std::thread generator_;
  batch_time next_time_ = 0;
  std::chrono::system_clock::time_point start_wall_{};
  clock::time_point start_steady_{};

  // Jobs waiting for the copier, and staged jobs waiting for the processor.
  std::mutex jobs_mutex_;
  std::condition_variable jobs_changed_;
  std::deque<job> jobs_;
  std::deque<staged_job> staged_;
  static constexpr std::size_t max_staged = 1;
  std::atomic<bool> dropping_{false};  // stop(false) or failure: drop pending batches
  std::thread copier_;
  std::thread processor_;

  // CPU backend, processor thread: the OpenMP team size the thread started
  // with, and how long the batch before took (choose_cpu_threads).
  int cpu_threads_max_ = 0;
  clock::duration last_processing_{};
  void choose_cpu_threads(std::uint64_t bytes);

  std::atomic<std::uint64_t> oversized_{0};
  std::atomic<std::uint64_t> skipped_files_{0};
  std::atomic<std::uint64_t> completed_{0};
  std::uint64_t dropped_batches_ = 0;
  std::uint64_t dropped_bytes_ = 0;

  // Checkpointing: off when ckpt_dir_ is empty.
  std::filesystem::path ckpt_dir_;
  std::int64_t ckpt_every_ms_ = 0;
  std::optional<batch_time> recovered_from_;
  std::optional<batch_time> recovered_zero_time_;
  std::vector<job> replay_;  // logged batches to run again, oldest first
  int ckpt_lock_fd_ = -1;    // an exclusive flock on <dir>/lock while the context lives
};

}  // namespace gpustream::detail
