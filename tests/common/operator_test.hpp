#pragma once

// Shared by the operator tests that run a streaming_context over queued
// batches and compare every output with a reference model: a fixture with
// small, fast settings on each backend, and a sink that keeps each output's
// records by batch time.

#include "test_utils.hpp"

#include <gpustream/gpustream.hpp>

#include <chrono>
#include <cstdlib>
#include <cstdint>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

namespace gpustream::test {

/// The records an output saw, by batch time.
template <class T>
struct recorder {
  std::mutex mutex;
  std::map<batch_time, std::vector<T>> seen;
  auto sink() {
    return [this](const std::vector<T>& records, batch_time t) {
      std::lock_guard lock{mutex};
      seen[t] = records;
    };
  }
};

/// Runs an operator test once per backend; the context's log and print()
/// output are kept in log_ and out_ (read them once the context has stopped).
class operator_test : public backend_test {
 protected:
  static constexpr std::chrono::milliseconds interval{40};

  streaming_options options() const {
    streaming_options o;
    o.batch_interval = interval;
    o.requested_backend = GetParam();
    o.block_bytes = 256 << 10;
    o.blocks_per_receiver = 8;
    o.max_record_bytes = 64 << 10;
    o.log = &log_;
    o.out = &out_;
    o.log_batches = false;
    return o;
  }
  /// How long run() waits for its batches: 60 s, or GPUSTREAM_TEST_WAIT_SECONDS
  /// where every kernel runs many times slower (compute-sanitizer, valgrind).
  static std::chrono::milliseconds batch_wait() {
    if (const char* s = std::getenv("GPUSTREAM_TEST_WAIT_SECONDS")) {
      const double seconds = std::strtod(s, nullptr);
      if (seconds > 0) return std::chrono::milliseconds{static_cast<std::int64_t>(seconds * 1000)};
    }
    return std::chrono::seconds{60};
  }
  /// Starts the context, waits until `batches` batches have run, stops. A
  /// fatal failure (so call it under ASSERT_NO_FATAL_FAILURE, and the model
  /// is not compared with a run cut short) when the context stopped with an
  /// error, which it names, or when the batches did not complete in time: a
  /// graceful stop ends the queue's batches not yet cut, so later batches
  /// would differ from the model for that reason alone.
  static void run(streaming_context& ctx, int batches) {
    using namespace std::chrono_literals;
    ctx.start();
    const auto wait = batch_wait();
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (ctx.batches_completed() < static_cast<std::uint64_t>(batches) &&
           ctx.current_state() != streaming_context::state::stopped && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    const std::uint64_t completed = ctx.batches_completed();
    ctx.stop(true);
    try {
      ctx.await_termination();
    } catch (const std::exception& e) {
      FAIL() << "the context stopped with an error after " << completed << " batch(es): " << e.what();
    }
    ASSERT_GE(completed, static_cast<std::uint64_t>(batches))
        << "only " << completed << " of " << batches << " batches completed in " << wait.count()
        << " ms; set GPUSTREAM_TEST_WAIT_SECONDS to wait longer";
  }

  mutable std::ostringstream log_;
  mutable std::ostringstream out_;
};

}  // namespace gpustream::test
