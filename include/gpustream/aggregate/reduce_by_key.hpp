#pragma once

#include <gpustream/column/column.hpp>
#include <gpustream/column/string_column.hpp>
#include <gpustream/text/hash.hpp>

#include <cstdint>

namespace gpustream {

/// The built-in associative reductions of values (integers or doubles).
enum class aggregation { sum, count, min, max };

/// How reduce_by_key groups keys. `automatic` picks the fastest available path
/// for the backend; `sort` is the portable path (sort by hash, confirm bytes);
/// `hash` asks for the hash-table path where the backend has one (the CPU
/// backend does; elsewhere it falls back to `sort`). All give identical results.
enum class reduce_algorithm { automatic, sort, hash };

/// Distinct string keys with one 64-bit integer value each (the result of a
/// reduction). Rows are ordered by (hash of the key, key bytes), the same on
/// every backend and algorithm.
struct key_value_table {
  string_column keys;
  column<std::int64_t> values;
  size_type size() const noexcept { return keys.size(); }
};

/// Distinct string keys with one double value each (reduce_by_key over
/// floating-point values), ordered as key_value_table's rows.
struct key_double_table {
  string_column keys;
  column<double> values;
  size_type size() const noexcept { return keys.size(); }
};

struct reduce_options {
  aggregation agg = aggregation::sum;
  hash_function hash = hash_function::mix64;
  reduce_algorithm algorithm = reduce_algorithm::automatic;
};

/// Groups `values` by the string in `keys` at the same row and reduces each
/// group with `options.agg` (`count` ignores the values). Two different
/// strings are never merged, even when their hashes are equal: equal hashes
/// are confirmed by comparing bytes. Throws gpustream::logic_error when the
/// sizes differ or the inputs are not in `s`'s backend memory.
key_value_table reduce_by_key(string_spans_view keys, column_view<std::int64_t> values,
                              reduce_options options, stream_view s,
                              memory_resource* mr = nullptr);

/// reduce_by_key over double values, on the sort path of every backend
/// (`options.algorithm` is not consulted). `count` gives the number of rows
/// of each key as a double; a sum adds in the backend's order, so its
/// rounding may differ from a sequential sum. Throws as the integer form.
key_double_table reduce_by_key(string_spans_view keys, column_view<double> values, reduce_options options,
                               stream_view s, memory_resource* mr = nullptr);

/// reduce_by_key with a count of each distinct key (no value column needed).
key_value_table count_by_key(string_spans_view keys, stream_view s, memory_resource* mr = nullptr,
                             hash_function hash = hash_function::mix64,
                             reduce_algorithm algorithm = reduce_algorithm::automatic);

/// The word count: tokenizes `text` on whitespace and counts each distinct
/// token, fused where the backend allows it (tokenize_text + count_by_key).
key_value_table word_count(column_view<char> text, stream_view s, memory_resource* mr = nullptr,
                           reduce_algorithm algorithm = reduce_algorithm::automatic);

}  // namespace gpustream
