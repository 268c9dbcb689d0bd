// reduce_by_key_table (CUDA's hash path of reduce_by_key over string keys
// with integer values) called directly on both backends, against a host
// reference and against the sort path row for row: every aggregation over
// values at the ends of int64 (sums wrap around), keys of every length around the 8- and
// 16-byte words at every address modulo 8 in buffers of exactly their size,
// empty keys, keys longer than 16 bytes, spans in any order, a hash that
// makes every key of one length collide, and tables too small for the keys
// (it gives up, and reduce_by_key's sort path counts instead).

#include "../common/table_rows.hpp"
#include "../common/test_utils.hpp"

#include "kernels/detail/operators.hpp"

#include <gpustream/aggregate/reduce_by_key.hpp>

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gpustream::test {
namespace {

constexpr aggregation all_aggregations[] = {aggregation::sum, aggregation::count, aggregation::min,
                                            aggregation::max};

class reduce_by_key_table_test : public backend_test {
 protected:
  /// Spans (start, length) into `chars`, their values, and `chars` at
  /// `offset` bytes past an 8-byte boundary in a buffer of exactly its size.
  struct rows {
    std::string chars;
    std::vector<offset_type> starts;
    std::vector<length_type> lengths;
    std::vector<std::int64_t> values;
  };

  /// The table's result for every aggregation equals the reference and the
  /// sort path's rows; nothing when the table gives up, which it must do
  /// exactly when `gives_up`.
  void expect_reduced(const rows& r, int offset, size_type max_slots, hash_function hash, bool gives_up,
                      const std::string& what) {
    SCOPED_TRACE(what + ", offset " + std::to_string(offset) + ", max_slots " + std::to_string(max_slots));
    const auto input = upload_exact(std::string(static_cast<std::size_t>(offset), 'z') + r.chars);
    const auto starts = array<offset_type>::from_host(r.starts, s());
    const auto lengths = array<length_type>::from_host(r.lengths, s());
    const string_spans_view keys{input.data() + offset, static_cast<size_type>(r.chars.size()), starts.data(),
                                 lengths.data(), static_cast<size_type>(r.starts.size()), GetParam()};
    for (const aggregation agg : all_aggregations) {
      SCOPED_TRACE("aggregation " + std::to_string(static_cast<int>(agg)));
      // Sums of values near the ends of int64 overflow: they wrap around
      // modulo 2^64, on the table's path as on the sort path.
      const std::vector<std::int64_t>& v = r.values;
      const auto values = array<std::int64_t>::from_host(v, s());
      counts want;
      for (std::size_t i = 0; i < r.starts.size(); ++i) {
        const std::string key = r.chars.substr(static_cast<std::size_t>(r.starts[i]),
                                               static_cast<std::size_t>(r.lengths[i]));
        const std::int64_t x = agg == aggregation::count ? 1 : v[i];
        const auto [it, fresh] = want.emplace(key, x);
        if (fresh) continue;
        if (agg == aggregation::min) {
          it->second = std::min(it->second, x);
        } else if (agg == aggregation::max) {
          it->second = std::max(it->second, x);
        } else {
          it->second = static_cast<std::int64_t>(static_cast<std::uint64_t>(it->second) + static_cast<std::uint64_t>(x));
        }
      }
      reduce_options o;
      o.agg = agg;
      o.hash = hash;
      const std::optional<key_value_table> got =
          GPUSTREAM_DISPATCH(s(), reduce_by_key_table(keys, values.data(), o, max_slots, s(), nullptr));
      ASSERT_EQ(!got.has_value(), gives_up) << want.size() << " distinct keys";
      o.algorithm = reduce_algorithm::sort;
      const table_rows sorted = rows_of(reduce_by_key(keys, values.view(), o, s()));
      EXPECT_EQ(as_map(sorted), want);
      if (got) {
        const table_rows table = rows_of(*got);
        EXPECT_EQ(as_map(table), want);
        EXPECT_TRUE(table == sorted) << "rows differ from the sort path's (order or values)";
      }
    }
  }
};

TEST_P(reduce_by_key_table_test, keys_of_every_length_at_every_alignment) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const std::string alphabet("ab\0\xff ", 5);
  const std::int64_t extremes[] = {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(),
                                   -1, 0, 1};
  // Under compute-sanitizer: the sizes up to 257 at every third offset.
  const int offset_step = under_sanitizer() ? 3 : 1;
  for (std::size_t n : {1u, 7u, 33u, 257u, 5000u}) {
    if (under_sanitizer() && n > 257) continue;
    rows r;
    // Keys of 0 to 40 bytes over a small alphabet (many repeats), at any
    // place of the buffer, its last bytes included, in any order.
    for (int i = 0; i < 3000; ++i) r.chars += alphabet[gen() % alphabet.size()];
    for (std::size_t i = 0; i < n; ++i) {
      const auto length = static_cast<length_type>(gen() % 4 == 0 ? gen() % 41 : gen() % 6);
      const auto start = static_cast<offset_type>(gen() % (r.chars.size() - static_cast<std::size_t>(length) + 1));
      r.starts.push_back(gen() % 10 == 0 ? static_cast<offset_type>(r.chars.size()) - length : start);
      r.lengths.push_back(length);
      r.values.push_back(gen() % 3 == 0 ? extremes[gen() % 5] : static_cast<std::int64_t>(gen() % 2001) - 1000);
    }
    for (int offset = 0; offset < 8; offset += offset_step) {
      expect_reduced(r, offset, size_type{1} << 22, hash_function::mix64, false, "rows " + std::to_string(n));
    }
    expect_reduced(r, 3, size_type{1} << 22, hash_function::length_only, false,
                   "colliding hash, rows " + std::to_string(n));
  }
}

// Keys that differ only in their last byte, of 9 to 16 bytes at every
// alignment: the bytes after the first word must count, wherever they lie.
TEST_P(reduce_by_key_table_test, keys_that_differ_in_their_last_byte) {
  rows r;
  for (int length = 9; length <= 16; ++length) {
    for (int pad = 0; pad < 8; ++pad) {
      for (const char last : {'a', 'b'}) {
        r.chars += std::string(static_cast<std::size_t>(pad), '|');
        r.starts.push_back(static_cast<offset_type>(r.chars.size()));
        r.lengths.push_back(length);
        r.values.push_back(last == 'a' ? pad : -pad);
        r.chars += std::string(static_cast<std::size_t>(length - 1), 'a') + last;
      }
    }
  }
  for (int offset = 0; offset < 8; ++offset) {
    expect_reduced(r, offset, size_type{1} << 22, hash_function::mix64, false, "last bytes");
  }
}

// Every row's key distinct: the table is sized for that, within max_slots.
TEST_P(reduce_by_key_table_test, every_key_distinct) {
  rows r;
  for (int i = 0; i < 5000; ++i) {
    r.starts.push_back(static_cast<offset_type>(r.chars.size()));
    const std::string key = "key" + std::to_string(i * 7919);
    r.lengths.push_back(static_cast<length_type>(key.size()));
    r.values.push_back(i);
    r.chars += key;
  }
  expect_reduced(r, 0, size_type{1} << 22, hash_function::mix64, false, "5000 distinct keys");
}

// 3/4 of the slots may be claimed: 12 of 16.
TEST_P(reduce_by_key_table_test, a_full_table_gives_up) {
  rows r;
  r.chars = "k0k1k2k3k4k5k6k7k8k9kakbkckdkekf";
  for (int distinct : {12, 13, 16}) {
    r.starts.clear();
    r.lengths.clear();
    r.values.clear();
    for (int i = 0; i < 100; ++i) {
      r.starts.push_back(2 * (i % distinct));
      r.lengths.push_back(2);
      r.values.push_back(i);
    }
    expect_reduced(r, 0, 16, hash_function::mix64, distinct > 12, std::to_string(distinct) + " keys");
  }
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(reduce_by_key_table_test);

}  // namespace
}  // namespace gpustream::test
