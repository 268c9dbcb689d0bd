// The row operators against a host reference on fresh random input:
// group_rows over string keys (with a colliding hash too) and integer keys,
// select_rows, rows_with_nonzero, offsets_of_counts, gather, and to_host of
// spans; sizes across warps and blocks, and empty input.

#include "../common/test_utils.hpp"

#include <gpustream/column/concatenate.hpp>
#include <gpustream/column/rows.hpp>
#include <gpustream/core/arithmetic.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace gpustream::test {
namespace {

class rows_test : public backend_test {
 protected:
  /// Checks `g` over keys `keys` (host copies): every row in exactly one
  /// position; a group's rows share one key and come in input order; distinct
  /// keys never share a group; first[] is each group's first row.
  template <class K>
  void expect_grouping(const row_groups& g, const std::vector<K>& keys) {
    const auto order = g.order.to_host();
    const auto group = g.group.to_host();
    const auto first = g.first.to_host();
    const std::size_t n = keys.size();
    ASSERT_EQ(order.size(), n);
    ASSERT_EQ(group.size(), n);
    std::map<K, int> distinct;
    for (const auto& k : keys) distinct[k];
    ASSERT_EQ(static_cast<std::size_t>(g.groups), distinct.size());
    ASSERT_EQ(first.size(), distinct.size());
    std::vector<int> seen(n, 0);
    std::map<K, row_index> group_of_key;
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_GE(order[i], 0);
      ASSERT_LT(static_cast<std::size_t>(order[i]), n);
      ++seen[static_cast<std::size_t>(order[i])];
      const K& k = keys[static_cast<std::size_t>(order[i])];
      if (i == 0) {
        EXPECT_EQ(group[i], 1);
      } else {
        ASSERT_TRUE(group[i] == group[i - 1] || group[i] == group[i - 1] + 1) << "position " << i;
        if (group[i] == group[i - 1]) {
          EXPECT_EQ(k, keys[static_cast<std::size_t>(order[i - 1])]) << "two keys in one group at " << i;
          EXPECT_LT(order[i - 1], order[i]) << "rows of a group out of input order at " << i;
        }
      }
      if (i == 0 || group[i] != group[i - 1]) {
        EXPECT_EQ(first[static_cast<std::size_t>(group[i] - 1)], order[i]);
      }
      auto [it, fresh] = group_of_key.try_emplace(k, group[i]);
      if (!fresh) {
        EXPECT_EQ(it->second, group[i]) << "one key in two groups";
      }
    }
    EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }));
  }
};

TEST_P(rows_test, group_rows_of_strings_matches_the_reference) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  for (std::size_t n : {0, 1, 31, 32, 33, 257, 4097, 65537}) {
    SCOPED_TRACE("n=" + std::to_string(n));
    std::vector<std::string> keys;
    const std::size_t vocab = 1 + gen() % (n / 3 + 2);
    for (std::size_t i = 0; i < n; ++i) keys.push_back("k" + std::to_string(gen() % vocab));
    const auto text = string_column::from_host(keys, s());
    const string_spans spans = spans_of(text.view(), s());
    expect_grouping(group_rows(spans.view(), s()), keys);
    // Every key of one length hashes alike: groups must still split by bytes.
    expect_grouping(group_rows(spans.view(), s(), nullptr, hash_function::length_only), keys);
  }
}

TEST_P(rows_test, group_rows_of_integers_ascends_by_key) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  for (std::size_t n : {0, 1, 2, 63, 64, 65, 1025, 100003}) {
    SCOPED_TRACE("n=" + std::to_string(n));
    std::vector<std::int64_t> keys;
    for (std::size_t i = 0; i < n; ++i) {
      const auto x = static_cast<std::int64_t>(gen() % 50);
      keys.push_back(x == 0 ? INT64_MIN : x == 1 ? INT64_MAX : x - 25);
    }
    const auto col = array<std::int64_t>::from_host(keys, s());
    const row_groups g = group_rows(col.view(), s());
    expect_grouping(g, keys);
    const auto first = g.first.to_host();
    for (std::size_t i = 1; i < first.size(); ++i) {
      EXPECT_LT(keys[static_cast<std::size_t>(first[i - 1])], keys[static_cast<std::size_t>(first[i])]);
    }
  }
}

TEST_P(rows_test, select_and_gather_keep_flagged_rows_in_order) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  for (std::size_t n : interesting_sizes()) {
    SCOPED_TRACE("n=" + std::to_string(n));
    std::vector<std::uint8_t> keep(n);
    std::vector<std::int64_t> ints(n);
    std::vector<double> doubles(n);
    std::vector<std::string> strings(n);
    const unsigned density = static_cast<unsigned>(gen() % 4);  // none kept up to all kept
    for (std::size_t i = 0; i < n; ++i) {
      keep[i] = static_cast<std::uint8_t>(gen() % 3 < density ? 1 + gen() % 255 : 0);
      ints[i] = static_cast<std::int64_t>(gen());
      doubles[i] = static_cast<double>(ints[i]) / 3.0;
      if (n < 70000) strings[i] = std::string(gen() % 5, static_cast<char>('a' + i % 26));
    }
    std::vector<row_index> want;
    for (std::size_t i = 0; i < n; ++i) {
      if (keep[i] != 0) want.push_back(static_cast<row_index>(i));
    }
    const auto rows = select_rows(array<std::uint8_t>::from_host(keep, s()).view(), s());
    ASSERT_EQ(rows.to_host(), want);

    const auto got_ints = gather(array<std::int64_t>::from_host(ints, s()).view(), rows.view(), s()).to_host();
    const auto got_doubles = gather(array<double>::from_host(doubles, s()).view(), rows.view(), s()).to_host();
    ASSERT_EQ(got_ints.size(), want.size());
    ASSERT_EQ(got_doubles.size(), want.size());
    for (std::size_t j = 0; j < want.size(); ++j) {
      ASSERT_EQ(got_ints[j], ints[static_cast<std::size_t>(want[j])]);
      ASSERT_EQ(got_doubles[j], doubles[static_cast<std::size_t>(want[j])]);
    }
    if (n < 70000) {
      const auto text = string_column::from_host(strings, s());
      const string_spans spans = spans_of(text.view(), s());
      const auto got = to_host(gather(spans.view(), rows.view(), s()).view(), s());
      ASSERT_EQ(got.size(), want.size());
      for (std::size_t j = 0; j < want.size(); ++j) ASSERT_EQ(got[j], strings[static_cast<std::size_t>(want[j])]);
    }
  }
}

// to_host of spans: dense spans (the bytes between the lowest start and the
// highest end cross over) and sparse ones (gathered on the backend first),
// in any order, overlapping, empty, at both ends of a 3 MiB buffer of any bytes.
TEST_P(rows_test, to_host_of_spans_matches_the_bytes_dense_or_sparse) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const std::size_t size = (std::size_t{3} << 20) + gen() % 1000;
  std::string bytes(size, '\0');
  for (auto& c : bytes) c = static_cast<char>(gen());
  const auto chars = array<char>::from_host(std::vector<char>(bytes.begin(), bytes.end()), s());
  for (int round = 0; round < 8; ++round) {
    const bool sparse = round % 2 == 0;
    const std::size_t n = round < 2 ? round + 1 : 1 + gen() % 5000;
    SCOPED_TRACE(std::string{sparse ? "sparse" : "dense"} + " n=" + std::to_string(n));
    std::vector<offset_type> starts(n);
    std::vector<length_type> lengths(n);
    for (std::size_t i = 0; i < n; ++i) {
      // Sparse: short spans anywhere in the buffer; dense: long spans, overlapping.
      const std::size_t len = sparse ? gen() % 120 : gen() % (2 * size / n + 1);
      const std::size_t start = gen() % (size - std::min(len, size) + 1);
      starts[i] = static_cast<offset_type>(start);
      lengths[i] = static_cast<length_type>(std::min(len, size - start));
    }
    if (n > 2) {  // both ends of the buffer, and an empty span
      starts[0] = 0;
      starts[1] = static_cast<offset_type>(size - static_cast<std::size_t>(lengths[1]));
      lengths[2] = 0;
    }
    const string_spans spans{chars.data(), chars.size(), array<offset_type>::from_host(starts, s()),
                             array<length_type>::from_host(lengths, s())};
    const auto got = to_host(spans.view(), s());
    ASSERT_EQ(got.size(), n);
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_EQ(got[i], bytes.substr(static_cast<std::size_t>(starts[i]), static_cast<std::size_t>(lengths[i])))
          << "span " << i;
    }
  }
}

TEST_P(rows_test, nonzero_rows_and_offsets_of_counts_match_the_reference) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  for (std::size_t n : interesting_sizes()) {
    SCOPED_TRACE("n=" + std::to_string(n));
    std::vector<std::int64_t> values(n);
    for (auto& v : values) v = gen() % 3 == 0 ? 0 : static_cast<std::int64_t>(gen() % 7) - 3;
    std::vector<row_index> want_rows;
    std::vector<std::int64_t> want_offsets{0};
    for (std::size_t i = 0; i < n; ++i) {
      if (values[i] != 0) want_rows.push_back(static_cast<row_index>(i));
      want_offsets.push_back(want_offsets.back() + (values[i] < 0 ? -values[i] : values[i]));
    }
    const auto col = array<std::int64_t>::from_host(values, s());
    EXPECT_EQ(rows_with_nonzero(col.view(), s()).to_host(), want_rows);
    std::vector<std::int64_t> counts(values);
    for (auto& c : counts) c = c < 0 ? -c : c;
    EXPECT_EQ(offsets_of_counts(array<std::int64_t>::from_host(counts, s()).view(), s()).to_host(), want_offsets);
  }
}

TEST_P(rows_test, gather_checks_its_arguments) {
  const auto rows = array<row_index>::from_host(std::vector<row_index>{0}, s());
  const array<std::int64_t> empty{0, s()};
  expect_logic_error([&] { (void)gather(empty.view(), rows.view(), s()); }, "gather");
  const std::vector<std::int64_t> host_values{1, 2};
  if (GetParam() == backend::cuda) {
    // Values in host memory with a CUDA stream.
    expect_logic_error(
        [&] { (void)gather(array_view<std::int64_t>{host_values.data(), 2, backend::cpu}, rows.view(), s()); },
        "gather");
  }
}

}  // namespace
// negate (the inverse window's subtraction) wraps around as the sums do: the
// negation of INT64_MIN is itself, and a value plus its negation is 0.
TEST_P(rows_test, negate_wraps_around_at_the_ends_of_int64) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  std::vector<std::int64_t> v{std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(), -1, 0,
                              1};
  for (int i = 0; i < 300; ++i) v.push_back(static_cast<std::int64_t>(gen()));
  const auto got = negate(array<std::int64_t>::from_host(v, s()).view(), s()).to_host();
  ASSERT_EQ(got.size(), v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    EXPECT_EQ(static_cast<std::uint64_t>(got[i]), std::uint64_t{0} - static_cast<std::uint64_t>(v[i])) << "row " << i;
    EXPECT_EQ(wrapping_add(got[i], v[i]), 0) << "row " << i;
  }
  EXPECT_EQ(negate(array<std::int64_t>{0, s()}.view(), s()).size(), 0);
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(rows_test);
}  // namespace gpustream::test
