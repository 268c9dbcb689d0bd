#include "../common/test_utils.hpp"

#include <gpustream/aggregate/top_k.hpp>

#include <algorithm>
#include <numeric>

namespace gpustream::test {
namespace {

class top_k_test : public backend_test {};

TEST_P(top_k_test, random_tables_against_sorting_on_the_host) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  for (std::size_t n : {0, 1, 31, 32, 33, 1000, 70000}) {
    std::vector<std::string> keys;
    std::vector<std::int64_t> values;
    for (std::size_t i = 0; i < n; ++i) {
      keys.push_back("w" + std::to_string(gen() % 100000) + std::string(i % 3, '\xff'));
      values.push_back(static_cast<std::int64_t>(gen() % 50));  // many ties
    }
    const auto d_keys = string_column::from_host(keys, s());
    const auto d_values = array<std::int64_t>::from_host(values, s());
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      if (values[a] != values[b]) return values[a] > values[b];
      const std::basic_string<unsigned char> ka(keys[a].begin(), keys[a].end());
      const std::basic_string<unsigned char> kb(keys[b].begin(), keys[b].end());
      return ka != kb ? ka < kb : a < b;
    });
    for (size_type k : {0, 1, 10, 33, 100000}) {
      const auto t = top_k(d_keys.view(), d_values.view(), k, s());
      const std::size_t take = std::min<std::size_t>(static_cast<std::size_t>(k), n);
      const auto got_keys = t.keys.to_host();
      const auto got_values = t.values.to_host();
      ASSERT_EQ(got_keys.size(), take) << "n=" << n << " k=" << k;
      for (std::size_t i = 0; i < take; ++i) {
        EXPECT_EQ(got_keys[i], keys[order[i]]) << "n=" << n << " k=" << k << " row " << i;
        EXPECT_EQ(got_values[i], values[order[i]]);
      }
    }
  }
}

TEST_P(top_k_test, negative_k_is_rejected) {
  const auto d_keys = string_column::from_host({"a"}, s());
  const auto d_values = array<std::int64_t>::from_host(std::vector<std::int64_t>{1}, s());
  EXPECT_THROW(top_k(d_keys.view(), d_values.view(), -1, s()), gpustream::logic_error);
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(top_k_test);

}  // namespace
}  // namespace gpustream::test
