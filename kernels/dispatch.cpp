// Public entry points of the operators: argument checks, then the backend's
// implementation through GPUSTREAM_DISPATCH (kernels/detail/operators.hpp).

#include "aggregate/group_by_spec.hpp"
#include "join/join_spec.hpp"
#include "detail/common.hpp"
#include "detail/operators.hpp"

#include <cstdlib>
#include <string>
#include <string_view>

namespace gpustream {
namespace detail {

void throw_cuda_not_compiled() {
  throw backend_unavailable{
      "the CUDA backend is not part of this build (built with GPUSTREAM_ENABLE_CUDA=OFF)"};
}

namespace {

/// Whether GPUSTREAM_CPU_PORTABLE (set, and not "0") asks the CPU backend to
/// run the portable algorithms that the CUDA backend runs instead of its own
/// fast paths: the CUDA backend's logic, tested where there is no GPU.
bool portable_only() {
  static const bool on = [] {
    const char* v = std::getenv("GPUSTREAM_CPU_PORTABLE");
    return v != nullptr && *v != '\0' && std::string_view{v} != "0";
  }();
  return on;
}

/// Whether `s` takes the CPU backend's own fast paths.
bool cpu_fast(stream_view s) { return !s.is_cuda() && !portable_only(); }

bool use_cpu_hash(stream_view s, reduce_algorithm a) { return cpu_fast(s) && a != reduce_algorithm::sort; }

/// Whether `a` takes the backend's one-pass tables (word_count_table,
/// reduce_by_key_table): CUDA's hash path.
bool use_backend_table(stream_view s, reduce_algorithm a) {
  return (s.is_cuda() || portable_only()) && a == reduce_algorithm::hash;
}

/// Whether word_count takes word_count_table: CUDA's path unless the sort is
/// asked for. On an H200 it ran the word count over 1 GiB of Zipf text at
/// 73.9 GB/s against the sort path's 35.9 (bench/RESULTS.md); it falls back
/// to the sort path by itself where its table fills.
bool use_word_count_table(stream_view s, reduce_algorithm a) {
  return (s.is_cuda() || portable_only()) && a != reduce_algorithm::sort;
}

/// The kernel that table_kernel::automatic means: per_thread, unless
/// GPUSTREAM_TABLE_KERNEL says per_warp (or per_thread), so that whole
/// programs and test suites can be run and measured with either.
table_kernel automatic_table_kernel() {
  static const table_kernel k = [] {
    const char* v = std::getenv("GPUSTREAM_TABLE_KERNEL");
    if (v == nullptr || *v == '\0') return table_kernel::per_thread;
    const std::string_view name{v};
    if (name == "per_thread") return table_kernel::per_thread;
    if (name == "per_warp") return table_kernel::per_warp;
    throw logic_error{"GPUSTREAM_TABLE_KERNEL is '" + std::string{name} + "': it takes per_thread or per_warp"};
  }();
  return k;
}

/// The most slots of reduce_by_key_table's table: 128 MiB of 32-byte entries,
/// for up to 3 M distinct keys (more fall back to the sort path).
constexpr size_type table_max_slots = size_type{1} << 22;

/// Checks reduce_by_key's arguments (a count may come without values);
/// returns the values' pointer, null when there are none.
template <class V>
const V* reduce_input(string_spans_view keys, array_view<V> values, const reduce_options& options, stream_view s) {
  expect_backend(keys.kind(), s, "reduce_by_key");
  if (options.agg != aggregation::count || values.size() > 0) {
    GPUSTREAM_EXPECTS(values.size() == keys.size(), "reduce_by_key: keys (" + std::to_string(keys.size()) +
                                                        ") and values (" + std::to_string(values.size()) +
                                                        ") differ in size");
    expect_backend(values.kind(), s, "reduce_by_key");
  }
  return values.size() > 0 ? values.data() : nullptr;
}

/// Checks one side of a join or a group: keys and values of one size, in the
/// backend's memory. Returns the values' pointer.
template <class Keys, class V>
const V* keyed_side(Keys keys, array_view<V> values, stream_view s, const char* what) {
  GPUSTREAM_EXPECTS(values.size() == keys.size(), std::string{what} + ": keys (" + std::to_string(keys.size()) +
                                                      ") and values (" + std::to_string(values.size()) +
                                                      ") differ in size");
  if (keys.size() == 0) return nullptr;
  expect_backend(keys.kind(), s, what);
  expect_backend(values.kind(), s, what);
  return values.data();
}
}  // namespace

}  // namespace detail

string_spans spans_of(string_column_view strings, stream_view s, memory_resource* mr) {
  return GPUSTREAM_DISPATCH(s, spans_of(strings, s, mr));
}

column concatenate(const std::vector<column_view>& parts, stream_view s, memory_resource* mr) {
  GPUSTREAM_EXPECTS(!parts.empty(), "concatenate: no columns");
  for (std::size_t i = 0; i < parts.size(); ++i) {
    detail::expect_backend(parts[i].kind(), s, "concatenate");
    GPUSTREAM_EXPECTS(parts[i].type() == parts[0].type(), "concatenate: column " + std::to_string(i) + " is " +
                                                              to_string(parts[i].type()) + ", column 0 " +
                                                              to_string(parts[0].type()));
  }
  return GPUSTREAM_DISPATCH(s, concatenate_columns(parts, s, mr));
}

table concatenate(const std::vector<table_view>& parts, stream_view s, memory_resource* mr) {
  GPUSTREAM_EXPECTS(!parts.empty(), "concatenate: no tables");
  size_type rows = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    GPUSTREAM_EXPECTS(parts[i].fields() == parts[0].fields(), "concatenate: table " + std::to_string(i) + " is " +
                                                                  to_string(parts[i].fields()) + ", table 0 " +
                                                                  to_string(parts[0].fields()));
    rows += parts[i].num_rows();
  }
  std::vector<column> columns;
  for (std::size_t k = 0; k < parts[0].num_columns(); ++k) {
    std::vector<column_view> column_parts;
    for (const table_view& t : parts) column_parts.push_back(t.column(k));
    columns.push_back(concatenate(column_parts, s, mr));
  }
  return table{parts[0].fields(), std::move(columns), rows};
}

table join(const table_view& left, const table_view& right, const std::vector<std::string>& left_keys,
           const std::vector<std::string>& right_keys, join_options options, stream_view s, memory_resource* mr) {
  const detail::join_spec spec = detail::make_join_spec(left.fields(), right.fields(), left_keys, right_keys,
                                                        options.type);
  for (const column_view& c : left.columns()) detail::expect_backend(c.kind(), s, "join");
  for (const column_view& c : right.columns()) detail::expect_backend(c.kind(), s, "join");
  return GPUSTREAM_DISPATCH(s, join_tables(left, right, spec, options.hash, s, mr));
}

string_column concatenate(const std::vector<string_spans_view>& parts, stream_view s, memory_resource* mr) {
  return GPUSTREAM_DISPATCH(s, concatenate(parts, s, mr));
}

namespace detail {
namespace {
template <class T>
array<T> concatenate_values(const std::vector<array_view<T>>& parts, stream_view s, memory_resource* mr) {
  size_type rows = 0;
  for (const auto& p : parts) {
    expect_backend(p.kind(), s, "concatenate");
    rows += p.size();
  }
  array<T> out{rows, s, mr};
  size_type at = 0;
  for (const auto& p : parts) {
    copy_bytes(out.data() + at, p.data(), static_cast<std::size_t>(p.size()) * sizeof(T), s);
    at += p.size();
  }
  return out;
}
}  // namespace
}  // namespace detail

array<std::int64_t> concatenate(const std::vector<array_view<std::int64_t>>& parts, stream_view s,
                                 memory_resource* mr) {
  return detail::concatenate_values(parts, s, mr);
}

array<double> concatenate(const std::vector<array_view<double>>& parts, stream_view s, memory_resource* mr) {
  return detail::concatenate_values(parts, s, mr);
}

array<std::int64_t> negate(array_view<std::int64_t> values, stream_view s, memory_resource* mr) {
  return GPUSTREAM_DISPATCH(s, negate(values, s, mr));
}

nonzero_rows select_nonzero(string_spans_view keys, array_view<std::int64_t> values, stream_view s,
                            memory_resource* mr) {
  return GPUSTREAM_DISPATCH(s, select_nonzero(keys, values, s, mr));
}

size_type count_bytes(array_view<char> text, char byte, stream_view s) {
  if (detail::cpu_fast(s)) {
    detail::expect_backend(text.kind(), s, "count_bytes");
    return detail::cpu::count_bytes_fast(text, byte);
  }
  return GPUSTREAM_DISPATCH(s, count_bytes(text, byte, s));
}

array<std::int64_t> constant_column(size_type size, std::int64_t value, stream_view s,
                                     memory_resource* mr) {
  GPUSTREAM_EXPECTS(size >= 0, "constant_column: negative size");
  return GPUSTREAM_DISPATCH(s, constant_column(size, value, s, mr));
}

string_spans split_lines(array_view<char> text, stream_view s, memory_resource* mr) {
  if (detail::cpu_fast(s)) {
    detail::expect_backend(text.kind(), s, "split_lines");
    return detail::cpu::split_lines_fast(text, s, mr);
  }
  return GPUSTREAM_DISPATCH(s, split_lines(text, s, mr));
}

string_spans tokenize(string_spans_view lines, stream_view s, memory_resource* mr) {
  if (detail::cpu_fast(s)) {
    detail::expect_backend(lines.kind(), s, "tokenize");
    return detail::cpu::tokenize_fast(lines, s, mr);
  }
  return GPUSTREAM_DISPATCH(s, tokenize(lines, s, mr));
}

string_spans tokenize_text(array_view<char> text, stream_view s, memory_resource* mr) {
  if (detail::cpu_fast(s)) {
    detail::expect_backend(text.kind(), s, "tokenize_text");
    return detail::cpu::tokenize_text_fast(text, s, mr);
  }
  return GPUSTREAM_DISPATCH(s, tokenize_text(text, s, mr));
}

array<hash_type> hash_strings(string_spans_view strings, stream_view s, memory_resource* mr,
                               hash_function f) {
  return GPUSTREAM_DISPATCH(s, hash_strings(strings, s, mr, f));
}

string_spans filter_containing(string_spans_view lines, std::string_view needle, stream_view s,
                               memory_resource* mr) {
  if (detail::cpu_fast(s)) {
    detail::expect_backend(lines.kind(), s, "filter_containing");
    return detail::cpu::filter_containing_fast(lines, needle, s, mr);
  }
  return GPUSTREAM_DISPATCH(s, filter_containing(lines, needle, s, mr));
}

key_value_table reduce_by_key(string_spans_view keys, array_view<std::int64_t> values,
                              reduce_options options, stream_view s, memory_resource* mr) {
  const std::int64_t* d_values = detail::reduce_input(keys, values, options, s);
  if (detail::use_cpu_hash(s, options.algorithm)) {
    return detail::cpu::reduce_by_key_hash(keys, d_values, options, s, mr);
  }
  if (detail::use_backend_table(s, options.algorithm) && keys.size() > 0) {
    std::optional<key_value_table> t =
        GPUSTREAM_DISPATCH(s, reduce_by_key_table(keys, d_values, options, detail::table_max_slots, s, mr));
    if (t) return std::move(*t);
  }
  return GPUSTREAM_DISPATCH(s, reduce_by_key_sort(keys, d_values, options, s, mr));
}

key_double_table reduce_by_key(string_spans_view keys, array_view<double> values, reduce_options options,
                               stream_view s, memory_resource* mr) {
  const double* d_values = detail::reduce_input(keys, values, options, s);
  if (detail::use_cpu_hash(s, options.algorithm)) {
    return detail::cpu::reduce_doubles_by_key_hash(keys, d_values, options, s, mr);
  }
  return GPUSTREAM_DISPATCH(s, reduce_doubles_by_key(keys, d_values, options, s, mr));
}

int_key_table reduce_by_key(array_view<std::int64_t> keys, array_view<std::int64_t> values, aggregation agg,
                            stream_view s, memory_resource* mr, reduce_algorithm algorithm) {
  const bool counting = agg == aggregation::count;
  GPUSTREAM_EXPECTS((counting && values.size() == 0) || values.size() == keys.size(),
                    "reduce_by_key: keys (" + std::to_string(keys.size()) + ") and values (" +
                        std::to_string(values.size()) + ") differ in size");
  if (keys.empty()) return GPUSTREAM_DISPATCH(s, reduce_by_int_key(nullptr, nullptr, 0, agg, s, mr));
  detail::expect_backend(keys.kind(), s, "reduce_by_key");
  if (values.size() > 0) detail::expect_backend(values.kind(), s, "reduce_by_key");
  const std::int64_t* d_values = values.size() > 0 ? values.data() : nullptr;
  if (detail::use_cpu_hash(s, algorithm)) {
    return detail::cpu::reduce_by_int_key_hash(keys.data(), d_values, keys.size(), agg, s, mr);
  }
  return GPUSTREAM_DISPATCH(s, reduce_by_int_key(keys.data(), d_values, keys.size(), agg, s, mr));
}

key_value_table count_by_key(string_spans_view keys, stream_view s, memory_resource* mr,
                             hash_function hash, reduce_algorithm algorithm) {
  return reduce_by_key(keys, array_view<std::int64_t>{nullptr, 0, s.kind()},
                       reduce_options{aggregation::count, hash, algorithm}, s, mr);
}

key_value_table word_count_table(array_view<char> text, stream_view s, memory_resource* mr, size_type max_slots,
                                 hash_function slot_hash, table_kernel kernel) {
  detail::expect_backend(text.kind(), s, "word_count_table");
  GPUSTREAM_EXPECTS(max_slots >= 16 && max_slots <= (size_type{1} << 31) && (max_slots & (max_slots - 1)) == 0,
                    "word_count_table: max_slots must be a power of two from 16 to 2^31");
  std::optional<key_value_table> t = GPUSTREAM_DISPATCH(
      s, word_count_table(text, max_slots, slot_hash,
                          (kernel == table_kernel::automatic ? detail::automatic_table_kernel() : kernel) ==
                              table_kernel::per_warp,
                          s, mr));
  if (t) return std::move(*t);
  const string_spans tokens = tokenize_text(text, s);
  return count_by_key(tokens, s, mr, hash_function::mix64, reduce_algorithm::sort);
}

key_value_table word_count(array_view<char> text, stream_view s, memory_resource* mr,
                           reduce_algorithm algorithm) {
  detail::expect_backend(text.kind(), s, "word_count");
  if (detail::use_cpu_hash(s, algorithm)) return detail::cpu::word_count_hash(text, s, mr);
  if (detail::use_word_count_table(s, algorithm)) return word_count_table(text, s, mr);
  const string_spans tokens = tokenize_text(text, s);
  return count_by_key(tokens, s, mr, hash_function::mix64, reduce_algorithm::sort);
}

key_value_table top_k(string_column_view keys, array_view<std::int64_t> values, size_type k,
                      stream_view s, memory_resource* mr) {
  GPUSTREAM_EXPECTS(k >= 0, "top_k: k must not be negative");
  GPUSTREAM_EXPECTS(values.size() == keys.size(), "top_k: keys and values differ in size");
  detail::expect_backend(keys.kind(), s, "top_k");
  detail::expect_backend(values.kind(), s, "top_k");
  return GPUSTREAM_DISPATCH(s, top_k(keys, values, k, s, mr));
}

namespace {

template <class Keys, class V, class W>
auto join_any(Keys left_keys, array_view<V> left_values, Keys right_keys, array_view<W> right_values,
              join_options options, stream_view s, memory_resource* mr) {
  const V* d_left = detail::keyed_side(left_keys, left_values, s, "join");
  const W* d_right = detail::keyed_side(right_keys, right_values, s, "join");
  return GPUSTREAM_DISPATCH(s, join(left_keys, d_left, right_keys, d_right, options, s, mr));
}

template <class Keys, class V>
auto group_any(Keys keys, array_view<V> values, hash_function hash, stream_view s, memory_resource* mr) {
  const V* d_values = detail::keyed_side(keys, values, s, "group_by_key");
  return GPUSTREAM_DISPATCH(s, group_by_key(keys, d_values, hash, s, mr));
}

template <class Keys, class V, class W>
auto cogroup_any(Keys left_keys, array_view<V> left_values, Keys right_keys, array_view<W> right_values,
                 hash_function hash, stream_view s, memory_resource* mr) {
  const V* d_left = detail::keyed_side(left_keys, left_values, s, "cogroup");
  const W* d_right = detail::keyed_side(right_keys, right_values, s, "cogroup");
  return GPUSTREAM_DISPATCH(s, cogroup(left_keys, d_left, right_keys, d_right, hash, s, mr));
}

}  // namespace

column gather(const column_view& c, array_view<row_index> rows, stream_view s, memory_resource* mr) {
  detail::expect_backend(c.kind(), s, "gather");
  detail::expect_backend(rows.kind(), s, "gather");
  return GPUSTREAM_DISPATCH(s, gather_column(c, rows, s, mr));
}

table group_by(const table_view& input, const std::vector<std::string>& keys, const std::vector<agg>& aggs,
               stream_view s, memory_resource* mr, hash_function hash) {
  const detail::group_by_spec spec = detail::make_group_by_spec(input.fields(), keys, aggs);
  for (const column_view& c : input.columns()) detail::expect_backend(c.kind(), s, "group_by");
  // The CPU's hash tables of groups: 2.8x the sort path's rate over 4 M rows
  // of 100 k words (bench/aggregate/group_by_bench.cpp, bench/RESULTS.md).
  if (detail::cpu_fast(s)) return detail::cpu::group_by_hash(input, spec, hash, s, mr);
  return GPUSTREAM_DISPATCH(s, group_by(input, spec, hash, s, mr));
}

joined_table join(string_spans_view left_keys, array_view<std::int64_t> left_values, string_spans_view right_keys,
                  array_view<std::int64_t> right_values, join_options options, stream_view s, memory_resource* mr) {
  return join_any(left_keys, left_values, right_keys, right_values, options, s, mr);
}

basic_joined_table<string_column, double> join(string_spans_view left_keys, array_view<double> left_values,
                                               string_spans_view right_keys, array_view<double> right_values,
                                               join_options options, stream_view s, memory_resource* mr) {
  return join_any(left_keys, left_values, right_keys, right_values, options, s, mr);
}

basic_joined_table<string_column, std::int64_t, double> join(string_spans_view left_keys,
                                                             array_view<std::int64_t> left_values,
                                                             string_spans_view right_keys,
                                                             array_view<double> right_values, join_options options,
                                                             stream_view s, memory_resource* mr) {
  return join_any(left_keys, left_values, right_keys, right_values, options, s, mr);
}

basic_joined_table<string_column, double, std::int64_t> join(string_spans_view left_keys,
                                                             array_view<double> left_values,
                                                             string_spans_view right_keys,
                                                             array_view<std::int64_t> right_values,
                                                             join_options options, stream_view s,
                                                             memory_resource* mr) {
  return join_any(left_keys, left_values, right_keys, right_values, options, s, mr);
}

basic_joined_table<array<std::int64_t>, std::int64_t> join(array_view<std::int64_t> left_keys,
                                                            array_view<std::int64_t> left_values,
                                                            array_view<std::int64_t> right_keys,
                                                            array_view<std::int64_t> right_values,
                                                            join_options options, stream_view s,
                                                            memory_resource* mr) {
  return join_any(left_keys, left_values, right_keys, right_values, options, s, mr);
}

grouped_table group_by_key(string_spans_view keys, array_view<std::int64_t> values, hash_function hash,
                           stream_view s, memory_resource* mr) {
  return group_any(keys, values, hash, s, mr);
}

basic_grouped_table<string_column, double> group_by_key(string_spans_view keys, array_view<double> values,
                                                        hash_function hash, stream_view s, memory_resource* mr) {
  return group_any(keys, values, hash, s, mr);
}

basic_grouped_table<array<std::int64_t>, std::int64_t> group_by_key(array_view<std::int64_t> keys,
                                                                     array_view<std::int64_t> values,
                                                                     hash_function hash, stream_view s,
                                                                     memory_resource* mr) {
  return group_any(keys, values, hash, s, mr);
}

cogrouped_table cogroup(string_spans_view left_keys, array_view<std::int64_t> left_values,
                        string_spans_view right_keys, array_view<std::int64_t> right_values, hash_function hash,
                        stream_view s, memory_resource* mr) {
  return cogroup_any(left_keys, left_values, right_keys, right_values, hash, s, mr);
}

basic_cogrouped_table<string_column, double> cogroup(string_spans_view left_keys, array_view<double> left_values,
                                                     string_spans_view right_keys,
                                                     array_view<double> right_values, hash_function hash,
                                                     stream_view s, memory_resource* mr) {
  return cogroup_any(left_keys, left_values, right_keys, right_values, hash, s, mr);
}

basic_cogrouped_table<string_column, std::int64_t, double> cogroup(string_spans_view left_keys,
                                                                   array_view<std::int64_t> left_values,
                                                                   string_spans_view right_keys,
                                                                   array_view<double> right_values,
                                                                   hash_function hash, stream_view s,
                                                                   memory_resource* mr) {
  return cogroup_any(left_keys, left_values, right_keys, right_values, hash, s, mr);
}

basic_cogrouped_table<string_column, double, std::int64_t> cogroup(string_spans_view left_keys,
                                                                   array_view<double> left_values,
                                                                   string_spans_view right_keys,
                                                                   array_view<std::int64_t> right_values,
                                                                   hash_function hash, stream_view s,
                                                                   memory_resource* mr) {
  return cogroup_any(left_keys, left_values, right_keys, right_values, hash, s, mr);
}

basic_cogrouped_table<array<std::int64_t>, std::int64_t> cogroup(array_view<std::int64_t> left_keys,
                                                                  array_view<std::int64_t> left_values,
                                                                  array_view<std::int64_t> right_keys,
                                                                  array_view<std::int64_t> right_values,
                                                                  hash_function hash, stream_view s,
                                                                  memory_resource* mr) {
  return cogroup_any(left_keys, left_values, right_keys, right_values, hash, s, mr);
}

row_groups group_rows(string_spans_view keys, stream_view s, memory_resource* mr, hash_function hash) {
  if (!keys.empty()) detail::expect_backend(keys.kind(), s, "group_rows");
  return GPUSTREAM_DISPATCH(s, group_string_rows(keys, hash, s, mr));
}

row_groups group_rows(array_view<std::int64_t> keys, stream_view s, memory_resource* mr) {
  if (!keys.empty()) detail::expect_backend(keys.kind(), s, "group_rows");
  return GPUSTREAM_DISPATCH(s, group_int_rows(keys, s, mr));
}

array<row_index> select_rows(array_view<std::uint8_t> keep, stream_view s, memory_resource* mr) {
  if (!keep.empty()) detail::expect_backend(keep.kind(), s, "select_rows");
  return GPUSTREAM_DISPATCH(s, select_rows(keep, s, mr));
}

array<row_index> rows_with_nonzero(array_view<std::int64_t> values, stream_view s, memory_resource* mr) {
  if (!values.empty()) detail::expect_backend(values.kind(), s, "rows_with_nonzero");
  return GPUSTREAM_DISPATCH(s, rows_with_nonzero(values, s, mr));
}

array<std::int64_t> offsets_of_counts(array_view<std::int64_t> counts, stream_view s, memory_resource* mr) {
  if (!counts.empty()) detail::expect_backend(counts.kind(), s, "offsets_of_counts");
  return GPUSTREAM_DISPATCH(s, offsets_of_counts(counts, s, mr));
}

namespace detail {
namespace {
void expect_gather(backend data, size_type rows_size, array_view<row_index> rows, stream_view s) {
  if (rows.empty()) return;
  if (rows_size > 0) expect_backend(data, s, "gather");
  expect_backend(rows.kind(), s, "gather");
  GPUSTREAM_EXPECTS(rows_size > 0, "gather: rows of an empty column");
}
}  // namespace
}  // namespace detail

array<std::int64_t> gather(array_view<std::int64_t> values, array_view<row_index> rows, stream_view s,
                            memory_resource* mr) {
  detail::expect_gather(values.kind(), values.size(), rows, s);
  return GPUSTREAM_DISPATCH(s, gather_int64(values, rows, s, mr));
}

array<double> gather(array_view<double> values, array_view<row_index> rows, stream_view s, memory_resource* mr) {
  detail::expect_gather(values.kind(), values.size(), rows, s);
  return GPUSTREAM_DISPATCH(s, gather_double(values, rows, s, mr));
}

string_spans gather(string_spans_view strings, array_view<row_index> rows, stream_view s, memory_resource* mr) {
  detail::expect_gather(strings.kind(), strings.size(), rows, s);
  return GPUSTREAM_DISPATCH(s, gather_spans(strings, rows, s, mr));
}

}  // namespace gpustream
