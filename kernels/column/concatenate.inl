// concatenate, negate and select_nonzero, written once over Thrust for both backends.

#include "detail/common.hpp"
#include "detail/gather_strings.inl"

#include <gpustream/column/concatenate.hpp>

#include <thrust/copy.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform.h>

namespace gpustream::detail::GPUSTREAM_KERNEL_NS {

string_column concatenate(const std::vector<string_spans_view>& parts, stream_view s, memory_resource* mr) {
  // Each part's strings are gathered into one column, then the columns are laid
  // end to end: chars copied, offsets shifted by the chars before them.
  std::vector<string_column> compact;
  size_type rows = 0;
  offset_type chars = 0;
  for (const auto& p : parts) {
    expect_backend(p.kind(), s, "concatenate");
    if (p.size() == 0) continue;
    thrust::counting_iterator<size_type> identity(0);
    array<size_type> indices{p.size(), s};
    thrust::copy(policy(s), identity, identity + p.size(), indices.data());
    compact.push_back(gather_strings(p.device_view(), indices.data(), p.size(), s, mr));
    rows += compact.back().size();
    chars += compact.back().chars().size();
  }
  if (rows == 0) return empty_strings(s, mr);
  if (compact.size() == 1) return std::move(compact.front());
  array<char> out_chars{chars, s, mr};
  array<offset_type> out_offsets{rows + 1, s, mr};
  fill_bytes(out_offsets.data(), 0, sizeof(offset_type), s);
  size_type row = 0;
  offset_type base = 0;
  for (const auto& c : compact) {
    copy_bytes(out_chars.data() + base, c.chars().data(), static_cast<std::size_t>(c.chars().size()), s);
    const offset_type shift = base;
    thrust::transform(policy(s), c.offsets().data() + 1, c.offsets().data() + c.size() + 1,
                      out_offsets.data() + row + 1,
                      [=] GPUSTREAM_HOST_DEVICE(offset_type o) { return o + shift; });
    row += c.size();
    base += c.chars().size();
  }
  // The parts' gathered columns are freed on the stream after these copies.
  return string_column{std::move(out_chars), std::move(out_offsets)};
}

array<std::int64_t> negate(array_view<std::int64_t> values, stream_view s, memory_resource* mr) {
  expect_backend(values.kind(), s, "negate");
  array<std::int64_t> out{values.size(), s, mr};
  if (values.size() > 0) {
    thrust::transform(policy(s), values.data(), values.data() + values.size(), out.data(),
                      [] GPUSTREAM_HOST_DEVICE(std::int64_t v) { return wrapping_negate(v); });
  }
  return out;
}

nonzero_rows select_nonzero(string_spans_view keys, array_view<std::int64_t> values, stream_view s,
                            memory_resource* mr) {
  expect_backend(keys.kind(), s, "select_nonzero");
  expect_backend(values.kind(), s, "select_nonzero");
  GPUSTREAM_EXPECTS(keys.size() == values.size(), "select_nonzero: keys and values differ in size");
  const size_type n = keys.size();
  array<size_type> indices{n, s};
  const std::int64_t* d_values = values.data();
  thrust::counting_iterator<size_type> first(0);
  size_type kept = 0;
  if (n > 0) {
    auto end = thrust::copy_if(policy(s), first, first + n, indices.data(),
                               [=] GPUSTREAM_HOST_DEVICE(size_type i) { return d_values[i] != 0; });
    kept = static_cast<size_type>(end - indices.data());
  }
  nonzero_rows out{gather_strings(keys.device_view(), indices.data(), kept, s, mr),
                   array<std::int64_t>{kept, s, mr}};
  if (kept > 0) {
    const size_type* d_indices = indices.data();
    thrust::transform(policy(s), d_indices, d_indices + kept, out.values.data(),
                      [=] GPUSTREAM_HOST_DEVICE(size_type i) { return d_values[i]; });
  }
  return out;
}

}  // namespace gpustream::detail::GPUSTREAM_KERNEL_NS
