// top_k by value, written once over Thrust for both backends.

#include "detail/common.hpp"
#include "detail/gather_strings.inl"

#include <gpustream/aggregate/top_k.hpp>

#include <thrust/gather.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>

#include <algorithm>
#include <limits>

namespace gpustream::detail::GPUSTREAM_KERNEL_NS {

key_value_table top_k(string_column_view keys, array_view<std::int64_t> values, size_type k,
                      stream_view s, memory_resource* mr) {
  const size_type n = keys.size();
  const size_type take = std::min(k, n);
  if (take == 0) return key_value_table{empty_strings(s, mr), array<std::int64_t>{0, s, mr}};
  GPUSTREAM_EXPECTS(n <= std::numeric_limits<std::int32_t>::max(),
                    "top_k: at most 2^31 - 1 rows per call");
  auto pol = policy(s);
  const strings_device_view kv = keys.device_view();
  const std::int64_t* d_values = values.data();
  array<std::int32_t> order{n, s};
  std::int32_t* d_order = order.data();
  thrust::sequence(pol, d_order, d_order + n);
  thrust::sort(pol, d_order, d_order + n,
               [=] GPUSTREAM_HOST_DEVICE(std::int32_t a, std::int32_t b) {
                 if (d_values[a] != d_values[b]) return d_values[a] > d_values[b];
                 const int c = bytes_compare(kv.element(a), kv.element(b));
                 return c != 0 ? c < 0 : a < b;
               });
  array<std::int64_t> out_values{take, s, mr};
  thrust::gather(pol, d_order, d_order + take, d_values, out_values.data());
  string_column out_keys = gather_strings(kv, d_order, take, s, mr);
  return key_value_table{std::move(out_keys), std::move(out_values)};
}

}  // namespace gpustream::detail::GPUSTREAM_KERNEL_NS
