// reduce_by_key over 64-bit integer keys on each backend and path, against a
// host map: sizes around a warp and across many blocks, the empty input,
// negative and extreme keys (INT64_MIN marks the CPU hash table's empty slots),
// sums of extreme values, which wrap around as a JVM long's do.

#include "../common/test_utils.hpp"

#include <gpustream/aggregate/reduce_by_int_key.hpp>

#include <algorithm>
#include <limits>
#include <map>
#include <vector>

namespace gpustream::test {
namespace {

class reduce_by_int_key_test : public backend_test {
 protected:
  /// Random keys (`distinct` of them, negative and extreme ones among them)
  /// and values small enough that no sum overflows.
  void random_input(std::size_t n, std::size_t distinct, std::vector<std::int64_t>& keys,
                    std::vector<std::int64_t>& values) {
    auto gen = rng();
    constexpr std::int64_t extremes[] = {std::numeric_limits<std::int64_t>::min(),
                                         std::numeric_limits<std::int64_t>::max(), -1, 0};
    keys.clear();
    values.clear();
    for (std::size_t i = 0; i < n; ++i) {
      const auto k = static_cast<std::int64_t>(gen() % distinct);
      keys.push_back(k < 4 ? extremes[k] : (k % 2 == 0 ? -k : k * 1000003));
      values.push_back(static_cast<std::int64_t>(gen() % (std::int64_t{1} << 40)) - (std::int64_t{1} << 39));
    }
  }

  static std::map<std::int64_t, std::int64_t> reference(const std::vector<std::int64_t>& keys,
                                                        const std::vector<std::int64_t>& values, aggregation agg) {
    std::map<std::int64_t, std::int64_t> out;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const std::int64_t x = agg == aggregation::count ? 1 : values[i];
      auto [it, fresh] = out.try_emplace(keys[i], x);
      if (fresh) continue;
      std::int64_t& r = it->second;
      switch (agg) {
        case aggregation::sum:
        case aggregation::count:  // wrapping around on overflow, as a JVM long does
          r = static_cast<std::int64_t>(static_cast<std::uint64_t>(r) + static_cast<std::uint64_t>(x));
          break;
        case aggregation::min: r = std::min(r, x); break;
        case aggregation::max: r = std::max(r, x); break;
      }
    }
    return out;
  }
};

TEST_P(reduce_by_int_key_test, matches_the_reference_at_interesting_sizes) {
  SCOPED_TRACE(seed_trace());
  std::vector<std::int64_t> keys;
  std::vector<std::int64_t> values;
  for (std::size_t n : {0, 1, 31, 32, 33, 255, 257, 4097, 65537}) {
    for (std::size_t distinct : {std::size_t{1}, std::size_t{6}, n / 3 + 1}) {
      SCOPED_TRACE("n=" + std::to_string(n) + " distinct=" + std::to_string(distinct));
      random_input(n, distinct, keys, values);
      const auto d_keys = array<std::int64_t>::from_host(keys, s());
      const auto d_values = array<std::int64_t>::from_host(values, s());
      for (aggregation agg : {aggregation::sum, aggregation::count, aggregation::min, aggregation::max}) {
        SCOPED_TRACE("aggregation " + std::to_string(static_cast<int>(agg)));
        const auto want = reference(keys, values, agg);
        std::vector<std::int64_t> want_keys, want_values;
        for (const auto& [k, x] : want) {
          want_keys.push_back(k);
          want_values.push_back(x);
        }
        for (reduce_algorithm algorithm : all_algorithms) {
          SCOPED_TRACE("algorithm " + std::to_string(static_cast<int>(algorithm)));
          const int_key_table got = reduce_by_key(d_keys.view(), d_values.view(), agg, s(), nullptr, algorithm);
          EXPECT_EQ(got.keys.to_host(), want_keys);  // ascending, each once
          EXPECT_EQ(got.values.to_host(), want_values);
        }
      }
    }
  }
}

TEST_P(reduce_by_int_key_test, sums_of_extreme_values_wrap_around_on_every_path) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  constexpr std::int64_t big = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t small = std::numeric_limits<std::int64_t>::min();
  for (std::size_t n : {2, 33, 4097}) {
    std::vector<std::int64_t> keys;
    std::vector<std::int64_t> values;
    for (std::size_t i = 0; i < n; ++i) {
      keys.push_back(static_cast<std::int64_t>(gen() % 5) - 2);
      const auto pick = gen() % 4;
      values.push_back(pick == 0 ? big - static_cast<std::int64_t>(gen() % 100)
                                 : pick == 1 ? small + static_cast<std::int64_t>(gen() % 100)
                                             : static_cast<std::int64_t>(gen()));  // any 64 bits
    }
    const auto want = reference(keys, values, aggregation::sum);
    std::vector<std::int64_t> want_values;
    for (const auto& kv : want) want_values.push_back(kv.second);
    const auto d_keys = array<std::int64_t>::from_host(keys, s());
    const auto d_values = array<std::int64_t>::from_host(values, s());
    for (reduce_algorithm algorithm : all_algorithms) {
      SCOPED_TRACE("n=" + std::to_string(n) + " algorithm " + std::to_string(static_cast<int>(algorithm)));
      const int_key_table got = reduce_by_key(d_keys.view(), d_values.view(), aggregation::sum, s(), nullptr, algorithm);
      EXPECT_EQ(got.values.to_host(), want_values);
    }
  }
}

TEST_P(reduce_by_int_key_test, a_count_needs_no_values) {
  const std::vector<std::int64_t> keys{7, -3, 7, 7, -3};
  const auto d_keys = array<std::int64_t>::from_host(keys, s());
  for (reduce_algorithm algorithm : all_algorithms) {
    const int_key_table got = reduce_by_key(d_keys.view(), array_view<std::int64_t>{nullptr, 0, s().kind()},
                                            aggregation::count, s(), nullptr, algorithm);
    EXPECT_EQ(got.keys.to_host(), (std::vector<std::int64_t>{-3, 7}));
    EXPECT_EQ(got.values.to_host(), (std::vector<std::int64_t>{2, 3}));
  }
}

TEST_P(reduce_by_int_key_test, mismatched_sizes_are_refused) {
  const auto d_keys = array<std::int64_t>::from_host(std::vector<std::int64_t>{1, 2}, s());
  const auto d_values = array<std::int64_t>::from_host(std::vector<std::int64_t>{1}, s());
  expect_logic_error([&] { reduce_by_key(d_keys.view(), d_values.view(), aggregation::sum, s()); },
                     "differ in size");
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(reduce_by_int_key_test);

}  // namespace
}  // namespace gpustream::test
