#pragma once

// The operators of each backend, and the one place that chooses between them.

#include <gpustream/aggregate/group_by.hpp>
#include <gpustream/aggregate/reduce_by_int_key.hpp>
#include <gpustream/aggregate/reduce_by_key.hpp>
#include <gpustream/aggregate/top_k.hpp>
#include <gpustream/column/concatenate.hpp>
#include <gpustream/column/convert.hpp>
#include <gpustream/column/gather.hpp>
#include <gpustream/column/rows.hpp>
#include <gpustream/config.hpp>
#include <gpustream/join/join.hpp>
#include <gpustream/text/filter.hpp>
#include <gpustream/text/hash.hpp>
#include <gpustream/text/split_lines.hpp>
#include <gpustream/text/tokenize.hpp>

#include <optional>

namespace gpustream::detail {
struct group_by_spec;  // aggregate/group_by_spec.hpp
struct join_spec;      // join/join_spec.hpp
}  // namespace gpustream::detail

// Portable operators: the same *.inl sources compiled for each backend.
#define GPUSTREAM_DECLARE_PORTABLE_OPERATORS(ns)                                              \
  namespace gpustream::detail::ns {                                                           \
  string_spans spans_of(string_column_view strings, stream_view s, memory_resource* mr);      \
  string_column concatenate(const std::vector<string_spans_view>& parts, stream_view s,       \
                            memory_resource* mr);                                             \
  array<std::int64_t> negate(array_view<std::int64_t> values, stream_view s,                \
                              memory_resource* mr);                                           \
  nonzero_rows select_nonzero(string_spans_view keys, array_view<std::int64_t> values,       \
                              stream_view s, memory_resource* mr);                            \
  size_type count_bytes(array_view<char> text, char byte, stream_view s);                    \
  array<std::int64_t> constant_column(size_type size, std::int64_t value, stream_view s,     \
                                       memory_resource* mr);                                  \
  string_spans split_lines(array_view<char> text, stream_view s, memory_resource* mr);       \
  string_spans tokenize(string_spans_view lines, stream_view s, memory_resource* mr);         \
  string_spans tokenize_text(array_view<char> text, stream_view s, memory_resource* mr);     \
  array<hash_type> hash_strings(string_spans_view strings, stream_view s, memory_resource* mr, \
                                 hash_function f);                                            \
  string_spans filter_containing(string_spans_view lines, std::string_view needle,            \
                                 stream_view s, memory_resource* mr);                         \
  key_value_table reduce_by_key_sort(string_spans_view keys, const std::int64_t* d_values,    \
                                     reduce_options options, stream_view s,                   \
                                     memory_resource* mr);                                    \
  key_double_table reduce_doubles_by_key(string_spans_view keys, const double* d_values,      \
                                         reduce_options options, stream_view s,               \
                                         memory_resource* mr);                                \
  int_key_table reduce_by_int_key(const std::int64_t* d_keys, const std::int64_t* d_values,  \
                                  size_type n, aggregation agg, stream_view s,                \
                                  memory_resource* mr);                                       \
  std::optional<key_value_table> word_count_table(array_view<char> text, size_type max_slots,  \
                                                  hash_function slot_hash, bool per_warp,      \
                                                  stream_view s, memory_resource* mr);         \
  std::optional<key_value_table> reduce_by_key_table(string_spans_view keys,                  \
                                                     const std::int64_t* d_values,             \
                                                     reduce_options options, size_type max_slots, \
                                                     stream_view s, memory_resource* mr);      \
  key_value_table top_k(string_column_view keys, array_view<std::int64_t> values,            \
                        size_type k, stream_view s, memory_resource* mr);                     \
  joined_table join(string_spans_view left_keys, const std::int64_t* d_left,                  \
                    string_spans_view right_keys, const std::int64_t* d_right,                \
                    join_options options, stream_view s, memory_resource* mr);                \
  basic_joined_table<string_column, double> join(string_spans_view left_keys,                \
                    const double* d_left, string_spans_view right_keys, const double* d_right, \
                    join_options options, stream_view s, memory_resource* mr);                \
  basic_joined_table<string_column, std::int64_t, double> join(string_spans_view left_keys,   \
      const std::int64_t* d_left, string_spans_view right_keys, const double* d_right,        \
      join_options options, stream_view s, memory_resource* mr);                              \
  basic_joined_table<string_column, double, std::int64_t> join(string_spans_view left_keys,   \
      const double* d_left, string_spans_view right_keys, const std::int64_t* d_right,        \
      join_options options, stream_view s, memory_resource* mr);                              \
  basic_joined_table<array<std::int64_t>, std::int64_t> join(                                \
      array_view<std::int64_t> left_keys, const std::int64_t* d_left,                        \
      array_view<std::int64_t> right_keys, const std::int64_t* d_right, join_options options, \
      stream_view s, memory_resource* mr);                                                    \
  grouped_table group_by_key(string_spans_view keys, const std::int64_t* d_values,            \
                             hash_function hash, stream_view s, memory_resource* mr);         \
  basic_grouped_table<string_column, double> group_by_key(string_spans_view keys,             \
      const double* d_values, hash_function hash, stream_view s, memory_resource* mr);        \
  basic_grouped_table<array<std::int64_t>, std::int64_t> group_by_key(                        \
      array_view<std::int64_t> keys, const std::int64_t* d_values, hash_function hash,       \
      stream_view s, memory_resource* mr);                                                    \
  cogrouped_table cogroup(string_spans_view left_keys, const std::int64_t* d_left,            \
                          string_spans_view right_keys, const std::int64_t* d_right,          \
                          hash_function hash, stream_view s, memory_resource* mr);            \
  basic_cogrouped_table<string_column, double> cogroup(string_spans_view left_keys,           \
      const double* d_left, string_spans_view right_keys, const double* d_right,              \
      hash_function hash, stream_view s, memory_resource* mr);                                \
  basic_cogrouped_table<string_column, std::int64_t, double> cogroup(                         \
      string_spans_view left_keys, const std::int64_t* d_left, string_spans_view right_keys,  \
      const double* d_right, hash_function hash, stream_view s, memory_resource* mr);          \
  basic_cogrouped_table<string_column, double, std::int64_t> cogroup(                         \
      string_spans_view left_keys, const double* d_left, string_spans_view right_keys,        \
      const std::int64_t* d_right, hash_function hash, stream_view s, memory_resource* mr);    \
  basic_cogrouped_table<array<std::int64_t>, std::int64_t> cogroup(                           \
      array_view<std::int64_t> left_keys, const std::int64_t* d_left,                       \
      array_view<std::int64_t> right_keys, const std::int64_t* d_right, hash_function hash,  \
      stream_view s, memory_resource* mr);                                                    \
  row_groups group_string_rows(string_spans_view keys, hash_function hash, stream_view s,      \
                               memory_resource* mr);                                          \
  row_groups group_int_rows(array_view<std::int64_t> keys, stream_view s, memory_resource* mr); \
  array<row_index> select_rows(array_view<std::uint8_t> keep, stream_view s,                \
                                memory_resource* mr);                                         \
  array<row_index> rows_with_nonzero(array_view<std::int64_t> values, stream_view s,               \
                                 memory_resource* mr);                                        \
  array<std::int64_t> offsets_of_counts(array_view<std::int64_t> counts, stream_view s,      \
                                         memory_resource* mr);                                \
  array<std::int64_t> gather_int64(array_view<std::int64_t> values, array_view<row_index> rows, \
                                    stream_view s, memory_resource* mr);                      \
  array<double> gather_double(array_view<double> values, array_view<row_index> rows,       \
                               stream_view s, memory_resource* mr);                           \
  string_spans gather_spans(string_spans_view strings, array_view<row_index> rows,           \
                            stream_view s, memory_resource* mr);                              \
  column concatenate_columns(const std::vector<column_view>& parts, stream_view s,            \
                             memory_resource* mr);                                            \
  column gather_column(const column_view& c, array_view<row_index> rows, stream_view s,       \
                       memory_resource* mr);                                                  \
  table join_tables(const table_view& left, const table_view& right, const join_spec& spec,   \
                    hash_function hf, stream_view s, memory_resource* mr);                     \
  table group_by(const table_view& input, const group_by_spec& spec, hash_function hf,        \
                 stream_view s, memory_resource* mr);                                         \
  }

GPUSTREAM_DECLARE_PORTABLE_OPERATORS(cpu)
GPUSTREAM_DECLARE_PORTABLE_OPERATORS(cuda)

// Backend-specific fast paths.
namespace gpustream::detail::cpu {
key_value_table reduce_by_key_hash(string_spans_view keys, const std::int64_t* values,
                                   reduce_options options, stream_view s, memory_resource* mr);
key_double_table reduce_doubles_by_key_hash(string_spans_view keys, const double* values,
                                            reduce_options options, stream_view s, memory_resource* mr);
int_key_table reduce_by_int_key_hash(const std::int64_t* keys, const std::int64_t* values, size_type n,
                                     aggregation agg, stream_view s, memory_resource* mr);
key_value_table word_count_hash(array_view<char> text, stream_view s, memory_resource* mr);
size_type count_bytes_fast(array_view<char> text, char byte);
string_spans split_lines_fast(array_view<char> text, stream_view s, memory_resource* mr);
string_spans filter_containing_fast(string_spans_view lines, std::string_view needle, stream_view s,
                                    memory_resource* mr);
string_spans tokenize_fast(string_spans_view lines, stream_view s, memory_resource* mr);
string_spans tokenize_text_fast(array_view<char> text, stream_view s, memory_resource* mr);
table group_by_hash(const table_view& input, const group_by_spec& spec, hash_function hf, stream_view s,
                    memory_resource* mr);
}  // namespace gpustream::detail::cpu

namespace gpustream::detail {
[[noreturn]] void throw_cuda_not_compiled();
}  // namespace gpustream::detail

/// Calls detail::cuda::CALL or detail::cpu::CALL by the backend of stream `s`.
#if GPUSTREAM_HAS_CUDA
#define GPUSTREAM_DISPATCH(s, CALL) \
  ((s).is_cuda() ? ::gpustream::detail::cuda::CALL : ::gpustream::detail::cpu::CALL)
#else
#define GPUSTREAM_DISPATCH(s, CALL)                                                      \
  ((s).is_cuda() ? (::gpustream::detail::throw_cuda_not_compiled(), ::gpustream::detail::cpu::CALL) \
                 : ::gpustream::detail::cpu::CALL)
#endif
