// queue_stream end to end: one prepared batch per interval, in order, through
// kernels and host functors, each batch checked against a host reference.

#include "../common/streaming_utils.hpp"
#include "../common/threads.hpp"

#include <omp.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace gpustream::test {
namespace {

using namespace std::chrono_literals;
using queue_stream_test = streaming_test;

/// reduce_by_key with a host functor: keys in order of first appearance.
std::vector<word_pair> ref_reduce_in_order(const std::vector<std::string>& words) {
  std::vector<word_pair> out;
  std::unordered_map<std::string, std::size_t> where;
  for (const auto& w : words) {
    const auto [it, fresh] = where.emplace(w, out.size());
    if (fresh) {
      out.emplace_back(w, 1);
    } else {
      ++out[it->second].second;
    }
  }
  return out;
}

word_counts as_counts(const std::vector<word_pair>& pairs) {
  word_counts c;
  for (const auto& [w, n] : pairs) c[w] += n;
  return c;
}

/// The batch times are consecutive multiples of the interval.
void expect_consecutive_times(const std::vector<batch_time>& times, std::int64_t interval) {
  for (std::size_t i = 0; i < times.size(); ++i) {
    EXPECT_EQ(times[i] % interval, 0) << "batch " << i << " at " << times[i];
    if (i > 0) {
      EXPECT_EQ(times[i] - times[i - 1], interval) << "batch " << i;
    }
  }
}

TEST_P(queue_stream_test, host_functors_and_kernels_match_a_host_reference_per_batch) {
  SCOPED_TRACE(seed_trace());
  auto rng = this->rng();
  auto batches = random_batches(rng, 6);
  batches.insert(batches.begin() + 2, std::vector<std::string>{});  // an empty batch among them
  batches.push_back({"", "  ", "\t", "only-one-word"});              // blank lines are records too
  // A needle that occurs: two bytes of some word of the data.
  std::string needle = "ab";
  for (const auto& b : batches) {
    for (const auto& w : ref_tokenize_all(b)) {
      if (w.size() >= 2 && needle == "ab") needle = w.substr(0, 2);
    }
  }

  streaming_context ctx{options()};
  auto lines = ctx.queue_stream(batches);
  auto lines_log = log_batches(lines);
  auto host_words = lines.flat_map([](const std::string& l) { return ref_tokenize(l); });
  auto host_counts = log_batches(
      host_words.map([](const std::string& w) { return std::make_pair(w, 1); }).reduce_by_key([](std::int64_t a, std::int64_t b) {
        return a + b;
      }));
  auto kernel_words = log_batches(lines.flat_map(split_words));
  auto kernel_counts = log_batches(lines.flat_map(split_words).map(pair_with_one).reduce_by_key());
  // Kernels and host functors mixed: long words only, keys as string views.
  auto mixed_counts = log_batches(lines.flat_map(split_words)
                                      .filter([](const std::string& w) { return w.size() > 3; })
                                      .map([](const std::string& w) { return std::make_pair(std::string_view{w}, 1); })
                                      .reduce_by_key());
  auto line_counts = log_batches(lines.count());
  auto grep = log_batches(lines.filter(contains{needle}));
  auto even_count = log_batches(lines.filter([](const std::string& l) { return l.size() % 2 == 0; }).count());
  auto sizes = log_batches(lines.map([](const std::string& l) { return static_cast<int>(l.size()); }));
  auto reversed = log_batches(lines.map([](const std::string& l) { return std::string(l.rbegin(), l.rend()); }));
  auto pairs_of_lines = log_batches(lines.flat_map([](const std::string& l) {
    return std::vector<std::pair<std::string, long>>{{l, 1}, {"lines", 1}};
  }));
  ctx.start();
  // Every prepared batch, then two empty ones.
  ASSERT_TRUE(wait_until([&] { return line_counts->size() >= batches.size() + 2; }, 60s))
      << "only " << line_counts->size() << " batches ran";
  ctx.stop(true);

  const auto n = line_counts->size();
  EXPECT_EQ(lines_log->size(), n);
  EXPECT_EQ(host_counts->size(), n);
  EXPECT_EQ(kernel_words->size(), n);
  EXPECT_EQ(kernel_counts->size(), n);
  EXPECT_EQ(mixed_counts->size(), n);
  EXPECT_EQ(grep->size(), n);
  EXPECT_EQ(even_count->size(), n);
  EXPECT_EQ(sizes->size(), n);
  EXPECT_EQ(reversed->size(), n);
  EXPECT_EQ(pairs_of_lines->size(), n);
  EXPECT_EQ(ctx.batches_completed(), n);

  std::vector<batch_time> times;
  for (const auto& b : line_counts->batches()) times.push_back(b.time);
  expect_consecutive_times(times, 50);

  const auto got_lines = lines_log->batches();
  const auto got_host_counts = host_counts->batches();
  const auto got_kernel_words = kernel_words->batches();
  const auto got_kernel_counts = kernel_counts->batches();
  const auto got_mixed = mixed_counts->batches();
  const auto got_line_counts = line_counts->batches();
  const auto got_grep = grep->batches();
  const auto got_even = even_count->batches();
  const auto got_sizes = sizes->batches();
  const auto got_reversed = reversed->batches();
  const auto got_pairs = pairs_of_lines->batches();
  for (std::size_t i = 0; i < n; ++i) {
    SCOPED_TRACE("batch " + std::to_string(i));
    const std::vector<std::string> expected = i < batches.size() ? batches[i] : std::vector<std::string>{};
    const auto words = ref_tokenize_all(expected);
    // Each output saw the same batch at the same time.
    for (const batch_time t : {got_lines[i].time, got_host_counts[i].time, got_kernel_words[i].time,
                               got_kernel_counts[i].time, got_mixed[i].time, got_grep[i].time, got_even[i].time,
                               got_sizes[i].time, got_reversed[i].time, got_pairs[i].time}) {
      EXPECT_EQ(t, times[i]);
    }
    EXPECT_TRUE(got_lines[i].records == expected) << got_lines[i].records.size() << " lines, expected "
                                                   << expected.size();
    EXPECT_TRUE(got_host_counts[i].records == ref_reduce_in_order(words))
        << "host reduce_by_key keeps keys in order of first appearance";
    EXPECT_TRUE(got_kernel_words[i].records == words) << "split_words keeps the order of the words";
    EXPECT_EQ(count_difference(as_counts(got_kernel_counts[i].records), ref_word_count(joined(expected))), "");
    EXPECT_EQ(got_kernel_counts[i].records.size(), ref_word_count(joined(expected)).size()) << "a key twice";
    std::vector<std::string> long_words;
    for (const auto& w : words) {
      if (w.size() > 3) long_words.push_back(w);
    }
    EXPECT_EQ(count_difference(as_counts(got_mixed[i].records), as_counts(ref_reduce_in_order(long_words))), "");
    EXPECT_EQ(got_line_counts[i].records, std::vector<std::int64_t>{static_cast<std::int64_t>(expected.size())});
    EXPECT_TRUE(got_grep[i].records == ref_filter(expected, needle)) << "needle '" << escaped(needle) << "'";
    std::int64_t even = 0;
    std::vector<std::int64_t> lengths;
    std::vector<std::string> backwards;
    std::vector<word_pair> pairs;
    for (const auto& l : expected) {
      even += l.size() % 2 == 0 ? 1 : 0;
      lengths.push_back(static_cast<std::int64_t>(l.size()));
      backwards.emplace_back(l.rbegin(), l.rend());
      pairs.emplace_back(l, 1);
      pairs.emplace_back("lines", 1);
    }
    EXPECT_EQ(got_even[i].records, std::vector<std::int64_t>{even});
    EXPECT_EQ(got_sizes[i].records, lengths);
    EXPECT_TRUE(got_reversed[i].records == backwards);
    EXPECT_TRUE(got_pairs[i].records == pairs);
  }
}

// streaming_options::word_count_algorithm: the fused word count gives the
// reference's counts, in the same order of keys, whichever way it groups words.
TEST_P(queue_stream_test, the_fused_word_count_is_the_same_with_every_algorithm) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const auto batches = random_batches(gen, 8, 60000);
  std::vector<std::vector<batch_log<word_pair>::batch>> runs;
  for (auto algorithm : all_algorithms) {
    SCOPED_TRACE("algorithm " + std::to_string(static_cast<int>(algorithm)));
    streaming_options o = options(20ms);
    o.word_count_algorithm = algorithm;
    streaming_context ctx{o};
    auto log = log_batches(ctx.queue_stream(batches).flat_map(split_words).map(pair_with_one).reduce_by_key());
    ctx.start();
    ASSERT_TRUE(wait_until([&] { return log->size() >= batches.size(); }, 60s));
    ctx.stop(true);
    runs.push_back(log->batches());
    for (std::size_t i = 0; i < batches.size(); ++i) {
      EXPECT_EQ(as_counts(runs.back()[i].records), ref_word_count(joined(batches[i]))) << "batch " << i;
    }
  }
  for (std::size_t r = 1; r < runs.size(); ++r) {
    for (std::size_t i = 0; i < batches.size(); ++i) {
      EXPECT_TRUE(runs[r][i].records == runs[0][i].records) << "run " << r << ", batch " << i << ": another order";
    }
  }
}

// streaming_options::cpu_parallel_bytes: on the CPU backend a batch below it
// runs its operators on one thread, one at or above it on all threads, and a
// small batch after a long one on all threads; 0 runs every batch on all
// threads. The team size is read inside foreach_batch, which runs on the
// thread that runs the batch's operators. Counts are right either way.
TEST_P(queue_stream_test, small_cpu_batches_run_on_one_thread_and_large_or_slow_ones_on_all) {
  if (GetParam() != backend::cpu) GTEST_SKIP() << "the OpenMP team size is the CPU backend's matter";
  const int all = omp_get_max_threads();
  if (all < 2) GTEST_SKIP() << "needs 2 or more OpenMP threads (OMP_NUM_THREADS)";
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  constexpr std::size_t parallel_bytes = 64 * 1024;
  std::vector<std::vector<std::string>> batches = random_batches(gen, 5, 4000);
  batches[1] = random_batches(gen, 1, 0).front();
  while (joined(batches[1]).size() < 3 * parallel_bytes) {
    const auto more = random_batches(gen, 1, 60000).front();
    batches[1].insert(batches[1].end(), more.begin(), more.end());
  }
  for (const std::size_t threshold : {parallel_bytes, std::size_t{0}}) {
    SCOPED_TRACE("cpu_parallel_bytes " + std::to_string(threshold));
    streaming_options o = options(20ms);
    o.cpu_parallel_bytes = threshold;
    streaming_context ctx{o};
    std::mutex m;
    std::vector<int> threads;  // per batch, in order
    auto counts = ctx.queue_stream(batches).flat_map(split_words).map(pair_with_one).reduce_by_key();
    auto log = log_batches(counts);
    counts.foreach_batch([&](const std::vector<word_pair>&, batch_time) {
      std::size_t seen = 0;
      {
        std::lock_guard lock{m};
        threads.push_back(omp_get_max_threads());
        seen = threads.size();
      }
      if (seen == 3) std::this_thread::sleep_for(25ms);  // batch 2 takes long
    });
    ctx.start();
    ASSERT_TRUE(wait_until([&] { return log->size() >= batches.size(); }, 60s));
    ctx.stop(true);
    const auto got = log->batches();
    for (std::size_t i = 0; i < batches.size(); ++i) {
      EXPECT_EQ(as_counts(got[i].records), ref_word_count(joined(batches[i]))) << "batch " << i;
    }
    std::lock_guard lock{m};
    ASSERT_GE(threads.size(), batches.size());
    if (threshold == 0) {
      for (std::size_t i = 0; i < threads.size(); ++i) EXPECT_EQ(threads[i], all) << "batch " << i;
    } else {
      EXPECT_EQ(threads[0], 1) << "a small first batch";
      EXPECT_EQ(threads[1], all) << "a batch of " << joined(batches[1]).size() << " bytes";
      EXPECT_EQ(threads[3], all) << "a small batch after one of 25 ms";
    }
  }
}

TEST_P(queue_stream_test, one_prepared_batch_per_interval_in_order) {
  std::vector<std::vector<std::string>> batches;
  for (int b = 0; b < 8; ++b) {
    std::vector<std::string> lines;
    for (int l = 0; l <= b % 3; ++l) lines.push_back("batch" + std::to_string(b) + " line" + std::to_string(l));
    batches.push_back(std::move(lines));
  }
  streaming_context ctx{options(20ms)};
  auto log = log_batches(ctx.queue_stream(batches));
  ctx.start();
  ASSERT_TRUE(wait_until([&] { return log->size() >= batches.size(); }, 60s));
  ctx.stop(true);
  const auto got = log->batches();
  ASSERT_GE(got.size(), batches.size());
  std::vector<batch_time> times;
  for (std::size_t i = 0; i < got.size(); ++i) {
    times.push_back(got[i].time);
    if (i < batches.size()) {
      EXPECT_TRUE(got[i].records == batches[i]) << "batch " << i;
    } else {
      EXPECT_TRUE(got[i].records.empty()) << "batch " << i << " after the queue ran dry";
    }
  }
  expect_consecutive_times(times, 20);
}

TEST_P(queue_stream_test, lines_with_newlines_and_odd_bytes) {
  const char raw[] = "nul\0byte \xff\xfe invalid";
  const std::string nul_line(raw, sizeof raw - 1);
  const std::vector<std::vector<std::string>> batches = {
      {"two\nrecords", "crlf\r", nul_line, "\xc3\xa9t\xc3\xa9 \xe2\x82\xac"},
  };
  streaming_context ctx{options()};
  auto lines = ctx.queue_stream(batches);
  auto log = log_batches(lines);
  auto counts = count_words(lines);
  ctx.start();
  ASSERT_TRUE(wait_until([&] { return log->size() >= 2; }, 60s));
  ctx.stop(true);
  const auto got = log->batches();
  // A line containing '\n' becomes two records; a '\r' before the added '\n' goes.
  const std::vector<std::string> expected = {"two", "records", "crlf", nul_line, "\xc3\xa9t\xc3\xa9 \xe2\x82\xac"};
  ASSERT_FALSE(got.empty());
  EXPECT_TRUE(got[0].records == expected);
  EXPECT_EQ(count_difference(counts->totals(), ref_word_count(joined(batches[0]))), "");
}

TEST_P(queue_stream_test, a_batch_larger_than_the_receive_pool_is_rejected_at_start) {
  // Four lines of 60 KiB fill a block of 256 KiB: 16 lines take the pool's 4
  // blocks, 17 would need a fifth.
  const std::vector<std::string> fits(16, std::string(60 * 1024, 'w'));
  std::vector<std::string> too_big = fits;
  too_big.push_back(fits.back());
  {
    streaming_context ctx{options()};
    ctx.queue_stream({{"small"}, too_big}).count().print();
    try {
      ctx.start();
      ADD_FAILURE() << "started: the batch would wait for ever for a fifth block";
    } catch (const gpustream::logic_error& e) {
      EXPECT_NE(std::string{e.what()}.find("queue_stream: batch 1 needs 5 receive blocks of 262144 bytes, more "
                                           "than the 4 of the pool"),
                std::string::npos)
          << e.what();
    }
    EXPECT_EQ(ctx.current_state(), streaming_context::state::stopped);
  }
  streaming_context ctx{options()};
  auto counts = log_batches(ctx.queue_stream({fits}).count());
  ctx.start();
  ASSERT_TRUE(wait_until([&] { return counts->size() >= 1; }, 60s));
  ctx.stop(true);
  EXPECT_EQ(counts->batches().at(0).records, std::vector<std::int64_t>{16});
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(queue_stream_test);

}  // namespace
}  // namespace gpustream::test
