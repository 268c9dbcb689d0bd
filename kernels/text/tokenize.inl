// tokenize and tokenize_text, written once over Thrust for both backends.

#include "detail/common.hpp"

#include <gpustream/text/tokenize.hpp>

#include <thrust/copy.h>
#include <thrust/count.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/transform_iterator.h>
#include <thrust/functional.h>
#include <thrust/scan.h>
#include <thrust/transform_reduce.h>

#include <limits>

namespace gpustream::detail::GPUSTREAM_KERNEL_NS {
namespace {

/// Token starts and ends (inclusive) chosen by the predicates, paired in order.
template <class StartPred, class EndPred>
string_spans collect_tokens(const char* d_chars, size_type chars_size, offset_type base,
                            size_type m, StartPred is_start, EndPred is_end, stream_view s,
                            memory_resource* mr) {
  auto pol = policy(s);
  thrust::counting_iterator<offset_type> first(0);
  const size_type tokens = thrust::count_if(pol, first, first + m, is_start);
  array<offset_type> starts{tokens, s, mr};
  array<length_type> lengths{tokens, s, mr};
  if (tokens == 0) return string_spans{d_chars, chars_size, std::move(starts), std::move(lengths)};

  array<offset_type> ends{tokens, s};
  thrust::copy_if(pol, first, first + m, starts.data(), is_start);
  thrust::copy_if(pol, first, first + m, ends.data(), is_end);
  offset_type* d_starts = starts.data();
  const offset_type* d_ends = ends.data();
  length_type* d_lengths = lengths.data();
  if (m > std::numeric_limits<length_type>::max()) {
    const offset_type longest = thrust::transform_reduce(
        pol, thrust::counting_iterator<size_type>(0), thrust::counting_iterator<size_type>(tokens),
        [=] GPUSTREAM_HOST_DEVICE(size_type i) { return d_ends[i] - d_starts[i] + 1; },
        offset_type{0}, thrust::maximum<offset_type>{});
    GPUSTREAM_EXPECTS(longest <= std::numeric_limits<length_type>::max(),
                      "tokenize: a token is 2 GiB or longer");
  }
  thrust::for_each_n(pol, thrust::counting_iterator<size_type>(0), tokens,
                     [=] GPUSTREAM_HOST_DEVICE(size_type i) {
                       // A token lies inside one line, and lines are shorter than 2 GiB.
                       d_lengths[i] = static_cast<length_type>(d_ends[i] - d_starts[i] + 1);
                       d_starts[i] += base;
                     });
  return string_spans{d_chars, chars_size, std::move(starts), std::move(lengths)};
}

}  // namespace

string_spans tokenize_text(array_view<char> text, stream_view s, memory_resource* mr) {
  expect_backend(text.kind(), s, "tokenize_text");
  const char* d = text.data();
  const size_type n = text.size();
  if (n == 0) return empty_spans(d, 0, s, mr);
  auto is_start = [=] GPUSTREAM_HOST_DEVICE(offset_type p) {
    return !is_token_separator(d[p]) && (p == 0 || is_token_separator(d[p - 1]));
  };
  auto is_end = [=] GPUSTREAM_HOST_DEVICE(offset_type p) {
    return !is_token_separator(d[p]) && (p + 1 == n || is_token_separator(d[p + 1]));
  };
  return collect_tokens(d, n, 0, n, is_start, is_end, s, mr);
}

string_spans tokenize(string_spans_view lines, stream_view s, memory_resource* mr) {
  expect_backend(lines.kind(), s, "tokenize");
  const size_type count = lines.size();
  if (count == 0) return empty_spans(lines.chars(), lines.chars_size(), s, mr);
  auto pol = policy(s);
  const offset_type* d_lstarts = lines.starts();
  const length_type* d_llengths = lines.lengths();

  // Spans must be sorted and disjoint: one cheap pass over the spans, not the bytes.
  const size_type out_of_order = thrust::count_if(
      pol, thrust::counting_iterator<size_type>(1), thrust::counting_iterator<size_type>(count),
      [=] GPUSTREAM_HOST_DEVICE(size_type i) {
        return d_lstarts[i] < d_lstarts[i - 1] + d_llengths[i - 1];
      });
  GPUSTREAM_EXPECTS(out_of_order == 0, "tokenize: spans must be sorted by start and disjoint");

  const offset_type lo = read_value(d_lstarts, s);
  const offset_type hi = read_value(d_lstarts + count - 1, s) + read_value(d_llengths + count - 1, s);
  const size_type m = hi - lo;
  if (m == 0) return empty_spans(lines.chars(), lines.chars_size(), s, mr);

  // marks[p]: bit 0 when a non-empty line starts at lo+p, bit 1 when one ends
  // (exclusively) there. Two passes, so no two threads touch one byte at once.
  array<std::uint8_t> marks{m + 1, s};
  std::uint8_t* d_marks = marks.data();
  fill_bytes(d_marks, 0, static_cast<std::size_t>(m + 1), s);
  thrust::for_each_n(pol, thrust::counting_iterator<size_type>(0), count,
                     [=] GPUSTREAM_HOST_DEVICE(size_type i) {
                       if (d_llengths[i] > 0) d_marks[d_lstarts[i] - lo] |= 1;
                     });
  thrust::for_each_n(pol, thrust::counting_iterator<size_type>(0), count,
                     [=] GPUSTREAM_HOST_DEVICE(size_type i) {
                       if (d_llengths[i] > 0) d_marks[d_lstarts[i] + d_llengths[i] - lo] |= 2;
                     });
  // inside[p] = (lines started at or before p) - (lines ended at or before p): 0 or 1.
  array<std::int8_t> inside{m, s};
  std::int8_t* d_inside = inside.data();
  auto delta = thrust::make_transform_iterator(
      thrust::counting_iterator<size_type>(0), [=] GPUSTREAM_HOST_DEVICE(size_type p) -> std::int8_t {
        return static_cast<std::int8_t>((d_marks[p] & 1) - ((d_marks[p] >> 1) & 1));
      });
  thrust::inclusive_scan(pol, delta, delta + m, d_inside);

  const char* d = lines.chars() + lo;
  auto is_start = [=] GPUSTREAM_HOST_DEVICE(offset_type p) {
    return d_inside[p] != 0 && !is_token_separator(d[p]) &&
           ((d_marks[p] & 1) != 0 || is_token_separator(d[p - 1]));
  };
  auto is_end = [=] GPUSTREAM_HOST_DEVICE(offset_type p) {
    return d_inside[p] != 0 && !is_token_separator(d[p]) &&
           (p + 1 == m || (d_marks[p + 1] & 2) != 0 || is_token_separator(d[p + 1]));
  };
  return collect_tokens(lines.chars(), lines.chars_size(), lo, m, is_start, is_end, s, mr);
}

}  // namespace gpustream::detail::GPUSTREAM_KERNEL_NS
