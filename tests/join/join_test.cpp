// join, group_by_key and cogroup against a plain host reference, row for row
// (keys in (hash, bytes) order, each key's rows left-major in input order), on
// fresh random input at sizes around warps and blocks, with a hash where
// every key of one length collides.

#include "../common/test_utils.hpp"

#include <gpustream/join/join.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace gpustream::test {
namespace {

/// One side of a join on the host.
struct side {
  std::vector<std::string> keys;
  std::vector<std::int64_t> values;
};

/// A side in the backend's memory.
struct device_side {
  string_column strings;
  string_spans spans;
  column<std::int64_t> values;
  device_side(const side& h, stream_view s)
      : strings{string_column::from_host(h.keys, s)},
        spans{spans_of(strings.view(), s)},
        values{column<std::int64_t>::from_host(h.values, s)} {
    s.synchronize();
  }
};

struct join_row {
  std::string key;
  std::optional<std::int64_t> left;
  std::optional<std::int64_t> right;
  bool operator==(const join_row& o) const { return std::tie(key, left, right) == std::tie(o.key, o.left, o.right); }
};

std::ostream& operator<<(std::ostream& os, const join_row& r) {
  os << '(' << r.key << ',';
  if (r.left) os << *r.left; else os << '-';
  os << ',';
  if (r.right) os << *r.right; else os << '-';
  return os << ')';
}

struct group_row {
  std::string key;
  std::vector<std::int64_t> left;
  std::vector<std::int64_t> right;
  bool operator==(const group_row& o) const { return std::tie(key, left, right) == std::tie(o.key, o.left, o.right); }
};

std::ostream& operator<<(std::ostream& os, const group_row& r) {
  os << '(' << r.key << ",[";
  for (auto v : r.left) os << v << ' ';
  os << "],[";
  for (auto v : r.right) os << v << ' ';
  return os << "])";
}

/// Keys in the order every backend gives: by hash, then unsigned bytes.
struct key_less {
  hash_function hf;
  bool operator()(const std::string& a, const std::string& b) const {
    const hash_type ha = hash_string(string_ref{a.data(), static_cast<length_type>(a.size())}, hf);
    const hash_type hb = hash_string(string_ref{b.data(), static_cast<length_type>(b.size())}, hf);
    if (ha != hb) return ha < hb;
    return std::basic_string<unsigned char>(a.begin(), a.end()) < std::basic_string<unsigned char>(b.begin(), b.end());
  }
};

using ref_groups = std::map<std::string, std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>>, key_less>;

ref_groups ref_cogroup(const side& l, const side& r, hash_function hf) {
  ref_groups g{key_less{hf}};
  for (std::size_t i = 0; i < l.keys.size(); ++i) g[l.keys[i]].first.push_back(l.values[i]);
  for (std::size_t i = 0; i < r.keys.size(); ++i) g[r.keys[i]].second.push_back(r.values[i]);
  return g;
}

std::vector<join_row> ref_join(const side& l, const side& r, join_type type, hash_function hf) {
  const bool keep_left = type == join_type::left_outer || type == join_type::full_outer;
  const bool keep_right = type == join_type::right_outer || type == join_type::full_outer;
  std::vector<join_row> out;
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

std::vector<join_row> rows_of(const joined_table& t) {
  const auto keys = t.keys.to_host();
  const auto left = t.left_values.to_host();
  const auto right = t.right_values.to_host();
  const auto sides = t.sides.to_host();
  std::vector<join_row> out;
  EXPECT_EQ(left.size(), keys.size());
  EXPECT_EQ(right.size(), keys.size());
  EXPECT_EQ(sides.size(), keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    join_row row{keys[i], std::nullopt, std::nullopt};
    if (sides[i] & left_side) row.left = left[i];
    if (sides[i] & right_side) row.right = right[i];
    EXPECT_TRUE(row.left || row.right) << "row " << i << " has no side";
    if (!row.left) {
      EXPECT_EQ(left[i], 0) << "row " << i;
    }
    if (!row.right) {
      EXPECT_EQ(right[i], 0) << "row " << i;
    }
    out.push_back(std::move(row));
  }
  return out;
}

std::vector<std::vector<std::int64_t>> lists_of(const value_lists& l) {
  const auto offsets = l.offsets.to_host();
  const auto values = l.values.to_host();
  std::vector<std::vector<std::int64_t>> out;
  EXPECT_FALSE(offsets.empty());
  EXPECT_EQ(offsets.front(), 0);
  EXPECT_EQ(static_cast<std::size_t>(offsets.back()), values.size());
  for (std::size_t i = 0; i + 1 < offsets.size(); ++i) {
    out.emplace_back(values.begin() + offsets[i], values.begin() + offsets[i + 1]);
  }
  return out;
}

std::vector<group_row> rows_of(const cogrouped_table& t) {
  const auto keys = t.keys.to_host();
  const auto left = lists_of(t.left);
  const auto right = lists_of(t.right);
  EXPECT_EQ(left.size(), keys.size());
  EXPECT_EQ(right.size(), keys.size());
  std::vector<group_row> out;
  for (std::size_t i = 0; i < keys.size() && i < left.size() && i < right.size(); ++i) {
    out.push_back({keys[i], left[i], right[i]});
  }
  return out;
}

std::vector<group_row> rows_of(const grouped_table& t) {
  const auto keys = t.keys.to_host();
  const auto lists = lists_of(t.values);
  EXPECT_EQ(lists.size(), keys.size());
  std::vector<group_row> out;
  for (std::size_t i = 0; i < keys.size() && i < lists.size(); ++i) out.push_back({keys[i], lists[i], {}});
  return out;
}

std::vector<group_row> ref_rows(const ref_groups& g) {
  std::vector<group_row> out;
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

const join_type all_join_types[] = {join_type::inner, join_type::left_outer, join_type::right_outer,
                                    join_type::full_outer};
const hash_function all_hashes[] = {hash_function::mix64, hash_function::length_only};

class join_test : public backend_test {
 protected:
  void expect_all_operators(const side& l, const side& r, const std::string& what) {
    const device_side dl{l, s()};
    const device_side dr{r, s()};
    for (auto hf : all_hashes) {
      SCOPED_TRACE(what + " hash=" + std::to_string(static_cast<int>(hf)));
      for (auto type : all_join_types) {
        SCOPED_TRACE("join type " + std::to_string(static_cast<int>(type)));
        const auto t = join(dl.spans, dl.values, dr.spans, dr.values, join_options{type, hf}, s());
        ASSERT_EQ(rows_of(t), ref_join(l, r, type, hf));
      }
      const auto cg = cogroup(dl.spans, dl.values, dr.spans, dr.values, hf, s());
      ASSERT_EQ(rows_of(cg), ref_rows(ref_cogroup(l, r, hf)));
      const auto g = group_by_key(dl.spans, dl.values, hf, s());
      ASSERT_EQ(rows_of(g), ref_rows(ref_cogroup(l, side{}, hf)));
    }
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
  const device_side dl{l, s()};
  const device_side dr{r, s()};
  const auto inner = rows_of(join(dl.spans, dl.values, dr.spans, dr.values,
                                  join_options{join_type::inner, hash_function::length_only}, s()));
  std::multiset<std::tuple<std::string, std::int64_t, std::int64_t>> got;
  for (const auto& row : inner) got.emplace(row.key, *row.left, *row.right);
  const std::multiset<std::tuple<std::string, std::int64_t, std::int64_t>> want{
      {"ab", 1, 30}, {"ab", 3, 30}, {"cd", 2, 10}, {std::string("a\0", 2), 5, 50}};
  EXPECT_EQ(got, want);
  expect_all_operators(l, r, "hand-made collisions");
}

TEST_P(join_test, mismatched_sizes_are_rejected) {
  const side l{{"a", "b"}, {1, 2}};
  const device_side dl{l, s()};
  const auto one = column<std::int64_t>::from_host(std::vector<std::int64_t>{1}, s());
  EXPECT_THROW(join(dl.spans, one.view(), dl.spans, dl.values, join_options{}, s()), gpustream::logic_error);
  EXPECT_THROW(join(dl.spans, dl.values, dl.spans, one.view(), join_options{}, s()), gpustream::logic_error);
  EXPECT_THROW(cogroup(dl.spans, dl.values, dl.spans, one.view(), hash_function::mix64, s()),
               gpustream::logic_error);
  EXPECT_THROW(group_by_key(dl.spans, one.view(), hash_function::mix64, s()), gpustream::logic_error);
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(join_test);

}  // namespace
}  // namespace gpustream::test
