#include "demo.hpp"

#include <gpustream/gpustream.hpp>
#include <gpustream/sources/text_generator.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

namespace gpustream::app {
namespace {

using clock_type = std::chrono::steady_clock;

void print_batch(std::int64_t batch_time_ms, const key_value_table& top, bool more) {
  const auto keys = top.keys.to_host();
  const auto values = top.values.to_host();
  std::cout << "-------------------------------------------\n"
            << "Time: " << batch_time_ms << " ms\n"
            << "-------------------------------------------\n";
  for (std::size_t i = 0; i < keys.size(); ++i) std::cout << '(' << keys[i] << ',' << values[i] << ")\n";
  if (more) std::cout << "...\n";
  std::cout << '\n' << std::flush;
}

}  // namespace

int run_demo(const demo_options& o) {
  const backend chosen = resolve_backend(o.requested);
  std::cerr << "gpustream demo: backend " << describe_backend(chosen) << ", " << o.batches
            << " batches of " << o.batch_mib << " MiB every " << o.interval_ms << " ms\n";

  const std::size_t batch_bytes = o.batch_mib << 20;
  // Pinned blocks allocated once; each batch's text is written straight into one.
  pinned_block_pool pool{batch_bytes, 2, chosen};
  gpustream::stream s{chosen};
  text_generator generator{text_generator_options{generated_text::words, 2026, 20000, 4, 16}};

  const auto wall_start = std::chrono::system_clock::now();
  const std::int64_t first_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(wall_start.time_since_epoch()).count() /
      o.interval_ms * o.interval_ms;
  const auto start = clock_type::now();
  for (int b = 0; b < o.batches; ++b) {
    // Batches are cut at interval ticks, like a StreamingContext's.
    std::this_thread::sleep_until(start + std::chrono::milliseconds(std::int64_t{o.interval_ms} * (b + 1)));
    const std::int64_t batch_time = first_ms + std::int64_t{o.interval_ms} * (b + 1);

    pinned_block block = pool.acquire();
    const std::uint64_t lines_before = generator.lines();
    const std::size_t bytes = generator.fill(block.data(), block.capacity());
    const auto t0 = clock_type::now();
    column<char> text{static_cast<size_type>(bytes), s};
    copy_bytes(text.data(), block.data(), bytes, s);
    const key_value_table counts = word_count(text.view(), s);
    const key_value_table top = top_k(counts.keys.view(), counts.values.view(), o.top, s);
    s.synchronize();
    const double ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();

    print_batch(batch_time, top, counts.size() > top.size());
    if (!o.quiet_log) {
      char line[256];
      std::snprintf(line, sizeof(line),
                    "[info] batch %lld: %llu records, %.1f MiB, %lld distinct words, processing %.1f ms (%.2f GB/s)\n",
                    static_cast<long long>(batch_time),
                    static_cast<unsigned long long>(generator.lines() - lines_before),
                    static_cast<double>(bytes) / (1 << 20), static_cast<long long>(counts.size()), ms,
                    static_cast<double>(bytes) / (ms * 1e6));
      std::cerr << line;
    }
  }
  return 0;
}

}  // namespace gpustream::app
