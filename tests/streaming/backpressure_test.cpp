// Backpressure: a source much faster than processing, a tiny receive pool and
// a slow output operation. Memory stays bounded by the pool (no batch holds
// more than the pool of its receiver) and nothing is lost.

#include "../common/streaming_utils.hpp"
#include "../common/tcp_server.hpp"
#include "../common/threads.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace gpustream::test {
namespace {

using namespace std::chrono_literals;
using backpressure_test = streaming_test;

constexpr std::uint64_t pool_bytes = streaming_test::block_bytes * streaming_test::blocks_per_receiver;

std::uint64_t largest_batch(const recording_listener& events) {
  std::uint64_t most = 0;
  for (const auto& b : events.batches(recording_listener::type::batch_completed)) most = std::max(most, b.bytes);
  return most;
}

TEST_P(backpressure_test, fast_socket_sender_is_held_back_and_nothing_is_lost) {
  SCOPED_TRACE(seed_trace());
  auto rng = this->rng();
  text_options o;
  o.bytes = 6u << 20;
  o.trailing_newline = false;
  const std::string text = make_text(rng, o);
  tcp_server server;
  streaming_context ctx{options()};
  auto lines = ctx.socket_text_stream("127.0.0.1", server.port());
  auto counts = std::make_shared<count_sink>();
  lines.flat_map(split_words).map(pair_with_one).reduce_by_key().foreach_batch(
      [counts](const std::vector<word_pair>& batch, batch_time) {
        counts->add(batch);
        std::this_thread::sleep_for(40ms);  // slower than the sender
      });
  auto events = std::make_shared<recording_listener>();
  ctx.add_listener(events);
  ctx.start();
  std::atomic<bool> sent_all{false};
  scoped_thread sender{[&] {
    auto conn = server.accept(30s);
    // As fast as the receiver lets it: one send of everything.
    sent_all = conn->valid() && conn->send_all(text);
  }};
  const std::size_t expected_bytes = text.size() + 1;  // the last line gets its '\n'
  EXPECT_TRUE(wait_until([&] { return events->completed_bytes() >= expected_bytes; }, 120s))
      << "processed " << events->completed_bytes() << " of " << expected_bytes << " bytes";
  sender.join();
  ctx.stop(true);
  EXPECT_TRUE(sent_all.load());
  EXPECT_EQ(events->completed_bytes(), expected_bytes);
  EXPECT_EQ(events->completed_records(), ref_split_lines(text).size());
  EXPECT_EQ(count_difference(counts->totals(), ref_word_count(text)), "");
  const std::uint64_t most = largest_batch(*events);
  EXPECT_LE(most, pool_bytes) << "a batch held more than the receive pool";
  EXPECT_GT(most, block_bytes) << "the pool never filled: the sender did not outrun processing";
}

TEST_P(backpressure_test, overload_delays_batches_reports_the_delay_and_loses_nothing) {
  // For a bounded time each batch takes three intervals: later batches wait,
  // their scheduling delay grows and is reported, memory stays within the
  // pool, and every byte offered is counted once the load is gone.
  SCOPED_TRACE(seed_trace());
  auto rng = this->rng();
  text_options o;
  o.bytes = 3u << 20;
  const std::string text = make_text(rng, o);
  tcp_server server;
  streaming_context ctx{options()};
  auto counts = std::make_shared<count_sink>();
  std::atomic<int> slow_batches{12};
  ctx.socket_text_stream("127.0.0.1", server.port())
      .flat_map(split_words)
      .map(pair_with_one)
      .reduce_by_key()
      .foreach_batch([&, counts](const std::vector<word_pair>& batch, batch_time) {
        counts->add(batch);
        if (slow_batches.fetch_sub(1) > 0) std::this_thread::sleep_for(150ms);
      });
  auto events = std::make_shared<recording_listener>();
  ctx.add_listener(events);
  ctx.start();
  scoped_thread sender{[&] {
    auto conn = server.accept(30s);
    if (conn->valid()) conn->send_in_pieces(text, rng);
  }};
  const std::size_t expected_bytes = text.size() + (text.empty() || text.back() != '\n' ? 1 : 0);
  EXPECT_TRUE(wait_until([&] { return events->completed_bytes() >= expected_bytes; }, 120s))
      << "processed " << events->completed_bytes() << " of " << expected_bytes << " bytes";
  sender.join();
  ctx.stop(true);
  EXPECT_EQ(events->completed_bytes(), expected_bytes);
  EXPECT_EQ(count_difference(counts->totals(), ref_word_count(text)), "");
  EXPECT_LE(largest_batch(*events), pool_bytes);
  // Batches waited behind the slow ones, and said so.
  std::int64_t most_delay = 0;
  for (const auto& b : events->batches(recording_listener::type::batch_completed)) {
    most_delay = std::max<std::int64_t>(most_delay, b.scheduling_delay.count());
    EXPECT_EQ(b.total_delay, b.scheduling_delay + b.processing_delay);
  }
  EXPECT_GE(most_delay, 200) << "batches 3 intervals long did not delay the ones after them";
  EXPECT_NE(log_.str().find("scheduling delay " + std::to_string(most_delay) + " ms"), std::string::npos)
      << "the largest scheduling delay is not in the per-batch log";
}

TEST_P(backpressure_test, unlimited_generator_is_bounded_by_the_pool) {
  streaming_context ctx{options()};
  generator_stream_options g;
  g.bytes_per_second = 0;  // as fast as the pool frees blocks
  g.text.vocabulary = 1000;
  auto lines = ctx.generator_stream(g);
  auto counts = std::make_shared<count_sink>();
  lines.flat_map(split_words).map(pair_with_one).reduce_by_key().foreach_batch(
      [counts](const std::vector<word_pair>& batch, batch_time) {
        counts->add(batch);
        std::this_thread::sleep_for(30ms);
      });
  auto line_counts = log_batches(lines.count());
  auto events = std::make_shared<recording_listener>();
  ctx.add_listener(events);
  ctx.start();
  ASSERT_TRUE(wait_until([&] { return events->completed_batches() >= 8; }, 60s));
  ctx.stop(false);  // pending batches are dropped
  const auto completed = events->batches(recording_listener::type::batch_completed);
  std::uint64_t records = 0;
  for (const auto& b : completed) {
    EXPECT_LE(b.bytes, pool_bytes) << "batch " << b.time;
    records += b.records;
  }
  EXPECT_GT(largest_batch(*events), block_bytes);
  // Whole lines only, and every line of the batches that ran was counted.
  std::int64_t lines_counted = 0;
  for (const auto& b : line_counts->batches()) lines_counted += b.records.at(0);
  EXPECT_EQ(static_cast<std::uint64_t>(lines_counted), records);
  EXPECT_EQ(counts->batches(), completed.size());
  // The generator writes 4 to 16 words a line.
  EXPECT_GE(counts->total_words(), static_cast<std::int64_t>(4 * records));
  EXPECT_LE(counts->total_words(), static_cast<std::int64_t>(16 * records));
  EXPECT_GT(records, 0u);
}

TEST_P(backpressure_test, replay_resends_whole_generated_lines_from_generated_and_copied_blocks) {
  generator_stream_options g;
  g.bytes_per_second = 0;
  g.text.vocabulary = 1000;
  g.replay = true;
  // Blocks 1 and 2 of the pool get fresh text; blocks 3 and 4 copy them.
  g.replay_generated_bytes = 2 * block_bytes;
  std::set<std::string> generated;
  {
    text_generator gen{g.text};
    std::string block(block_bytes, '\0');
    for (int i = 0; i < 2; ++i) {
      const std::size_t n = gen.fill(block.data(), block.size());
      ASSERT_GT(n, block_bytes / 2);
      for (std::size_t at = 0; at < n;) {
        const std::size_t end = block.find('\n', at);
        ASSERT_NE(end, std::string::npos);
        generated.insert(block.substr(at, end - at));
        at = end + 1;
      }
    }
  }
  struct seen_lines {
    std::mutex m;
    std::uint64_t lines = 0;
    std::uint64_t foreign = 0;
    std::string example;
    std::set<std::string> distinct;
  };
  auto seen = std::make_shared<seen_lines>();
  streaming_context ctx{options()};  // after `generated`, which its batches read
  ctx.generator_stream(g).foreach_batch([seen, &generated](const std::vector<std::string>& lines, batch_time) {
    std::lock_guard lock{seen->m};
    seen->lines += lines.size();
    for (const auto& l : lines) {
      if (generated.count(l) == 0) {
        if (seen->foreign++ == 0) seen->example = l;
      } else {
        seen->distinct.insert(l);
      }
    }
  });
  auto events = std::make_shared<recording_listener>();
  ctx.add_listener(events);
  ctx.start();
  ASSERT_TRUE(wait_until([&] { return events->completed_bytes() >= 6 * pool_bytes; }, 60s));
  ctx.stop(false);
  std::uint64_t records = 0;
  for (const auto& b : events->batches(recording_listener::type::batch_completed)) records += b.records;
  std::lock_guard lock{seen->m};
  EXPECT_EQ(seen->foreign, 0u) << "a line that was never generated (cut, or copied wrongly): " << seen->example;
  EXPECT_EQ(seen->lines, records) << "the batches' record counts differ from the lines they held";
  EXPECT_EQ(seen->distinct.size(), generated.size()) << "not every generated line came back";
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(backpressure_test);

}  // namespace
}  // namespace gpustream::test
