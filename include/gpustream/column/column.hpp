#pragma once

// Columns of any data_type in the Arrow layout, in one backend's memory
// (cudf's column and column_view): the fields of a table.
//
//   fixed width   data: size values of the type's width (bool one byte)
//   string        data: the chars; child 0: size + 1 int64 offsets, or, for
//                 spans into a buffer the column does not own (a batch's
//                 lines and tokens), child 0: size int64 starts and child 1:
//                 size int32 lengths
//   list          child 0: size + 1 int64 offsets into child 1, the elements
//   struct        one child per field, each of size rows
//
// Any column may have a validity bitmap: bit i (LSB first, 32-bit words) is
// set where row i holds a value, clear where it is null. A column without
// one holds no nulls.

#include <gpustream/column/string_column.hpp>
#include <gpustream/core/data_type.hpp>
#include <gpustream/core/host_device.hpp>
#include <gpustream/core/types.hpp>
#include <gpustream/memory/array.hpp>
#include <gpustream/memory/buffer.hpp>

#include <cstdint>
#include <memory>
#include <vector>

namespace gpustream {

/// One word of a validity bitmap.
using bitmask_word = std::uint32_t;

/// Words of a validity bitmap of `rows` rows.
GPUSTREAM_HOST_DEVICE constexpr size_type bitmask_words(size_type rows) { return (rows + 31) / 32; }

/// Whether bit `i` of `mask` is set (row i is valid).
GPUSTREAM_HOST_DEVICE inline bool bit_is_set(const bitmask_word* mask, size_type i) {
  return ((mask[i / 32] >> (i % 32)) & 1u) != 0;
}

/// Bytes of one value of a fixed-width type (bool is one byte); 0 for the others.
GPUSTREAM_HOST_DEVICE constexpr std::size_t value_width(type_id id) {
  switch (id) {
    case type_id::boolean: return 1;
    case type_id::int32: return 4;
    case type_id::int64:
    case type_id::float64:
    case type_id::timestamp_ms:
    case type_id::timestamp_ns: return 8;
    default: return 0;
  }
}

/// Non-owning view of a column (see the layout above). Cheap to copy on the
/// host (its children are views too); a kernel takes a column_device_view.
class column_view {
 public:
  /// Throws gpustream::logic_error when the children do not make `type`'s
  /// layout (their number, types or sizes), or a size is negative.
  column_view(data_type type, size_type size, const void* data, const bitmask_word* null_mask,
              size_type null_count, std::vector<column_view> children, backend kind);

  /// The strings of `spans` as a string column in the spans layout, no bytes
  /// copied (the spans and their chars must outlive the view); nulls where
  /// `null_mask` says so.
  static column_view of_strings(const string_spans_view& spans, const bitmask_word* null_mask = nullptr,
                                size_type null_count = 0);
  /// An Arrow string column (chars + offsets), no bytes copied.
  static column_view of_strings(const string_column_view& strings);
  /// A fixed-width column over the values of `values`, of type `type` (whose
  /// width must be sizeof(T)), without nulls.
  template <class T>
  static column_view of_values(data_type type, array_view<T> values);

  const data_type& type() const noexcept { return type_; }
  size_type size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  backend kind() const noexcept { return kind_; }
  /// The values (fixed width) or the chars (string); null for lists and structs.
  const void* data() const noexcept { return data_; }
  template <class T>
  const T* data() const noexcept {
    return static_cast<const T*>(data_);
  }
  /// The validity bitmap; null when the column holds no nulls.
  const bitmask_word* null_mask() const noexcept { return null_mask_; }
  size_type null_count() const noexcept { return null_count_; }
  bool has_nulls() const noexcept { return null_count_ > 0; }
  const std::vector<column_view>& children() const noexcept { return children_; }
  const column_view& child(std::size_t i) const { return children_.at(i); }

  /// For a string column: whether it is spans into a buffer (starts and
  /// lengths) rather than Arrow's offsets.
  bool is_spans() const noexcept { return type_.id() == type_id::string && children_.size() == 2; }
  /// A string column's strings as spans_view-compatible parts: valid for
  /// the spans layout only. Throws gpustream::logic_error otherwise.
  string_spans_view as_spans() const;

 private:
  data_type type_;
  size_type size_ = 0;
  const void* data_ = nullptr;
  const bitmask_word* null_mask_ = nullptr;
  size_type null_count_ = 0;
  std::vector<column_view> children_;
  backend kind_ = backend::cpu;
  size_type chars_size_ = 0;  // spans layout: bytes of the buffer the spans lie in
};

/// Owning column of one backend's memory: the buffers of column_view's
/// layout. Movable, noncopyable. A string column in the spans layout owns its
/// starts and lengths but not the chars, which must outlive it.
class column {
 public:
  /// Takes `data`, `null_mask` (empty when there are no nulls) and the
  /// children. Throws gpustream::logic_error as column_view does, and when a
  /// buffer is smaller than the layout needs.
  column(data_type type, size_type size, buffer data, buffer null_mask, size_type null_count,
         std::vector<column> children);
  /// A fixed-width column of `values` without nulls; `type`'s width must be sizeof(T).
  template <class T>
  column(data_type type, array<T>&& values)
      : column{std::move(type), values.size(), std::move(values).release(), buffer{}, 0, {}} {}
  /// A string column in the spans layout over `chars` (not owned).
  static column spans(const char* chars, size_type chars_size, array<offset_type>&& starts,
                      array<length_type>&& lengths, buffer null_mask = {}, size_type null_count = 0);

  column(column&&) noexcept = default;
  column& operator=(column&&) noexcept = default;

  const data_type& type() const noexcept { return type_; }
  size_type size() const noexcept { return size_; }
  size_type null_count() const noexcept { return null_count_; }
  bool has_nulls() const noexcept { return null_count_ > 0; }
  backend kind() const noexcept { return kind_; }
  const std::vector<column>& children() const noexcept { return children_; }
  column_view view() const;
  operator column_view() const { return view(); }  // NOLINT: implicit by design

 private:
  struct unchecked {};
  column(unchecked, data_type type, size_type size, buffer data, buffer null_mask, size_type null_count,
         std::vector<column> children);

  data_type type_;
  size_type size_ = 0;
  buffer data_;
  const void* borrowed_ = nullptr;  // the chars of a spans column
  size_type borrowed_size_ = 0;
  buffer null_mask_;
  size_type null_count_ = 0;
  std::vector<column> children_;
  backend kind_ = backend::cpu;
};

template <class T>
column_view column_view::of_values(data_type type, array_view<T> values) {
  GPUSTREAM_EXPECTS(type.is_fixed_width() && value_width(type.id()) == sizeof(T),
                    "column_view::of_values: " + to_string(type) + " is not " + std::to_string(sizeof(T)) +
                        " bytes wide");
  return column_view{std::move(type), values.size(), values.data(), nullptr, 0, {}, values.kind()};
}

}  // namespace gpustream
