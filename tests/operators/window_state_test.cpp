// Windows, state and the other multi-batch operators against a reference
// model: a plain host implementation of Spark's DStream semantics over
// vectors, batch by batch. Fresh random input every run (seed printed on
// failure), 24 batches with empty ones, keys that appear, vanish and return.

#include "../common/operator_test.hpp"

#include <gpustream/gpustream.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace gpustream::test {
namespace {

using namespace std::chrono_literals;
using counts = std::map<std::string, std::int64_t>;
using batches = std::vector<std::vector<std::string>>;

std::vector<std::string> words_of(const std::string& line) {
  std::vector<std::string> out;
  std::string w;
  for (char c : line) {
    if (c == ' ' || (c >= '\t' && c <= '\r')) {
      if (!w.empty()) out.push_back(std::move(w));
      w.clear();
    } else {
      w += c;
    }
  }
  if (!w.empty()) out.push_back(std::move(w));
  return out;
}

counts word_counts(const std::vector<std::string>& lines) {
  counts c;
  for (const auto& l : lines) {
    for (auto& w : words_of(l)) ++c[w];
  }
  return c;
}

/// Random batches: words from a small vocabulary that changes over time (so
/// keys appear, vanish and return), some batches empty.
batches random_batches(std::mt19937_64& gen, int n) {
  batches out(static_cast<std::size_t>(n));
  for (int b = 0; b < n; ++b) {
    if (gen() % 5 == 0) continue;  // an empty batch
    const int lines = 1 + static_cast<int>(gen() % 12);
    const int phase = (b / 6) % 3;  // the vocabulary drifts every 6 batches
    for (int l = 0; l < lines; ++l) {
      std::string line;
      const int words = static_cast<int>(gen() % 6);
      for (int w = 0; w < words; ++w) {
        if (w > 0) line += (gen() % 4 == 0) ? "\t" : " ";
        line += "w" + std::to_string(phase * 3 + static_cast<int>(gen() % 8));
      }
      out[static_cast<std::size_t>(b)].push_back(line);
    }
  }
  return out;
}

counts as_counts(const std::vector<word_pair>& v) {
  counts c;
  for (const auto& [k, x] : v) {
    EXPECT_EQ(c.count(k), 0u) << "key " << k << " twice in one batch";
    c[k] = x;
  }
  return c;
}

class window_state_test : public operator_test {
 protected:
  /// Runs `n` batches plus a few, so that the last windows close.
  static void run(streaming_context& ctx, int n) { operator_test::run(ctx, n + 3); }
};

TEST_P(window_state_test, windows_and_state_match_the_model) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const int n = 24;
  const batches input = random_batches(gen, n);
  constexpr int L = 3;  // window length, in batches
  constexpr int S = 2;  // slide, in batches

  streaming_context ctx{options()};
  auto lines = ctx.queue_stream(input);
  auto pairs = lines.flat_map(split_words).map(pair_with_one);
  recorder<std::string> all_lines;
  recorder<word_pair> windowed, inverse, inverse_dropped, sliding1, state_sum, state_fn, by_value;
  recorder<std::int64_t> count_window, window_count, reduced, reduced_window;
  lines.foreach_batch(all_lines.sink());  // first: sees every batch time
  pairs.reduce_by_key_and_window(aggregation::sum, L * interval, S * interval).foreach_batch(windowed.sink());
  pairs.reduce_by_key_and_window(aggregation::sum, with_inverse{}, L * interval, S * interval)
      .foreach_batch(inverse.sink());
  pairs.reduce_by_key_and_window(aggregation::count, with_inverse{true}, L * interval, S * interval)
      .foreach_batch(inverse_dropped.sink());
  pairs.reduce_by_key_and_window(aggregation::max, L * interval).foreach_batch(sliding1.sink());
  pairs.update_state_by_key(aggregation::sum).foreach_batch(state_sum.sink());
  // Totals of keys seen in this batch; a key without new values is removed.
  pairs
      .update_state_by_key([](const std::vector<std::int64_t>& v, std::optional<std::int64_t> s) -> std::optional<std::int64_t> {
        if (v.empty()) return std::nullopt;
        std::int64_t t = s.value_or(0);
        for (auto x : v) t += x;
        return t;
      })
      .foreach_batch(state_fn.sink());
  lines.count_by_value().foreach_batch(by_value.sink());
  lines.count_by_window(L * interval, S * interval).foreach_batch(count_window.sink());
  lines.window(L * interval, S * interval).count().foreach_batch(window_count.sink());
  auto lengths = lines.map([](const std::string& l) { return static_cast<std::int64_t>(l.size()); });
  lengths.reduce(aggregation::sum).foreach_batch(reduced.sink());
  lengths.reduce_by_window(aggregation::max, L * interval, S * interval).foreach_batch(reduced_window.sink());
  struct state_sizes final : streaming_listener {
    std::mutex mutex;
    std::map<batch_time, std::uint64_t> keys;
    void on_batch_completed(const batch_info& b) override {
      std::lock_guard lock{mutex};
      keys[b.time] = b.state_keys;
    }
  };
  auto sizes = std::make_shared<state_sizes>();
  ctx.add_listener(sizes);
  ASSERT_NO_FATAL_FAILURE(run(ctx, n));

  ASSERT_FALSE(all_lines.seen.empty());
  const batch_time first = all_lines.seen.begin()->first;
  const int total = static_cast<int>(all_lines.seen.size());
  ASSERT_EQ(all_lines.seen.rbegin()->first, first + (total - 1) * interval.count()) << "a batch time is missing";
  auto batch = [&](int i) -> const std::vector<std::string>& {  // 1-based; empty past the input
    static const std::vector<std::string> none;
    return i >= 1 && i <= n ? input[static_cast<std::size_t>(i - 1)] : none;
  };
  auto window_counts = [&](int i, int length) {
    counts c;
    for (int j = std::max(1, i - length + 1); j <= i; ++j) {
      for (const auto& [k, x] : word_counts(batch(j))) c[k] += x;
    }
    return c;
  };

  counts prev_inverse, prev_dropped, running, fn_state;
  bool have_prev = false;
  bool seen_record = false;
  for (int i = 1; i <= total; ++i) {
    const batch_time t = first + (i - 1) * interval.count();
    SCOPED_TRACE("batch " + std::to_string(i) + " of " + std::to_string(total));
    EXPECT_EQ(all_lines.seen[t], batch(i));
    const bool slides = i % S == 0;

    // Plain window: only keys present in the window.
    const counts w = window_counts(i, L);
    EXPECT_EQ(windowed.seen.count(t), slides ? 1u : 0u);
    if (slides) {
      EXPECT_EQ(as_counts(windowed.seen[t]), w);
    }

    // Inverse: previous window + entering - leaving; zero keys stay unless dropped.
    if (slides) {
      counts inv;
      if (!have_prev) {
        inv = w;
      } else {
        inv = prev_inverse;
        for (int j = i - S + 1; j <= i; ++j) {
          for (const auto& [k, x] : word_counts(batch(j))) inv[k] += x;
        }
        for (int j = i - S - L + 1; j <= i - L; ++j) {
          for (const auto& [k, x] : word_counts(batch(j))) inv[k] -= x;
        }
      }
      counts dropped = inv;
      for (auto it = dropped.begin(); it != dropped.end();) it = it->second == 0 ? dropped.erase(it) : std::next(it);
      EXPECT_EQ(as_counts(inverse.seen[t]), inv);
      EXPECT_EQ(as_counts(inverse_dropped.seen[t]), dropped);
      EXPECT_EQ(dropped, w);  // the same as recomputing, once zeros are dropped
      prev_inverse = inv;
      have_prev = true;
    } else {
      EXPECT_EQ(inverse.seen.count(t), 0u);
    }

    // Window of 3 sliding every batch, max of the per-word values (all 1).
    counts ones;
    for (const auto& [k, x] : window_counts(i, L)) ones[k] = 1;
    EXPECT_EQ(as_counts(sliding1.seen[t]), ones);

    // State: running totals of every key so far.
    for (const auto& [k, x] : word_counts(batch(i))) running[k] += x;
    EXPECT_EQ(as_counts(state_sum.seen[t]), running);
    counts next_fn;
    for (const auto& [k, x] : word_counts(batch(i))) next_fn[k] = fn_state.count(k) ? fn_state[k] + x : x;
    fn_state = next_fn;
    EXPECT_EQ(as_counts(state_fn.seen[t]), fn_state);
    std::vector<std::string> keys;
    for (const auto& [k, x] : state_fn.seen[t]) keys.push_back(k);
    EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end())) << "update_state_by_key(f) keys out of byte order";
    {
      std::lock_guard lock{sizes->mutex};
      EXPECT_EQ(sizes->keys[t], running.size() + fn_state.size()) << "state size reported to the listener";
    }

    counts lines_by_value;
    for (const auto& l : batch(i)) ++lines_by_value[l];
    EXPECT_EQ(as_counts(by_value.seen[t]), lines_by_value);

    // count_by_window: nothing until the first record, then one count per window.
    std::int64_t in_window = 0;
    for (int j = std::max(1, i - L + 1); j <= i; ++j) in_window += static_cast<std::int64_t>(batch(j).size());
    if (slides) {
      seen_record = seen_record || in_window > 0;
      EXPECT_EQ(count_window.seen[t], seen_record ? std::vector<std::int64_t>{in_window} : std::vector<std::int64_t>{});
      EXPECT_EQ(window_count.seen[t], std::vector<std::int64_t>{in_window});
    } else {
      EXPECT_EQ(count_window.seen.count(t), 0u);
      EXPECT_EQ(window_count.seen.count(t), 0u);
    }

    // reduce: one value per non-empty batch; reduce_by_window: max over the window.
    std::vector<std::int64_t> sum;
    if (!batch(i).empty()) {
      std::int64_t x = 0;
      for (const auto& l : batch(i)) x += static_cast<std::int64_t>(l.size());
      sum.push_back(x);
    }
    EXPECT_EQ(reduced.seen[t], sum);
    if (slides) {
      std::vector<std::int64_t> longest;
      for (int j = std::max(1, i - L + 1); j <= i; ++j) {
        for (const auto& l : batch(j)) {
          const auto len = static_cast<std::int64_t>(l.size());
          if (longest.empty()) longest.push_back(len);
          longest[0] = std::max(longest[0], len);
        }
      }
      EXPECT_EQ(reduced_window.seen[t], longest);
    }
  }
}

TEST_P(window_state_test, union_of_two_streams) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const int n = 20;
  const batches a = random_batches(gen, n);
  const batches b = random_batches(gen, n);
  streaming_context ctx{options()};
  auto sa = ctx.queue_stream(a);
  auto sb = ctx.queue_stream(b);
  recorder<std::string> all_lines;
  recorder<word_pair> both;
  sa.foreach_batch(all_lines.sink());
  sa.union_with(sb.repartition(4)).flat_map(split_words).map(pair_with_one).reduce_by_key().foreach_batch(both.sink());
  ASSERT_NO_FATAL_FAILURE(run(ctx, n));
  const batch_time first = all_lines.seen.begin()->first;
  for (int i = 1; i <= n; ++i) {
    const batch_time t = first + (i - 1) * interval.count();
    std::vector<std::string> lines = a[static_cast<std::size_t>(i - 1)];
    lines.insert(lines.end(), b[static_cast<std::size_t>(i - 1)].begin(), b[static_cast<std::size_t>(i - 1)].end());
    EXPECT_EQ(as_counts(both.seen[t]), word_counts(lines)) << "batch " << i;
  }
}

TEST_P(window_state_test, transform_joins_each_batch_with_a_static_table) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const int n = 12;
  const batches input = random_batches(gen, n);
  // A static table: a weight for some words; words without one are dropped (an inner join).
  std::map<std::string, std::int64_t> weights;
  for (int w = 0; w < 12; w += 2) weights["w" + std::to_string(w)] = 10 + w;
  streaming_context ctx{options()};
  auto lines = ctx.queue_stream(input);
  recorder<std::string> all_lines;
  recorder<word_pair> joined;
  lines.foreach_batch(all_lines.sink());
  lines.flat_map(split_words)
      .map(pair_with_one)
      .reduce_by_key()
      .transform([&weights](const std::vector<word_pair>& batch) {
        std::vector<std::pair<std::string, int>> out;
        for (const auto& [word, count] : batch) {
          const auto it = weights.find(word);
          if (it != weights.end()) out.emplace_back(word, static_cast<int>(count * it->second));
        }
        return out;
      })
      .foreach_batch(joined.sink());
  ASSERT_NO_FATAL_FAILURE(run(ctx, n));
  const batch_time first = all_lines.seen.begin()->first;
  for (int i = 1; i <= n; ++i) {
    counts expected;
    for (const auto& [k, x] : word_counts(input[static_cast<std::size_t>(i - 1)])) {
      if (weights.count(k)) expected[k] = x * weights[k];
    }
    EXPECT_EQ(as_counts(joined.seen[first + (i - 1) * interval.count()]), expected) << "batch " << i;
  }
}

// map_with_state: called per record in order, only for keys with data, and once
// more for keys idle longer than the timeout (Spark: last data before batch
// time - timeout), which are then removed.
TEST_P(window_state_test, map_with_state_matches_the_model) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const int n = 24;
  const batches input = random_batches(gen, n);
  constexpr int timeout_batches = 3;
  streaming_context ctx{options()};
  auto lines = ctx.queue_stream(input);
  recorder<std::string> all_lines;
  recorder<word_pair> mapped, snapshots;
  lines.foreach_batch(all_lines.sink());
  // Running totals; a key whose total passes 6 is removed (and starts again).
  auto m = lines.flat_map(split_words)
               .map(pair_with_one)
               .map_with_state(
                   [](const std::string& key, std::optional<std::int64_t> value, key_state& state) {
                     if (state.is_timing_out()) return word_pair{key, -state.get()};
                     const std::int64_t total = (state.exists() ? state.get() : 0) + value.value_or(0);
                     if (total > 6) {
                       state.remove();
                     } else {
                       state.update(total);
                     }
                     return word_pair{key, total};
                   },
                   timeout_batches * interval);
  m.foreach_batch(mapped.sink());
  m.state_snapshots().foreach_batch(snapshots.sink());
  ASSERT_NO_FATAL_FAILURE(run(ctx, n));

  const batch_time first = all_lines.seen.begin()->first;
  const int total = static_cast<int>(all_lines.seen.size());
  std::map<std::string, std::pair<std::int64_t, int>> state;  // value, batch of last data
  for (int i = 1; i <= total; ++i) {
    SCOPED_TRACE("batch " + std::to_string(i));
    const batch_time t = first + (i - 1) * interval.count();
    std::vector<word_pair> expected;
    if (i <= n) {
      for (const auto& line : input[static_cast<std::size_t>(i - 1)]) {
        for (const auto& w : words_of(line)) {
          const auto it = state.find(w);
          const std::int64_t sum = (it != state.end() ? it->second.first : 0) + 1;
          if (sum > 6) {
            state.erase(w);
          } else {
            state[w] = {sum, i};
          }
          expected.emplace_back(w, sum);
        }
      }
    }
    for (auto it = state.begin(); it != state.end();) {
      if (i - it->second.second > timeout_batches) {
        expected.emplace_back(it->first, -it->second.first);
        it = state.erase(it);
      } else {
        ++it;
      }
    }
    EXPECT_EQ(mapped.seen[t], expected);
    std::vector<word_pair> snapshot;
    for (const auto& [k, e] : state) snapshot.emplace_back(k, e.first);
    EXPECT_EQ(snapshots.seen[t], snapshot);
  }
}

TEST_P(window_state_test, bad_windows_are_errors_at_graph_building) {
  streaming_context ctx{options()};
  auto pairs = ctx.queue_stream({}).flat_map(split_words).map(pair_with_one);
  expect_logic_error([&] { pairs.reduce_by_key_and_window(aggregation::sum, 100ms); }, "multiple of");
  expect_logic_error([&] { pairs.reduce_by_key_and_window(aggregation::sum, 80ms, 60ms); }, "multiple of");
  expect_logic_error([&] { pairs.window(0ms); }, "positive");
  expect_logic_error([&] { pairs.repartition(0); }, "positive");
  expect_logic_error([&] { pairs.reduce_by_key_and_window(aggregation::max, with_inverse{}, 80ms); }, "inverse");
  expect_logic_error([&] { pairs.update_state_by_key(aggregation::max); }, "aggregation::sum");
  auto windowed = pairs.window(80ms, 80ms);
  expect_logic_error([&] { pairs.union_with(windowed); }, "slide");
  expect_logic_error([&] { windowed.update_state_by_key(aggregation::sum); }, "every batch");
  expect_logic_error([&] { windowed.window(120ms); }, "multiple of");  // 120 is not a multiple of the 80 ms slide
  windowed.window(160ms).print();  // a window of a window: multiples of its slide
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(window_state_test);

}  // namespace
}  // namespace gpustream::test
