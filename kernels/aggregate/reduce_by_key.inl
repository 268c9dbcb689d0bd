// Sort-based reduce_by_key over string keys, written once over Thrust for both
// backends: sort row indices by key hash, confirm equal hashes by comparing
// bytes (ordering colliding runs by bytes), then reduce each group.

#include "detail/common.hpp"
#include "detail/gather_strings.inl"

#include <gpustream/aggregate/reduce_by_key.hpp>

#include <thrust/copy.h>
#include <thrust/count.h>
#include <thrust/for_each.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/discard_iterator.h>
#include <thrust/iterator/transform_iterator.h>
#include <thrust/reduce.h>
#include <thrust/scan.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>
#include <thrust/transform.h>

#include <limits>

namespace gpustream::detail::GPUSTREAM_KERNEL_NS {
namespace {

using index_type = std::int32_t;

/// Within runs of equal hash whose strings are not all equal (collisions),
/// reorders `d_order` so that equal strings are adjacent, ordered by bytes.
void order_colliding_runs(spans_device_view kv, const hash_type* d_hash, index_type* d_order,
                          size_type n, stream_view s) {
  auto pol = policy(s);
  thrust::counting_iterator<size_type> first(0);
  column<index_type> run{n, s};
  index_type* d_run = run.data();
  auto run_head = thrust::make_transform_iterator(first, [=] GPUSTREAM_HOST_DEVICE(size_type i) {
    return static_cast<index_type>(i == 0 || d_hash[i] != d_hash[i - 1]);
  });
  thrust::inclusive_scan(pol, run_head, run_head + n, d_run);
  const index_type runs = read_value(d_run + n - 1, s);

  // bad[r - 1] = 1 when run r holds two adjacent rows with different bytes.
  column<std::uint8_t> bad{runs, s};
  std::uint8_t* d_bad = bad.data();
  auto differs = thrust::make_transform_iterator(first, [=] GPUSTREAM_HOST_DEVICE(size_type i) {
    return static_cast<std::uint8_t>(i > 0 && d_hash[i] == d_hash[i - 1] &&
                                     !bytes_equal(kv.element(d_order[i]), kv.element(d_order[i - 1])));
  });
  thrust::reduce_by_key(pol, d_run, d_run + n, differs, thrust::make_discard_iterator(), d_bad,
                        thrust::equal_to<index_type>{}, thrust::maximum<std::uint8_t>{});

  auto in_bad_run = [=] GPUSTREAM_HOST_DEVICE(size_type i) { return d_bad[d_run[i] - 1] != 0; };
  const size_type m = thrust::count_if(pol, first, first + n, in_bad_run);
  column<index_type> pos{m, s};
  index_type* d_pos = pos.data();
  thrust::copy_if(pol, first, first + n, d_pos, in_bad_run);

  column<index_type> local{m, s};
  index_type* d_local = local.data();
  thrust::sequence(pol, d_local, d_local + m);
  thrust::sort(pol, d_local, d_local + m,
               [=] GPUSTREAM_HOST_DEVICE(index_type a, index_type b) {
                 const index_type ra = d_run[d_pos[a]];
                 const index_type rb = d_run[d_pos[b]];
                 if (ra != rb) return ra < rb;
                 const index_type ia = d_order[d_pos[a]];
                 const index_type ib = d_order[d_pos[b]];
                 const int c = bytes_compare(kv.element(ia), kv.element(ib));
                 return c != 0 ? c < 0 : ia < ib;
               });
  column<index_type> reordered{m, s};
  index_type* d_reordered = reordered.data();
  thrust::transform(pol, d_local, d_local + m, d_reordered,
                    [=] GPUSTREAM_HOST_DEVICE(index_type j) { return d_order[d_pos[j]]; });
  thrust::for_each_n(pol, thrust::counting_iterator<size_type>(0), m,
                     [=] GPUSTREAM_HOST_DEVICE(size_type j) { d_order[d_pos[j]] = d_reordered[j]; });
}

template <class Op, class Values>
void reduce_groups(const index_type* d_group, size_type n, Values values, std::int64_t* d_out,
                   Op op, stream_view s) {
  thrust::reduce_by_key(policy(s), d_group, d_group + n, values, thrust::make_discard_iterator(),
                        d_out, thrust::equal_to<index_type>{}, op);
}

}  // namespace

key_value_table reduce_by_key_sort(string_spans_view keys, const std::int64_t* d_values,
                                   reduce_options options, stream_view s, memory_resource* mr) {
  const size_type n = keys.size();
  if (n == 0) return key_value_table{empty_strings(s, mr), column<std::int64_t>{0, s, mr}};
  GPUSTREAM_EXPECTS(n <= std::numeric_limits<index_type>::max(),
                    "reduce_by_key: at most 2^31 - 1 rows per call");
  auto pol = policy(s);
  thrust::counting_iterator<size_type> first(0);
  const spans_device_view kv = keys.device_view();
  const hash_function hf = options.hash;

  column<hash_type> hash{n, s};
  hash_type* d_hash = hash.data();
  thrust::transform(pol, first, first + n, d_hash, [=] GPUSTREAM_HOST_DEVICE(size_type i) {
    return hash_string(kv.element(i), hf);
  });
  column<index_type> order{n, s};
  index_type* d_order = order.data();
  thrust::sequence(pol, d_order, d_order + n);
  thrust::sort_by_key(pol, d_hash, d_hash + n, d_order);

  // Equal hashes are confirmed by bytes; only runs with a collision pay more.
  const size_type collisions =
      thrust::count_if(pol, first + 1, first + n, [=] GPUSTREAM_HOST_DEVICE(size_type i) {
        return d_hash[i] == d_hash[i - 1] &&
               !bytes_equal(kv.element(d_order[i]), kv.element(d_order[i - 1]));
      });
  if (collisions > 0) order_colliding_runs(kv, d_hash, d_order, n, s);

  // group[i]: 1-based id of row i's distinct key in sorted order.
  column<index_type> group{n, s};
  index_type* d_group = group.data();
  auto head = thrust::make_transform_iterator(first, [=] GPUSTREAM_HOST_DEVICE(size_type i) {
    return static_cast<index_type>(
        i == 0 || d_hash[i] != d_hash[i - 1] ||
        !bytes_equal(kv.element(d_order[i]), kv.element(d_order[i - 1])));
  });
  thrust::inclusive_scan(pol, head, head + n, d_group);
  const size_type groups = read_value(d_group + n - 1, s);

  column<std::int64_t> out_values{groups, s, mr};
  std::int64_t* d_out = out_values.data();
  const bool counting = options.agg == aggregation::count || d_values == nullptr;
  auto values = thrust::make_transform_iterator(first, [=] GPUSTREAM_HOST_DEVICE(size_type i) {
    return counting ? std::int64_t{1} : d_values[d_order[i]];
  });
  switch (options.agg) {
    case aggregation::sum:
    case aggregation::count:
      reduce_groups(d_group, n, values, d_out, thrust::plus<std::int64_t>{}, s);
      break;
    case aggregation::min:
      reduce_groups(d_group, n, values, d_out, thrust::minimum<std::int64_t>{}, s);
      break;
    case aggregation::max:
      reduce_groups(d_group, n, values, d_out, thrust::maximum<std::int64_t>{}, s);
      break;
  }

  // One representative row per group: the first of each run of equal keys.
  column<index_type> rep{groups, s};
  thrust::copy_if(pol, d_order, d_order + n, first, rep.data(),
                  [=] GPUSTREAM_HOST_DEVICE(size_type i) {
                    return i == 0 || d_group[i] != d_group[i - 1];
                  });
  string_column out_keys = gather_strings(kv, rep.data(), groups, s, mr);
  return key_value_table{std::move(out_keys), std::move(out_values)};
}

}  // namespace gpustream::detail::GPUSTREAM_KERNEL_NS
