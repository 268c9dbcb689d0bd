#pragma once

// What a kernel sees of columns (cudf's column_device_view and
// table_device_view): trivially copyable views passed by value, whose
// children lie in the backend's memory, made once per call by device_columns.

#include <gpustream/column/column.hpp>
#include <gpustream/column/string_column.hpp>
#include <gpustream/core/host_device.hpp>
#include <gpustream/memory/buffer.hpp>

#include <type_traits>
#include <vector>

namespace gpustream {

/// A column seen from a kernel. For a string column `offsets` are its
/// offsets, or its starts where `lengths` is set (the spans layout); for a
/// list `offsets` are its offsets and child 0 its elements; for a struct the
/// children are its fields.
struct column_device_view {
  type_id id;
  size_type size;
  const void* data;
  const bitmask_word* null_mask;
  const offset_type* offsets;
  const length_type* lengths;
  const column_device_view* children;
  int num_children;

  GPUSTREAM_HOST_DEVICE bool is_valid(size_type i) const { return null_mask == nullptr || bit_is_set(null_mask, i); }
  GPUSTREAM_HOST_DEVICE bool is_null(size_type i) const { return !is_valid(i); }

  /// Row i's value as id_to_type_t of the column's type (string_ref for a
  /// string); meaningless where row i is null.
  template <class T>
  GPUSTREAM_HOST_DEVICE T element(size_type i) const {
    if constexpr (std::is_same_v<T, string_ref>) {
      const char* chars = static_cast<const char*>(data);
      if (lengths != nullptr) return string_ref{chars + offsets[i], lengths[i]};
      return string_ref{chars + offsets[i], static_cast<length_type>(offsets[i + 1] - offsets[i])};
    } else {
      return static_cast<const T*>(data)[i];
    }
  }
  GPUSTREAM_HOST_DEVICE const column_device_view& child(int k) const { return children[k]; }
};

/// Columns of one length seen from a kernel.
struct table_device_view {
  const column_device_view* columns;
  int num_columns;
  size_type num_rows;
  GPUSTREAM_HOST_DEVICE const column_device_view& column(int k) const { return columns[k]; }
};

/// The column_device_views of some columns and of all their children, in
/// the memory of `s`'s backend, for as long as it lives (the columns must
/// outlive it). One copy to the backend, made on `s`.
class device_columns {
 public:
  /// Throws gpustream::logic_error when the columns differ in length or are
  /// not in `s`'s backend memory.
  device_columns(const std::vector<column_view>& columns, stream_view s, memory_resource* mr = nullptr);
  device_columns(const device_columns&) = delete;
  device_columns& operator=(const device_columns&) = delete;

  table_device_view view() const noexcept { return view_; }
  /// Column k's view (its children in the backend's memory).
  column_device_view column(int k) const { return host_.at(static_cast<std::size_t>(k)); }

 private:
  std::vector<column_device_view> host_;
  buffer device_;
  table_device_view view_{};
};

}  // namespace gpustream
