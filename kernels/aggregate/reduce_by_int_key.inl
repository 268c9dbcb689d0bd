// reduce_by_key over 64-bit integer keys, written once over Thrust for both
// backends: a stable sort of (key, value) by key, then one reduction per run
// of equal keys.

#include "detail/common.hpp"

#include <gpustream/aggregate/reduce_by_int_key.hpp>

#include <thrust/count.h>
#include <thrust/fill.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/reduce.h>
#include <thrust/sort.h>

namespace gpustream::detail::GPUSTREAM_KERNEL_NS {
namespace {

template <class Op>
void reduce_runs(const std::int64_t* d_keys, const std::int64_t* d_values, size_type n, std::int64_t* d_out_keys,
                 std::int64_t* d_out_values, Op op, stream_view s) {
  thrust::reduce_by_key(policy(s), d_keys, d_keys + n, d_values, d_out_keys, d_out_values,
                        thrust::equal_to<std::int64_t>{}, op);
}

}  // namespace

int_key_table reduce_by_int_key(const std::int64_t* d_keys, const std::int64_t* d_values, size_type n,
                                aggregation agg, stream_view s, memory_resource* mr) {
  if (n == 0) return int_key_table{array<std::int64_t>{0, s, mr}, array<std::int64_t>{0, s, mr}};
  auto pol = policy(s);
  array<std::int64_t> keys{n, s};
  array<std::int64_t> values{n, s};
  std::int64_t* d_sorted_keys = keys.data();
  std::int64_t* d_sorted_values = values.data();
  copy_bytes(d_sorted_keys, d_keys, static_cast<std::size_t>(n) * sizeof(std::int64_t), s);
  if (agg == aggregation::count || d_values == nullptr) {
    thrust::fill(pol, d_sorted_values, d_sorted_values + n, std::int64_t{1});
  } else {
    copy_bytes(d_sorted_values, d_values, static_cast<std::size_t>(n) * sizeof(std::int64_t), s);
  }
  thrust::stable_sort_by_key(pol, d_sorted_keys, d_sorted_keys + n, d_sorted_values);

  thrust::counting_iterator<size_type> first(1);
  const size_type groups =
      1 + static_cast<size_type>(thrust::count_if(pol, first, first + (n - 1), [=] GPUSTREAM_HOST_DEVICE(size_type i) {
        return d_sorted_keys[i] != d_sorted_keys[i - 1];
      }));
  int_key_table out{array<std::int64_t>{groups, s, mr}, array<std::int64_t>{groups, s, mr}};
  std::int64_t* d_out_keys = out.keys.data();
  std::int64_t* d_out_values = out.values.data();
  switch (agg) {
    case aggregation::sum:
    case aggregation::count:
      reduce_runs(d_sorted_keys, d_sorted_values, n, d_out_keys, d_out_values, wrapping_plus{}, s);
      break;
    case aggregation::min:
      reduce_runs(d_sorted_keys, d_sorted_values, n, d_out_keys, d_out_values, thrust::minimum<std::int64_t>{}, s);
      break;
    case aggregation::max:
      reduce_runs(d_sorted_keys, d_sorted_values, n, d_out_keys, d_out_values, thrust::maximum<std::int64_t>{}, s);
      break;
  }
  return out;
}

}  // namespace gpustream::detail::GPUSTREAM_KERNEL_NS
