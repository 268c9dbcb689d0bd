#pragma once

#include <gpustream/column/string_column.hpp>
#include <gpustream/memory/array.hpp>
#include <gpustream/table/table.hpp>
#include <gpustream/text/hash.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace gpustream {

/// Which records of two keyed tables a join gives: the matching pairs
/// (inner), plus the unmatched rows of the left side, of the right side, or
/// of both (Spark's join, leftOuterJoin, rightOuterJoin, fullOuterJoin).
enum class join_type { inner, left_outer, right_outer, full_outer };

struct join_options {
  join_type type = join_type::inner;
  hash_function hash = hash_function::mix64;
};

/// Joins two tables on key fields of any number and mixed types (bool,
/// numbers, timestamps, strings; `left_keys[i]` matches `right_keys[i]`, of
/// the same type): one row per matching pair, plus, by `options.type`, each
/// unmatched row of the left, the right or both sides with nulls for the
/// other side. A null key matches nothing, as in SQL. The result has the key
/// fields (named as on the left; from the right side where only it has the
/// row), then the left side's other fields, then the right side's, nullable
/// where an outer join may leave them empty. Rows of one key come together,
/// left-major, each side's rows in input order; keys in no stated order. Keys
/// match on their values, never on the hash alone. Throws
/// gpustream::logic_error naming the field for keys that are missing, of
/// different types or not key types, and for a field name on both sides.
table join(const table_view& left, const table_view& right, const std::vector<std::string>& left_keys,
           const std::vector<std::string>& right_keys, join_options options, stream_view s,
           memory_resource* mr = nullptr);

/// Which sides a joined row has: bit 0 the left, bit 1 the right.
inline constexpr std::uint8_t left_side = 1;
inline constexpr std::uint8_t right_side = 2;

// The tables below come in these forms: string keys (string_column) with
// int64 or double values (joins and cogroups also with int64 values on one
// side and double values on the other), and int64 keys (array<std::int64_t>)
// with int64 values. The operators only move values, never combine them, so every value
// (NaN, -0.0) comes out as it went in.

/// The rows of a join. A key with m rows on the left and n on the right gives
/// m * n rows, left-major: (l1, r1), (l1, r2), ..., (lm, rn), each side's rows
/// in input order; an unmatched row of an outer join gives one row with 0 as
/// the missing side's value and that side's bit clear in `sides`. String keys
/// come in the order of reduce_by_key's rows: by (hash, key bytes); integer
/// keys in ascending order.
template <class Keys, class V, class W = V>
struct basic_joined_table {
  Keys keys;
  array<V> left_values;
  array<W> right_values;
  array<std::uint8_t> sides;
  size_type size() const noexcept { return keys.size(); }
};
using joined_table = basic_joined_table<string_column, std::int64_t>;

/// Joins (left_keys, left_values) with (right_keys, right_values) on equal
/// keys. Two different keys never match, even when their hashes are equal:
/// equal hashes are confirmed by comparing bytes. Runs on `s`'s backend:
/// both sides are ordered together by key, then each output row finds its
/// pair of input rows; the keys are copied into the result. Throws
/// gpustream::logic_error when keys and values differ in size, when the
/// inputs are not in `s`'s backend memory, or past 2^31 - 1 input rows.
joined_table join(string_spans_view left_keys, array_view<std::int64_t> left_values,
                  string_spans_view right_keys, array_view<std::int64_t> right_values, join_options options,
                  stream_view s, memory_resource* mr = nullptr);
/// The same with double values.
basic_joined_table<string_column, double> join(string_spans_view left_keys, array_view<double> left_values,
                                               string_spans_view right_keys, array_view<double> right_values,
                                               join_options options, stream_view s, memory_resource* mr = nullptr);
/// The same with int64 values on one side and double values on the other.
basic_joined_table<string_column, std::int64_t, double> join(string_spans_view left_keys,
                                                             array_view<std::int64_t> left_values,
                                                             string_spans_view right_keys,
                                                             array_view<double> right_values, join_options options,
                                                             stream_view s, memory_resource* mr = nullptr);
basic_joined_table<string_column, double, std::int64_t> join(string_spans_view left_keys,
                                                             array_view<double> left_values,
                                                             string_spans_view right_keys,
                                                             array_view<std::int64_t> right_values,
                                                             join_options options, stream_view s,
                                                             memory_resource* mr = nullptr);
/// The same with int64 keys (options.hash unused).
basic_joined_table<array<std::int64_t>, std::int64_t> join(array_view<std::int64_t> left_keys,
                                                            array_view<std::int64_t> left_values,
                                                            array_view<std::int64_t> right_keys,
                                                            array_view<std::int64_t> right_values,
                                                            join_options options, stream_view s,
                                                            memory_resource* mr = nullptr);

/// Lists of values in the Arrow list layout: list i is
/// values[offsets[i], offsets[i + 1]); `offsets` has one more entry than there are lists.
template <class V>
struct basic_value_lists {
  array<offset_type> offsets;
  array<V> values;
};
using value_lists = basic_value_lists<std::int64_t>;

/// One row per distinct key with its values in input order. Keys are ordered
/// as a join's rows.
template <class Keys, class V>
struct basic_grouped_table {
  Keys keys;
  basic_value_lists<V> values;
  size_type size() const noexcept { return keys.size(); }
};
using grouped_table = basic_grouped_table<string_column, std::int64_t>;

/// Spark's groupByKey over one table (see join for the matching of keys and
/// its errors; `hash` is unused for int64 keys).
grouped_table group_by_key(string_spans_view keys, array_view<std::int64_t> values, hash_function hash,
                           stream_view s, memory_resource* mr = nullptr);
basic_grouped_table<string_column, double> group_by_key(string_spans_view keys, array_view<double> values,
                                                        hash_function hash, stream_view s,
                                                        memory_resource* mr = nullptr);
basic_grouped_table<array<std::int64_t>, std::int64_t> group_by_key(array_view<std::int64_t> keys,
                                                                     array_view<std::int64_t> values,
                                                                     hash_function hash, stream_view s,
                                                                     memory_resource* mr = nullptr);

/// One row per key present on either side, with its values on each side in
/// input order (an empty list on a side without the key).
template <class Keys, class V, class W = V>
struct basic_cogrouped_table {
  Keys keys;
  basic_value_lists<V> left;
  basic_value_lists<W> right;
  size_type size() const noexcept { return keys.size(); }
};
using cogrouped_table = basic_cogrouped_table<string_column, std::int64_t>;

/// Spark's cogroup of two tables (see join for the matching of keys and its
/// errors; `hash` is unused for int64 keys).
cogrouped_table cogroup(string_spans_view left_keys, array_view<std::int64_t> left_values,
                        string_spans_view right_keys, array_view<std::int64_t> right_values, hash_function hash,
                        stream_view s, memory_resource* mr = nullptr);
basic_cogrouped_table<string_column, double> cogroup(string_spans_view left_keys, array_view<double> left_values,
                                                     string_spans_view right_keys,
                                                     array_view<double> right_values, hash_function hash,
                                                     stream_view s, memory_resource* mr = nullptr);
basic_cogrouped_table<string_column, std::int64_t, double> cogroup(string_spans_view left_keys,
                                                                   array_view<std::int64_t> left_values,
                                                                   string_spans_view right_keys,
                                                                   array_view<double> right_values,
                                                                   hash_function hash, stream_view s,
                                                                   memory_resource* mr = nullptr);
basic_cogrouped_table<string_column, double, std::int64_t> cogroup(string_spans_view left_keys,
                                                                   array_view<double> left_values,
                                                                   string_spans_view right_keys,
                                                                   array_view<std::int64_t> right_values,
                                                                   hash_function hash, stream_view s,
                                                                   memory_resource* mr = nullptr);
basic_cogrouped_table<array<std::int64_t>, std::int64_t> cogroup(array_view<std::int64_t> left_keys,
                                                                  array_view<std::int64_t> left_values,
                                                                  array_view<std::int64_t> right_keys,
                                                                  array_view<std::int64_t> right_values,
                                                                  hash_function hash, stream_view s,
                                                                  memory_resource* mr = nullptr);

}  // namespace gpustream
