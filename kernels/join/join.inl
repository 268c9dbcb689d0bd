// join, group_by_key and cogroup, written once over Thrust for both backends,
// over string keys (int64 or double values) and int64 keys (int64 values).
// The rows of both sides are ordered together by key (string keys by hash and
// bytes, see detail/key_order.inl; int64 keys by value), left rows numbered
// before right rows, so that each key's rows are adjacent: its left rows in
// input order, then its right rows.
// Each key's counts on both sides give the size of its output; an output row
// then finds its key by binary search and its input rows by arithmetic.

#include "detail/common.hpp"
#include "detail/operators.hpp"
#include "detail/row_keys.hpp"
#include "join/join_spec.hpp"
#include "detail/gather_strings.inl"
#include "detail/key_order.inl"

#include <gpustream/join/join.hpp>

#include <thrust/binary_search.h>
#include <thrust/copy.h>
#include <thrust/fill.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/discard_iterator.h>
#include <thrust/iterator/transform_iterator.h>
#include <thrust/reduce.h>
#include <thrust/scan.h>
#include <thrust/transform.h>

namespace gpustream::detail::GPUSTREAM_KERNEL_NS {
namespace {

/// The string keys of both sides as one sequence: the left's rows, then the right's.
struct both_sides_view {
  spans_device_view left;
  spans_device_view right;
  GPUSTREAM_HOST_DEVICE size_type size() const { return left.size + right.size; }
  GPUSTREAM_HOST_DEVICE size_type left_size() const { return left.size; }
  GPUSTREAM_HOST_DEVICE string_ref element(size_type i) const {
    return i < left.size ? left.element(i) : right.element(i - left.size);
  }
};

/// The same for int64 keys.
struct both_int_sides {
  const std::int64_t* left;
  size_type n_left;
  const std::int64_t* right;
  size_type n_right;
  GPUSTREAM_HOST_DEVICE size_type size() const { return n_left + n_right; }
  GPUSTREAM_HOST_DEVICE size_type left_size() const { return n_left; }
  GPUSTREAM_HOST_DEVICE std::int64_t element(size_type i) const {
    return i < n_left ? left[i] : right[i - n_left];
  }
};

/// The column type of each kind of keys.
template <class Sides>
struct key_column;
template <>
struct key_column<both_sides_view> {
  using type = string_column;
};
template <>
struct key_column<both_int_sides> {
  using type = array<std::int64_t>;
};
template <class Sides>
using key_column_t = typename key_column<Sides>::type;

/// Rows of int64 keys in ascending key order, rows of one key in input
/// order, and the distinct keys numbered (`hash` stays empty).
key_order order_int_keys(both_int_sides kv, const char* what, stream_view s) {
  const size_type n = kv.size();
  GPUSTREAM_EXPECTS(n <= std::numeric_limits<row_index>::max(),
                    std::string{what} + ": at most 2^31 - 1 rows per call");
  auto pol = policy(s);
  thrust::counting_iterator<size_type> first(0);
  key_order k{array<hash_type>{}, array<row_index>{n, s}, array<row_index>{n, s}};
  array<std::int64_t> keys{n, s};
  std::int64_t* d_keys = keys.data();
  thrust::transform(pol, first, first + n, d_keys, [=] GPUSTREAM_HOST_DEVICE(size_type i) { return kv.element(i); });
  row_index* d_order = k.order.data();
  thrust::sequence(pol, d_order, d_order + n);
  thrust::stable_sort_by_key(pol, d_keys, d_keys + n, d_order);
  row_index* d_group = k.group.data();
  auto head = thrust::make_transform_iterator(first, [=] GPUSTREAM_HOST_DEVICE(size_type i) {
    return static_cast<row_index>(i == 0 || d_keys[i] != d_keys[i - 1]);
  });
  thrust::inclusive_scan(pol, head, head + n, d_group);
  k.groups = read_value(d_group + n - 1, s);
  return k;
}

key_order order_sides(both_sides_view kv, hash_function hf, const char* what, stream_view s) {
  return order_keys(kv, kv.size(), hf, what, s);
}
key_order order_sides(both_int_sides kv, hash_function, const char* what, stream_view s) {
  return order_int_keys(kv, what, s);
}

/// The keys at rows `d_rows` (count of them), copied out.
string_column gather_keys(both_sides_view kv, const row_index* d_rows, size_type count, stream_view s,
                          memory_resource* mr) {
  return gather_strings(kv, d_rows, count, s, mr);
}
array<std::int64_t> gather_keys(both_int_sides kv, const row_index* d_rows, size_type count, stream_view s,
                                 memory_resource* mr) {
  array<std::int64_t> out{count, s, mr};
  if (count > 0) {
    thrust::transform(policy(s), d_rows, d_rows + count, out.data(),
                      [=] GPUSTREAM_HOST_DEVICE(row_index row) { return kv.element(row); });
  }
  return out;
}

string_column no_keys(both_sides_view, stream_view s, memory_resource* mr) { return empty_strings(s, mr); }
array<std::int64_t> no_keys(both_int_sides, stream_view s, memory_resource* mr) {
  return array<std::int64_t>{0, s, mr};
}

/// The keys of both sides, grouped.
struct side_groups {
  key_order keys;
  array<row_index> start;       // position of each key's first row; then the row count
  array<row_index> left_count;  // each key's rows on the left
};

/// Groups the rows of `kv` (at least one).
template <class Sides>
side_groups group_sides(Sides kv, hash_function hf, const char* what, stream_view s) {
  const size_type n = kv.size();
  auto pol = policy(s);
  thrust::counting_iterator<size_type> first(0);
  side_groups g{order_sides(kv, hf, what, s), array<row_index>{}, array<row_index>{}};
  const size_type groups = g.keys.groups;
  const row_index* d_order = g.keys.order.data();
  const row_index* d_group = g.keys.group.data();
  g.start = array<row_index>{groups + 1, s};
  row_index* d_start = g.start.data();
  thrust::copy_if(pol, first, first + n, d_start,
                  [=] GPUSTREAM_HOST_DEVICE(size_type i) { return i == 0 || d_group[i] != d_group[i - 1]; });
  thrust::fill_n(pol, d_start + groups, 1, static_cast<row_index>(n));
  g.left_count = array<row_index>{groups, s};
  const size_type n_left = kv.left_size();
  auto is_left = thrust::make_transform_iterator(
      d_order, [=] GPUSTREAM_HOST_DEVICE(row_index row) { return static_cast<row_index>(row < n_left); });
  thrust::reduce_by_key(pol, d_group, d_group + n, is_left, thrust::make_discard_iterator(),
                        g.left_count.data());
  return g;
}

/// One key per group: the key of its first row.
template <class Sides>
key_column_t<Sides> group_keys(Sides kv, const side_groups& g, stream_view s, memory_resource* mr) {
  const size_type groups = g.keys.groups;
  array<row_index> rep{groups, s};
  const row_index* d_order = g.keys.order.data();
  const row_index* d_start = g.start.data();
  thrust::transform(policy(s), d_start, d_start + groups, rep.data(),
                    [=] GPUSTREAM_HOST_DEVICE(row_index p) { return d_order[p]; });
  return gather_keys(kv, rep.data(), groups, s, mr);
}

/// Each group's values on one side (`d_values`: that side's values), in the
/// order of key_order (input order within a group).
template <class V>
basic_value_lists<V> side_lists(const side_groups& g, size_type n_left, size_type n_right, const V* d_values,
                                bool left, stream_view s, memory_resource* mr) {
  auto pol = policy(s);
  const size_type groups = g.keys.groups;
  const size_type n = n_left + n_right;
  basic_value_lists<V> out{array<offset_type>{groups + 1, s, mr}, array<V>{left ? n_left : n_right, s, mr}};
  offset_type* d_offsets = out.offsets.data();
  fill_bytes(d_offsets, 0, sizeof(offset_type), s);
  const row_index* d_start = g.start.data();
  const row_index* d_left_count = g.left_count.data();
  auto count = thrust::make_transform_iterator(
      thrust::counting_iterator<size_type>(0), [=] GPUSTREAM_HOST_DEVICE(size_type k) {
        const row_index l = d_left_count[k];
        return static_cast<offset_type>(left ? l : d_start[k + 1] - d_start[k] - l);
      });
  thrust::inclusive_scan(pol, count, count + groups, d_offsets + 1);
  if (out.values.size() == 0) return out;
  const row_index* d_order = g.keys.order.data();
  auto value = thrust::make_transform_iterator(d_order, [=] GPUSTREAM_HOST_DEVICE(row_index row) {
    const bool mine = (row < n_left) == left;
    return mine ? d_values[left ? row : row - n_left] : V{};
  });
  thrust::copy_if(pol, value, value + n, d_order, out.values.data(),
                  [=] GPUSTREAM_HOST_DEVICE(row_index row) { return (row < n_left) == left; });
  return out;
}

template <class V>
basic_value_lists<V> empty_lists(stream_view s, memory_resource* mr) {
  basic_value_lists<V> out{array<offset_type>{1, s, mr}, array<V>{0, s, mr}};
  fill_bytes(out.offsets.data(), 0, sizeof(offset_type), s);
  return out;
}

both_sides_view sides_of(string_spans_view left, string_spans_view right) {
  return both_sides_view{left.device_view(), right.device_view()};
}
both_int_sides sides_of(array_view<std::int64_t> left, array_view<std::int64_t> right) {
  return both_int_sides{left.data(), left.size(), right.data(), right.size()};
}

template <class Sides, class V, class W>
basic_joined_table<key_column_t<Sides>, V, W> join_sides(Sides kv, const V* d_left, const W* d_right,
                                                         join_options options, stream_view s, memory_resource* mr) {
  using table = basic_joined_table<key_column_t<Sides>, V, W>;
  const size_type n_left = kv.left_size();
  const size_type n = kv.size();
  auto empty = [&] {
    return table{no_keys(kv, s, mr), array<V>{0, s, mr}, array<W>{0, s, mr}, array<std::uint8_t>{0, s, mr}};
  };
  if (n == 0) return empty();
  auto pol = policy(s);
  const side_groups g = group_sides(kv, options.hash, "join", s);
  const size_type groups = g.keys.groups;
  const row_index* d_order = g.keys.order.data();
  const row_index* d_start = g.start.data();
  const row_index* d_left_count = g.left_count.data();
  const bool keep_left = options.type == join_type::left_outer || options.type == join_type::full_outer;
  const bool keep_right = options.type == join_type::right_outer || options.type == join_type::full_outer;

  // end[k]: the output rows of keys 0..k. A key with rows on one side only
  // gives them alone when that side is kept, else nothing.
  array<size_type> end{groups, s};
  size_type* d_end = end.data();
  auto rows_of_key = thrust::make_transform_iterator(
      thrust::counting_iterator<size_type>(0), [=] GPUSTREAM_HOST_DEVICE(size_type k) -> size_type {
        const size_type l = d_left_count[k];
        const size_type r = d_start[k + 1] - d_start[k] - l;
        if (l > 0 && r > 0) return l * r;
        return (l > 0 && keep_left) || (r > 0 && keep_right) ? l + r : 0;
      });
  thrust::inclusive_scan(pol, rows_of_key, rows_of_key + groups, d_end);
  const size_type total = read_value(d_end + groups - 1, s);
  if (total == 0) return empty();

  array<size_type> key_of{total, s};
  size_type* d_key_of = key_of.data();
  thrust::counting_iterator<size_type> first(0);
  thrust::upper_bound(pol, d_end, d_end + groups, first, first + total, d_key_of);

  table out{no_keys(kv, s, mr), array<V>{total, s, mr}, array<W>{total, s, mr},
            array<std::uint8_t>{total, s, mr}};
  array<row_index> key_row{total, s};
  row_index* d_key_row = key_row.data();
  V* d_out_left = out.left_values.data();
  W* d_out_right = out.right_values.data();
  std::uint8_t* d_sides = out.sides.data();
  thrust::for_each_n(pol, first, total, [=] GPUSTREAM_HOST_DEVICE(size_type j) {
    const size_type k = d_key_of[j];
    const size_type at = j - (k == 0 ? 0 : d_end[k - 1]);  // the row's place among its key's
    const size_type l = d_left_count[k];
    const size_type r = d_start[k + 1] - d_start[k] - l;
    const size_type width = r > 0 ? r : 1;
    const row_index left_row = l > 0 ? d_order[d_start[k] + at / width] : -1;
    const row_index right_row = r > 0 ? d_order[d_start[k] + l + at % width] : -1;
    d_key_row[j] = left_row >= 0 ? left_row : right_row;
    d_out_left[j] = left_row >= 0 ? d_left[left_row] : V{0};
    d_out_right[j] = right_row >= 0 ? d_right[right_row - n_left] : W{0};
    d_sides[j] = static_cast<std::uint8_t>((left_row >= 0 ? left_side : 0) | (right_row >= 0 ? right_side : 0));
  });
  out.keys = gather_keys(kv, d_key_row, total, s, mr);
  return out;
}

template <class Sides, class V>
basic_grouped_table<key_column_t<Sides>, V> group_side(Sides kv, const V* d_values, hash_function hash,
                                                       stream_view s, memory_resource* mr) {
  using table = basic_grouped_table<key_column_t<Sides>, V>;
  const size_type n = kv.left_size();
  if (n == 0) return table{no_keys(kv, s, mr), empty_lists<V>(s, mr)};
  const side_groups g = group_sides(kv, hash, "group_by_key", s);
  return table{group_keys(kv, g, s, mr), side_lists<V>(g, n, 0, d_values, true, s, mr)};
}

template <class Sides, class V, class W>
basic_cogrouped_table<key_column_t<Sides>, V, W> cogroup_sides(Sides kv, const V* d_left, const W* d_right,
                                                               hash_function hash, stream_view s,
                                                               memory_resource* mr) {
  using table = basic_cogrouped_table<key_column_t<Sides>, V, W>;
  const size_type n_left = kv.left_size();
  const size_type n_right = kv.size() - n_left;
  if (n_left + n_right == 0) return table{no_keys(kv, s, mr), empty_lists<V>(s, mr), empty_lists<W>(s, mr)};
  const side_groups g = group_sides(kv, hash, "cogroup", s);
  return table{group_keys(kv, g, s, mr), side_lists<V>(g, n_left, n_right, d_left, true, s, mr),
               side_lists<W>(g, n_left, n_right, d_right, false, s, mr)};
}

}  // namespace

joined_table join(string_spans_view left_keys, const std::int64_t* d_left, string_spans_view right_keys,
                  const std::int64_t* d_right, join_options options, stream_view s, memory_resource* mr) {
  return join_sides(sides_of(left_keys, right_keys), d_left, d_right, options, s, mr);
}

basic_joined_table<string_column, double> join(string_spans_view left_keys, const double* d_left,
                                               string_spans_view right_keys, const double* d_right,
                                               join_options options, stream_view s, memory_resource* mr) {
  return join_sides(sides_of(left_keys, right_keys), d_left, d_right, options, s, mr);
}

basic_joined_table<string_column, std::int64_t, double> join(string_spans_view left_keys, const std::int64_t* d_left,
                                                             string_spans_view right_keys, const double* d_right,
                                                             join_options options, stream_view s,
                                                             memory_resource* mr) {
  return join_sides(sides_of(left_keys, right_keys), d_left, d_right, options, s, mr);
}

basic_joined_table<string_column, double, std::int64_t> join(string_spans_view left_keys, const double* d_left,
                                                             string_spans_view right_keys,
                                                             const std::int64_t* d_right, join_options options,
                                                             stream_view s, memory_resource* mr) {
  return join_sides(sides_of(left_keys, right_keys), d_left, d_right, options, s, mr);
}

basic_joined_table<array<std::int64_t>, std::int64_t> join(array_view<std::int64_t> left_keys,
                                                            const std::int64_t* d_left,
                                                            array_view<std::int64_t> right_keys,
                                                            const std::int64_t* d_right, join_options options,
                                                            stream_view s, memory_resource* mr) {
  return join_sides(sides_of(left_keys, right_keys), d_left, d_right, options, s, mr);
}

grouped_table group_by_key(string_spans_view keys, const std::int64_t* d_values, hash_function hash, stream_view s,
                           memory_resource* mr) {
  return group_side(sides_of(keys, string_spans_view{nullptr, 0, nullptr, nullptr, 0, s.kind()}), d_values, hash,
                    s, mr);
}

basic_grouped_table<string_column, double> group_by_key(string_spans_view keys, const double* d_values,
                                                        hash_function hash, stream_view s, memory_resource* mr) {
  return group_side(sides_of(keys, string_spans_view{nullptr, 0, nullptr, nullptr, 0, s.kind()}), d_values, hash,
                    s, mr);
}

basic_grouped_table<array<std::int64_t>, std::int64_t> group_by_key(array_view<std::int64_t> keys,
                                                                     const std::int64_t* d_values,
                                                                     hash_function hash, stream_view s,
                                                                     memory_resource* mr) {
  return group_side(sides_of(keys, array_view<std::int64_t>{nullptr, 0, s.kind()}), d_values, hash, s, mr);
}

cogrouped_table cogroup(string_spans_view left_keys, const std::int64_t* d_left, string_spans_view right_keys,
                        const std::int64_t* d_right, hash_function hash, stream_view s, memory_resource* mr) {
  return cogroup_sides(sides_of(left_keys, right_keys), d_left, d_right, hash, s, mr);
}

basic_cogrouped_table<string_column, double> cogroup(string_spans_view left_keys, const double* d_left,
                                                     string_spans_view right_keys, const double* d_right,
                                                     hash_function hash, stream_view s, memory_resource* mr) {
  return cogroup_sides(sides_of(left_keys, right_keys), d_left, d_right, hash, s, mr);
}

basic_cogrouped_table<string_column, std::int64_t, double> cogroup(string_spans_view left_keys,
                                                                   const std::int64_t* d_left,
                                                                   string_spans_view right_keys,
                                                                   const double* d_right, hash_function hash,
                                                                   stream_view s, memory_resource* mr) {
  return cogroup_sides(sides_of(left_keys, right_keys), d_left, d_right, hash, s, mr);
}

basic_cogrouped_table<string_column, double, std::int64_t> cogroup(string_spans_view left_keys, const double* d_left,
                                                                   string_spans_view right_keys,
                                                                   const std::int64_t* d_right,
                                                                   hash_function hash, stream_view s,
                                                                   memory_resource* mr) {
  return cogroup_sides(sides_of(left_keys, right_keys), d_left, d_right, hash, s, mr);
}

basic_cogrouped_table<array<std::int64_t>, std::int64_t> cogroup(array_view<std::int64_t> left_keys,
                                                                  const std::int64_t* d_left,
                                                                  array_view<std::int64_t> right_keys,
                                                                  const std::int64_t* d_right, hash_function hash,
                                                                  stream_view s, memory_resource* mr) {
  return cogroup_sides(sides_of(left_keys, right_keys), d_left, d_right, hash, s, mr);
}

// ---- tables ----

table join_tables(const table_view& left, const table_view& right, const join_spec& spec, hash_function hf,
                  stream_view s, memory_resource* mr) {
  const size_type nl = left.num_rows();
  const size_type nr = right.num_rows();
  const size_type n = nl + nr;
  GPUSTREAM_EXPECTS(n <= std::numeric_limits<row_index>::max(), "join: at most 2^31 - 1 rows per call");
  auto pol = policy(s);
  const bool keep_left = spec.type == join_type::left_outer || spec.type == join_type::full_outer;
  const bool keep_right = spec.type == join_type::right_outer || spec.type == join_type::full_outer;

  // Both sides' keys in one table, the left's rows first: rows of one key
  // are grouped together, each side's in input order, the left's first.
  std::vector<column> keys;
  std::vector<column_view> key_views;
  for (std::size_t k = 0; k < spec.left_keys.size(); ++k) {
    keys.push_back(concatenate_columns({left.column(spec.left_keys[k]), right.column(spec.right_keys[k])}, s, mr));
    key_views.push_back(keys.back().view());
  }
  array<row_index> left_rows{0, s};
  array<row_index> right_rows{0, s};
  size_type total = 0;
  if (n > 0) {
    const device_columns d_keys{key_views, s};
    const table_device_view kv = d_keys.view();
    key_order k = order_keys(row_keys{kv, hf}, n, "join", s);
    const row_index* d_order = k.order.data();
    const row_index* d_group = k.group.data();
    const size_type groups = k.groups;
    // Each group's first position (and n after the last), and its rows of each side.
    array<size_type> starts{groups + 1, s};
    size_type* d_starts = starts.data();
    thrust::counting_iterator<size_type> first(0);
    thrust::copy_if(pol, first, first + n, d_starts,
                    [=] GPUSTREAM_HOST_DEVICE(size_type i) { return i == 0 || d_group[i] != d_group[i - 1]; });
    write_value(d_starts + groups, n, s);
    array<size_type> lefts{groups, s};
    size_type* d_lefts = lefts.data();
    thrust::reduce_by_key(pol, d_group, d_group + n,
                          thrust::make_transform_iterator(
                              first, [=] GPUSTREAM_HOST_DEVICE(size_type i) { return size_type{d_order[i] < nl}; }),
                          thrust::make_discard_iterator(), d_lefts);
    // Rows out of each group: its pairs, or its unmatched rows that the join
    // keeps. A null key matches nothing.
    array<size_type> out_start{groups + 1, s};
    size_type* d_out = out_start.data();
    auto matches = [=] GPUSTREAM_HOST_DEVICE(size_type g, size_type a, size_type b) {
      if (a == 0 || b == 0) return false;
      for (int c = 0; c < kv.num_columns; ++c) {
        if (kv.column(c).is_null(d_order[d_starts[g]])) return false;
      }
      return true;
    };
    auto count = [=] GPUSTREAM_HOST_DEVICE(size_type g) -> size_type {
      const size_type a = d_lefts[g];
      const size_type b = d_starts[g + 1] - d_starts[g] - a;
      if (matches(g, a, b)) return a * b;
      return (keep_left ? a : 0) + (keep_right ? b : 0);
    };
    fill_bytes(d_out, 0, sizeof(size_type), s);
    thrust::transform(pol, first, first + groups, d_out + 1, count);
    thrust::inclusive_scan(pol, d_out + 1, d_out + groups + 1, d_out + 1);
    total = read_value(d_out + groups, s);
    GPUSTREAM_EXPECTS(total <= std::numeric_limits<row_index>::max(), "join: more than 2^31 - 1 rows out");
    left_rows = array<row_index>{total, s};
    right_rows = array<row_index>{total, s};
    row_index* d_lr = left_rows.data();
    row_index* d_rr = right_rows.data();
    thrust::for_each_n(pol, first, groups, [=] GPUSTREAM_HOST_DEVICE(size_type g) {
      const size_type from = d_starts[g];
      const size_type a = d_lefts[g];
      const size_type b = d_starts[g + 1] - from - a;
      size_type o = d_out[g];
      if (matches(g, a, b)) {
        for (size_type i = 0; i < a; ++i) {
          for (size_type j = 0; j < b; ++j, ++o) {
            d_lr[o] = d_order[from + i];
            d_rr[o] = static_cast<row_index>(d_order[from + a + j] - nl);
          }
        }
        return;
      }
      if (keep_left) {
        for (size_type i = 0; i < a; ++i, ++o) {
          d_lr[o] = d_order[from + i];
          d_rr[o] = -1;
        }
      }
      if (keep_right) {
        for (size_type j = 0; j < b; ++j, ++o) {
          d_lr[o] = -1;
          d_rr[o] = static_cast<row_index>(d_order[from + a + j] - nl);
        }
      }
    });
  }
  // Keys from the combined columns: the left's row, else the right's.
  array<row_index> key_rows{total, s};
  if (total > 0) {
    const row_index* d_lr = left_rows.data();
    const row_index* d_rr = right_rows.data();
    thrust::transform(pol, d_lr, d_lr + total, d_rr, key_rows.data(),
                      [=] GPUSTREAM_HOST_DEVICE(row_index l, row_index r) {
                        return l >= 0 ? l : static_cast<row_index>(nl + r);
                      });
  }
  std::vector<column> out;
  for (const column_view& k : key_views) out.push_back(gather_column(k, key_rows.view(), s, mr));
  for (std::size_t i : spec.left_values) out.push_back(gather_column(left.column(i), left_rows.view(), s, mr));
  for (std::size_t i : spec.right_values) out.push_back(gather_column(right.column(i), right_rows.view(), s, mr));
  return table{spec.output, std::move(out), total};
}

}  // namespace gpustream::detail::GPUSTREAM_KERNEL_NS
