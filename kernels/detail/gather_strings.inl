// gather_strings: materialises selected strings as an Arrow string column.
// Included by operator sources; compiled once per backend with them.

#include "detail/common.hpp"

#include <gpustream/column/column_device_view.hpp>

#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/scan.h>
#include <thrust/transform.h>

namespace gpustream::detail::GPUSTREAM_KERNEL_NS {

/// The view of `c` itself, without children (what its rows need, for strings).
inline column_device_view flat_view(const column_view& c) {
  column_device_view v{c.type().id(), c.size(), c.data(), c.null_mask(), nullptr, nullptr, nullptr, 0};
  if (c.type().id() == type_id::string || c.type().id() == type_id::list) {
    v.offsets = c.children().empty() || c.child(0).size() == 0 ? nullptr : c.child(0).data<offset_type>();
  }
  if (c.is_spans()) v.lengths = c.child(1).data<length_type>();
  return v;
}

/// A string column's rows (either layout), null rows and negative row
/// numbers empty: what gather_strings copies out of a column.
struct nullable_strings {
  column_device_view c;
  GPUSTREAM_HOST_DEVICE string_ref element(size_type i) const {
    return i >= 0 && c.is_valid(i) ? c.element<string_ref>(i) : string_ref{nullptr, 0};
  }
};

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
