// (string, double) records (keyed_double) through a streaming_context
// against a reference model of Spark's semantics: reduce_by_key with each
// built-in aggregation, a window, a windowed reduction, a running sum,
// update_state_by_key with a host function that removes keys, map_with_state
// with a timeout and its snapshots, union_with, print/save in Spark's form, and the checkpoint encoding. Fresh
// random input every run (seed printed on failure): 24 batches with empty
// ones, keys that appear, vanish and return, negative and large values with
// fractions.

#include "../common/operator_test.hpp"

#include "streaming/graph.hpp"

#include <gpustream/gpustream.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace gpustream::test {
namespace {

using batches = std::vector<std::vector<std::string>>;

// A host functor returning (string, double) gives keyed_double; (string,
// integer) still gives word_pair.
static_assert(std::is_same_v<detail::record_of_t<std::pair<std::string, double>>, keyed_double>);
static_assert(std::is_same_v<detail::record_of_t<std::pair<const char*, float>>, keyed_double>);
static_assert(std::is_same_v<detail::record_of_t<std::pair<std::string, int>>, word_pair>);

/// Sums may differ from the sequential sum by rounding (the backend adds in
/// its own order): within 1e-9 of the sum of the magnitudes added.
constexpr double relative_tolerance = 1e-9;

/// A key's values in a set of batches, reduced each way.
struct reduced {
  double sum = 0;
  double magnitude = 0;
  double count = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  void add(double x) {
    sum += x;
    magnitude += std::fabs(x);
    count += 1;
    min = std::min(min, x);
    max = std::max(max, x);
  }
};
using model = std::map<std::string, reduced>;

keyed_double parse(const std::string& line) {
  const std::size_t space = line.find(' ');
  return {line.substr(0, space), std::strtod(line.c_str() + space + 1, nullptr)};
}

/// Random batches of "key value" lines: keys from a vocabulary that drifts
/// every 6 batches (keys appear, vanish and return), some batches empty,
/// values with fractions, some negative, some large.
batches random_batches(std::mt19937_64& gen, int n) {
  batches out(static_cast<std::size_t>(n));
  std::uniform_real_distribution<double> value{-500.0, 500.0};
  for (int b = 0; b < n; ++b) {
    if (gen() % 5 == 0) continue;
    const int records = static_cast<int>(gen() % 40);
    const int phase = (b / 6) % 3;
    for (int r = 0; r < records; ++r) {
      double x = value(gen);
      if (gen() % 8 == 0) x *= 1e10;
      char text[64];
      std::snprintf(text, sizeof text, "%.17g", x);  // reads back exactly
      out[static_cast<std::size_t>(b)].push_back("d" + std::to_string(phase * 4 + static_cast<int>(gen() % 9)) +
                                                 " " + text);
    }
  }
  return out;
}

/// Compares a batch of reduced records with the model: the same keys, each
/// once, and each value as the aggregation gives it (sums within the
/// tolerance, the rest exactly).
void expect_reduced(const std::vector<keyed_double>& got, const model& want, aggregation agg) {
  std::map<std::string, double> g;
  for (const auto& [k, x] : got) EXPECT_TRUE(g.emplace(k, x).second) << "key " << k << " twice in one batch";
  std::vector<std::string> got_keys, want_keys;
  for (const auto& [k, x] : g) got_keys.push_back(k);
  for (const auto& [k, r] : want) want_keys.push_back(k);
  ASSERT_EQ(got_keys, want_keys);
  for (const auto& [k, r] : want) {
    const double x = g[k];
    switch (agg) {
      case aggregation::sum:
        EXPECT_NEAR(x, r.sum, relative_tolerance * std::max(1.0, r.magnitude)) << k;
        break;
      case aggregation::count: EXPECT_EQ(x, r.count) << k; break;
      case aggregation::min: EXPECT_EQ(x, r.min) << k; break;
      case aggregation::max: EXPECT_EQ(x, r.max) << k; break;
    }
  }
}

class keyed_double_test : public operator_test {};

TEST_P(keyed_double_test, operators_match_the_model) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const int n = 24;
  const batches input = random_batches(gen, n);
  constexpr int L = 3;  // window length, in batches
  constexpr int S = 2;  // slide, in batches

  streaming_context ctx{options()};
  auto lines = ctx.queue_stream(input);
  dstream<keyed_double> pairs = lines.map(parse);
  auto negated = pairs.map([](const keyed_double& p) { return std::pair<std::string, double>{p.first, -p.second}; });
  recorder<std::string> all_lines;
  recorder<keyed_double> sum, count, min, max, windowed_sum, sliding_max, state, window, both, fn_state;
  lines.foreach_batch(all_lines.sink());  // first: sees every batch time
  pairs.reduce_by_key().foreach_batch(sum.sink());
  pairs.reduce_by_key(aggregation::count).foreach_batch(count.sink());
  pairs.reduce_by_key(aggregation::min).foreach_batch(min.sink());
  pairs.reduce_by_key(aggregation::max).foreach_batch(max.sink());
  pairs.reduce_by_key_and_window(aggregation::sum, L * interval, S * interval).foreach_batch(windowed_sum.sink());
  pairs.reduce_by_key_and_window(aggregation::max, L * interval).foreach_batch(sliding_max.sink());
  pairs.update_state_by_key(aggregation::sum).foreach_batch(state.sink());
  // update_state_by_key(f) on the host: half the previous state plus the
  // batch's values, in batch order. A key leaves the state when no value came
  // and its state is under 100 in magnitude, or when it passes 1e11.
  const auto decay = [](const std::vector<double>& v, std::optional<double> prev) -> std::optional<double> {
    if (v.empty() && prev && std::fabs(*prev) < 100) return std::nullopt;
    double x = prev.value_or(0) / 2;
    for (const double d : v) x += d;
    if (x > 1e11) return std::nullopt;
    return x;
  };
  pairs.update_state_by_key(decay).foreach_batch(fn_state.sink());
  pairs.window(L * interval, S * interval).foreach_batch(window.sink());
  pairs.union_with(negated).foreach_batch(both.sink());
  ASSERT_NO_FATAL_FAILURE(run(ctx, n + 3));

  ASSERT_FALSE(all_lines.seen.empty());
  const batch_time first = all_lines.seen.begin()->first;
  const int total = static_cast<int>(all_lines.seen.size());
  auto records = [&](int i) {  // 1-based; empty past the input
    std::vector<keyed_double> out;
    if (i >= 1 && i <= n) {
      for (const auto& l : input[static_cast<std::size_t>(i - 1)]) out.push_back(parse(l));
    }
    return out;
  };
  auto model_of = [&](int from, int to) {
    model m;
    for (int j = std::max(1, from); j <= to; ++j) {
      for (const auto& [k, x] : records(j)) m[k].add(x);
    }
    return m;
  };

  std::map<std::string, double> fn_model;  // update_state_by_key(decay), batch by batch
  std::size_t removed = 0;
  for (int i = 1; i <= total; ++i) {
    const batch_time t = first + (i - 1) * interval.count();
    SCOPED_TRACE("batch " + std::to_string(i) + " of " + std::to_string(total));
    const bool slides = i % S == 0;
    const model batch = model_of(i, i);
    {
      std::map<std::string, std::vector<double>> fresh;
      for (const auto& [k, x] : records(i)) fresh[k].push_back(x);
      std::map<std::string, std::vector<double>> keys = fresh;
      for (const auto& [k, x] : fn_model) keys[k];
      std::map<std::string, double> next;
      for (const auto& [k, unused] : keys) {
        const auto prev = fn_model.count(k) != 0 ? std::optional<double>{fn_model.at(k)} : std::nullopt;
        const auto updated = decay(fresh[k], prev);
        if (updated) {
          next[k] = *updated;
        } else {
          ++removed;
        }
      }
      fn_model = std::move(next);
      // The same host function on the same values in the same order: exact.
      EXPECT_EQ(fn_state.seen[t], (std::vector<keyed_double>(fn_model.begin(), fn_model.end())))
          << "update_state_by_key(f) over doubles";
    }
    expect_reduced(sum.seen[t], batch, aggregation::sum);
    expect_reduced(count.seen[t], batch, aggregation::count);
    expect_reduced(min.seen[t], batch, aggregation::min);
    expect_reduced(max.seen[t], batch, aggregation::max);
    EXPECT_EQ(windowed_sum.seen.count(t), slides ? 1u : 0u);
    EXPECT_EQ(window.seen.count(t), slides ? 1u : 0u);
    if (slides) {
      expect_reduced(windowed_sum.seen[t], model_of(i - L + 1, i), aggregation::sum);
      std::vector<keyed_double> in_window;
      for (int j = i - L + 1; j <= i; ++j) {
        for (auto& r : records(j)) in_window.push_back(std::move(r));
      }
      EXPECT_EQ(window.seen[t], in_window);  // the window's records in batch order, exactly
    }
    expect_reduced(sliding_max.seen[t], model_of(i - L + 1, i), aggregation::max);
    expect_reduced(state.seen[t], model_of(1, i), aggregation::sum);
    std::vector<keyed_double> union_want = records(i);
    for (const auto& [k, x] : records(i)) union_want.emplace_back(k, -x);
    EXPECT_EQ(both.seen[t], union_want);
  }
  EXPECT_GT(removed, 0u) << "update_state_by_key(f): no key ever left the state; the test lost its point";
}

// map_with_state over doubles: called per record in order, only for keys
// with data, once more for keys idle longer than the timeout, which are then
// removed; snapshots are keyed_doubles in byte order of the keys.
TEST_P(keyed_double_test, map_with_state_over_doubles_matches_the_model) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const int n = 24;
  const batches input = random_batches(gen, n);
  constexpr int timeout_batches = 2;
  streaming_context ctx{options()};
  auto lines = ctx.queue_stream(input);
  recorder<std::string> all_lines;
  recorder<keyed_double> mapped, snapshots;
  lines.foreach_batch(all_lines.sink());
  // The largest value seen per key; a value over 1e12 removes the key; a key
  // timing out gives its largest value negated.
  auto m = lines.map(parse).map_with_state(
      [](const std::string& key, std::optional<double> value, double_key_state& state) {
        if (state.is_timing_out()) return keyed_double{key, -state.get()};
        const double x = value.value_or(0);
        const double largest = state.exists() ? std::max(state.get(), x) : x;
        if (x > 1e12) {
          state.remove();
        } else {
          state.update(largest);
        }
        return keyed_double{key, largest};
      },
      timeout_batches * interval);
  static_assert(std::is_same_v<decltype(m.state_snapshots()), dstream<keyed_double>>);
  m.foreach_batch(mapped.sink());
  m.state_snapshots().foreach_batch(snapshots.sink());
  ASSERT_NO_FATAL_FAILURE(run(ctx, n + 3));

  ASSERT_FALSE(all_lines.seen.empty());
  const batch_time first = all_lines.seen.begin()->first;
  const int total = static_cast<int>(all_lines.seen.size());
  std::map<std::string, std::pair<double, int>> state;  // value, batch of last data
  std::size_t timed_out = 0;
  for (int i = 1; i <= total; ++i) {
    SCOPED_TRACE("batch " + std::to_string(i) + " of " + std::to_string(total));
    const batch_time t = first + (i - 1) * interval.count();
    std::vector<keyed_double> expected;
    if (i <= n) {
      for (const auto& line : input[static_cast<std::size_t>(i - 1)]) {
        const auto [k, x] = parse(line);
        const auto it = state.find(k);
        const double largest = it != state.end() ? std::max(it->second.first, x) : x;
        if (x > 1e12) {
          state.erase(k);
        } else {
          state[k] = {largest, i};
        }
        expected.emplace_back(k, largest);
      }
    }
    for (auto it = state.begin(); it != state.end();) {
      if (i - it->second.second > timeout_batches) {
        expected.emplace_back(it->first, -it->second.first);
        it = state.erase(it);
        ++timed_out;
      } else {
        ++it;
      }
    }
    EXPECT_EQ(mapped.seen[t], expected);  // max and negation are exact
    std::vector<keyed_double> snapshot;
    for (const auto& [k, e] : state) snapshot.emplace_back(k, e.first);
    EXPECT_EQ(snapshots.seen[t], snapshot);
  }
  EXPECT_GT(timed_out, 0u) << "no key timed out; the test lost its point";
}

TEST_P(keyed_double_test, unsupported_combinations_are_errors_at_graph_building) {
  streaming_context ctx{options()};
  auto pairs = ctx.queue_stream({}).map(parse);
  expect_logic_error([&] { pairs.reduce_by_key_and_window(aggregation::sum, with_inverse{}, 2 * interval); },
                     "the inverse form takes integer values only");
  expect_logic_error([&] { pairs.update_state_by_key(aggregation::max); }, "aggregation::sum");
  expect_logic_error(
      [&] {
        pairs.window(2 * interval, 2 * interval)
            .update_state_by_key([](const std::vector<double>&, std::optional<double> s) { return s; });
      },
      "every batch");
}

TEST(keyed_double_format, doubles_print_as_java_double_to_string) {
  const std::vector<std::pair<double, std::string>> cases{
      {1.5, "1.5"},
      {2.0, "2.0"},
      {-2.0, "-2.0"},
      {0.0, "0.0"},
      {-0.0, "-0.0"},
      {0.1, "0.1"},
      {0.30000000000000004, "0.30000000000000004"},
      {0.001, "0.001"},
      {1e-4, "1.0E-4"},
      {-1.5e-4, "-1.5E-4"},
      {123456.789, "123456.789"},
      {9999999.0, "9999999.0"},
      {1e7, "1.0E7"},
      {12345678.9, "1.23456789E7"},
      {1e21, "1.0E21"},
      {std::numeric_limits<double>::max(), "1.7976931348623157E308"},
      {std::numeric_limits<double>::denorm_min(), "4.9E-324"},
      {std::numeric_limits<double>::infinity(), "Infinity"},
      {-std::numeric_limits<double>::infinity(), "-Infinity"},
      {std::numeric_limits<double>::quiet_NaN(), "NaN"},
  };
  for (const auto& [x, text] : cases) {
    std::ostringstream os;
    detail::write_record(os, detail::host_records{std::vector<keyed_double>{{"a", x}}}, 0);
    EXPECT_EQ(os.str(), "(a," + text + ")");
  }
}

TEST_P(keyed_double_test, print_and_save_write_sparks_form) {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("gpustream-keyed-double-" + std::to_string(seed_));
  fs::remove_all(root);
  streaming_context ctx{options()};
  auto pairs = ctx.queue_stream({{"a 1.5", "b 2", "c 1e7", "d -0.001", "e 1e-4"}}).map(parse);
  recorder<keyed_double> done;
  pairs.print();
  pairs.save_as_text_files((root / "out").string(), "txt");
  pairs.foreach_batch(done.sink());
  ASSERT_NO_FATAL_FAILURE(run(ctx, 1));
  ASSERT_FALSE(done.seen.empty());
  const std::string t = std::to_string(done.seen.begin()->first);
  const std::vector<std::string> want{"(a,1.5)", "(b,2.0)", "(c,1.0E7)", "(d,-0.001)", "(e,1.0E-4)"};
  std::string block = "-------------------------------------------\nTime: " + t +
                      " ms\n-------------------------------------------\n";
  for (const auto& l : want) block += l + "\n";
  EXPECT_NE(out_.str().find(block + "\n"), std::string::npos) << out_.str();
  std::ifstream in{root / ("out-" + t + ".txt") / "part-00000", std::ios::binary};
  ASSERT_TRUE(in) << "no saved output";
  std::vector<std::string> saved;
  for (std::string line; std::getline(in, line);) saved.push_back(line);
  EXPECT_EQ(saved, want);
  fs::remove_all(root);
}

std::uint64_t bits_of(double x) {
  std::uint64_t b = 0;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

TEST_P(keyed_double_test, checkpoint_encoding_round_trips_every_bit) {
  const std::vector<keyed_double> records{
      {"a", 1.5},
      {"", -0.0},
      {"b", std::numeric_limits<double>::quiet_NaN()},
      {"c", -std::numeric_limits<double>::infinity()},
      {"d", std::numeric_limits<double>::denorm_min()},
      {"e", std::numeric_limits<double>::max()},
      {"a", 0.1},
  };
  for (const auto& batch : {records, std::vector<keyed_double>{}}) {
    const detail::batch_ptr data = detail::upload(detail::host_records{batch}, s());
    EXPECT_EQ(data->kind, detail::record_kind::keyed_doubles);
    EXPECT_EQ(data->size(), static_cast<size_type>(batch.size()));
    detail::byte_writer w;
    detail::write_batch(w, data, s());
    detail::byte_reader r{w.str(), "test"};
    const detail::batch_ptr back = detail::read_batch(r, s());
    EXPECT_TRUE(r.done());
    ASSERT_NE(back, nullptr);
    const auto got = std::get<std::vector<keyed_double>>(detail::download(*back, s()));
    ASSERT_EQ(got.size(), batch.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].first, batch[i].first);
      EXPECT_EQ(bits_of(got[i].second), bits_of(batch[i].second)) << i;
    }
    const auto head = std::get<std::vector<keyed_double>>(detail::download(*back, s(), 2));
    EXPECT_EQ(head.size(), std::min<std::size_t>(2, batch.size()));
  }
  // A truncated encoding is refused.
  detail::byte_writer w;
  detail::write_batch(w, detail::upload(detail::host_records{records}, s()), s());
  const std::string cut = w.str().substr(0, w.str().size() - 3);
  detail::byte_reader r{cut, "test"};
  EXPECT_THROW(detail::read_batch(r, s()), checkpoint_error);
}

// The encoding of the kinds that were there before keyed_double is unchanged.
TEST_P(keyed_double_test, checkpoint_encoding_of_pairs_is_unchanged) {
  detail::byte_writer w;
  detail::write_batch(w, detail::upload(detail::host_records{std::vector<word_pair>{{"ab", -2}}}, s()), s());
  const std::string want{"\x01\x01"                              // present, record kind 1 (pairs)
                         "\x01\x00\x00\x00\x00\x00\x00\x00"      // one record
                         "\x02\x00\x00\x00\x00\x00\x00\x00" "ab"  // key
                         "\xfe\xff\xff\xff\xff\xff\xff\xff",     // -2
                         2 + 8 + 8 + 2 + 8};
  EXPECT_EQ(w.str(), want);
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(keyed_double_test);

}  // namespace
}  // namespace gpustream::test
