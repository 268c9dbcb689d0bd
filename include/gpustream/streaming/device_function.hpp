#pragma once

// User functors that run on the backend: `stream.map_values(on_device(f))`,
// `map(on_device(f))` and `flat_map(on_device(f))` of whole records to
// integers or integer pairs,
// `update_state_by_key(on_device(f))` with a general update function,
// `map_with_state(on_device(f))`,
// `flat_map(on_device(f))` over strings, `filter(on_device(pred))`,
// `reduce_by_key(on_device(op))` and the windows and state built on them. The kernels are instantiated here, in the caller's
// translation unit, where the functor's type is known:
// - compiled by nvcc (a .cu file, or LANGUAGE CUDA), the functor runs in CUDA
//   kernels on the CUDA backend; it must then be callable on host and device
//   (a struct with a GPUSTREAM_HOST_DEVICE operator(), or a
//   `[] __host__ __device__ (...)` lambda with nvcc's --extended-lambda);
// - compiled by a host compiler, it runs on the host: over the CPU backend's
//   memory directly, and on the CUDA backend over records staged through host
//   memory (correct, but every batch crosses PCIe twice; the context logs it
//   once).

#include <gpustream/column/string_column.hpp>
#include <gpustream/core/error.hpp>
#include <gpustream/core/host_device.hpp>
#include <gpustream/core/stream.hpp>
#include <gpustream/core/types.hpp>
#include <gpustream/memory/memory_resource.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#if defined(__CUDACC__)
#include <thrust/for_each.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/discard_iterator.h>
#include <thrust/iterator/permutation_iterator.h>
#include <thrust/reduce.h>
#include <thrust/system/cuda/execution_policy.h>
#include <thrust/system_error.h>
#include <thrust/transform.h>
#endif

namespace gpustream {

/// A functor to run on the backend, made by on_device(f). See the top of
/// this header for how to compile it.
template <class F>
struct device_function {
  F f;
};

/// Marks `f` to run on the backend: `words.map(pair_with_one)
/// .reduce_by_key(on_device(max_op{}))`.
template <class F>
device_function<std::decay_t<F>> on_device(F&& f) {
  return device_function<std::decay_t<F>>{std::forward<F>(f)};
}

/// A pair that device code can build and return: map(on_device(f)) with an
/// `f` that returns device_pair{key, value} of two integers gives int_pair
/// records (any type with integer members `first` and `second` does too).
template <class A, class B>
struct device_pair {
  A first;
  B second;
};
template <class A, class B>
device_pair(A, B) -> device_pair<A, B>;

/// The new values of one key, in batch order, as update_state_by_key(on_device(f)) hands them to `f`.
template <class V>
struct device_span {
  const V* data;
  size_type size;
  GPUSTREAM_HOST_DEVICE const V& operator[](size_type i) const { return data[i]; }
  GPUSTREAM_HOST_DEVICE bool empty() const { return size == 0; }
};

/// A value or none, usable in device code: the state that
/// update_state_by_key(on_device(f)) hands `f` and the one `f` returns
/// (`{}`: none, which removes the key; `{true, v}`: v).
template <class V>
struct device_optional {
  bool present = false;
  V value{};
  GPUSTREAM_HOST_DEVICE bool has_value() const { return present; }
  GPUSTREAM_HOST_DEVICE V operator*() const { return value; }
};

/// The state of one key inside map_with_state(on_device(f)) (Spark's
/// State[V] in device code): exists, get, update, remove, is_timing_out. In
/// the last call of a key timing out, update() is an error, as in Spark: the
/// call is ignored, and the batch then stops the context with a
/// gpustream::logic_error.
template <class V>
class device_state {
 public:
  GPUSTREAM_HOST_DEVICE device_state(bool exists, V value, bool timing_out)
      : value_{value}, exists_{exists}, timing_out_{timing_out} {}
  GPUSTREAM_HOST_DEVICE bool exists() const { return exists_; }
  /// The state (V{} where there is none).
  GPUSTREAM_HOST_DEVICE V get() const { return exists_ ? value_ : V{}; }
  GPUSTREAM_HOST_DEVICE void update(V value) {
    if (timing_out_) {
      updated_while_timing_out_ = true;
      return;
    }
    value_ = value;
    exists_ = true;
  }
  GPUSTREAM_HOST_DEVICE void remove() { exists_ = false; }
  GPUSTREAM_HOST_DEVICE bool is_timing_out() const { return timing_out_; }
  /// Whether update() was called while the key was timing out.
  GPUSTREAM_HOST_DEVICE bool updated_while_timing_out() const { return updated_while_timing_out_; }

 private:
  V value_;
  bool exists_;
  bool timing_out_;
  bool updated_while_timing_out_ = false;
};

template <class T>
inline constexpr bool is_device_function_v = false;
template <class F>
inline constexpr bool is_device_function_v<device_function<F>> = true;

namespace detail {

/// The keys of a batch as kernels see them: the strings (string keys, or the
/// records of a dstream<std::string>) or the integer keys.
struct key_columns {
  spans_device_view strings{nullptr, nullptr, nullptr, 0};
  const std::int64_t* int_keys = nullptr;
};

/// Kernels made from a device_function, over plain arrays of the backend's
/// memory. `host` runs over host memory; `device` on a CUDA stream, and is
/// empty where the caller was not compiled by nvcc (the library then stages
/// the arrays through host memory and runs `host`).
///
/// map: out[i] = f(in[i]).
struct map_kernel {
  std::function<void(const void* in, void* out, size_type n)> host;
  std::function<void(const void* in, void* out, size_type n, stream_view s)> device;
};
/// filter: keep[i] = pred(record i) ? 1 : 0.
struct filter_kernel {
  std::function<void(const key_columns& keys, const void* values, std::uint8_t* keep, size_type n)> host;
  std::function<void(const key_columns& keys, const void* values, std::uint8_t* keep, size_type n, stream_view s)>
      device;
};
/// reduce: out[g - 1] = the fold by f of values[order[i]] over the positions i
/// with group[i] == g; groups are numbered from 1, ascending along the
/// positions.
struct reduce_kernel {
  std::function<void(const void* values, const std::int32_t* order, const std::int32_t* group, size_type n,
                     void* out)>
      host;
  std::function<void(const void* values, const std::int32_t* order, const std::int32_t* group, size_type n,
                     void* out, stream_view s)>
      device;
};

/// Where map and flat_map of whole records write their records: integer
/// keys, or string keys as (start, length) spans into the input batch's text,
/// and the values (std::int64_t, or double for keyed_double). Only the
/// columns of the output's record type are set. `bad_key` (map only) is set
/// to 1 where `f` returned a string key that is not part of its record.
struct record_outputs {
  std::int64_t* int_keys = nullptr;
  offset_type* starts = nullptr;
  length_type* lengths = nullptr;
  void* values = nullptr;
  std::uint8_t* bad_key = nullptr;
};

/// The record types that map and flat_map of whole records give: integers,
/// int_pair, word_pair, keyed_double, and strings (map to new strings only).
enum class out_shape { integer, int_pair, string_int, string_double, strings };

/// map of whole records: record i gives record i of `out`.
struct record_map_kernel {
  std::function<void(const key_columns& keys, const void* values, const record_outputs& out, size_type n)> host;
  std::function<void(const key_columns& keys, const void* values, const record_outputs& out, size_type n,
                     stream_view s)>
      device;
};

/// flat_map of whole records: the two passes of record_count_op and
/// record_emit_op (record i's outputs from offsets[i] of `out`).
struct record_flat_map_kernel {
  std::function<void(const key_columns& keys, const void* values, std::int64_t* counts, size_type n)> host_count;
  std::function<void(const key_columns& keys, const void* values, const std::int64_t* offsets,
                     const record_outputs& out, size_type n)>
      host_emit;
  std::function<void(const key_columns& keys, const void* values, std::int64_t* counts, size_type n,
                     stream_view s)>
      device_count;
  std::function<void(const key_columns& keys, const void* values, const std::int64_t* offsets,
                     const record_outputs& out, size_type n, stream_view s)>
      device_emit;
};

/// update_state_by_key with a general function: key k has the state
/// values[state_offsets[k], state_offsets[k + 1]) (none or one) and the new
/// values values[new_offsets[k], new_offsets[k + 1]); keep[k] and out[k] get
/// f's result.
struct state_kernel {
  std::function<void(const offset_type* state_offsets, const void* state_values, const offset_type* new_offsets,
                     const void* new_values, size_type keys, std::uint8_t* keep, void* out)>
      host;
  std::function<void(const offset_type* state_offsets, const void* state_values, const offset_type* new_offsets,
                     const void* new_values, size_type keys, std::uint8_t* keep, void* out, stream_view s)>
      device;
};

/// map_with_state(on_device(f)): the state and the batch cogrouped by key,
/// each side's rows as lists of row numbers. For key k: its state row (none
/// or one) and its batch rows in batch order; f runs for each batch row in
/// order (out_values[row]), then, for a key without data whose last data came
/// before `threshold` (when `timeouts`), once more timing out
/// (timeout_values[k], timed_out[k]); keep[k], new_values[k] and new_last[k]
/// are the key's state after the batch.
struct map_state_args {
  key_columns keys;
  const offset_type* state_offsets;
  const std::int64_t* state_rows;
  const offset_type* batch_offsets;
  const std::int64_t* batch_rows;
  const void* state_values;
  const std::int64_t* state_last;
  const void* batch_values;
  std::int64_t now;
  std::int64_t threshold;
  bool timeouts;
  void* out_values;
  void* timeout_values;
  std::uint8_t* timed_out;
  std::uint8_t* keep;
  void* new_values;
  std::int64_t* new_last;
  /// Set to 1 where f updated the state of a key timing out (null without timeouts).
  std::uint8_t* misuse;
};
struct map_state_kernel {
  std::function<void(const map_state_args& a, size_type keys)> host;
  std::function<void(const map_state_args& a, size_type keys, stream_view s)> device;
};

/// flat_map over strings: pass 1 sets counts[i] to the number of substrings
/// f emits for record i; pass 2 writes them from position offsets[i] of
/// starts/lengths (offsets: the exclusive scan of the counts).
struct flat_map_kernel {
  std::function<void(spans_device_view in, std::int64_t* counts)> host_count;
  std::function<void(spans_device_view in, const std::int64_t* offsets, offset_type* starts, length_type* lengths)>
      host_emit;
  std::function<void(spans_device_view in, std::int64_t* counts, stream_view s)> device_count;
  std::function<void(spans_device_view in, const std::int64_t* offsets, offset_type* starts, length_type* lengths,
                     stream_view s)>
      device_emit;
};

/// map(on_device(f)) to new strings: pass 1 sets sizes[i] to the bytes f
/// builds for record i; pass 2 writes them at chars + offsets[i], and record
/// i's value (where the result is a pair) at values[i].
struct string_map_kernel {
  std::function<void(const key_columns& keys, const void* values, std::int64_t* sizes, size_type n)> host_count;
  std::function<void(const key_columns& keys, const void* values, const std::int64_t* offsets, char* chars,
                     void* out_values, size_type n)>
      host_emit;
  std::function<void(const key_columns& keys, const void* values, std::int64_t* sizes, size_type n, stream_view s)>
      device_count;
  std::function<void(const key_columns& keys, const void* values, const std::int64_t* offsets, char* chars,
                     void* out_values, size_type n, stream_view s)>
      device_emit;
};

}  // namespace detail

/// What flat_map(on_device(f)) over strings hands `f` with each record:
/// `emit(start, length)` outputs the record's bytes [start, start + length)
/// as a new record (a view into the batch's text: no bytes are copied). A
/// substring that reaches outside the record is cut to it. `f` runs twice per
/// record, once to count and once to write, and must emit the same
/// substrings both times.
class substring_sink {
 public:
  GPUSTREAM_HOST_DEVICE substring_sink(offset_type base, length_type size, offset_type* starts, length_type* lengths)
      : base_{base}, size_{size}, starts_{starts}, lengths_{lengths} {}
  GPUSTREAM_HOST_DEVICE void operator()(length_type start, length_type length) {
    offset_type from = start < 0 ? 0 : (start > size_ ? size_ : start);
    offset_type to = static_cast<offset_type>(start) + (length < 0 ? 0 : length);
    to = to < from ? from : (to > size_ ? size_ : to);
    if (starts_ != nullptr) {
      starts_[count_] = base_ + from;
      lengths_[count_] = static_cast<length_type>(to - from);
    }
    ++count_;
  }
  GPUSTREAM_HOST_DEVICE std::int64_t count() const { return count_; }

 private:
  offset_type base_;
  length_type size_;
  offset_type* starts_;
  length_type* lengths_;
  std::int64_t count_ = 0;
};

/// What flat_map(on_device(f)) to integers hands `f` with each record:
/// `emit(x)` outputs the integer x as a record. `f` runs twice per record,
/// once to count and once to write, and must emit the same records both times.
class integer_sink {
 public:
  GPUSTREAM_HOST_DEVICE explicit integer_sink(std::int64_t* out) : out_{out} {}
  GPUSTREAM_HOST_DEVICE void operator()(std::int64_t x) {
    if (out_ != nullptr) out_[count_] = x;
    ++count_;
  }
  GPUSTREAM_HOST_DEVICE std::int64_t count() const { return count_; }

 private:
  std::int64_t* out_;
  std::int64_t count_ = 0;
};

/// The same for int_pair records: `emit(key, value)`.
class int_pair_sink {
 public:
  GPUSTREAM_HOST_DEVICE int_pair_sink(std::int64_t* keys, std::int64_t* values) : keys_{keys}, values_{values} {}
  GPUSTREAM_HOST_DEVICE void operator()(std::int64_t key, std::int64_t value) {
    if (keys_ != nullptr) {
      keys_[count_] = key;
      values_[count_] = value;
    }
    ++count_;
  }
  GPUSTREAM_HOST_DEVICE std::int64_t count() const { return count_; }

 private:
  std::int64_t* keys_;
  std::int64_t* values_;
  std::int64_t count_ = 0;
};

/// What flat_map(on_device(f)) to (string, value) pairs hands `f` with each
/// record: `emit(start, length, value)` outputs a pair whose key is the
/// record's bytes [start, start + length) (a view into the batch's text, cut
/// to the record as substring_sink cuts) and whose value is `value`.
/// word_pair_sink gives word_pair records, keyed_double_sink keyed_double.
/// `f` runs twice per record, once to count and once to write, and must emit
/// the same pairs both times.
template <class V>
class keyed_sink {
 public:
  GPUSTREAM_HOST_DEVICE keyed_sink(offset_type base, length_type size, offset_type* starts, length_type* lengths,
                                   V* values)
      : keys_{base, size, starts, lengths}, values_{values} {}
  GPUSTREAM_HOST_DEVICE void operator()(length_type start, length_type length, V value) {
    if (values_ != nullptr) values_[keys_.count()] = value;
    keys_(start, length);
  }
  GPUSTREAM_HOST_DEVICE std::int64_t count() const { return keys_.count(); }

 private:
  substring_sink keys_;
  V* values_;
};
using word_pair_sink = keyed_sink<std::int64_t>;
using keyed_double_sink = keyed_sink<double>;

/// What map(on_device(f)) to new strings hands `f` with each record: `f`
/// appends the bytes of the new string (a copy: any bytes, from the record or
/// not). `f` runs twice per record, once to measure and once to write, and
/// must build the same bytes both times.
class string_builder {
 public:
  GPUSTREAM_HOST_DEVICE explicit string_builder(char* out) : out_{out} {}
  GPUSTREAM_HOST_DEVICE void push_back(char c) {
    if (out_ != nullptr) out_[size_] = c;
    ++size_;
  }
  GPUSTREAM_HOST_DEVICE void append(const char* p, length_type n) {
    for (length_type i = 0; i < n; ++i) push_back(p[i]);
  }
  GPUSTREAM_HOST_DEVICE void append(string_ref s) { append(s.data, s.size); }
  /// Appends a NUL-terminated string (a literal).
  GPUSTREAM_HOST_DEVICE void append(const char* c_string) {
    while (*c_string != '\0') push_back(*c_string++);
  }
  /// Appends `x` in decimal.
  GPUSTREAM_HOST_DEVICE void append_integer(std::int64_t x) {
    char digits[20];
    int n = 0;
    // Negated digit by digit, so that the smallest integer prints too.
    const bool negative = x < 0;
    do {
      const std::int64_t q = x / 10;
      const auto d = static_cast<int>(x - q * 10);
      digits[n++] = static_cast<char>('0' + (d < 0 ? -d : d));
      x = q;
    } while (x != 0);
    if (negative) push_back('-');
    while (n > 0) push_back(digits[--n]);
  }
  /// The bytes appended so far.
  GPUSTREAM_HOST_DEVICE std::int64_t size() const { return size_; }

 private:
  char* out_;
  std::int64_t size_ = 0;
};

namespace detail {

/// flat_map's two passes over record i.
template <class F>
struct count_op {
  F f;
  spans_device_view in;
  GPUSTREAM_HOST_DEVICE std::int64_t operator()(size_type i) const {
    substring_sink sink{in.starts[i], in.lengths[i], nullptr, nullptr};
    f(in.element(i), sink);
    return sink.count();
  }
};
template <class F>
struct emit_op {
  F f;
  spans_device_view in;
  const std::int64_t* offsets;
  offset_type* starts;
  length_type* lengths;
  GPUSTREAM_HOST_DEVICE void operator()(size_type i) const {
    substring_sink sink{in.starts[i], in.lengths[i], starts + offsets[i], lengths + offsets[i]};
    f(in.element(i), sink);
  }
};

/// map_values' and map's functor: In -> Out.
template <class In, class Out, class F>
struct map_op {
  F f;
  GPUSTREAM_HOST_DEVICE Out operator()(In x) const { return static_cast<Out>(f(x)); }
};

/// A user's reduction over values of type V.
template <class V, class F>
struct fold_op {
  F f;
  GPUSTREAM_HOST_DEVICE V operator()(V a, V b) const { return static_cast<V>(f(a, b)); }
};

/// filter's test of record i of a batch of T (record type tag `Kind`):
/// strings pred(string_ref), integers pred(int64), (string, integer) pairs
/// pred(string_ref, int64), (string, double) pairs pred(string_ref, double),
/// integer pairs pred(int64, int64).
enum class filter_shape { string, integer, string_int, string_double, int_int };

/// `f` called on record i of a batch, by the shape of its records.
template <filter_shape Shape, class F>
GPUSTREAM_HOST_DEVICE decltype(auto) call_on_record(const F& f, const key_columns& keys, const void* values,
                                                    size_type i) {
  if constexpr (Shape == filter_shape::string) {
    return f(keys.strings.element(i));
  } else if constexpr (Shape == filter_shape::integer) {
    return f(static_cast<const std::int64_t*>(values)[i]);
  } else if constexpr (Shape == filter_shape::string_int) {
    return f(keys.strings.element(i), static_cast<const std::int64_t*>(values)[i]);
  } else if constexpr (Shape == filter_shape::string_double) {
    return f(keys.strings.element(i), static_cast<const double*>(values)[i]);
  } else {
    return f(keys.int_keys[i], static_cast<const std::int64_t*>(values)[i]);
  }
}

template <filter_shape Shape, class P>
struct keep_op {
  P pred;
  key_columns keys;
  const void* values;
  GPUSTREAM_HOST_DEVICE std::uint8_t operator()(size_type i) const {
    const bool keep = call_on_record<Shape>(pred, keys, values, i);
    return keep ? 1 : 0;
  }
};

/// `f` called on record i of a batch, by the shape of its records, with `sink` last.
template <filter_shape Shape, class F, class Sink>
GPUSTREAM_HOST_DEVICE decltype(auto) call_with_sink(const F& f, const key_columns& keys, const void* values,
                                                    size_type i, Sink& sink) {
  if constexpr (Shape == filter_shape::string) {
    return f(keys.strings.element(i), sink);
  } else if constexpr (Shape == filter_shape::integer) {
    return f(static_cast<const std::int64_t*>(values)[i], sink);
  } else if constexpr (Shape == filter_shape::string_int) {
    return f(keys.strings.element(i), static_cast<const std::int64_t*>(values)[i], sink);
  } else if constexpr (Shape == filter_shape::string_double) {
    return f(keys.strings.element(i), static_cast<const double*>(values)[i], sink);
  } else {
    return f(keys.int_keys[i], static_cast<const std::int64_t*>(values)[i], sink);
  }
}

/// The sink that flat_map(on_device(f)) to records of shape `Out` hands `f`.
template <out_shape Out>
struct sink_of;
template <>
struct sink_of<out_shape::integer> {
  using type = integer_sink;
};
template <>
struct sink_of<out_shape::int_pair> {
  using type = int_pair_sink;
};
template <>
struct sink_of<out_shape::string_int> {
  using type = word_pair_sink;
};
template <>
struct sink_of<out_shape::string_double> {
  using type = keyed_double_sink;
};

/// The sink for record i: counting only where `out` is null, else writing
/// from position `at` of `out`.
template <out_shape Out>
GPUSTREAM_HOST_DEVICE typename sink_of<Out>::type sink_for(const key_columns& keys, size_type i,
                                                           const record_outputs* out, std::int64_t at) {
  if constexpr (Out == out_shape::integer) {
    return integer_sink{out != nullptr ? static_cast<std::int64_t*>(out->values) + at : nullptr};
  } else if constexpr (Out == out_shape::int_pair) {
    if (out == nullptr) return int_pair_sink{nullptr, nullptr};
    return int_pair_sink{out->int_keys + at, static_cast<std::int64_t*>(out->values) + at};
  } else {
    using V = std::conditional_t<Out == out_shape::string_double, double, std::int64_t>;
    const offset_type base = keys.strings.starts[i];
    const length_type size = keys.strings.lengths[i];
    if (out == nullptr) return keyed_sink<V>{base, size, nullptr, nullptr, nullptr};
    return keyed_sink<V>{base, size, out->starts + at, out->lengths + at, static_cast<V*>(out->values) + at};
  }
}

/// flat_map(on_device(f)) to records of shape `Out`: pass 1 counts record
/// i's outputs, pass 2 writes them from offsets[i].
template <filter_shape Shape, out_shape Out, class F>
struct record_count_op {
  F f;
  key_columns keys;
  const void* values;
  GPUSTREAM_HOST_DEVICE std::int64_t operator()(size_type i) const {
    auto sink = sink_for<Out>(keys, i, nullptr, 0);
    call_with_sink<Shape>(f, keys, values, i, sink);
    return sink.count();
  }
};
template <filter_shape Shape, out_shape Out, class F>
struct record_emit_op {
  F f;
  key_columns keys;
  const void* values;
  const std::int64_t* offsets;
  record_outputs out;
  GPUSTREAM_HOST_DEVICE void operator()(size_type i) const {
    auto sink = sink_for<Out>(keys, i, &out, offsets[i]);
    call_with_sink<Shape>(f, keys, values, i, sink);
  }
};

/// map(on_device(f))'s write of record i: an integer, a pair of them, or a
/// (string, value) pair whose key must lie within the record (a string key
/// outside it is written empty and sets out.bad_key).
template <filter_shape Shape, out_shape Out, class F>
struct record_map_op {
  F f;
  key_columns keys;
  const void* values;
  record_outputs out;
  GPUSTREAM_HOST_DEVICE void operator()(size_type i) const {
    const auto r = call_on_record<Shape>(f, keys, values, i);
    if constexpr (Out == out_shape::integer) {
      static_cast<std::int64_t*>(out.values)[i] = static_cast<std::int64_t>(r);
    } else if constexpr (Out == out_shape::int_pair) {
      out.int_keys[i] = static_cast<std::int64_t>(r.first);
      static_cast<std::int64_t*>(out.values)[i] = static_cast<std::int64_t>(r.second);
    } else {
      using V = std::conditional_t<Out == out_shape::string_double, double, std::int64_t>;
      const string_ref record = keys.strings.element(i);
      const string_ref key = r.first;
      offset_type start = keys.strings.starts[i];
      length_type length = 0;
      if (key.size != 0) {
        // Compared as addresses: the key may point anywhere.
        const auto from = reinterpret_cast<std::uintptr_t>(record.data);
        const auto at = reinterpret_cast<std::uintptr_t>(key.data);
        if (key.size > 0 && at >= from && key.size <= record.size &&
            at - from <= static_cast<std::uintptr_t>(record.size - key.size)) {
          start += static_cast<offset_type>(at - from);
          length = key.size;
        } else {
          *out.bad_key = 1;
        }
      }
      out.starts[i] = start;
      out.lengths[i] = length;
      static_cast<V*>(out.values)[i] = static_cast<V>(r.second);
    }
  }
};

/// map(on_device(f)) to new strings: pass 1 measures record i's string,
/// pass 2 writes it, and f's result as the value of a (string, value) pair
/// unless `Out` is strings (then f returns nothing).
template <filter_shape Shape, class F>
struct string_count_op {
  F f;
  key_columns keys;
  const void* values;
  GPUSTREAM_HOST_DEVICE std::int64_t operator()(size_type i) const {
    string_builder b{nullptr};
    call_with_sink<Shape>(f, keys, values, i, b);
    return b.size();
  }
};
template <filter_shape Shape, out_shape Out, class F>
struct string_emit_op {
  F f;
  key_columns keys;
  const void* values;
  const std::int64_t* offsets;
  char* chars;
  void* out_values;
  GPUSTREAM_HOST_DEVICE void operator()(size_type i) const {
    string_builder b{chars + offsets[i]};
    if constexpr (Out == out_shape::string_double) {
      static_cast<double*>(out_values)[i] = static_cast<double>(call_with_sink<Shape>(f, keys, values, i, b));
    } else if constexpr (Out == out_shape::string_int) {
      static_cast<std::int64_t*>(out_values)[i] =
          static_cast<std::int64_t>(call_with_sink<Shape>(f, keys, values, i, b));
    } else {
      call_with_sink<Shape>(f, keys, values, i, b);
    }
  }
};

/// update_state_by_key(on_device(f))'s call of `f` for key k: values of
/// type V, state of type S.
template <class S, class V, class F>
struct state_op {
  F f;
  const offset_type* state_offsets;
  const S* state_values;
  const offset_type* new_offsets;
  const V* new_values;
  std::uint8_t* keep;
  S* out;
  GPUSTREAM_HOST_DEVICE void operator()(size_type k) const {
    device_optional<S> previous{};
    if (state_offsets[k + 1] > state_offsets[k]) previous = device_optional<S>{true, state_values[state_offsets[k]]};
    const device_span<V> values{new_values + new_offsets[k],
                                static_cast<size_type>(new_offsets[k + 1] - new_offsets[k])};
    const device_optional<S> next = f(values, previous);
    keep[k] = next.present ? 1 : 0;
    out[k] = next.present ? next.value : S{};
  }
};

/// map_with_state(on_device(f))'s calls for key k: f(key, value, state) ->
/// U, keys string_ref (`StringKeys`) or std::int64_t.
template <bool StringKeys, class V, class U, class F>
struct map_state_op {
  F f;
  map_state_args a;
  GPUSTREAM_HOST_DEVICE void operator()(size_type k) const {
    const std::int64_t* state_last = a.state_last;
    const V* state_values = static_cast<const V*>(a.state_values);
    const V* batch_values = static_cast<const V*>(a.batch_values);
    U* out = static_cast<U*>(a.out_values);
    bool exists = a.state_offsets[k + 1] > a.state_offsets[k];
    const std::int64_t state_row = exists ? a.state_rows[a.state_offsets[k]] : 0;
    V value = exists ? state_values[state_row] : V{};
    std::int64_t last = exists ? state_last[state_row] : 0;
    const offset_type first = a.batch_offsets[k];
    const offset_type end = a.batch_offsets[k + 1];
    for (offset_type i = first; i < end; ++i) {
      const std::int64_t row = a.batch_rows[i];
      device_state<V> st{exists, value, false};
      if constexpr (StringKeys) {
        out[row] = static_cast<U>(f(a.keys.strings.element(k), device_optional<V>{true, batch_values[row]}, st));
      } else {
        out[row] = static_cast<U>(f(a.keys.int_keys[k], device_optional<V>{true, batch_values[row]}, st));
      }
      exists = st.exists();
      value = st.get();
      if (exists) last = a.now;  // data refreshes the key's idle time
    }
    a.timed_out[k] = 0;
    if (a.timeouts && first == end && exists && last < a.threshold) {
      device_state<V> st{true, value, true};
      U* timeout_out = static_cast<U*>(a.timeout_values);
      if constexpr (StringKeys) {
        timeout_out[k] = static_cast<U>(f(a.keys.strings.element(k), device_optional<V>{}, st));
      } else {
        timeout_out[k] = static_cast<U>(f(a.keys.int_keys[k], device_optional<V>{}, st));
      }
      a.timed_out[k] = 1;
      if (st.updated_while_timing_out() && a.misuse != nullptr) *a.misuse = 1;
      exists = false;
    }
    a.keep[k] = exists ? 1 : 0;
    static_cast<V*>(a.new_values)[k] = value;
    a.new_last[k] = last;
  }
};

/// Whether R is a pair of two integers (members `first` and `second`).
template <class R, class = void>
struct is_integer_pair : std::false_type {};
template <class R>
struct is_integer_pair<R, std::void_t<decltype(std::declval<R>().first), decltype(std::declval<R>().second)>>
    : std::bool_constant<std::is_integral_v<std::decay_t<decltype(std::declval<R>().first)>> &&
                         std::is_integral_v<std::decay_t<decltype(std::declval<R>().second)>>> {};

/// Whether R is a (string_ref, number) pair: map(on_device(f)) to word_pair
/// (integer second) or keyed_double (floating-point second).
template <class R, class = void>
struct is_string_keyed_pair : std::false_type {};
template <class R>
struct is_string_keyed_pair<R, std::void_t<decltype(std::declval<R>().first), decltype(std::declval<R>().second)>>
    : std::bool_constant<std::is_same_v<std::decay_t<decltype(std::declval<R>().first)>, string_ref> &&
                         std::is_arithmetic_v<std::decay_t<decltype(std::declval<R>().second)>>> {};

#if defined(__CUDACC__)
/// Thrust's temporary storage from the stream-ordered device pool: no
/// cudaMalloc per batch.
class device_allocator {
 public:
  using value_type = char;
  explicit device_allocator(stream_view s) : mr_{default_resource(backend::cuda)}, s_{s} {}
  char* allocate(std::ptrdiff_t n) { return static_cast<char*>(mr_->allocate(static_cast<std::size_t>(n), s_)); }
  void deallocate(char* p, std::size_t n) { mr_->deallocate(p, n, s_); }

 private:
  memory_resource* mr_;
  stream_view s_;
};

inline auto device_policy(stream_view s) { return thrust::cuda::par_nosync(device_allocator{s}).on(s.handle()); }

/// Runs `launch` (Thrust calls), turning a failed launch or allocation into
/// gpustream::cuda_error.
template <class Launch>
void on_stream(const char* what, Launch&& launch) {
  try {
    launch();
  } catch (const thrust::system_error& e) {
    throw cuda_error{std::string{what} + ": " + e.what()};
  }
}
#endif

template <class In, class Out, class F>
std::shared_ptr<const map_kernel> make_map_kernel(F f) {
  auto k = std::make_shared<map_kernel>();
  const map_op<In, Out, F> op{std::move(f)};
  k->host = [op](const void* in, void* out, size_type n) {
    const auto* x = static_cast<const In*>(in);
    auto* y = static_cast<Out*>(out);
    for (size_type i = 0; i < n; ++i) y[i] = op(x[i]);
  };
#if defined(__CUDACC__)
  k->device = [op](const void* in, void* out, size_type n, stream_view s) {
    const auto* x = static_cast<const In*>(in);
    auto* y = static_cast<Out*>(out);
    on_stream("map", [&] { thrust::transform(device_policy(s), x, x + n, y, op); });
  };
#endif
  return k;
}

template <filter_shape Shape, class P>
std::shared_ptr<const filter_kernel> make_filter_kernel(P pred) {
  auto k = std::make_shared<filter_kernel>();
  k->host = [pred](const key_columns& keys, const void* values, std::uint8_t* keep, size_type n) {
    const keep_op<Shape, P> op{pred, keys, values};
    for (size_type i = 0; i < n; ++i) keep[i] = op(i);
  };
#if defined(__CUDACC__)
  k->device = [pred](const key_columns& keys, const void* values, std::uint8_t* keep, size_type n,
                     stream_view s) {
    const keep_op<Shape, P> op{pred, keys, values};
    thrust::counting_iterator<size_type> first(0);
    on_stream("filter", [&] { thrust::transform(device_policy(s), first, first + n, keep, op); });
  };
#endif
  return k;
}

template <filter_shape Shape, out_shape Out, class F>
std::shared_ptr<const record_map_kernel> make_record_map_kernel(F f) {
  auto k = std::make_shared<record_map_kernel>();
  k->host = [f](const key_columns& keys, const void* values, const record_outputs& out, size_type n) {
    const record_map_op<Shape, Out, F> op{f, keys, values, out};
    for (size_type i = 0; i < n; ++i) op(i);
  };
#if defined(__CUDACC__)
  k->device = [f](const key_columns& keys, const void* values, const record_outputs& out, size_type n,
                  stream_view s) {
    thrust::counting_iterator<size_type> first(0);
    on_stream("map", [&] {
      thrust::for_each(device_policy(s), first, first + n, record_map_op<Shape, Out, F>{f, keys, values, out});
    });
  };
#endif
  return k;
}

template <filter_shape Shape, out_shape Out, class F>
std::shared_ptr<const record_flat_map_kernel> make_record_flat_map_kernel(F f) {
  auto k = std::make_shared<record_flat_map_kernel>();
  k->host_count = [f](const key_columns& keys, const void* values, std::int64_t* counts, size_type n) {
    const record_count_op<Shape, Out, F> op{f, keys, values};
    for (size_type i = 0; i < n; ++i) counts[i] = op(i);
  };
  k->host_emit = [f](const key_columns& keys, const void* values, const std::int64_t* offsets,
                     const record_outputs& out, size_type n) {
    const record_emit_op<Shape, Out, F> op{f, keys, values, offsets, out};
    for (size_type i = 0; i < n; ++i) op(i);
  };
#if defined(__CUDACC__)
  k->device_count = [f](const key_columns& keys, const void* values, std::int64_t* counts, size_type n,
                        stream_view s) {
    thrust::counting_iterator<size_type> first(0);
    on_stream("flat_map", [&] {
      thrust::transform(device_policy(s), first, first + n, counts, record_count_op<Shape, Out, F>{f, keys, values});
    });
  };
  k->device_emit = [f](const key_columns& keys, const void* values, const std::int64_t* offsets,
                       const record_outputs& out, size_type n, stream_view s) {
    thrust::counting_iterator<size_type> first(0);
    on_stream("flat_map", [&] {
      thrust::for_each(device_policy(s), first, first + n,
                       record_emit_op<Shape, Out, F>{f, keys, values, offsets, out});
    });
  };
#endif
  return k;
}

template <filter_shape Shape, out_shape Out, class F>
std::shared_ptr<const string_map_kernel> make_string_map_kernel(F f) {
  auto k = std::make_shared<string_map_kernel>();
  k->host_count = [f](const key_columns& keys, const void* values, std::int64_t* sizes, size_type n) {
    const string_count_op<Shape, F> op{f, keys, values};
    for (size_type i = 0; i < n; ++i) sizes[i] = op(i);
  };
  k->host_emit = [f](const key_columns& keys, const void* values, const std::int64_t* offsets, char* chars,
                     void* out_values, size_type n) {
    const string_emit_op<Shape, Out, F> op{f, keys, values, offsets, chars, out_values};
    for (size_type i = 0; i < n; ++i) op(i);
  };
#if defined(__CUDACC__)
  k->device_count = [f](const key_columns& keys, const void* values, std::int64_t* sizes, size_type n,
                        stream_view s) {
    thrust::counting_iterator<size_type> first(0);
    on_stream("map", [&] {
      thrust::transform(device_policy(s), first, first + n, sizes, string_count_op<Shape, F>{f, keys, values});
    });
  };
  k->device_emit = [f](const key_columns& keys, const void* values, const std::int64_t* offsets, char* chars,
                       void* out_values, size_type n, stream_view s) {
    thrust::counting_iterator<size_type> first(0);
    on_stream("map", [&] {
      thrust::for_each(device_policy(s), first, first + n,
                       string_emit_op<Shape, Out, F>{f, keys, values, offsets, chars, out_values});
    });
  };
#endif
  return k;
}

template <class S, class V, class F>
std::shared_ptr<const state_kernel> make_state_kernel(F f) {
  auto k = std::make_shared<state_kernel>();
  k->host = [f](const offset_type* so, const void* sv, const offset_type* no, const void* nv, size_type keys,
                std::uint8_t* keep, void* out) {
    const state_op<S, V, F> op{f, so, static_cast<const S*>(sv), no, static_cast<const V*>(nv),
                               keep, static_cast<S*>(out)};
    for (size_type i = 0; i < keys; ++i) op(i);
  };
#if defined(__CUDACC__)
  k->device = [f](const offset_type* so, const void* sv, const offset_type* no, const void* nv, size_type keys,
                  std::uint8_t* keep, void* out, stream_view s) {
    thrust::counting_iterator<size_type> first(0);
    on_stream("update_state_by_key", [&] {
      thrust::for_each(device_policy(s), first, first + keys,
                       state_op<S, V, F>{f, so, static_cast<const S*>(sv), no, static_cast<const V*>(nv), keep,
                                         static_cast<S*>(out)});
    });
  };
#endif
  return k;
}

template <bool StringKeys, class V, class U, class F>
std::shared_ptr<const map_state_kernel> make_map_state_kernel(F f) {
  auto k = std::make_shared<map_state_kernel>();
  k->host = [f](const map_state_args& a, size_type keys) {
    const map_state_op<StringKeys, V, U, F> op{f, a};
    for (size_type i = 0; i < keys; ++i) op(i);
  };
#if defined(__CUDACC__)
  k->device = [f](const map_state_args& a, size_type keys, stream_view s) {
    thrust::counting_iterator<size_type> first(0);
    on_stream("map_with_state", [&] {
      thrust::for_each(device_policy(s), first, first + keys, map_state_op<StringKeys, V, U, F>{f, a});
    });
  };
#endif
  return k;
}

template <class F>
std::shared_ptr<const flat_map_kernel> make_flat_map_kernel(F f) {
  auto k = std::make_shared<flat_map_kernel>();
  k->host_count = [f](spans_device_view in, std::int64_t* counts) {
    const count_op<F> op{f, in};
    for (size_type i = 0; i < in.size; ++i) counts[i] = op(i);
  };
  k->host_emit = [f](spans_device_view in, const std::int64_t* offsets, offset_type* starts, length_type* lengths) {
    const emit_op<F> op{f, in, offsets, starts, lengths};
    for (size_type i = 0; i < in.size; ++i) op(i);
  };
#if defined(__CUDACC__)
  k->device_count = [f](spans_device_view in, std::int64_t* counts, stream_view s) {
    thrust::counting_iterator<size_type> first(0);
    on_stream("flat_map", [&] {
      thrust::transform(device_policy(s), first, first + in.size, counts, count_op<F>{f, in});
    });
  };
  k->device_emit = [f](spans_device_view in, const std::int64_t* offsets, offset_type* starts, length_type* lengths,
                       stream_view s) {
    thrust::counting_iterator<size_type> first(0);
    on_stream("flat_map", [&] {
      thrust::for_each(device_policy(s), first, first + in.size, emit_op<F>{f, in, offsets, starts, lengths});
    });
  };
#endif
  return k;
}

template <class V, class F>
std::shared_ptr<const reduce_kernel> make_reduce_kernel(F f) {
  auto k = std::make_shared<reduce_kernel>();
  const fold_op<V, F> op{std::move(f)};
  k->host = [op](const void* values, const std::int32_t* order, const std::int32_t* group, size_type n, void* out) {
    const auto* x = static_cast<const V*>(values);
    auto* y = static_cast<V*>(out);
    for (size_type i = 0; i < n; ++i) {
      V& acc = y[group[i] - 1];
      acc = (i == 0 || group[i] != group[i - 1]) ? x[order[i]] : op(acc, x[order[i]]);
    }
  };
#if defined(__CUDACC__)
  k->device = [op](const void* values, const std::int32_t* order, const std::int32_t* group, size_type n,
                   void* out, stream_view s) {
    auto x = thrust::make_permutation_iterator(static_cast<const V*>(values), order);
    on_stream("reduce", [&] {
      thrust::reduce_by_key(device_policy(s), group, group + n, x, thrust::make_discard_iterator(),
                            static_cast<V*>(out), thrust::equal_to<std::int32_t>{}, op);
    });
  };
#endif
  return k;
}

}  // namespace detail
}  // namespace gpustream
