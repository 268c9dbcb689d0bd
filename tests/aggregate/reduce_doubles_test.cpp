// reduce_by_key over double values on each backend and path, against a host
// map: sizes around a warp and across many blocks, the empty input, colliding
// hashes, and the same row order as the integer reduction.

#include "../common/test_utils.hpp"

#include <gpustream/gpustream.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace gpustream::test {
namespace {

/// Sums may differ from the sequential sum by rounding (the backend adds in
/// its own order): within 1e-9 of the sum of the magnitudes added.
constexpr double relative_tolerance = 1e-9;

struct reference {
  double sum = 0;
  double magnitude = 0;  // sum of |x|
  double count = 0;
  double min = 0;
  double max = 0;
};

std::map<std::string, reference> reference_of(const std::vector<std::string>& keys, const std::vector<double>& values) {
  std::map<std::string, reference> out;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const double x = values[i];
    auto [it, fresh] = out.try_emplace(keys[i]);
    reference& r = it->second;
    r.sum += x;
    r.magnitude += std::fabs(x);
    r.count += 1;
    r.min = fresh ? x : std::min(r.min, x);
    r.max = fresh ? x : std::max(r.max, x);
  }
  return out;
}

class reduce_doubles_test : public backend_test {
 protected:
  /// Random keys (`distinct` of them, some long) and values with fractions,
  /// negative and large ones among them.
  void random_input(std::size_t n, std::size_t distinct, std::vector<std::string>& keys, std::vector<double>& values) {
    auto gen = rng();
    std::uniform_real_distribution<double> small{-1000.0, 1000.0};
    keys.clear();
    values.clear();
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t k = gen() % distinct;
      keys.push_back("k" + std::to_string(k) + (k % 7 == 0 ? std::string(40, 'x') : std::string{}));
      const double x = small(gen);
      values.push_back(gen() % 10 == 0 ? x * 1e9 : x);
    }
  }

  key_double_table reduce(const std::vector<std::string>& keys, const std::vector<double>& values, aggregation agg,
                          hash_function hash = hash_function::mix64,
                          reduce_algorithm algorithm = reduce_algorithm::automatic) {
    const string_column column = string_column::from_host(keys, s());
    const string_spans spans = spans_of(column.view(), s());
    const auto d_values = gpustream::array<double>::from_host(values, s());
    reduce_options options;
    options.agg = agg;
    options.hash = hash;
    options.algorithm = algorithm;
    return reduce_by_key(spans.view(), d_values.view(), options, s());
  }

  void expect_matches(const key_double_table& got, const std::map<std::string, reference>& want, aggregation agg) {
    const std::vector<std::string> keys = got.keys.to_host();
    const std::vector<double> values = got.values.to_host();
    ASSERT_EQ(keys.size(), values.size());
    ASSERT_EQ(keys.size(), want.size());
    std::map<std::string, double> seen;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      ASSERT_TRUE(seen.emplace(keys[i], values[i]).second) << "key " << keys[i] << " twice";
      const auto it = want.find(keys[i]);
      ASSERT_NE(it, want.end()) << "unexpected key " << keys[i];
      const reference& r = it->second;
      switch (agg) {
        case aggregation::sum:
          EXPECT_NEAR(values[i], r.sum, relative_tolerance * std::max(1.0, r.magnitude)) << keys[i];
          break;
        case aggregation::count: EXPECT_EQ(values[i], r.count) << keys[i]; break;
        case aggregation::min: EXPECT_EQ(values[i], r.min) << keys[i]; break;
        case aggregation::max: EXPECT_EQ(values[i], r.max) << keys[i]; break;
      }
    }
  }
};

TEST_P(reduce_doubles_test, matches_the_reference_at_interesting_sizes) {
  SCOPED_TRACE(seed_trace());
  std::vector<std::string> keys;
  std::vector<double> values;
  for (std::size_t n : {0, 1, 31, 32, 33, 255, 257, 4097, 65537}) {
    for (std::size_t distinct : {std::size_t{1}, std::size_t{5}, n / 3 + 1}) {
      SCOPED_TRACE("n=" + std::to_string(n) + " distinct=" + std::to_string(distinct));
      random_input(n, distinct, keys, values);
      const auto want = reference_of(keys, values);
      for (reduce_algorithm algorithm : all_algorithms) {
        SCOPED_TRACE("algorithm " + std::to_string(static_cast<int>(algorithm)));
        for (aggregation agg : {aggregation::sum, aggregation::count, aggregation::min, aggregation::max}) {
          SCOPED_TRACE("aggregation " + std::to_string(static_cast<int>(agg)));
          expect_matches(reduce(keys, values, agg, hash_function::mix64, algorithm), want, agg);
        }
      }
    }
  }
}

TEST_P(reduce_doubles_test, colliding_hashes_never_merge_keys) {
  SCOPED_TRACE(seed_trace());
  std::vector<std::string> keys;
  std::vector<double> values;
  random_input(1025, 60, keys, values);
  const auto want = reference_of(keys, values);
  for (reduce_algorithm algorithm : all_algorithms) {
    SCOPED_TRACE("algorithm " + std::to_string(static_cast<int>(algorithm)));
    for (aggregation agg : {aggregation::sum, aggregation::count, aggregation::min, aggregation::max}) {
      expect_matches(reduce(keys, values, agg, hash_function::length_only, algorithm), want, agg);
    }
  }
}

TEST_P(reduce_doubles_test, rows_come_in_the_order_of_the_integer_reduction) {
  SCOPED_TRACE(seed_trace());
  std::vector<std::string> keys;
  std::vector<double> values;
  random_input(4097, 300, keys, values);
  const string_column column = string_column::from_host(keys, s());
  const string_spans spans = spans_of(column.view(), s());
  const key_value_table integers =
      reduce_by_key(spans.view(), gpustream::array_view<std::int64_t>{nullptr, 0, s().kind()},
                    reduce_options{aggregation::count, hash_function::mix64, reduce_algorithm::sort}, s());
  for (reduce_algorithm algorithm : all_algorithms) {
    const key_double_table doubles = reduce(keys, values, aggregation::sum, hash_function::mix64, algorithm);
    EXPECT_EQ(doubles.keys.to_host(), integers.keys.to_host()) << "algorithm " << static_cast<int>(algorithm);
  }
}

TEST_P(reduce_doubles_test, mismatched_sizes_are_refused) {
  const string_column column = string_column::from_host({"a", "b"}, s());
  const string_spans spans = spans_of(column.view(), s());
  const auto d_values = gpustream::array<double>::from_host(std::vector<double>{1.0}, s());
  expect_logic_error([&] { reduce_by_key(spans.view(), d_values.view(), reduce_options{}, s()); }, "differ in size");
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(reduce_doubles_test);

}  // namespace
}  // namespace gpustream::test
