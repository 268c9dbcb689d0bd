// filter_containing, written once over Thrust for both backends.

#include "detail/common.hpp"

#include <gpustream/text/filter.hpp>

#include <thrust/copy.h>
#include <thrust/count.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/zip_iterator.h>

namespace gpustream::detail::GPUSTREAM_KERNEL_NS {

string_spans filter_containing(string_spans_view lines, std::string_view needle, stream_view s,
                               memory_resource* mr) {
  expect_backend(lines.kind(), s, "filter_containing");
  const size_type count = lines.size();
  if (count == 0) return empty_spans(lines.chars(), lines.chars_size(), s, mr);
  auto pol = policy(s);

  // The needle travels to the backend's memory once per call.
  const auto needle_size = static_cast<length_type>(needle.size());
  column<char> d_needle_col = column<char>::from_host(needle.data(), needle_size, s);
  const char* d_needle = d_needle_col.data();
  const spans_device_view d_lines = lines.device_view();
  auto keep = [=] GPUSTREAM_HOST_DEVICE(size_type i) {
    const string_ref line = d_lines.element(i);
    if (needle_size == 0) return true;
    if (line.size < needle_size) return false;
    const char first = d_needle[0];
    const length_type last = line.size - needle_size;
    for (length_type p = 0; p <= last; ++p) {
      if (line.data[p] != first) continue;
      length_type j = 1;
      while (j < needle_size && line.data[p + j] == d_needle[j]) ++j;
      if (j == needle_size) return true;
    }
    return false;
  };
  thrust::counting_iterator<size_type> first(0);
  const size_type kept = thrust::count_if(pol, first, first + count, keep);
  column<offset_type> starts{kept, s, mr};
  column<length_type> lengths{kept, s, mr};
  if (kept > 0) {
    auto in = thrust::make_zip_iterator(lines.starts(), lines.lengths());
    auto out = thrust::make_zip_iterator(starts.data(), lengths.data());
    thrust::copy_if(pol, in, in + count, first, out, keep);
  }
  // The needle's memory is freed on the stream, after the kernels that read it.
  return string_spans{lines.chars(), lines.chars_size(), std::move(starts), std::move(lengths)};
}

}  // namespace gpustream::detail::GPUSTREAM_KERNEL_NS
