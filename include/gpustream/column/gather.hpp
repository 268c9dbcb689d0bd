#pragma once

#include <gpustream/column/column.hpp>
#include <gpustream/column/rows.hpp>

namespace gpustream {

/// Rows `rows` of `c`, in that order, as a new column: values, nulls and,
/// for a string column of either layout, their bytes copied into offsets and
/// chars of its own; a list's elements and a struct's fields gathered alike.
/// `rows` must hold row numbers of `c` or negative numbers, which give null
/// rows (cudf's out_of_bounds_policy::NULLIFY: the rows of an outer join's
/// missing side); under a null struct row, a field that is never null holds
/// an empty value. Throws gpustream::logic_error for inputs in another
/// backend's memory than `s`'s.
column gather(const column_view& c, array_view<row_index> rows, stream_view s, memory_resource* mr = nullptr);

}  // namespace gpustream
