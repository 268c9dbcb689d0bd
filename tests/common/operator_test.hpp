#pragma once

// Shared by the operator tests that run a streaming_context over queued
// batches and compare every output with a reference model: a fixture with
// small, fast settings on each backend, and a sink that keeps each output's
// records by batch time.

#include "test_utils.hpp"

#include <gpustream/gpustream.hpp>

#include <chrono>
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
  /// Starts the context, waits until `batches` batches have run, stops.
  static void run(streaming_context& ctx, int batches) {
    using namespace std::chrono_literals;
    ctx.start();
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (ctx.batches_completed() < static_cast<std::uint64_t>(batches) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    ctx.stop(true);
    ASSERT_GE(ctx.batches_completed(), static_cast<std::uint64_t>(batches)) << "batches did not complete in time";
  }

  mutable std::ostringstream log_;
  mutable std::ostringstream out_;
};

}  // namespace gpustream::test
