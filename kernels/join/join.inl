// join, group_by_key and cogroup over string keys, written once over Thrust for
// both backends. The rows of both sides are ordered together by key (see
// detail/key_order.inl), left rows numbered before right rows, so that each
// key's rows are adjacent: its left rows in input order, then its right rows.
// Each key's counts on both sides give the size of its output; an output row
// then finds its key by binary search and its input rows by arithmetic.

#include "detail/common.hpp"
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

/// The keys of both sides as one sequence: the left's rows, then the right's.
struct both_sides_view {
  spans_device_view left;
  spans_device_view right;
  GPUSTREAM_HOST_DEVICE string_ref element(size_type i) const {
    return i < left.size ? left.element(i) : right.element(i - left.size);
  }
};

/// The keys of both sides, grouped.
struct side_groups {
  key_order keys;
  column<row_index> start;       // position of each key's first row; then the row count
  column<row_index> left_count;  // each key's rows on the left
};

/// Groups the rows of `kv` (at least one).
side_groups group_sides(both_sides_view kv, hash_function hf, const char* what, stream_view s) {
  const size_type n = kv.left.size + kv.right.size;
  auto pol = policy(s);
  thrust::counting_iterator<size_type> first(0);
  side_groups g{order_keys(kv, n, hf, what, s), column<row_index>{}, column<row_index>{}};
  const size_type groups = g.keys.groups;
  const row_index* d_order = g.keys.order.data();
  const row_index* d_group = g.keys.group.data();
  g.start = column<row_index>{groups + 1, s};
  row_index* d_start = g.start.data();
  thrust::copy_if(pol, first, first + n, d_start,
                  [=] GPUSTREAM_HOST_DEVICE(size_type i) { return i == 0 || d_group[i] != d_group[i - 1]; });
  thrust::fill_n(pol, d_start + groups, 1, static_cast<row_index>(n));
  g.left_count = column<row_index>{groups, s};
  const size_type n_left = kv.left.size;
  auto is_left = thrust::make_transform_iterator(
      d_order, [=] GPUSTREAM_HOST_DEVICE(row_index row) { return static_cast<row_index>(row < n_left); });
  thrust::reduce_by_key(pol, d_group, d_group + n, is_left, thrust::make_discard_iterator(),
                        g.left_count.data());
  return g;
}

/// One key per group: the key of its first row.
string_column group_keys(both_sides_view kv, const side_groups& g, stream_view s, memory_resource* mr) {
  const size_type groups = g.keys.groups;
  column<row_index> rep{groups, s};
  const row_index* d_order = g.keys.order.data();
  const row_index* d_start = g.start.data();
  thrust::transform(policy(s), d_start, d_start + groups, rep.data(),
                    [=] GPUSTREAM_HOST_DEVICE(row_index p) { return d_order[p]; });
  return gather_strings(kv, rep.data(), groups, s, mr);
}

/// Each group's values on one side, in the order of key_order (input order
/// within a group).
value_lists side_lists(const side_groups& g, size_type n_left, size_type n_right, const std::int64_t* d_left,
                       const std::int64_t* d_right, bool left, stream_view s, memory_resource* mr) {
  auto pol = policy(s);
  const size_type groups = g.keys.groups;
  const size_type n = n_left + n_right;
  value_lists out{column<offset_type>{groups + 1, s, mr}, column<std::int64_t>{left ? n_left : n_right, s, mr}};
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
    return row < n_left ? d_left[row] : d_right[row - n_left];
  });
  thrust::copy_if(pol, value, value + n, d_order, out.values.data(),
                  [=] GPUSTREAM_HOST_DEVICE(row_index row) { return (row < n_left) == left; });
  return out;
}

value_lists empty_lists(stream_view s, memory_resource* mr) {
  value_lists out{column<offset_type>{1, s, mr}, column<std::int64_t>{0, s, mr}};
  fill_bytes(out.offsets.data(), 0, sizeof(offset_type), s);
  return out;
}

both_sides_view sides_of(string_spans_view left, string_spans_view right) {
  return both_sides_view{left.device_view(), right.device_view()};
}

}  // namespace

joined_table join(string_spans_view left_keys, const std::int64_t* d_left, string_spans_view right_keys,
                  const std::int64_t* d_right, join_options options, stream_view s, memory_resource* mr) {
  const both_sides_view kv = sides_of(left_keys, right_keys);
  const size_type n_left = kv.left.size;
  const size_type n = n_left + kv.right.size;
  auto empty = [&] {
    return joined_table{empty_strings(s, mr), column<std::int64_t>{0, s, mr}, column<std::int64_t>{0, s, mr},
                        column<std::uint8_t>{0, s, mr}};
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
  column<size_type> end{groups, s};
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

  column<size_type> key_of{total, s};
  size_type* d_key_of = key_of.data();
  thrust::counting_iterator<size_type> first(0);
  thrust::upper_bound(pol, d_end, d_end + groups, first, first + total, d_key_of);

  joined_table out{string_column{}, column<std::int64_t>{total, s, mr}, column<std::int64_t>{total, s, mr},
                   column<std::uint8_t>{total, s, mr}};
  column<row_index> key_row{total, s};
  row_index* d_key_row = key_row.data();
  std::int64_t* d_out_left = out.left_values.data();
  std::int64_t* d_out_right = out.right_values.data();
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
    d_out_left[j] = left_row >= 0 ? d_left[left_row] : 0;
    d_out_right[j] = right_row >= 0 ? d_right[right_row - n_left] : 0;
    d_sides[j] = static_cast<std::uint8_t>((left_row >= 0 ? left_side : 0) | (right_row >= 0 ? right_side : 0));
  });
  out.keys = gather_strings(kv, d_key_row, total, s, mr);
  return out;
}

grouped_table group_by_key(string_spans_view keys, const std::int64_t* d_values, hash_function hash, stream_view s,
                           memory_resource* mr) {
  const both_sides_view kv = sides_of(keys, string_spans_view{nullptr, 0, nullptr, nullptr, 0, s.kind()});
  const size_type n = kv.left.size;
  if (n == 0) {
    return grouped_table{empty_strings(s, mr), empty_lists(s, mr)};
  }
  const side_groups g = group_sides(kv, hash, "group_by_key", s);
  return grouped_table{group_keys(kv, g, s, mr), side_lists(g, n, 0, d_values, nullptr, true, s, mr)};
}

cogrouped_table cogroup(string_spans_view left_keys, const std::int64_t* d_left, string_spans_view right_keys,
                        const std::int64_t* d_right, hash_function hash, stream_view s, memory_resource* mr) {
  const both_sides_view kv = sides_of(left_keys, right_keys);
  const size_type n_left = kv.left.size;
  const size_type n_right = kv.right.size;
  if (n_left + n_right == 0) {
    return cogrouped_table{empty_strings(s, mr), empty_lists(s, mr), empty_lists(s, mr)};
  }
  const side_groups g = group_sides(kv, hash, "cogroup", s);
  return cogrouped_table{group_keys(kv, g, s, mr), side_lists(g, n_left, n_right, d_left, d_right, true, s, mr),
                         side_lists(g, n_left, n_right, d_left, d_right, false, s, mr)};
}

}  // namespace gpustream::detail::GPUSTREAM_KERNEL_NS
