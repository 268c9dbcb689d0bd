// spans_of and constant_column, written once over Thrust for both backends.

#include "detail/common.hpp"

#include <gpustream/column/convert.hpp>

#include <thrust/count.h>
#include <thrust/fill.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/zip_iterator.h>
#include <thrust/transform.h>
#include <thrust/tuple.h>

namespace gpustream::detail::GPUSTREAM_KERNEL_NS {

string_spans spans_of(string_column_view strings, stream_view s, memory_resource* mr) {
  expect_backend(strings.kind(), s, "spans_of");
  const size_type n = strings.size();
  if (n == 0) return empty_spans(strings.chars(), 0, s, mr);
  const offset_type* offsets = strings.offsets();
  const offset_type chars_size = read_value(offsets + n, s);
  array<offset_type> starts{n, s, mr};
  array<length_type> lengths{n, s, mr};
  auto out = thrust::make_zip_iterator(starts.data(), lengths.data());
  thrust::counting_iterator<size_type> first(0);
  thrust::transform(policy(s), first, first + n, out, [=] GPUSTREAM_HOST_DEVICE(size_type i) {
    return thrust::make_tuple(offsets[i], static_cast<length_type>(offsets[i + 1] - offsets[i]));
  });
  return string_spans{strings.chars(), static_cast<size_type>(chars_size), std::move(starts),
                      std::move(lengths)};
}

size_type count_bytes(array_view<char> text, char byte, stream_view s) {
  expect_backend(text.kind(), s, "count_bytes");
  if (text.size() == 0) return 0;
  return static_cast<size_type>(thrust::count(policy(s), text.data(), text.data() + text.size(), byte));
}

array<std::int64_t> constant_column(size_type size, std::int64_t value, stream_view s,
                                     memory_resource* mr) {
  array<std::int64_t> out{size, s, mr};
  if (size > 0) thrust::fill_n(policy(s), out.data(), size, value);
  return out;
}

}  // namespace gpustream::detail::GPUSTREAM_KERNEL_NS
