#pragma once

#include <gpustream/column/column.hpp>
#include <gpustream/column/string_column.hpp>
#include <gpustream/memory/array.hpp>
#include <gpustream/table/table.hpp>

#include <cstdint>
#include <vector>

namespace gpustream {

/// The rows of every part, in order, in one column of their type: values
/// and validity laid end to end, strings (of either layout) into chars and
/// offsets of its own, lists' elements and structs' fields alike. Throws
/// gpustream::logic_error for no parts, parts of different types (naming
/// both) or of another backend than `s`'s.
column concatenate(const std::vector<column_view>& parts, stream_view s, memory_resource* mr = nullptr);

/// The rows of every table, in order, in one table of their schema. Throws
/// gpustream::logic_error for no tables or tables of different schemas
/// (naming both).
table concatenate(const std::vector<table_view>& parts, stream_view s, memory_resource* mr = nullptr);

/// The strings of every part, in order, copied into one string column. Parts
/// may point into different character buffers.
string_column concatenate(const std::vector<string_spans_view>& parts, stream_view s,
                          memory_resource* mr = nullptr);

/// The values of every part, in order, in one column.
array<std::int64_t> concatenate(const std::vector<array_view<std::int64_t>>& parts, stream_view s,
                                 memory_resource* mr = nullptr);
array<double> concatenate(const std::vector<array_view<double>>& parts, stream_view s,
                           memory_resource* mr = nullptr);

/// -v for every value v.
array<std::int64_t> negate(array_view<std::int64_t> values, stream_view s, memory_resource* mr = nullptr);

/// The rows of (keys, values) whose value is not zero, in order, with their
/// keys copied into a new string column.
struct nonzero_rows {
  string_column keys;
  array<std::int64_t> values;
};
nonzero_rows select_nonzero(string_spans_view keys, array_view<std::int64_t> values, stream_view s,
                            memory_resource* mr = nullptr);

}  // namespace gpustream
