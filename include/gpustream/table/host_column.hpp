#pragma once

// Columns and tables in host memory, in the layout of column.hpp (strings
// with offsets): what crosses in one bulk copy between a backend's columns
// and the host's records, codecs and test references.

#include <gpustream/column/column.hpp>
#include <gpustream/core/stream.hpp>
#include <gpustream/table/table.hpp>

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace gpustream {

/// A column in host memory. Built a row at a time by the append functions
/// (every child of a struct gets a row with each of its rows, as Arrow's
/// layout has it), or copied from a backend's column by to_host.
struct host_column {
  data_type type;
  size_type size = 0;
  std::vector<std::uint8_t> data;       ///< fixed width: the values; string: the chars
  std::vector<bitmask_word> null_mask;  ///< empty until the first null
  size_type null_count = 0;
  std::vector<offset_type> offsets;     ///< string and list: size + 1
  std::vector<host_column> children;    ///< list: its elements; struct: its fields

  /// An empty column of `type`: its children made, the first offset there.
  explicit host_column(data_type t);

  bool is_valid(size_type i) const {
    return null_mask.empty() || ((null_mask[static_cast<std::size_t>(i / 32)] >> (i % 32)) & 1u) != 0;
  }
  /// Row i of a fixed-width column (T of id_to_type, or its width's integer).
  template <class T>
  T value(size_type i) const {
    T v;
    std::memcpy(&v, data.data() + static_cast<std::size_t>(i) * sizeof(T), sizeof(T));
    return v;
  }
  /// Row i of a string column.
  std::string_view string(size_type i) const {
    const auto b = static_cast<std::size_t>(offsets[static_cast<std::size_t>(i)]);
    const auto e = static_cast<std::size_t>(offsets[static_cast<std::size_t>(i) + 1]);
    return {reinterpret_cast<const char*>(data.data()) + b, e - b};
  }

  /// Appends a row holding a value of a fixed-width type, its bytes given.
  void append_fixed(const void* value, std::size_t width);
  /// Appends a string row.
  void append_string(std::string_view s);
  /// Ends a list row whose elements were appended to children[0] since the
  /// last row, or a struct row whose fields were appended to each child.
  void end_nested_row();
  /// Appends a null row; the children of a struct get a null (or, where a
  /// field is never null, an empty value) each.
  void append_null();
  /// Appends a row of an empty value: zero, "", an empty list, a struct of
  /// empty values.
  void append_empty();

 private:
  void mark(bool valid);
};

/// A table in host memory.
struct host_table {
  schema fields;
  std::vector<host_column> columns;
  size_type rows = 0;
};

/// Copies a column of the backend to the host, every buffer in one copy
/// (a string column in the spans layout becomes offsets and chars; only the
/// bytes its spans cover cross). Synchronises `s`.
host_column to_host(const column_view& c, stream_view s);
host_table to_host(const table_view& t, stream_view s);

/// Copies a host column into the backend's memory, every buffer in one copy.
/// Throws gpustream::logic_error when its layout is not column.hpp's.
column to_column(const host_column& h, stream_view s, memory_resource* mr = nullptr);
table to_table(const host_table& h, stream_view s, memory_resource* mr = nullptr);

}  // namespace gpustream
