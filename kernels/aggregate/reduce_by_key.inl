// Sort-based reduce_by_key over string keys, written once over Thrust for both
// backends: order the rows by key (hash, equal hashes confirmed by bytes; see
// detail/key_order.inl), then reduce each group.

#include "detail/common.hpp"
#include "detail/gather_strings.inl"
#include "detail/key_order.inl"

#include <gpustream/aggregate/reduce_by_key.hpp>

#include <thrust/copy.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/discard_iterator.h>
#include <thrust/iterator/transform_iterator.h>
#include <thrust/reduce.h>

namespace gpustream::detail::GPUSTREAM_KERNEL_NS {
namespace {

template <class Op, class Values, class V>
void reduce_groups(const row_index* d_group, size_type n, Values values, V* d_out, Op op, stream_view s) {
  thrust::reduce_by_key(policy(s), d_group, d_group + n, values, thrust::make_discard_iterator(),
                        d_out, thrust::equal_to<row_index>{}, op);
}

/// Orders the rows by key and reduces each group's values (of type V) into
/// `out_values`; returns the keys, one per group, in the order of the groups.
template <class V>
string_column reduce_sorted(string_spans_view keys, const V* d_values, aggregation agg, hash_function hash,
                            array<V>& out_values, stream_view s, memory_resource* mr) {
  const size_type n = keys.size();
  auto pol = policy(s);
  thrust::counting_iterator<size_type> first(0);
  const spans_device_view kv = keys.device_view();
  const key_order k = order_keys(kv, n, hash, "reduce_by_key", s);
  const row_index* d_order = k.order.data();
  const row_index* d_group = k.group.data();
  const size_type groups = k.groups;

  out_values = array<V>{groups, s, mr};
  V* d_out = out_values.data();
  const bool counting = agg == aggregation::count || d_values == nullptr;
  auto values = thrust::make_transform_iterator(first, [=] GPUSTREAM_HOST_DEVICE(size_type i) {
    return counting ? V{1} : d_values[d_order[i]];
  });
  switch (agg) {
    case aggregation::sum:
    case aggregation::count:
      reduce_groups(d_group, n, values, d_out, wrapping_plus{}, s);
      break;
    case aggregation::min:
      reduce_groups(d_group, n, values, d_out, thrust::minimum<V>{}, s);
      break;
    case aggregation::max:
      reduce_groups(d_group, n, values, d_out, thrust::maximum<V>{}, s);
      break;
  }

  // One representative row per group: the first of each run of equal keys.
  array<row_index> rep{groups, s};
  thrust::copy_if(pol, d_order, d_order + n, first, rep.data(),
                  [=] GPUSTREAM_HOST_DEVICE(size_type i) {
                    return i == 0 || d_group[i] != d_group[i - 1];
                  });
  return gather_strings(kv, rep.data(), groups, s, mr);
}

}  // namespace

key_value_table reduce_by_key_sort(string_spans_view keys, const std::int64_t* d_values,
                                   reduce_options options, stream_view s, memory_resource* mr) {
  if (keys.size() == 0) return key_value_table{empty_strings(s, mr), array<std::int64_t>{0, s, mr}};
  array<std::int64_t> values;
  string_column out_keys = reduce_sorted(keys, d_values, options.agg, options.hash, values, s, mr);
  return key_value_table{std::move(out_keys), std::move(values)};
}

key_double_table reduce_doubles_by_key(string_spans_view keys, const double* d_values, reduce_options options,
                                       stream_view s, memory_resource* mr) {
  if (keys.size() == 0) return key_double_table{empty_strings(s, mr), array<double>{0, s, mr}};
  array<double> values;
  string_column out_keys = reduce_sorted(keys, d_values, options.agg, options.hash, values, s, mr);
  return key_double_table{std::move(out_keys), std::move(values)};
}

}  // namespace gpustream::detail::GPUSTREAM_KERNEL_NS
