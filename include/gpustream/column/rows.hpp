#pragma once

#include <gpustream/memory/array.hpp>
#include <gpustream/column/string_column.hpp>
#include <gpustream/text/hash.hpp>

#include <cstdint>

namespace gpustream {

/// A row number of the row operators: at most 2^31 - 1 rows per call.
using row_index = std::int32_t;

/// The rows of a batch grouped by key: the rows of one distinct key sit at
/// adjacent positions of `order`, in input order. `group[i]` is the 1-based
/// number of the key at position i (ascending along the positions), and
/// `first[g - 1]` the first row (in input order) of group g. What operators
/// with a user's reduction need: they fold the values of each group.
struct row_groups {
  array<row_index> order;
  array<row_index> group;
  array<row_index> first;
  size_type groups = 0;
};

/// Groups rows by their string key, groups ordered as reduce_by_key's rows
/// (hash, then bytes). Distinct strings never share a group, even when their
/// hashes are equal. Throws gpustream::logic_error past 2^31 - 1 rows or when
/// `keys` is not in `s`'s backend memory.
row_groups group_rows(string_spans_view keys, stream_view s, memory_resource* mr = nullptr,
                      hash_function hash = hash_function::mix64);

/// Groups rows by their integer key, groups in ascending order of key.
row_groups group_rows(array_view<std::int64_t> keys, stream_view s, memory_resource* mr = nullptr);

/// The rows whose `keep` byte is not 0, ascending (a filter's survivors).
array<row_index> select_rows(array_view<std::uint8_t> keep, stream_view s, memory_resource* mr = nullptr);

/// The rows whose value is not 0, ascending (what a window's inverse leaves
/// at zero is dropped by them).
array<row_index> rows_with_nonzero(array_view<std::int64_t> values, stream_view s, memory_resource* mr = nullptr);

/// The n + 1 offsets of n counts: 0, then the running sums (the last one is
/// the total). Counts must not be negative.
array<std::int64_t> offsets_of_counts(array_view<std::int64_t> counts, stream_view s,
                                       memory_resource* mr = nullptr);

/// values[rows[i]] for each i. `rows` must hold valid row numbers of `values`.
array<std::int64_t> gather(array_view<std::int64_t> values, array_view<row_index> rows, stream_view s,
                            memory_resource* mr = nullptr);
array<double> gather(array_view<double> values, array_view<row_index> rows, stream_view s,
                      memory_resource* mr = nullptr);
/// The spans of `strings` at `rows`, over the same chars buffer (no bytes are
/// copied; the buffer must outlive the result).
string_spans gather(string_spans_view strings, array_view<row_index> rows, stream_view s,
                    memory_resource* mr = nullptr);

}  // namespace gpustream
