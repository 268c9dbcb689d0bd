// split_lines, written once over Thrust for both backends (see kernels/detail).

#include "detail/common.hpp"

#include <gpustream/text/split_lines.hpp>

#include <thrust/copy.h>
#include <thrust/count.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>

#include <limits>

namespace gpustream::detail::GPUSTREAM_KERNEL_NS {

string_spans split_lines(array_view<char> text, stream_view s, memory_resource* mr) {
  expect_backend(text.kind(), s, "split_lines");
  const char* d_text = text.data();
  const size_type n = text.size();
  if (n == 0) return empty_spans(d_text, 0, s, mr);

  auto pol = policy(s);
  const size_type newlines = thrust::count(pol, d_text, d_text + n, '\n');
  const bool tail = read_value(d_text + n - 1, s) != '\n';
  const size_type lines = newlines + (tail ? 1 : 0);

  // Positions of the '\n' bytes (and n for an unterminated last line).
  array<offset_type> ends{lines, s};
  thrust::copy_if(pol, thrust::counting_iterator<offset_type>(0),
                  thrust::counting_iterator<offset_type>(n), d_text, ends.data(),
                  [] GPUSTREAM_HOST_DEVICE(char c) { return c == '\n'; });
  if (tail) write_value(ends.data() + lines - 1, static_cast<offset_type>(n), s);

  array<offset_type> starts{lines, s, mr};
  array<length_type> lengths{lines, s, mr};
  const offset_type* d_ends = ends.data();
  offset_type* d_starts = starts.data();
  length_type* d_lengths = lengths.data();
  // Longest possible line is n bytes: only a batch of 2 GiB or more can overflow.
  array<int> too_long{1, s};
  fill_bytes(too_long.data(), 0, sizeof(int), s);
  int* d_too_long = too_long.data();
  thrust::for_each_n(pol, thrust::counting_iterator<size_type>(0), lines,
                     [=] GPUSTREAM_HOST_DEVICE(size_type i) {
                       const offset_type start = i == 0 ? 0 : d_ends[i - 1] + 1;
                       offset_type end = d_ends[i];
                       // CRLF: the '\r' belongs to the terminator, not the line.
                       if (end < n && end > start && d_text[end - 1] == '\r') --end;
                       const offset_type len = end - start;
                       d_starts[i] = start;
                       if (len > std::numeric_limits<length_type>::max()) {
                         *d_too_long = 1;
                         d_lengths[i] = 0;
                       } else {
                         d_lengths[i] = static_cast<length_type>(len);
                       }
                     });
  if (n > std::numeric_limits<length_type>::max()) {
    GPUSTREAM_EXPECTS(read_value(d_too_long, s) == 0, "split_lines: a line is 2 GiB or longer");
  }
  return string_spans{d_text, n, std::move(starts), std::move(lengths)};
}

}  // namespace gpustream::detail::GPUSTREAM_KERNEL_NS
