// gather_strings: materialises selected strings as an Arrow string column.
// Included by operator sources; compiled once per backend with them.

#include "detail/common.hpp"

#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/scan.h>
#include <thrust/transform.h>

namespace gpustream::detail::GPUSTREAM_KERNEL_NS {

/// Copies strings src.element(d_indices[i]), i < count, into a new column.
template <class DeviceView, class Index>
string_column gather_strings(DeviceView src, const Index* d_indices, size_type count,
                             stream_view s, memory_resource* mr) {
  if (count == 0) return empty_strings(s, mr);
  auto pol = policy(s);
  array<offset_type> offsets{count + 1, s, mr};
  offset_type* d_offsets = offsets.data();
  fill_bytes(d_offsets, 0, sizeof(offset_type), s);
  thrust::transform(pol, d_indices, d_indices + count, d_offsets + 1,
                    [=] GPUSTREAM_HOST_DEVICE(Index idx) -> offset_type {
                      return src.element(idx).size;
                    });
  thrust::inclusive_scan(pol, d_offsets + 1, d_offsets + count + 1, d_offsets + 1);
  const offset_type total = read_value(d_offsets + count, s);
  array<char> chars{total, s, mr};
  char* d_chars = chars.data();
  thrust::for_each_n(pol, thrust::counting_iterator<size_type>(0), count,
                     [=] GPUSTREAM_HOST_DEVICE(size_type i) {
                       const string_ref str = src.element(d_indices[i]);
                       char* out = d_chars + d_offsets[i];
                       for (length_type b = 0; b < str.size; ++b) out[b] = str.data[b];
                     });
  return string_column{std::move(chars), std::move(offsets)};
}

}  // namespace gpustream::detail::GPUSTREAM_KERNEL_NS
