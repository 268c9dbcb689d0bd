#include "demo.hpp"

#include <gpustream/gpustream.hpp>
#include <gpustream/streaming/dstream.hpp>
#include <gpustream/streaming/streaming_context.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <numeric>
#include <sstream>
#include <vector>

namespace gpustream::app {
namespace {

/// Spark's pprint form, with the batch's `top` most frequent words first
/// (ties by word).
void print_top(batch_time time, const std::vector<word_pair>& counts, std::size_t top) {
  std::vector<std::size_t> order(counts.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  const std::size_t n = std::min(top, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(),
                    [&](std::size_t a, std::size_t b) {
                      if (counts[a].second != counts[b].second) return counts[a].second > counts[b].second;
                      return counts[a].first < counts[b].first;
                    });
  std::ostringstream text;
  text << "-------------------------------------------\n"
       << "Time: " << time << " ms\n"
       << "-------------------------------------------\n";
  for (std::size_t i = 0; i < n; ++i) text << '(' << counts[order[i]].first << ',' << counts[order[i]].second << ")\n";
  if (counts.size() > n) text << "...\n";
  text << '\n';
  std::cout << text.str() << std::flush;
}

}  // namespace

int run_demo(const demo_options& o) {
  // Shared with the processing thread; declared first, so that they outlive the context.
  std::mutex mutex;
  std::condition_variable printed_changed;
  int printed = 0;

  const std::size_t batch_bytes = o.batch_mib << 20;
  streaming_options so;
  so.batch_interval = std::chrono::milliseconds{o.interval_ms};
  so.requested_backend = o.requested;
  so.log_batches = !o.quiet_log;
  // Receive memory for about two batches, so that the generator keeps its rate
  // while a batch is copied.
  const std::size_t blocks_per_batch = (batch_bytes + so.block_bytes - 1) / so.block_bytes;
  so.blocks_per_receiver = std::max<std::size_t>(4, 2 * blocks_per_batch + 2);
  streaming_context ctx{so};
  std::cerr << "gpustream demo: backend " << describe_backend(ctx.active_backend()) << ", " << o.batches
            << " batches of " << o.batch_mib << " MiB every " << o.interval_ms << " ms\n";

  // Generated text at batch_mib per interval; the first batch holds what came
  // from the start to the first interval tick, so it is smaller.
  generator_stream_options g;
  g.text = text_generator_options{generated_text::words, 2026, 20000, 4, 16};
  g.bytes_per_second = static_cast<std::uint64_t>(batch_bytes) * 1000 / static_cast<std::uint64_t>(o.interval_ms);
  const dstream<word_pair> counts =
      ctx.generator_stream(g).flat_map(split_words).map(pair_with_one).reduce_by_key();

  const auto top = static_cast<std::size_t>(o.top);
  counts.foreach_batch([&](const std::vector<word_pair>& records, batch_time time) {
    {
      std::lock_guard lock{mutex};
      if (printed >= o.batches) return;  // a batch cut before the stop below took effect
    }
    print_top(time, records, top);
    {
      std::lock_guard lock{mutex};
      ++printed;
    }
    printed_changed.notify_all();
  });

  ctx.start();
  {
    std::unique_lock lock{mutex};
    // The poll notices a context stopped by a failure.
    while (printed < o.batches && ctx.current_state() != streaming_context::state::stopped) {
      printed_changed.wait_for(lock, std::chrono::milliseconds{100});
    }
  }
  // Done. A graceful stop, so that nothing received is dropped; the batch it
  // runs is not printed (the callback above has printed its last one).
  ctx.stop(true);
  ctx.await_termination();  // rethrows the error that stopped the context, if any
  return 0;
}

}  // namespace gpustream::app
