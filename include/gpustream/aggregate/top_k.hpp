#pragma once

#include <gpustream/aggregate/reduce_by_key.hpp>

namespace gpustream {

/// The `k` rows with the largest values, largest first; equal values are
/// ordered by key bytes (unsigned, shorter prefix first), so the result is
/// deterministic. Fewer rows when the table is smaller. Throws
/// gpustream::logic_error for a negative k or mismatched sizes.
key_value_table top_k(string_column_view keys, array_view<std::int64_t> values, size_type k,
                      stream_view s, memory_resource* mr = nullptr);

}  // namespace gpustream
