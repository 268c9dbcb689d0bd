// gather over columns of any type, written once for both backends: values,
// validity bits, strings of either layout, list elements and struct fields.

#include "detail/common.hpp"
#include "detail/gather_strings.inl"

#include <gpustream/column/column_device_view.hpp>
#include <gpustream/column/gather.hpp>

#include <thrust/count.h>
#include <thrust/logical.h>
#include <thrust/for_each.h>
#include <thrust/gather.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/scan.h>
#include <thrust/tabulate.h>
#include <thrust/transform.h>

#include <cstdint>
#include <limits>

namespace gpustream::detail::GPUSTREAM_KERNEL_NS {
namespace {

/// Values of `Word`s at rows `d_rows` (0 at a negative row).
template <class Word>
buffer gather_words(const void* src, const row_index* d_rows, size_type m, stream_view s, memory_resource* mr) {
  buffer out{static_cast<std::size_t>(m) * sizeof(Word), s, mr};
  if (m > 0) {
    const auto* d_src = static_cast<const Word*>(src);
    thrust::transform(policy(s), d_rows, d_rows + m, static_cast<Word*>(out.data()),
                      [=] GPUSTREAM_HOST_DEVICE(row_index r) { return r < 0 ? Word{0} : d_src[r]; });
  }
  return out;
}

/// The validity bits of rows `d_rows` of `c` (a negative row null where
/// `negative_is_null`, else valid); empty where no row is null.
buffer gather_mask(const column_view& c, const row_index* d_rows, size_type m, bool negative_is_null, size_type& nulls,
                   stream_view s, memory_resource* mr) {
  nulls = 0;
  if (m == 0) return buffer{0, s, mr};
  auto pol = policy(s);
  const bool negatives =
      negative_is_null &&
      thrust::any_of(pol, d_rows, d_rows + m, [] GPUSTREAM_HOST_DEVICE(row_index r) { return r < 0; });
  if (!c.has_nulls() && !negatives) return buffer{0, s, mr};
  const bitmask_word* d_src = c.has_nulls() ? c.null_mask() : nullptr;
  const size_type words = bitmask_words(m);
  buffer out{static_cast<std::size_t>(words) * sizeof(bitmask_word), s, mr};
  auto* d_out = static_cast<bitmask_word*>(out.data());
  thrust::tabulate(pol, d_out, d_out + words, [=] GPUSTREAM_HOST_DEVICE(size_type w) {
    bitmask_word bits = 0;
    for (int b = 0; b < 32; ++b) {
      const size_type r = w * 32 + b;
      if (r >= m) break;
      const row_index from = d_rows[r];
      const bool valid = from < 0 ? !negative_is_null : (d_src == nullptr || bit_is_set(d_src, from));
      if (valid) bits |= bitmask_word{1} << b;
    }
    return bits;
  });
  thrust::counting_iterator<size_type> first(0);
  nulls = thrust::count_if(pol, first, first + m,
                           [=] GPUSTREAM_HOST_DEVICE(size_type r) { return !bit_is_set(d_out, r); });
  if (nulls == 0) return buffer{0, s, mr};
  return out;
}

column gather_rows(const column_view& c, const row_index* d_rows, size_type m, bool negative_is_null, stream_view s,
                   memory_resource* mr);

column gather_list(const column_view& c, const row_index* d_rows, size_type m, buffer mask, size_type nulls,
                   stream_view s, memory_resource* mr) {
  auto pol = policy(s);
  array<offset_type> offsets{m + 1, s, mr};
  offset_type* d_offsets = offsets.data();
  fill_bytes(d_offsets, 0, sizeof(offset_type), s);
  const column_device_view v = flat_view(c);
  if (m > 0) {
    thrust::transform(pol, d_rows, d_rows + m, d_offsets + 1, [=] GPUSTREAM_HOST_DEVICE(row_index r) {
      return r < 0 ? offset_type{0} : v.offsets[r + 1] - v.offsets[r];
    });
    thrust::inclusive_scan(pol, d_offsets + 1, d_offsets + m + 1, d_offsets + 1);
  }
  const offset_type total = m > 0 ? read_value(d_offsets + m, s) : 0;
  GPUSTREAM_EXPECTS(total <= std::numeric_limits<row_index>::max(),
                    "gather: at most 2^31 - 1 list elements per call");
  array<row_index> elements{total, s};
  row_index* d_elements = elements.data();
  thrust::for_each_n(pol, thrust::counting_iterator<size_type>(0), m, [=] GPUSTREAM_HOST_DEVICE(size_type i) {
    if (d_rows[i] < 0) return;
    const offset_type from = v.offsets[d_rows[i]];
    const offset_type n = d_offsets[i + 1] - d_offsets[i];
    for (offset_type j = 0; j < n; ++j) d_elements[d_offsets[i] + j] = static_cast<row_index>(from + j);
  });
  std::vector<column> children;
  children.emplace_back(data_type{type_id::int64}, std::move(offsets));
  children.push_back(gather_rows(c.child(1), d_elements, total, true, s, mr));
  return column{c.type(), m, buffer{0, s, mr}, std::move(mask), nulls, std::move(children)};
}

column gather_rows(const column_view& c, const row_index* d_rows, size_type m, bool negative_is_null, stream_view s,
                   memory_resource* mr) {
  size_type nulls = 0;
  buffer mask = gather_mask(c, d_rows, m, negative_is_null, nulls, s, mr);
  switch (c.type().id()) {
    case type_id::string: {
      string_column strings = gather_strings(nullable_strings{flat_view(c)}, d_rows, m, s, mr);
      std::vector<column> children;
      auto [chars, offs] = std::move(strings).release();
      children.emplace_back(data_type{type_id::int64}, std::move(offs));
      return column{c.type(), m, std::move(chars).release(), std::move(mask), nulls, std::move(children)};
    }
    case type_id::list: return gather_list(c, d_rows, m, std::move(mask), nulls, s, mr);
    case type_id::struct_: {
      std::vector<column> children;
      // A field that is never null takes an empty value under a null row.
      const auto& fields = c.type().children();
      for (std::size_t k = 0; k < fields.size(); ++k) {
        children.push_back(gather_rows(c.child(k), d_rows, m, fields[k].nullable, s, mr));
      }
      return column{c.type(), m, buffer{0, s, mr}, std::move(mask), nulls, std::move(children)};
    }
    default: {
      const std::size_t width = value_width(c.type().id());
      buffer data = width == 1   ? gather_words<std::uint8_t>(c.data(), d_rows, m, s, mr)
                    : width == 4 ? gather_words<std::uint32_t>(c.data(), d_rows, m, s, mr)
                                 : gather_words<std::uint64_t>(c.data(), d_rows, m, s, mr);
      return column{c.type(), m, std::move(data), std::move(mask), nulls, {}};
    }
  }
}

}  // namespace

column gather_column(const column_view& c, array_view<row_index> rows, stream_view s, memory_resource* mr) {
  return gather_rows(c, rows.data(), rows.size(), true, s, mr);
}

}  // namespace gpustream::detail::GPUSTREAM_KERNEL_NS
