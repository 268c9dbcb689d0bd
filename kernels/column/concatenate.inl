// concatenate, negate and select_nonzero, written once over Thrust for both backends.

#include "detail/common.hpp"
#include "detail/gather_strings.inl"

#include <gpustream/column/column_device_view.hpp>
#include <gpustream/column/concatenate.hpp>
#include <gpustream/table/table.hpp>

#include <thrust/copy.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/sequence.h>
#include <thrust/tabulate.h>
#include <thrust/transform.h>

#include <vector>

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

// ---- columns of any type ----

namespace {

/// The validity bitmap of the parts laid end to end (a part without one
/// all valid); empty where no part has a null.
buffer concatenate_masks(const std::vector<column_view>& parts, size_type rows, size_type nulls, stream_view s,
                         memory_resource* mr) {
  if (nulls == 0) return buffer{0, s, mr};
  std::vector<size_type> h_starts{0};
  std::vector<const bitmask_word*> h_masks;
  for (const column_view& p : parts) {
    h_starts.push_back(h_starts.back() + p.size());
    h_masks.push_back(p.null_mask());
  }
  const auto starts = array<size_type>::from_host(h_starts, s);
  const auto masks = array<const bitmask_word*>::from_host(h_masks, s);
  const size_type* d_starts = starts.data();
  const bitmask_word* const* d_masks = masks.data();
  const size_type words = bitmask_words(rows);
  buffer out{static_cast<std::size_t>(words) * sizeof(bitmask_word), s, mr};
  auto* d_out = static_cast<bitmask_word*>(out.data());
  thrust::tabulate(policy(s), d_out, d_out + words, [=] GPUSTREAM_HOST_DEVICE(size_type w) {
    bitmask_word bits = 0;
    size_type part = 0;
    for (int b = 0; b < 32; ++b) {
      const size_type r = w * 32 + b;
      if (r >= rows) break;
      while (d_starts[part + 1] <= r) ++part;  // empty parts are stepped over
      const bitmask_word* m = d_masks[part];
      if (m == nullptr || bit_is_set(m, r - d_starts[part])) bits |= bitmask_word{1} << b;
    }
    return bits;
  });
  s.synchronize();  // the host vectors of starts and masks go with this frame
  return out;
}

/// The first and last of a part's offsets (its first row's start and its end).
std::pair<offset_type, offset_type> offset_range(const column_view& offsets, size_type rows, stream_view s) {
  if (rows == 0) return {0, 0};
  const offset_type* d = offsets.data<offset_type>();
  return {read_value(d, s), read_value(d + rows, s)};
}

/// Writes rows + 1 offsets at `d_out`: the part's, less its first, plus `base`.
void rebase_offsets(const offset_type* d_in, size_type rows, offset_type first, offset_type base, offset_type* d_out,
                    stream_view s) {
  thrust::transform(policy(s), d_in, d_in + rows + 1, d_out,
                    [=] GPUSTREAM_HOST_DEVICE(offset_type o) { return o - first + base; });
}

column concatenate_of(const std::vector<column_view>& parts, stream_view s, memory_resource* mr);

column concatenate_strings(const std::vector<column_view>& parts, size_type rows, buffer mask, size_type nulls,
                           stream_view s, memory_resource* mr) {
  // Parts of spans are compacted first; then every part is chars and offsets.
  std::vector<string_column> compacted;
  std::vector<std::pair<const char*, const offset_type*>> flat;
  for (const column_view& p : parts) {
    if (p.is_spans() && p.size() > 0) {
      array<size_type> all{p.size(), s};
      thrust::sequence(policy(s), all.data(), all.data() + p.size());
      compacted.push_back(gather_strings(nullable_strings{flat_view(p)}, all.data(), p.size(), s, mr));
      flat.emplace_back(compacted.back().chars().data(), compacted.back().offsets().data());
    } else {
      flat.emplace_back(static_cast<const char*>(p.data()), p.size() > 0 ? p.child(0).data<offset_type>() : nullptr);
    }
  }
  std::vector<std::pair<offset_type, offset_type>> ranges;
  offset_type chars = 0;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const size_type n = parts[k].size();
    if (n == 0) {
      ranges.emplace_back(0, 0);
      continue;
    }
    const offset_type first = read_value(flat[k].second, s);
    const offset_type last = read_value(flat[k].second + n, s);
    ranges.emplace_back(first, last);
    chars += last - first;
  }
  array<char> out_chars{chars, s, mr};
  array<offset_type> offsets{rows + 1, s, mr};
  fill_bytes(offsets.data(), 0, sizeof(offset_type), s);
  size_type row = 0;
  offset_type at = 0;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const size_type n = parts[k].size();
    if (n == 0) continue;
    const auto [first, last] = ranges[k];
    if (last > first) copy_bytes(out_chars.data() + at, flat[k].first + first, static_cast<std::size_t>(last - first), s);
    rebase_offsets(flat[k].second, n, first, at, offsets.data() + row, s);
    row += n;
    at += last - first;
  }
  std::vector<column> children;
  children.emplace_back(data_type{type_id::int64}, std::move(offsets));
  s.synchronize();  // the compacted parts go with this frame
  return column{parts.front().type(), rows, std::move(out_chars).release(), std::move(mask), nulls,
                std::move(children)};
}

column concatenate_lists(const std::vector<column_view>& parts, size_type rows, buffer mask, size_type nulls,
                         stream_view s, memory_resource* mr) {
  array<offset_type> offsets{rows + 1, s, mr};
  fill_bytes(offsets.data(), 0, sizeof(offset_type), s);
  std::vector<column_view> elements;
  size_type row = 0;
  offset_type base = 0;
  for (const column_view& p : parts) {
    elements.push_back(p.child(1));
    if (p.size() == 0) continue;
    const auto [first, last] = offset_range(p.child(0), p.size(), s);
    rebase_offsets(p.child(0).data<offset_type>(), p.size(), first, base, offsets.data() + row, s);
    GPUSTREAM_EXPECTS(first == 0 && last == p.child(1).size(),
                      "concatenate: a list column whose offsets do not span its elements");
    row += p.size();
    base += last - first;
  }
  std::vector<column> children;
  children.emplace_back(data_type{type_id::int64}, std::move(offsets));
  children.push_back(concatenate_of(elements, s, mr));
  return column{parts.front().type(), rows, buffer{0, s, mr}, std::move(mask), nulls, std::move(children)};
}

column concatenate_of(const std::vector<column_view>& parts, stream_view s, memory_resource* mr) {
  size_type rows = 0;
  size_type nulls = 0;
  for (const column_view& p : parts) {
    rows += p.size();
    nulls += p.null_count();
  }
  buffer mask = concatenate_masks(parts, rows, nulls, s, mr);
  const data_type& type = parts.front().type();
  switch (type.id()) {
    case type_id::string: return concatenate_strings(parts, rows, std::move(mask), nulls, s, mr);
    case type_id::list: return concatenate_lists(parts, rows, std::move(mask), nulls, s, mr);
    case type_id::struct_: {
      std::vector<column> children;
      for (std::size_t f = 0; f < type.children().size(); ++f) {
        std::vector<column_view> field_parts;
        for (const column_view& p : parts) field_parts.push_back(p.child(f));
        children.push_back(concatenate_of(field_parts, s, mr));
      }
      return column{type, rows, buffer{0, s, mr}, std::move(mask), nulls, std::move(children)};
    }
    default: {
      const std::size_t width = value_width(type.id());
      buffer data{static_cast<std::size_t>(rows) * width, s, mr};
      std::size_t at = 0;
      for (const column_view& p : parts) {
        const std::size_t bytes = static_cast<std::size_t>(p.size()) * width;
        if (bytes > 0) copy_bytes(static_cast<char*>(data.data()) + at, p.data(), bytes, s);
        at += bytes;
      }
      return column{type, rows, std::move(data), std::move(mask), nulls, {}};
    }
  }
}

}  // namespace

column concatenate_columns(const std::vector<column_view>& parts, stream_view s, memory_resource* mr) {
  return concatenate_of(parts, s, mr);
}

}  // namespace gpustream::detail::GPUSTREAM_KERNEL_NS
