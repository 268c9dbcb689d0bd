// join, group_by_key and cogroup against a plain host reference, row for row
// (string keys in (hash, bytes) order, integer keys ascending, each key's
// rows left-major in input order), on fresh random input at sizes around
// warps and blocks, with a hash where every key of one length collides; over
// string keys with int64 and double values and over int64 keys. Doubles are
// compared by their bits, and include NaN, -0.0 and infinities: the operators
// carry values, never change them.

#include "../common/test_utils.hpp"

#include <gpustream/join/join.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace gpustream::test {
namespace {

/// Values compared by their bits, so that NaN equals itself and -0.0 differs from 0.0.
template <class V>
std::uint64_t bits(V v) {
  std::uint64_t b = 0;
  std::memcpy(&b, &v, sizeof b);
  return b;
}
template <class V>
bool same(const std::optional<V>& a, const std::optional<V>& b) {
  return a.has_value() == b.has_value() && (!a || bits(*a) == bits(*b));
}
template <class V>
bool same(const std::vector<V>& a, const std::vector<V>& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](V x, V y) { return bits(x) == bits(y); });
}

/// One side of a join on the host.
template <class K, class V>
struct side_t {
  std::vector<K> keys;
  std::vector<V> values;
};
using side = side_t<std::string, std::int64_t>;

/// A side in the backend's memory.
template <class K, class V>
struct device_side {
  string_column strings;
  string_spans spans;
  array<std::int64_t> int_keys;
  array<V> values;
  device_side(const side_t<K, V>& h, stream_view s) : values{array<V>::from_host(h.values, s)} {
    if constexpr (std::is_same_v<K, std::string>) {
      strings = string_column::from_host(h.keys, s);
      spans = spans_of(strings.view(), s);
    } else {
      int_keys = array<std::int64_t>::from_host(h.keys, s);
    }
    s.synchronize();
  }
  auto keys() const {
    if constexpr (std::is_same_v<K, std::string>) {
      return spans.view();
    } else {
      return int_keys.view();
    }
  }
};

template <class K, class V>
struct join_row {
  K key;
  std::optional<V> left;
  std::optional<V> right;
  bool operator==(const join_row& o) const { return key == o.key && same(left, o.left) && same(right, o.right); }
};

template <class K, class V>
std::ostream& operator<<(std::ostream& os, const join_row<K, V>& r) {
  os << '(' << r.key << ',';
  if (r.left) os << *r.left; else os << '-';
  os << ',';
  if (r.right) os << *r.right; else os << '-';
  return os << ')';
}

template <class K, class V>
struct group_row {
  K key;
  std::vector<V> left;
  std::vector<V> right;
  bool operator==(const group_row& o) const { return key == o.key && same(left, o.left) && same(right, o.right); }
};

template <class K, class V>
std::ostream& operator<<(std::ostream& os, const group_row<K, V>& r) {
  os << '(' << r.key << ",[";
  for (auto v : r.left) os << v << ' ';
  os << "],[";
  for (auto v : r.right) os << v << ' ';
  return os << "])";
}

/// Keys in the order every backend gives: strings by hash, then unsigned
/// bytes; integers ascending.
struct key_less {
  hash_function hf;
  bool operator()(const std::string& a, const std::string& b) const {
    const hash_type ha = hash_string(string_ref{a.data(), static_cast<length_type>(a.size())}, hf);
    const hash_type hb = hash_string(string_ref{b.data(), static_cast<length_type>(b.size())}, hf);
    if (ha != hb) return ha < hb;
    return std::basic_string<unsigned char>(a.begin(), a.end()) < std::basic_string<unsigned char>(b.begin(), b.end());
  }
  bool operator()(std::int64_t a, std::int64_t b) const { return a < b; }
};

template <class K, class V>
using ref_groups = std::map<K, std::pair<std::vector<V>, std::vector<V>>, key_less>;

template <class K, class V>
ref_groups<K, V> ref_cogroup(const side_t<K, V>& l, const side_t<K, V>& r, hash_function hf) {
  ref_groups<K, V> g{key_less{hf}};
  for (std::size_t i = 0; i < l.keys.size(); ++i) g[l.keys[i]].first.push_back(l.values[i]);
  for (std::size_t i = 0; i < r.keys.size(); ++i) g[r.keys[i]].second.push_back(r.values[i]);
  return g;
}

template <class K, class V>
std::vector<join_row<K, V>> ref_join(const side_t<K, V>& l, const side_t<K, V>& r, join_type type,
                                     hash_function hf) {
  const bool keep_left = type == join_type::left_outer || type == join_type::full_outer;
  const bool keep_right = type == join_type::right_outer || type == join_type::full_outer;
  std::vector<join_row<K, V>> out;
  for (const auto& [key, values] : ref_cogroup(l, r, hf)) {
    const auto& [lv, rv] = values;
    if (!lv.empty() && !rv.empty()) {
      for (auto a : lv) {
        for (auto b : rv) out.push_back({key, a, b});
      }
    } else if (!lv.empty() && keep_left) {
      for (auto a : lv) out.push_back({key, a, std::nullopt});
    } else if (!rv.empty() && keep_right) {
      for (auto b : rv) out.push_back({key, std::nullopt, b});
    }
  }
  return out;
}

template <class Keys, class V>
auto rows_of(const basic_joined_table<Keys, V>& t) {
  const auto keys = t.keys.to_host();
  const auto left = t.left_values.to_host();
  const auto right = t.right_values.to_host();
  const auto sides = t.sides.to_host();
  std::vector<join_row<typename decltype(keys)::value_type, V>> out;
  EXPECT_EQ(left.size(), keys.size());
  EXPECT_EQ(right.size(), keys.size());
  EXPECT_EQ(sides.size(), keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    join_row<typename decltype(keys)::value_type, V> row{keys[i], std::nullopt, std::nullopt};
    if (sides[i] & left_side) row.left = left[i];
    if (sides[i] & right_side) row.right = right[i];
    EXPECT_TRUE(row.left || row.right) << "row " << i << " has no side";
    if (!row.left) {
      EXPECT_EQ(bits(left[i]), 0u) << "row " << i;
    }
    if (!row.right) {
      EXPECT_EQ(bits(right[i]), 0u) << "row " << i;
    }
    out.push_back(std::move(row));
  }
  return out;
}

template <class V>
std::vector<std::vector<V>> lists_of(const basic_value_lists<V>& l) {
  const auto offsets = l.offsets.to_host();
  const auto values = l.values.to_host();
  std::vector<std::vector<V>> out;
  EXPECT_FALSE(offsets.empty());
  EXPECT_EQ(offsets.front(), 0);
  EXPECT_EQ(static_cast<std::size_t>(offsets.back()), values.size());
  for (std::size_t i = 0; i + 1 < offsets.size(); ++i) {
    out.emplace_back(values.begin() + offsets[i], values.begin() + offsets[i + 1]);
  }
  return out;
}

template <class Keys, class V>
auto rows_of(const basic_cogrouped_table<Keys, V>& t) {
  const auto keys = t.keys.to_host();
  const auto left = lists_of(t.left);
  const auto right = lists_of(t.right);
  EXPECT_EQ(left.size(), keys.size());
  EXPECT_EQ(right.size(), keys.size());
  std::vector<group_row<typename decltype(keys)::value_type, V>> out;
  for (std::size_t i = 0; i < keys.size() && i < left.size() && i < right.size(); ++i) {
    out.push_back({keys[i], left[i], right[i]});
  }
  return out;
}

template <class Keys, class V>
auto rows_of(const basic_grouped_table<Keys, V>& t) {
  const auto keys = t.keys.to_host();
  const auto lists = lists_of(t.values);
  EXPECT_EQ(lists.size(), keys.size());
  std::vector<group_row<typename decltype(keys)::value_type, V>> out;
  for (std::size_t i = 0; i < keys.size() && i < lists.size(); ++i) out.push_back({keys[i], lists[i], {}});
  return out;
}

template <class K, class V>
std::vector<group_row<K, V>> ref_rows(const ref_groups<K, V>& g) {
  std::vector<group_row<K, V>> out;
  for (const auto& [key, v] : g) out.push_back({key, v.first, v.second});
  return out;
}

/// `n` rows with keys from a vocabulary of `vocabulary` keys ("" among them,
/// lengths 0 to 6: with length_only, keys of one length all collide).
side random_side(std::mt19937_64& gen, std::size_t n, std::size_t vocabulary) {
  side out;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t k = gen() % vocabulary;
    out.keys.push_back(k == 0 ? std::string{} : "k" + std::to_string(k));
    out.values.push_back(static_cast<std::int64_t>(gen() % 2001) - 1000);
  }
  return out;
}

/// The same rows with double values: quarters, and now and then NaN, -0.0,
/// an infinity or the smallest subnormal.
side_t<std::string, double> with_doubles(const side& in, std::mt19937_64& gen) {
  side_t<std::string, double> out{in.keys, {}};
  for (std::int64_t v : in.values) {
    switch (gen() % 16) {
      case 0: out.values.push_back(std::numeric_limits<double>::quiet_NaN()); break;
      case 1: out.values.push_back(-0.0); break;
      case 2: out.values.push_back(v < 0 ? -HUGE_VAL : HUGE_VAL); break;
      case 3: out.values.push_back(std::numeric_limits<double>::denorm_min()); break;
      default: out.values.push_back(static_cast<double>(v) / 4); break;
    }
  }
  return out;
}

/// The same rows with int64 keys spread over the whole range (negative keys,
/// 0 for the empty key, and INT64_MIN and INT64_MAX); distinct keys stay distinct.
side_t<std::int64_t, std::int64_t> with_int_keys(const side& in) {
  side_t<std::int64_t, std::int64_t> out{{}, in.values};
  for (const std::string& k : in.keys) {
    const bool numbered = k.size() > 1 && k[0] == 'k' && k.find_first_not_of("0123456789", 1) == std::string::npos;
    const std::uint64_t n = k.empty() ? 0 : numbered ? std::stoull(k.substr(1)) : std::hash<std::string>{}(k);
    std::int64_t key = static_cast<std::int64_t>(n * 0x9E3779B97F4A7C15ull);
    if (n == 1) key = std::numeric_limits<std::int64_t>::min();
    if (n == 2) key = std::numeric_limits<std::int64_t>::max();
    out.keys.push_back(key);
  }
  return out;
}

const join_type all_join_types[] = {join_type::inner, join_type::left_outer, join_type::right_outer,
                                    join_type::full_outer};
const hash_function all_hashes[] = {hash_function::mix64, hash_function::length_only};

class join_test : public backend_test {
 protected:
  template <class K, class V>
  void expect_operators(const side_t<K, V>& l, const side_t<K, V>& r, hash_function hf, const std::string& what) {
    SCOPED_TRACE(what + " hash=" + std::to_string(static_cast<int>(hf)));
    const device_side<K, V> dl{l, s()};
    const device_side<K, V> dr{r, s()};
    for (auto type : all_join_types) {
      SCOPED_TRACE("join type " + std::to_string(static_cast<int>(type)));
      const auto t = join(dl.keys(), dl.values.view(), dr.keys(), dr.values.view(), join_options{type, hf}, s());
      ASSERT_EQ(rows_of(t), ref_join(l, r, type, hf));
    }
    const auto cg = cogroup(dl.keys(), dl.values.view(), dr.keys(), dr.values.view(), hf, s());
    ASSERT_EQ(rows_of(cg), ref_rows(ref_cogroup(l, r, hf)));
    const auto g = group_by_key(dl.keys(), dl.values.view(), hf, s());
    ASSERT_EQ(rows_of(g), ref_rows(ref_cogroup(l, side_t<K, V>{}, hf)));
  }

  /// Every operator on string keys with int64 and double values (both hashes),
  /// and on int64 keys.
  void expect_all_operators(const side& l, const side& r, const std::string& what) {
    for (auto hf : all_hashes) expect_operators(l, r, hf, what + " int64 values");
    auto gen = rng();
    const auto ld = with_doubles(l, gen);
    const auto rd = with_doubles(r, gen);
    for (auto hf : all_hashes) expect_operators(ld, rd, hf, what + " double values");
    expect_operators(with_int_keys(l), with_int_keys(r), hash_function::mix64, what + " int64 keys");
  }
};

TEST_P(join_test, empty_sides) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const side some = random_side(gen, 40, 10);
  expect_all_operators(side{}, side{}, "both empty");
  expect_all_operators(some, side{}, "right empty");
  expect_all_operators(side{}, some, "left empty");
}

TEST_P(join_test, random_sides_at_many_sizes) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  for (std::size_t n : {1u, 2u, 31u, 32u, 33u, 255u, 256u, 257u, 1025u, 4097u, 30011u}) {
    const std::size_t m = gen() % 2 == 0 ? n : 1 + gen() % (2 * n);
    // Few keys (long cartesian products, at most about 50000 rows) and many
    // (most keys on one side only).
    for (std::size_t vocabulary : {std::max<std::size_t>(3, n * m / 50000), n / 4 + 2, 4 * n + 1}) {
      const side l = random_side(gen, n, vocabulary);
      const side r = random_side(gen, m, vocabulary);
      expect_all_operators(l, r, "n=" + std::to_string(n) + " m=" + std::to_string(m) +
                                     " vocabulary=" + std::to_string(vocabulary));
    }
  }
}

// Every key of one length has the same length_only hash: keys must still
// match only their own bytes.
TEST_P(join_test, colliding_hashes_never_match_distinct_keys) {
  const side l{{"ab", "cd", "ab", "x", std::string("a\0", 2)}, {1, 2, 3, 4, 5}};
  const side r{{"cd", "ef", "ab", "y", std::string("a\0", 2), std::string("a\1", 2)}, {10, 20, 30, 40, 50, 60}};
  const device_side<std::string, std::int64_t> dl{l, s()};
  const device_side<std::string, std::int64_t> dr{r, s()};
  const auto inner = rows_of(join(dl.spans, dl.values, dr.spans, dr.values,
                                  join_options{join_type::inner, hash_function::length_only}, s()));
  std::multiset<std::tuple<std::string, std::int64_t, std::int64_t>> got;
  for (const auto& row : inner) got.emplace(row.key, *row.left, *row.right);
  const std::multiset<std::tuple<std::string, std::int64_t, std::int64_t>> want{
      {"ab", 1, 30}, {"ab", 3, 30}, {"cd", 2, 10}, {std::string("a\0", 2), 5, 50}};
  EXPECT_EQ(got, want);
  expect_all_operators(l, r, "hand-made collisions");
}

// Integer keys that differ only in their sign or high bits stay apart.
TEST_P(join_test, integer_keys_match_only_equal_integers) {
  const side_t<std::int64_t, std::int64_t> l{{-1, 1, std::numeric_limits<std::int64_t>::min(), 0, 1},
                                             {1, 2, 3, 4, 5}};
  const side_t<std::int64_t, std::int64_t> r{{1, std::numeric_limits<std::int64_t>::max(), 0, -1, 1LL << 32},
                                             {10, 20, 30, 40, 50}};
  const device_side<std::int64_t, std::int64_t> dl{l, s()};
  const device_side<std::int64_t, std::int64_t> dr{r, s()};
  const auto inner = rows_of(join(dl.keys(), dl.values.view(), dr.keys(), dr.values.view(), join_options{}, s()));
  std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>> got;
  for (const auto& row : inner) got.emplace_back(row.key, *row.left, *row.right);
  const std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>> want{
      {-1, 1, 40}, {0, 4, 30}, {1, 2, 10}, {1, 5, 10}};
  EXPECT_EQ(got, want);
  expect_operators(l, r, hash_function::mix64, "hand-made integer keys");
}

TEST_P(join_test, mismatched_sizes_are_rejected) {
  const side l{{"a", "b"}, {1, 2}};
  const device_side<std::string, std::int64_t> dl{l, s()};
  const auto one = array<std::int64_t>::from_host(std::vector<std::int64_t>{1}, s());
  EXPECT_THROW(join(dl.spans, one.view(), dl.spans, dl.values, join_options{}, s()), gpustream::logic_error);
  EXPECT_THROW(join(dl.spans, dl.values, dl.spans, one.view(), join_options{}, s()), gpustream::logic_error);
  EXPECT_THROW(cogroup(dl.spans, dl.values, dl.spans, one.view(), hash_function::mix64, s()),
               gpustream::logic_error);
  EXPECT_THROW(group_by_key(dl.spans, one.view(), hash_function::mix64, s()), gpustream::logic_error);

  const auto two_doubles = array<double>::from_host(std::vector<double>{1.5, 2.5}, s());
  const auto one_double = array<double>::from_host(std::vector<double>{1.5}, s());
  EXPECT_THROW(join(dl.spans, one_double.view(), dl.spans, two_doubles.view(), join_options{}, s()),
               gpustream::logic_error);
  EXPECT_THROW(group_by_key(dl.spans, one_double.view(), hash_function::mix64, s()), gpustream::logic_error);

  const auto two_keys = array<std::int64_t>::from_host(std::vector<std::int64_t>{7, 8}, s());
  s().synchronize();
  EXPECT_THROW(join(two_keys.view(), one.view(), two_keys.view(), two_keys.view(), join_options{}, s()),
               gpustream::logic_error);
  EXPECT_THROW(cogroup(two_keys.view(), two_keys.view(), two_keys.view(), one.view(), hash_function::mix64, s()),
               gpustream::logic_error);
  EXPECT_THROW(group_by_key(one.view(), two_keys.view(), hash_function::mix64, s()), gpustream::logic_error);
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(join_test);

}  // namespace
}  // namespace gpustream::test
