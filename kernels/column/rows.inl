// Row operators, written once over Thrust for both backends: grouping rows by
// key, selecting flagged rows, gathering rows.

#include "detail/common.hpp"
#include "detail/key_order.inl"

#include <gpustream/column/rows.hpp>

#include <thrust/copy.h>
#include <thrust/gather.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/scan.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>

namespace gpustream::detail::GPUSTREAM_KERNEL_NS {
namespace {

/// Fills `g.first` and `g.groups` from `g.order` and `g.group` (n > 0).
void find_group_starts(row_groups& g, size_type n, stream_view s, memory_resource* mr) {
  const row_index* d_group = g.group.data();
  g.groups = read_value(d_group + n - 1, s);
  g.first = array<row_index>{g.groups, s, mr};
  thrust::counting_iterator<size_type> pos(0);
  thrust::copy_if(policy(s), g.order.data(), g.order.data() + n, pos, g.first.data(),
                  [=] GPUSTREAM_HOST_DEVICE(size_type i) { return i == 0 || d_group[i] != d_group[i - 1]; });
}

row_groups no_groups(stream_view s, memory_resource* mr) {
  return row_groups{array<row_index>{0, s, mr}, array<row_index>{0, s, mr}, array<row_index>{0, s, mr}, 0};
}

}  // namespace

row_groups group_string_rows(string_spans_view keys, hash_function hash, stream_view s, memory_resource* mr) {
  const size_type n = keys.size();
  if (n == 0) return no_groups(s, mr);
  key_order k = order_keys(keys.device_view(), n, hash, "group_rows", s);
  row_groups g{std::move(k.order), std::move(k.group), array<row_index>{}, 0};
  find_group_starts(g, n, s, mr);
  return g;
}

row_groups group_int_rows(array_view<std::int64_t> keys, stream_view s, memory_resource* mr) {
  const size_type n = keys.size();
  GPUSTREAM_EXPECTS(n <= std::numeric_limits<row_index>::max(), "group_rows: at most 2^31 - 1 rows per call");
  if (n == 0) return no_groups(s, mr);
  auto pol = policy(s);
  array<std::int64_t> sorted{n, s};
  std::int64_t* d_sorted = sorted.data();
  copy_bytes(d_sorted, keys.data(), static_cast<std::size_t>(n) * sizeof(std::int64_t), s);
  row_groups g{array<row_index>{n, s, mr}, array<row_index>{n, s, mr}, array<row_index>{}, 0};
  thrust::sequence(pol, g.order.data(), g.order.data() + n);
  thrust::stable_sort_by_key(pol, d_sorted, d_sorted + n, g.order.data());
  thrust::counting_iterator<size_type> pos(0);
  auto head = thrust::make_transform_iterator(pos, [=] GPUSTREAM_HOST_DEVICE(size_type i) {
    return static_cast<row_index>(i == 0 || d_sorted[i] != d_sorted[i - 1]);
  });
  thrust::inclusive_scan(pol, head, head + n, g.group.data());
  find_group_starts(g, n, s, mr);
  return g;
}

array<row_index> select_rows(array_view<std::uint8_t> keep, stream_view s, memory_resource* mr) {
  const size_type n = keep.size();
  GPUSTREAM_EXPECTS(n <= std::numeric_limits<row_index>::max(), "select_rows: at most 2^31 - 1 rows per call");
  if (n == 0) return array<row_index>{0, s, mr};
  auto pol = policy(s);
  const std::uint8_t* d_keep = keep.data();
  auto kept = [=] GPUSTREAM_HOST_DEVICE(std::uint8_t k) { return k != 0; };
  const auto m = static_cast<size_type>(thrust::count_if(pol, d_keep, d_keep + n, kept));
  array<row_index> rows{m, s, mr};
  thrust::counting_iterator<row_index> first(0);
  thrust::copy_if(pol, first, first + static_cast<row_index>(n), d_keep, rows.data(), kept);
  return rows;
}

array<row_index> rows_with_nonzero(array_view<std::int64_t> values, stream_view s, memory_resource* mr) {
  const size_type n = values.size();
  GPUSTREAM_EXPECTS(n <= std::numeric_limits<row_index>::max(), "rows_with_nonzero: at most 2^31 - 1 rows per call");
  if (n == 0) return array<row_index>{0, s, mr};
  auto pol = policy(s);
  const std::int64_t* d_values = values.data();
  auto nonzero = [=] GPUSTREAM_HOST_DEVICE(std::int64_t v) { return v != 0; };
  const auto m = static_cast<size_type>(thrust::count_if(pol, d_values, d_values + n, nonzero));
  array<row_index> rows{m, s, mr};
  thrust::counting_iterator<row_index> first(0);
  thrust::copy_if(pol, first, first + static_cast<row_index>(n), d_values, rows.data(), nonzero);
  return rows;
}

array<std::int64_t> offsets_of_counts(array_view<std::int64_t> counts, stream_view s, memory_resource* mr) {
  const size_type n = counts.size();
  array<std::int64_t> offsets{n + 1, s, mr};
  fill_bytes(offsets.data(), 0, sizeof(std::int64_t), s);
  if (n > 0) thrust::inclusive_scan(policy(s), counts.data(), counts.data() + n, offsets.data() + 1);
  return offsets;
}

template <class T>
array<T> gather_values(array_view<T> values, array_view<row_index> rows, stream_view s, memory_resource* mr) {
  array<T> out{rows.size(), s, mr};
  if (rows.size() > 0) {
    thrust::gather(policy(s), rows.data(), rows.data() + rows.size(), values.data(), out.data());
  }
  return out;
}

array<std::int64_t> gather_int64(array_view<std::int64_t> values, array_view<row_index> rows, stream_view s,
                                  memory_resource* mr) {
  return gather_values(values, rows, s, mr);
}

array<double> gather_double(array_view<double> values, array_view<row_index> rows, stream_view s,
                             memory_resource* mr) {
  return gather_values(values, rows, s, mr);
}

string_spans gather_spans(string_spans_view strings, array_view<row_index> rows, stream_view s,
                          memory_resource* mr) {
  array<offset_type> starts = gather_values(array_view<offset_type>{strings.starts(), strings.size(), s.kind()},
                                             rows, s, mr);
  array<length_type> lengths = gather_values(array_view<length_type>{strings.lengths(), strings.size(), s.kind()},
                                              rows, s, mr);
  return string_spans{strings.chars(), strings.chars_size(), std::move(starts), std::move(lengths)};
}

}  // namespace gpustream::detail::GPUSTREAM_KERNEL_NS
