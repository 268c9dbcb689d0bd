#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace gpustream {

/// A batch's time: the end of its interval, in milliseconds since the Unix
/// epoch, a multiple of the batch interval (Spark's `Time`).
using batch_time = std::int64_t;

/// What is known of a batch when an event is raised. Delays are Spark's:
/// scheduling delay = processing start - submission; processing delay =
/// processing end - processing start; total delay = processing end - batch
/// time (zero until known).
struct batch_info {
  batch_time time = 0;
  /// Lines in the batch, all inputs together. Counted as the batch runs: 0 in
  /// on_batch_submitted and on_batch_started.
  std::uint64_t records = 0;
  /// Bytes of whole lines in the batch, all inputs together.
  std::uint64_t bytes = 0;
  /// Records over the maximum record size dropped by the receivers since the
  /// previous batch (counted, reported, never silently cut).
  std::uint64_t oversized_records = 0;
  /// Files the directory sources skipped since the previous batch because
  /// they are not text (file_stream_options::binary_files).
  std::uint64_t skipped_files = 0;
  /// Keys held by the graph's state (update_state_by_key) after the batch,
  /// all state streams together; known in on_batch_completed.
  std::uint64_t state_keys = 0;
  std::chrono::milliseconds scheduling_delay{0};
  std::chrono::milliseconds processing_delay{0};
  std::chrono::milliseconds total_delay{0};
};

/// A receiver as reported by receiver events.
struct receiver_info {
  int id = 0;            ///< unique in its context, in order of creation
  std::string name;      ///< e.g. "socket localhost:9999"
  std::string message;   ///< for on_receiver_error: what went wrong
};

/// Spark's StreamingListener. Events come from the context's scheduler
/// threads, one at a time, in order per batch; handlers must be quick and must
/// not call stop() on their context. Exceptions from a handler are caught and
/// logged.
class streaming_listener {
 public:
  virtual ~streaming_listener() = default;
  virtual void on_batch_submitted(const batch_info&) {}
  virtual void on_batch_started(const batch_info&) {}
  virtual void on_batch_completed(const batch_info&) {}
  virtual void on_receiver_started(const receiver_info&) {}
  virtual void on_receiver_stopped(const receiver_info&) {}
  virtual void on_receiver_error(const receiver_info&) {}
};

}  // namespace gpustream
