#pragma once

#include <gpustream/aggregate/reduce_by_key.hpp>
#include <gpustream/core/backend.hpp>
#include <gpustream/sources/text_generator.hpp>
#include <gpustream/streaming/dstream.hpp>
#include <gpustream/streaming/listener.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gpustream {

/// How a streaming_context runs.
struct streaming_options {
  /// Batch interval (Spark's batchDuration). Must be positive.
  std::chrono::milliseconds batch_interval{1000};
  /// Where operators run; `automatic` picks CUDA when a device is present.
  backend requested_backend = backend::automatic;
  /// Size of each receive block; at least twice max_record_bytes.
  std::size_t block_bytes = std::size_t{8} << 20;
  /// Blocks in each receiver's pool: receive memory is bounded by
  /// block_bytes * blocks_per_receiver per receiver. When a receiver's pool is
  /// exhausted it stops reading (a TCP sender is slowed) until a batch frees
  /// blocks. At least 2.
  std::size_t blocks_per_receiver = 32;
  /// A line longer than this is dropped whole, counted and reported.
  std::size_t max_record_bytes = std::size_t{1} << 20;
  /// One line per batch at info level on `log` (records, bytes, delays).
  bool log_batches = true;
  /// Where log lines go; nullptr: std::cerr.
  std::ostream* log = nullptr;
  /// Where print() writes; nullptr: std::cout.
  std::ostream* out = nullptr;

  /// Checkpointing (Spark's ssc.checkpoint(dir)); empty: off. The directory
  /// holds checkpoints of the graph's state and the receivers' positions,
  /// and the write-ahead log; start() recovers from what it finds there.
  std::string checkpoint_directory;
  /// How often a checkpoint is written: a multiple of the batch interval.
  /// 0: the smallest multiple of the batch interval that is at least 10 s.
  std::chrono::milliseconds checkpoint_interval{0};
  /// Writes each batch's received data to the write-ahead log before the
  /// batch runs, so that batches received but not checkpointed are run again
  /// after a crash. Needs checkpoint_directory.
  bool write_ahead_log = false;
  /// How the fused word count (an input's flat_map(split_words)
  /// .map(pair_with_one).reduce_by_key()) groups words: `automatic` (the
  /// backend's default path), `sort`, or `hash` (on CUDA the one-pass table,
  /// word_count_table; see gpustream::word_count). Every choice gives the same
  /// counts in the same order.
  reduce_algorithm word_count_algorithm = reduce_algorithm::automatic;
  /// CPU backend: a batch with less input than this runs its operators on one
  /// thread, unless the batch before took long (10 ms or more on one thread:
  /// state and windows can make a small batch's work large). A small batch
  /// runs many short parallel regions, and between them an OpenMP team's
  /// threads spin-wait: on all threads such a stream spends several times the
  /// CPU time for the same latency, and slows badly where other processes
  /// want the cores. 0: every batch on all threads (OMP_NUM_THREADS).
  std::size_t cpu_parallel_bytes = std::size_t{256} << 10;
  /// Stop gracefully on SIGINT or SIGTERM (Spark's
  /// spark.streaming.stopGracefullyOnShutdown), so that a program's main
  /// needs only start() and await_termination(): from start() until the
  /// context stops, the process's handlers for both signals are gpustream's.
  /// The first signal is logged and stops every such context gracefully (what
  /// was received is processed; await_termination() then returns); a second
  /// one ends the process at once with exit status 128 + the signal. A SIGINT
  /// ignored at start() (a background job of a shell) stays ignored; the
  /// handlers that were there before come back when the context stops. Off by
  /// default: a library does not take a program's signals unasked.
  bool stop_on_signals = false;
};

/// Options of a socket_text_stream.
struct socket_stream_options {
  /// Receive rate limit of this receiver in bytes per second; 0: unlimited.
  std::uint64_t max_bytes_per_second = 0;
  /// Wait before each new connection attempt when the server is not there.
  std::chrono::milliseconds reconnect_delay{500};
};

/// What a text_file_stream does with a file that is not text.
enum class binary_file_policy {
  /// Not read: reported once (streaming_listener::on_receiver_error and the
  /// log) and counted in the next batch's batch_info::skipped_files.
  skip,
  /// Read as text like any other file (its bytes up to each '\n' are a record).
  read,
};

/// Options of a text_file_stream (Spark's fileStream arguments).
struct file_stream_options {
  /// Spark's newFilesOnly: true reads only the files moved in after the first
  /// start(); false reads the files already there too (all of them, where
  /// Spark still skips those older than its remember window). After a
  /// recovery the checkpoint decides: files known then are not read again.
  bool new_files_only = true;
  /// Spark's filter: where set, only files whose name (without the directory)
  /// it accepts are read, e.g. those ending in ".log". Called on the
  /// receiver's thread at each look for every file not read yet, so it must
  /// be cheap and thread-safe. A filter that throws skips that file and
  /// reports it once (streaming_listener::on_receiver_error). Hidden files and
  /// files still being copied in (".tmp", "._COPYING_") are never read.
  std::function<bool(const std::string& file_name)> filter;
  /// How often the directory is listed; must be positive.
  std::chrono::milliseconds poll_interval{100};
  /// A file with a NUL byte in its first 8 KiB (grep's and git's test: a
  /// compressed log, an image, a database) is not text; by default it is
  /// skipped instead of being read as thousands of meaningless records.
  /// Checked once per file, when its reading begins.
  binary_file_policy binary_files = binary_file_policy::skip;
};

/// Options of a generator_stream: synthetic text at a configurable rate.
struct generator_stream_options {
  text_generator_options text{};
  /// Bytes per second offered; 0: as fast as the receive pool allows.
  std::uint64_t bytes_per_second = 8u << 20;
  /// Stop after this many bytes in all; 0: never.
  std::uint64_t total_bytes = 0;
  /// Fill every receive block with text once at start (the first batches are
  /// empty meanwhile), then hand the same bytes again each time a block comes
  /// back from a batch: input already in (pinned) memory, for benchmarks where
  /// generating text would be the bottleneck. Text is generated for the
  /// pool's first `replay_generated_bytes`; blocks beyond are copies of
  /// those, so that a pool of several GiB fills in about a second.
  bool replay = false;
  /// Replay: how much of the pool gets freshly generated text (whole blocks;
  /// at least one). Generating takes about 2 s per GiB on one core.
  std::size_t replay_generated_bytes = std::size_t{512} << 20;
};

namespace detail {
class context_impl;
}

/// Spark's StreamingContext: the entry point of a streaming program. Create
/// input DStreams, chain transformations and output operations, then start().
/// Every batch interval the data received since the previous batch forms one
/// batch, which is processed once, in order, even when a batch takes longer
/// than the interval (later batches wait; their scheduling delay grows and is
/// reported). Not copyable; the DStreams it made must not outlive it.
class streaming_context {
 public:
  enum class state { initialized, active, stopped };

  /// Throws gpustream::logic_error for a non-positive interval or inconsistent
  /// sizes, and gpustream::backend_unavailable when CUDA is asked for and
  /// there is no usable device.
  explicit streaming_context(streaming_options options);
  streaming_context(std::chrono::milliseconds batch_interval, backend b = backend::automatic);
  /// Stops the context (not gracefully) if it is active.
  ~streaming_context();
  streaming_context(const streaming_context&) = delete;
  streaming_context& operator=(const streaming_context&) = delete;

  // ---- input DStreams (before start) ----

  /// Lines of text from a TCP server at host:port (Spark's socketTextStream):
  /// connects when started, retries while the server is not there, and
  /// reconnects when it goes away. Throws for an empty host or port 0.
  dstream<std::string> socket_text_stream(const std::string& host, std::uint16_t port,
                                          socket_stream_options options = {});
  /// Lines of the files moved into `directory` after start() (Spark's
  /// textFileStream; with options, its fileStream's newFilesOnly and
  /// filter): each new file is read once, whole, in order of modification
  /// time then name. Throws, naming the directory, when it does not exist or
  /// cannot be listed, and gpustream::logic_error for a poll interval that is
  /// not positive.
  dstream<std::string> text_file_stream(const std::string& directory, file_stream_options options = {});
  /// Prepared batches of lines, for tests (Spark's queueStream with
  /// oneAtATime): one batch per interval, then empty batches. Each batch must
  /// fit in the receive pool: start() throws gpustream::logic_error, naming
  /// the batch, when one needs more than blocks_per_receiver blocks.
  dstream<std::string> queue_stream(std::vector<std::vector<std::string>> batches);
  /// Synthetic text or log lines (see text_generator) at a configurable rate.
  dstream<std::string> generator_stream(generator_stream_options options = {});

  // ---- checkpoints ----

  /// Spark's checkpoint(dir): turns checkpointing on, into `directory`
  /// (created when missing), before start(). See
  /// streaming_options::checkpoint_directory.
  void checkpoint(const std::string& directory);
  /// Spark's getOrCreate: a context from `factory`, checkpointing into
  /// `directory`; when the directory holds a checkpoint, start() recovers
  /// from it. C++ functions cannot be serialized, so unlike Spark the factory
  /// always runs: it must build the same DStream graph each time (start()
  /// refuses a checkpoint of a different graph with checkpoint_error).
  static std::unique_ptr<streaming_context> get_or_create(
      const std::string& directory, const std::function<std::unique_ptr<streaming_context>()>& factory);
  /// After start(): the batch time of the checkpoint the context recovered
  /// from; std::nullopt for a fresh start. Batches after that time were
  /// rolled back: save_as_text_files removed their directories, and the
  /// batches in the write-ahead log run again with their own times.
  std::optional<batch_time> recovered_from() const;

  /// Adds a listener for batch and receiver events (before or after start).
  void add_listener(std::shared_ptr<streaming_listener> listener);

  // ---- lifecycle ----

  /// Starts receiving and processing. Throws gpustream::logic_error when the
  /// context is already active or was stopped, or when no output operation is
  /// registered; with checkpointing, gpustream::checkpoint_error (naming the
  /// file) when a checkpoint or log entry is corrupt, truncated, of another
  /// format version, or of another graph or batch interval.
  void start();
  /// Stops receiving and processing; idempotent. Graceful: the data already
  /// received, including the partial last line of each receiver, is processed
  /// in one last batch and every pending batch completes before it returns.
  /// Not graceful: pending batches are dropped (their size is logged).
  void stop(bool graceful = false);
  /// Waits until the context stops; rethrows the error that stopped it, if any.
  void await_termination();
  /// As await_termination, for at most `timeout`; true when it stopped.
  bool await_termination_or_timeout(std::chrono::milliseconds timeout);

  state current_state() const;
  /// The backend the context runs on (`automatic` resolved).
  backend active_backend() const noexcept;
  std::chrono::milliseconds batch_interval() const noexcept;
  /// Batches completed so far.
  std::uint64_t batches_completed() const;

 private:
  std::shared_ptr<detail::context_impl> impl_;
};

}  // namespace gpustream
