// filter_containing, written once over Thrust for both backends.

#include "detail/common.hpp"
#include "detail/text_words.hpp"

#include <gpustream/text/filter.hpp>

#include <thrust/copy.h>
#include <thrust/count.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/zip_iterator.h>

#include <cstdint>

namespace gpustream::detail::GPUSTREAM_KERNEL_NS {

string_spans filter_containing(string_spans_view lines, std::string_view needle, stream_view s,
                               memory_resource* mr) {
  expect_backend(lines.kind(), s, "filter_containing");
  const size_type count = lines.size();
  if (count == 0) return empty_spans(lines.chars(), lines.chars_size(), s, mr);
  auto pol = policy(s);

  // The needle travels to the backend's memory once per call.
  const auto needle_size = static_cast<length_type>(needle.size());
  array<char> d_needle_col = array<char>::from_host(needle.data(), needle_size, s);
  const char* d_needle = d_needle_col.data();
  const spans_device_view d_lines = lines.device_view();
  const text_words words{lines.chars(), lines.chars_size(),
                         static_cast<size_type>(reinterpret_cast<std::uintptr_t>(lines.chars()) & 7)};
  const auto first_byte = needle.empty() ? 0 : static_cast<unsigned char>(needle[0]);

  // Whether each line contains the needle, worked out once: each line is
  // read in aligned 8-byte words, the places of the needle's first byte found
  // a word at a time, and only those compared with the rest of the needle.
  array<std::uint8_t> keep{count, s};
  std::uint8_t* d_keep = keep.data();
  thrust::for_each_n(pol, thrust::counting_iterator<size_type>(0), count, [=] GPUSTREAM_HOST_DEVICE(size_type i) {
    const string_ref line = d_lines.element(i);
    bool found = needle_size == 0;
    if (!found && line.size >= needle_size) {
      const size_type lo = line.data - words.text;           // the line's first byte
      const size_type last = lo + line.size - needle_size;  // the last place the needle may start
      for (size_type k = words.word_of(lo); !found && k <= words.word_of(last); ++k) {
        word64 at = equal_bytes(words.word(k), first_byte);
        const size_type p0 = 8 * k - words.misalign;  // the text position of word k's byte 0
        if (p0 < lo) at &= ~word64{0} << (8 * (lo - p0));
        if (p0 + 7 > last) at &= ~word64{0} >> (8 * (p0 + 7 - last));
        for (; at != 0 && !found; at &= at - 1) {
          const char* c = words.text + p0 + lowest_bit(at) / 8;
          length_type j = 1;
          while (j < needle_size && c[j] == d_needle[j]) ++j;
          found = j == needle_size;
        }
      }
    }
    d_keep[i] = found ? 1 : 0;
  });
  const size_type kept = thrust::count(pol, d_keep, d_keep + count, std::uint8_t{1});
  array<offset_type> starts{kept, s, mr};
  array<length_type> lengths{kept, s, mr};
  if (kept > 0) {
    auto in = thrust::make_zip_iterator(lines.starts(), lines.lengths());
    auto out = thrust::make_zip_iterator(starts.data(), lengths.data());
    thrust::copy_if(pol, in, in + count, d_keep, out, [] GPUSTREAM_HOST_DEVICE(std::uint8_t k) { return k != 0; });
  }
  // The needle's memory is freed on the stream, after the kernels that read it.
  return string_spans{lines.chars(), lines.chars_size(), std::move(starts), std::move(lengths)};
}

}  // namespace gpustream::detail::GPUSTREAM_KERNEL_NS
