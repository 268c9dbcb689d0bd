// Nodes that run a user's device_function: map_values and map (of values,
// and of whole records to integers or pairs), flat_map over strings and of
// whole records,
// filter, update_state_by_key with a general function, map_with_state, and
// reduce_with (the reduction behind reduce_by_key(on_device(op)) and the
// windows and state built on it). The kernels come from the caller's
// translation unit; here they get the batch's columns, or host copies of them
// where the caller was not compiled by nvcc and the backend is CUDA.

#include "context_impl.hpp"
#include "graph.hpp"

#include <gpustream/column/concatenate.hpp>
#include <gpustream/column/convert.hpp>
#include <gpustream/column/rows.hpp>
#include <gpustream/core/error.hpp>
#include <gpustream/join/join.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace gpustream::detail {
namespace {

// Values are 64-bit integers or doubles: staging moves 8 bytes per value.
static_assert(sizeof(double) == sizeof(std::int64_t), "values are 8 bytes");
using value_word = std::int64_t;

bool has_string_keys(record_kind k);

template <class T>
std::vector<T> host_copy(const T* p, size_type n, stream_view s) {
  std::vector<T> h(static_cast<std::size_t>(n));
  if (n > 0) copy_bytes(h.data(), p, h.size() * sizeof(T), s);
  s.synchronize();
  return h;
}

template <class T>
void upload_into(void* dst, const std::vector<T>& h, stream_view s) {
  if (!h.empty()) copy_bytes(dst, h.data(), h.size() * sizeof(T), s);
  s.synchronize();
}

void run_map(const map_kernel& k, const void* in, void* out, size_type n, stream_view s) {
  if (n == 0) return;
  if (!s.is_cuda()) return k.host(in, out, n);
  if (k.device) return k.device(in, out, n, s);
  const auto x = host_copy(static_cast<const value_word*>(in), n, s);
  std::vector<value_word> y(x.size());
  k.host(x.data(), y.data(), n);
  upload_into(out, y, s);
}

/// A batch's keys and values copied to the host, for a functor that runs there
/// on the CUDA backend.
struct staged_records {
  std::vector<char> chars;
  std::vector<offset_type> starts;
  std::vector<length_type> lengths;
  std::vector<std::int64_t> int_keys;
  std::vector<value_word> values;
  key_columns keys;

  staged_records(const key_columns& k, size_type chars_size, const void* v, size_type n, stream_view s) {
    if (k.strings.starts != nullptr) {
      chars = host_copy(k.strings.chars, chars_size, s);
      starts = host_copy(k.strings.starts, n, s);
      lengths = host_copy(k.strings.lengths, n, s);
      keys.strings = spans_device_view{chars.data(), starts.data(), lengths.data(), n};
    }
    if (k.int_keys != nullptr) {
      int_keys = host_copy(k.int_keys, n, s);
      keys.int_keys = int_keys.data();
    }
    if (v != nullptr) values = host_copy(static_cast<const value_word*>(v), n, s);
  }
  const void* value_data() const { return values.empty() ? nullptr : values.data(); }
};

void run_filter(const filter_kernel& k, const key_columns& keys, size_type chars_size,
                const void* values, std::uint8_t* keep, size_type n, stream_view s) {
  if (n == 0) return;
  if (!s.is_cuda()) return k.host(keys, values, keep, n);
  if (k.device) return k.device(keys, values, keep, n, s);
  const staged_records h{keys, chars_size, values, n, s};
  std::vector<std::uint8_t> flags(static_cast<std::size_t>(n));
  k.host(h.keys, h.value_data(), flags.data(), n);
  upload_into(keep, flags, s);
}

/// The columns that map and flat_map of whole records write, for `n`
/// records of `kind` (integers, int_pairs, pairs or keyed_doubles), in
/// backend memory.
struct record_columns {
  record_kind kind;
  array<std::int64_t> int_keys;
  array<offset_type> starts;
  array<length_type> lengths;
  array<std::int64_t> values;
  array<double> doubles;

  record_columns(record_kind k, size_type n, stream_view s)
      : kind{k},
        int_keys{k == record_kind::int_pairs ? n : 0, s},
        starts{has_string_keys(k) ? n : 0, s},
        lengths{has_string_keys(k) ? n : 0, s},
        values{k == record_kind::keyed_doubles ? 0 : n, s},
        doubles{k == record_kind::keyed_doubles ? n : 0, s} {}

  record_outputs targets() {
    record_outputs out;
    if (kind == record_kind::int_pairs) out.int_keys = int_keys.data();
    if (has_string_keys(kind)) {
      out.starts = starts.data();
      out.lengths = lengths.data();
    }
    out.values = kind == record_kind::keyed_doubles ? static_cast<void*>(doubles.data()) : values.data();
    return out;
  }

  /// Makes them `out`'s records; string keys are spans into `in`'s text,
  /// which `out` keeps alive.
  void install(const batch_data& in, batch_data& out) && {
    if (kind == record_kind::int_pairs) out.int_keys = out.own(std::move(int_keys)).view();
    if (has_string_keys(kind)) {
      out.strings = out.own(string_spans{in.strings.chars(), in.strings.chars_size(), std::move(starts),
                                         std::move(lengths)})
                        .view();
    } else {
      out.strings = out.own(string_spans{}).view();
    }
    if (kind == record_kind::keyed_doubles) {
      out.doubles = out.own(std::move(doubles)).view();
    } else {
      out.values = out.own(std::move(values)).view();
    }
  }
};

/// The same columns in host memory, where the functor runs on the host and
/// the backend is CUDA.
struct host_record_columns {
  std::vector<std::int64_t> int_keys;
  std::vector<offset_type> starts;
  std::vector<length_type> lengths;
  std::vector<value_word> values;

  host_record_columns(record_kind k, size_type n)
      : int_keys(k == record_kind::int_pairs ? static_cast<std::size_t>(n) : 0),
        starts(has_string_keys(k) ? static_cast<std::size_t>(n) : 0),
        lengths(has_string_keys(k) ? static_cast<std::size_t>(n) : 0),
        values(static_cast<std::size_t>(n)) {}

  record_outputs targets() {
    record_outputs out;
    if (!int_keys.empty()) out.int_keys = int_keys.data();
    if (!starts.empty()) {
      out.starts = starts.data();
      out.lengths = lengths.data();
    }
    out.values = values.data();
    return out;
  }

  void upload(record_columns& d, stream_view s) const {
    upload_into(d.int_keys.data(), int_keys, s);
    upload_into(d.starts.data(), starts, s);
    upload_into(d.lengths.data(), lengths, s);
    upload_into(d.kind == record_kind::keyed_doubles ? static_cast<void*>(d.doubles.data()) : d.values.data(),
                values, s);
  }
};

/// map(on_device(f)) of whole records into `d`: on the backend, or staged
/// through host memory. Throws where `f` gave a string key outside its record.
void run_record_map(const record_map_kernel& k, const key_columns& keys, size_type chars_size, const void* values,
                    record_columns& d, size_type n, stream_view s) {
  if (n == 0) return;
  std::uint8_t bad_key = 0;
  if (!s.is_cuda()) {
    record_outputs out = d.targets();
    out.bad_key = &bad_key;
    k.host(keys, values, out, n);
  } else if (k.device) {
    // The flag is read back (a synchronization) only where keys are strings.
    const bool strings = has_string_keys(d.kind);
    array<std::uint8_t> flag{strings ? 1 : 0, s};
    if (strings) fill_bytes(flag.data(), 0, 1, s);
    record_outputs out = d.targets();
    out.bad_key = flag.data();
    k.device(keys, values, out, n, s);
    if (strings) bad_key = host_copy(flag.data(), 1, s).front();
  } else {
    const staged_records h{keys, chars_size, values, n, s};
    host_record_columns staged{d.kind, n};
    record_outputs out = staged.targets();
    out.bad_key = &bad_key;
    k.host(h.keys, h.value_data(), out, n);
    staged.upload(d, s);
  }
  GPUSTREAM_EXPECTS(bad_key == 0,
                    "map(on_device(f)): f returned a string key that is not a part of its record (keys must be "
                    "views into the record's bytes, or empty)");
}

void run_reduce(const reduce_kernel& k, const void* values, const row_groups& g, size_type n, void* out,
                stream_view s) {
  if (n == 0) return;
  if (!s.is_cuda()) return k.host(values, g.order.data(), g.group.data(), n, out);
  if (k.device) return k.device(values, g.order.data(), g.group.data(), n, out, s);
  const auto x = host_copy(static_cast<const value_word*>(values), n, s);
  const auto order = host_copy(g.order.data(), n, s);
  const auto group = host_copy(g.group.data(), n, s);
  std::vector<value_word> y(static_cast<std::size_t>(g.groups));
  k.host(x.data(), order.data(), group.data(), n, y.data());
  upload_into(out, y, s);
}

void run_state(const state_kernel& k, const offset_type* state_offsets, const void* state_values,
               const offset_type* new_offsets, const void* new_values, size_type keys, std::uint8_t* keep, void* out,
               stream_view s) {
  if (keys == 0) return;
  if (!s.is_cuda()) return k.host(state_offsets, state_values, new_offsets, new_values, keys, keep, out);
  if (k.device) return k.device(state_offsets, state_values, new_offsets, new_values, keys, keep, out, s);
  const auto so = host_copy(state_offsets, keys + 1, s);
  const auto no = host_copy(new_offsets, keys + 1, s);
  const auto sv = host_copy(static_cast<const value_word*>(state_values), so.back(), s);
  const auto nv = host_copy(static_cast<const value_word*>(new_values), no.back(), s);
  std::vector<std::uint8_t> flags(static_cast<std::size_t>(keys));
  std::vector<value_word> next(static_cast<std::size_t>(keys));
  k.host(so.data(), sv.data(), no.data(), nv.data(), keys, flags.data(), next.data());
  upload_into(keep, flags, s);
  upload_into(out, next, s);
}

/// map_with_state's kernel over backend memory, or over host copies where f
/// runs on the host and the backend is CUDA. `m0` state rows, `n` batch rows,
/// `m` keys; `chars_size`: the bytes under string keys.
void run_map_state(const map_state_kernel& k, const map_state_args& a, size_type m, size_type m0, size_type n,
                   size_type chars_size, stream_view s) {
  if (m == 0) return;
  if (!s.is_cuda()) return k.host(a, m);
  if (k.device) return k.device(a, m, s);
  std::vector<std::uint8_t> misuse(a.misuse != nullptr ? 1 : 0, 0);
  const staged_records keys{a.keys, chars_size, nullptr, m, s};
  const auto state_offsets = host_copy(a.state_offsets, m + 1, s);
  const auto batch_offsets = host_copy(a.batch_offsets, m + 1, s);
  const auto state_rows = host_copy(a.state_rows, m0, s);
  const auto batch_rows = host_copy(a.batch_rows, n, s);
  const auto state_values = host_copy(static_cast<const value_word*>(a.state_values), m0, s);
  const auto state_last = host_copy(a.state_last, m0, s);
  const auto batch_values = host_copy(static_cast<const value_word*>(a.batch_values), n, s);
  std::vector<value_word> out(static_cast<std::size_t>(n));
  std::vector<value_word> timeout_values(static_cast<std::size_t>(m));
  std::vector<std::uint8_t> timed_out(static_cast<std::size_t>(m));
  std::vector<std::uint8_t> keep(static_cast<std::size_t>(m));
  std::vector<value_word> new_values(static_cast<std::size_t>(m));
  std::vector<std::int64_t> new_last(static_cast<std::size_t>(m));
  map_state_args h = a;
  h.keys = keys.keys;
  h.state_offsets = state_offsets.data();
  h.batch_offsets = batch_offsets.data();
  h.state_rows = state_rows.data();
  h.batch_rows = batch_rows.data();
  h.state_values = state_values.data();
  h.state_last = state_last.data();
  h.batch_values = batch_values.data();
  h.out_values = out.data();
  h.timeout_values = timeout_values.data();
  h.timed_out = timed_out.data();
  h.keep = keep.data();
  h.new_values = new_values.data();
  h.new_last = new_last.data();
  h.misuse = misuse.empty() ? nullptr : misuse.data();
  k.host(h, m);
  if (a.misuse != nullptr) upload_into(a.misuse, misuse, s);
  upload_into(a.out_values, out, s);
  upload_into(a.timeout_values, timeout_values, s);
  upload_into(a.timed_out, timed_out, s);
  upload_into(a.keep, keep, s);
  upload_into(a.new_values, new_values, s);
  upload_into(a.new_last, new_last, s);
}

bool has_string_keys(record_kind k) {
  return k == record_kind::strings || k == record_kind::pairs || k == record_kind::keyed_doubles;
}

/// The value column of a batch of pairs or integers (doubles for keyed doubles).
const void* values_of(const batch_data& b) {
  if (b.kind == record_kind::keyed_doubles) return b.doubles.data();
  if (b.kind == record_kind::strings) return nullptr;
  return b.values.data();
}

/// The keys of a batch of strings, integers or pairs as kernels see them.
key_columns keys_of(const batch_data& b) {
  key_columns keys;
  if (has_string_keys(b.kind)) keys.strings = b.strings.device_view();
  if (b.kind == record_kind::int_pairs) keys.int_keys = b.int_keys.data();
  return keys;
}

/// Sets `out`'s keys to those at `rows`: strings copied into a column of
/// their own (so that `out` keeps no buffer of their batch), or integers.
void set_keys_at(batch_data& out, string_spans_view strings, array_view<row_index> rows, stream_view s) {
  const string_spans picked = gather(strings, rows, s);
  const string_column& keys = out.own(concatenate(std::vector<string_spans_view>{picked.view()}, s));
  out.strings = out.own(spans_of(keys.view(), s)).view();
}
void set_keys_at(batch_data& out, array_view<std::int64_t> int_keys, array_view<row_index> rows, stream_view s) {
  out.int_keys = out.own(gather(int_keys, rows, s)).view();
  out.strings = out.own(string_spans{}).view();
}

/// Sets `out`'s values (`doubles` for doubles) to those at `rows`.
template <class V>
void set_values_at(batch_data& out, array_view<V> values, array_view<row_index> rows, stream_view s) {
  if constexpr (std::is_same_v<V, double>) {
    out.doubles = out.own(gather(values, rows, s)).view();
  } else {
    out.values = out.own(gather(values, rows, s)).view();
  }
}

/// The two passes of a flat_map kernel over backend memory: on the CUDA
/// backend its kernels, on the CPU backend its host loops.
void flat_map_count(const flat_map_kernel& k, spans_device_view in, std::int64_t* counts, stream_view s) {
  if (s.is_cuda()) return k.device_count(in, counts, s);
  k.host_count(in, counts);
}
void flat_map_emit(const flat_map_kernel& k, spans_device_view in, const std::int64_t* offsets, offset_type* starts,
                   length_type* lengths, stream_view s) {
  if (s.is_cuda()) return k.device_emit(in, offsets, starts, lengths, s);
  k.host_emit(in, offsets, starts, lengths);
}

/// flat_map(on_device(f)) of one batch of strings into `out`: the new records
/// are spans into the input's text (`out` keeps the input alive).
void flat_map_with(const batch_data& in, batch_data& out, const flat_map_kernel& k, stream_view s) {
  const string_spans_view lines = in.strings;
  const size_type n = lines.size();
  if (!s.is_cuda() || k.device_count) {
    array<std::int64_t> counts{n, s};
    if (n > 0) flat_map_count(k, lines.device_view(), counts.data(), s);
    const array<std::int64_t> offsets = offsets_of_counts(counts.view(), s);
    const std::int64_t total = host_copy(offsets.data() + n, 1, s).front();
    array<offset_type> starts{total, s};
    array<length_type> lengths{total, s};
    if (total > 0) flat_map_emit(k, lines.device_view(), offsets.data(), starts.data(), lengths.data(), s);
    out.strings = out.own(string_spans{lines.chars(), lines.chars_size(), std::move(starts), std::move(lengths)}).view();
    return;
  }
  // Staged: the functor runs on the host over a copy of the text.
  const auto chars = host_copy(lines.chars(), lines.chars_size(), s);
  const auto starts = host_copy(lines.starts(), n, s);
  const auto lengths = host_copy(lines.lengths(), n, s);
  const spans_device_view h{chars.data(), starts.data(), lengths.data(), n};
  std::vector<std::int64_t> offsets(static_cast<std::size_t>(n) + 1, 0);
  k.host_count(h, offsets.data() + 1);
  for (std::size_t i = 1; i < offsets.size(); ++i) offsets[i] += offsets[i - 1];
  const std::int64_t total = offsets.back();
  std::vector<offset_type> out_starts(static_cast<std::size_t>(total));
  std::vector<length_type> out_lengths(static_cast<std::size_t>(total));
  k.host_emit(h, offsets.data(), out_starts.data(), out_lengths.data());
  array<offset_type> d_starts{total, s};
  array<length_type> d_lengths{total, s};
  upload_into(d_starts.data(), out_starts, s);
  upload_into(d_lengths.data(), out_lengths, s);
  out.strings =
      out.own(string_spans{lines.chars(), lines.chars_size(), std::move(d_starts), std::move(d_lengths)}).view();
}

class device_reduce_node final : public node {
 public:
  device_reduce_node(const node_ptr& parent, std::shared_ptr<const reduce_kernel> k)
      : node{parent->context(), parent->kind(), {parent}}, k_{std::move(k)} {
    set_slide_ms(parent->slide_ms());
  }

 protected:
  batch_ptr compute(batch_run& run) override {
    batch_ptr in = parent()->evaluate(run);
    if (!in) return nullptr;
    return reduce_with(*in, *k_, run.s);
  }

 private:
  std::shared_ptr<const reduce_kernel> k_;
};

bool is_keyed_value(record_kind k) {
  return k == record_kind::pairs || k == record_kind::keyed_doubles || k == record_kind::int_pairs;
}

/// 0, 1, ..., n - 1.
array<std::int64_t> row_numbers(size_type n, stream_view s) {
  array<std::int64_t> all = offsets_of_counts(constant_column(n, 1, s).view(), s);  // 0..n
  return all;
}

/// map_with_state(on_device(f)): the state (keys, values, and the time of each
/// key's last data) in backend memory. Each batch the state and the batch are
/// cogrouped by key over their row numbers, f runs in a kernel with one thread
/// per key over its records in batch order, then over keys timing out; the
/// output is the batch's keys with f's values, then the keys timed out.
class device_map_state_node final : public node, public state_source {
 public:
  device_map_state_node(const node_ptr& parent, record_kind out, std::shared_ptr<const map_state_kernel> k,
                        std::int64_t timeout_ms)
      : node{parent->context(), out, {parent}}, k_{std::move(k)}, timeout_{timeout_ms}, in_kind_{parent->kind()} {}

  std::uint64_t state_keys() const override { return state_ ? static_cast<std::uint64_t>(state_->size()) : 0; }
  batch_ptr state_snapshot() const override { return state_; }
  std::string checkpoint_tag() const override {
    return "map_with_state/device " + std::to_string(timeout_) + " " + std::to_string(static_cast<int>(kind())) +
           " " + std::to_string(static_cast<int>(in_kind_));
  }
  void save_state(byte_writer& w, stream_view s) const override {
    write_batch(w, state_, s);
    const std::vector<std::int64_t> last = state_ ? to_host(last_.view(), s) : std::vector<std::int64_t>{};
    w.u64(last.size());
    for (std::int64_t t : last) w.i64(t);
  }
  void load_state(byte_reader& r, stream_view s) override {
    state_ = read_batch(r, s);
    if (state_ && state_->kind != in_kind_) r.fail("map_with_state's state holds another record type");
    std::vector<std::int64_t> last(r.count(8));
    for (std::int64_t& t : last) t = r.i64();
    if (static_cast<size_type>(last.size()) != (state_ ? state_->size() : 0)) {
      r.fail("map_with_state's state and its times differ in size");
    }
    last_ = array<std::int64_t>::from_host(last, s);
    s.synchronize();
  }

 protected:
  batch_ptr compute(batch_run& run) override {
    batch_ptr in = parent()->evaluate(run);
    if (!empty_) empty_ = upload(empty_records(in_kind_), run.s);
    if (!state_) {
      state_ = empty_;
      last_ = array<std::int64_t>{0, run.s};
    }
    const batch_ptr now = in ? in : empty_;
    const bool doubles_out = kind() == record_kind::keyed_doubles;
    switch (in_kind_) {
      case record_kind::keyed_doubles:
        return doubles_out ? step<double, double>(state_->strings, state_->doubles, now->strings, now->doubles, now,
                                                  run)
                           : step<double, std::int64_t>(state_->strings, state_->doubles, now->strings, now->doubles,
                                                        now, run);
      case record_kind::int_pairs:
        return step<std::int64_t, std::int64_t>(state_->int_keys, state_->values, now->int_keys, now->values, now,
                                                run);
      default:
        return doubles_out ? step<std::int64_t, double>(state_->strings, state_->values, now->strings, now->values,
                                                        now, run)
                           : step<std::int64_t, std::int64_t>(state_->strings, state_->values, now->strings,
                                                              now->values, now, run);
    }
  }

 private:
  template <class V, class U, class Keys>
  batch_ptr step(Keys state_keys, array_view<V> state_values, Keys batch_keys, array_view<V> batch_values,
                 const batch_ptr& now, const batch_run& run) {
    constexpr bool string_keys = std::is_same_v<Keys, string_spans_view>;
    const stream_view s = run.s;
    const size_type m0 = state_values.size();
    const size_type n = batch_values.size();
    const array<std::int64_t> numbers = row_numbers(std::max(m0, n), s);
    const array_view<std::int64_t> state_rows{numbers.data(), m0, numbers.kind()};
    const array_view<std::int64_t> batch_rows{numbers.data(), n, numbers.kind()};
    const auto t = cogroup(state_keys, state_rows, batch_keys, batch_rows, hash_function::mix64, s);
    const size_type m = t.size();
    string_spans key_spans;
    key_columns keys;
    if constexpr (string_keys) {
      key_spans = spans_of(t.keys.view(), s);
      keys.strings = key_spans.view().device_view();
    } else {
      keys.int_keys = t.keys.data();
    }
    array<U> out_values{n, s};
    array<U> timeout_values{m, s};
    array<std::uint8_t> timed_out{m, s};
    array<std::uint8_t> keep{m, s};
    array<V> new_values{m, s};
    array<std::int64_t> new_last{m, s};
    // Read back (a synchronization) only where keys can time out.
    array<std::uint8_t> misuse{timeout_ > 0 ? 1 : 0, s};
    if (timeout_ > 0) fill_bytes(misuse.data(), 0, 1, s);
    map_state_args a{keys,
                     t.left.offsets.data(),
                     t.left.values.data(),
                     t.right.offsets.data(),
                     t.right.values.data(),
                     state_values.data(),
                     last_.data(),
                     batch_values.data(),
                     run.time,
                     run.time - timeout_,
                     timeout_ > 0,
                     out_values.data(),
                     timeout_values.data(),
                     timed_out.data(),
                     keep.data(),
                     new_values.data(),
                     new_last.data(),
                     timeout_ > 0 ? misuse.data() : nullptr};
    run_map_state(*k_, a, m, m0, n, string_keys ? key_spans.view().chars_size() : 0, s);
    if (timeout_ > 0 && m > 0) {
      GPUSTREAM_EXPECTS(host_copy(misuse.data(), 1, s).front() == 0,
                        "map_with_state(on_device(f)): f updated the state of a key that is timing out (as in "
                        "Spark, a key timing out can only be read or removed)");
    }

    // The next state: the keys kept, their values and times.
    const array<row_index> kept = select_rows(keep.view(), s);
    auto next = std::make_shared<batch_data>();
    next->kind = in_kind_;
    if constexpr (string_keys) {
      set_keys_at(*next, key_spans.view(), kept.view(), s);
    } else {
      set_keys_at(*next, t.keys.view(), kept.view(), s);
    }
    set_values_at(*next, new_values.view(), kept.view(), s);
    last_ = gather(new_last.view(), kept.view(), s);
    state_ = next;

    // The output: the batch's keys with f's values, then the keys timed out.
    const array<row_index> gone = select_rows(timed_out.view(), s);
    auto out = std::make_shared<batch_data>();
    out->kind = kind();
    array<U> values = std::move(out_values);
    if (gone.size() > 0) {
      const array<U> timeout_out = gather(timeout_values.view(), gone.view(), s);
      values = concatenate(std::vector<array_view<U>>{values.view(), timeout_out.view()}, s);
      if constexpr (string_keys) {
        const string_spans gone_keys = gather(key_spans.view(), gone.view(), s);
        const string_column& all = out->own(
            concatenate(std::vector<string_spans_view>{now->strings, gone_keys.view()}, s));
        out->strings = out->own(spans_of(all.view(), s)).view();
      } else {
        const array<std::int64_t> gone_keys = gather(t.keys.view(), gone.view(), s);
        const std::vector<array_view<std::int64_t>> parts{now->int_keys, gone_keys.view()};
        out->int_keys = out->own(concatenate(parts, s)).view();
        out->strings = out->own(string_spans{}).view();
      }
    } else {
      out->owners.push_back(now);  // the batch's keys, as they are
      out->strings = now->strings;
      out->int_keys = now->int_keys;
    }
    if constexpr (std::is_same_v<U, double>) {
      out->doubles = out->own(std::move(values)).view();
    } else {
      out->values = out->own(std::move(values)).view();
    }
    return out;
  }

  std::shared_ptr<const map_state_kernel> k_;
  std::int64_t timeout_;
  record_kind in_kind_;
  batch_ptr state_;
  array<std::int64_t> last_;  // the time of each state key's last data
  batch_ptr empty_;
};

/// update_state_by_key(on_device(f)) with a general function: each batch, the
/// state and the batch are cogrouped by key on the backend (string keys by
/// hash and bytes, integer keys ascending), `f` runs once per key in a kernel
/// over its new values and its state, and the keys it keeps, with their new
/// state, are the next state and the output.
class device_state_node final : public node {
 public:
  /// `state`: the kind of the state's records (the parent's, or the pair
  /// type with its keys and the other value type).
  device_state_node(const node_ptr& parent, record_kind state, std::shared_ptr<const state_kernel> k)
      : node{parent->context(), state, {parent}}, k_{std::move(k)}, in_kind_{parent->kind()} {}

  std::uint64_t state_keys() const override { return state_ ? static_cast<std::uint64_t>(state_->size()) : 0; }
  std::string checkpoint_tag() const override {
    std::string tag = "update_state_by_key/device_function " + std::to_string(static_cast<int>(kind()));
    // A state of the input's own type keeps the tag it always had.
    if (in_kind_ != kind()) tag += " from " + std::to_string(static_cast<int>(in_kind_));
    return tag;
  }
  void save_state(byte_writer& w, stream_view s) const override { write_batch(w, state_, s); }
  void load_state(byte_reader& r, stream_view s) override {
    state_ = read_batch(r, s);
    if (state_ && state_->kind != kind()) r.fail("update_state_by_key's state holds another record type");
  }

 protected:
  batch_ptr compute(batch_run& run) override {
    batch_ptr in = parent()->evaluate(run);
    if (!empty_) empty_ = upload(empty_records(kind()), run.s);
    if (!empty_input_) empty_input_ = upload(empty_records(in_kind_), run.s);
    if (!state_) state_ = empty_;
    const batch_data& now = in ? *in : *empty_input_;
    const bool double_state = kind() == record_kind::keyed_doubles;
    switch (in_kind_) {
      case record_kind::keyed_doubles:
        state_ = double_state ? step(state_->strings, state_->doubles, now.strings, now.doubles, run.s)
                              : step(state_->strings, state_->values, now.strings, now.doubles, run.s);
        break;
      case record_kind::int_pairs:
        state_ = step(state_->int_keys, state_->values, now.int_keys, now.values, run.s);
        break;
      default:
        state_ = double_state ? step(state_->strings, state_->doubles, now.strings, now.values, run.s)
                              : step(state_->strings, state_->values, now.strings, now.values, run.s);
        break;
    }
    return state_;
  }

 private:
  /// One batch: state values of type S, new values of type V.
  template <class Keys, class S, class V>
  batch_ptr step(Keys state_keys, array_view<S> state_values, Keys new_keys, array_view<V> new_values,
                 stream_view s) const {
    const auto t = cogroup(state_keys, state_values, new_keys, new_values, hash_function::mix64, s);
    const size_type m = t.size();
    array<std::uint8_t> keep{m, s};
    array<S> next{m, s};
    run_state(*k_, t.left.offsets.data(), t.left.values.data(), t.right.offsets.data(), t.right.values.data(), m,
              keep.data(), next.data(), s);
    const array<row_index> rows = select_rows(keep.view(), s);
    auto out = std::make_shared<batch_data>();
    out->kind = kind();
    set_values_at(*out, next.view(), rows.view(), s);
    if constexpr (std::is_same_v<Keys, string_spans_view>) {
      set_keys_at(*out, spans_of(t.keys.view(), s).view(), rows.view(), s);
    } else {
      set_keys_at(*out, t.keys.view(), rows.view(), s);
    }
    // Temporaries of this step (the cogroup, the flags) are freed on return:
    // stream-ordered, after the work above.
    return out;
  }

  std::shared_ptr<const state_kernel> k_;
  record_kind in_kind_;
  batch_ptr state_;
  batch_ptr empty_;        // an empty batch of this kind, made once
  batch_ptr empty_input_;  // and of the parent's
};

}  // namespace

batch_ptr reduce_with(const batch_data& in, const reduce_kernel& k, stream_view s) {
  const size_type n = in.size();
  if (n == 0) return upload(empty_records(in.kind), s);
  auto out = std::make_shared<batch_data>();
  out->kind = in.kind;
  if (in.kind == record_kind::integers) {
    // One group of every row.
    const row_groups g = group_rows(constant_column(n, 0, s).view(), s);
    array<std::int64_t> r{1, s};
    run_reduce(k, in.values.data(), g, n, r.data(), s);
    out->values = out->own(std::move(r)).view();
    out->strings = out->own(string_spans{}).view();
    return out;
  }
  GPUSTREAM_EXPECTS(is_keyed_value(in.kind), "reduce_by_key: needs pairs");
  const row_groups g = in.kind == record_kind::int_pairs ? group_rows(in.int_keys, s) : group_rows(in.strings, s);
  if (in.kind == record_kind::keyed_doubles) {
    array<double> r{g.groups, s};
    run_reduce(k, in.doubles.data(), g, n, r.data(), s);
    out->doubles = out->own(std::move(r)).view();
  } else {
    array<std::int64_t> r{g.groups, s};
    run_reduce(k, in.values.data(), g, n, r.data(), s);
    out->values = out->own(std::move(r)).view();
  }
  if (in.kind == record_kind::int_pairs) {
    set_keys_at(*out, in.int_keys, g.first.view(), s);
  } else {
    set_keys_at(*out, in.strings, g.first.view(), s);  // the table keeps none of `in`'s buffers
  }
  return out;
}

void note_staged(const node_ptr& parent, bool has_device_kernel, const char* what) {
  if (has_device_kernel) return;
  auto ctx = parent->context().lock();
  if (!ctx || ctx->active_backend() != backend::cuda) return;
  ctx->log_line(std::string{"[info] "} + what +
                "(on_device(f)): the caller was not compiled by nvcc, so f runs on the host and each batch's "
                "records are copied to the host and back; compile it with nvcc to run it in kernels");
}

node_ptr make_device_map(const node_ptr& parent, record_kind out, const char* name,
                         std::shared_ptr<const map_kernel> k) {
  auto ctx = building(parent, name);
  GPUSTREAM_EXPECTS(k && k->host, std::string{name} + ": an empty function");
  const record_kind in = parent->kind();
  const bool ok = in == record_kind::integers ? out == record_kind::integers
                                              : (is_keyed_value(in) && is_keyed_value(out) &&
                                                 (in == record_kind::int_pairs) == (out == record_kind::int_pairs));
  GPUSTREAM_EXPECTS(ok, std::string{name} + ": wrong record type");
  note_staged(parent, static_cast<bool>(k->device), name);
  return make_unary(parent, out, [k = std::move(k)](const batch_data& src, batch_data& dst, stream_view s) {
    dst.strings = src.strings;
    dst.int_keys = src.int_keys;
    const size_type n = src.size();
    if (dst.kind == record_kind::keyed_doubles) {
      array<double> c{n, s};
      run_map(*k, values_of(src), c.data(), n, s);
      dst.doubles = dst.own(std::move(c)).view();
    } else {
      array<std::int64_t> c{n, s};
      run_map(*k, values_of(src), c.data(), n, s);
      dst.values = dst.own(std::move(c)).view();
    }
  });
}

node_ptr make_device_filter(const node_ptr& parent, std::shared_ptr<const filter_kernel> k) {
  auto ctx = building(parent, "filter");
  GPUSTREAM_EXPECTS(k && k->host, "filter: an empty function");
  const record_kind in = parent->kind();
  GPUSTREAM_EXPECTS(in == record_kind::strings || in == record_kind::integers || is_keyed_value(in),
                    "filter(on_device(pred)): needs a dstream of strings, integers or pairs");
  note_staged(parent, static_cast<bool>(k->device), "filter");
  // Kept strings stay spans into the parent's text, which the result owns.
  return make_unary(parent, in, [k = std::move(k)](const batch_data& src, batch_data& dst, stream_view s) {
    const size_type n = src.size();
    array<std::uint8_t> keep{n, s};
    run_filter(*k, keys_of(src), src.strings.chars_size(), values_of(src), keep.data(), n, s);
    const array<row_index> rows = select_rows(keep.view(), s);
    dst.strings = has_string_keys(src.kind) ? dst.own(gather(src.strings, rows.view(), s)).view()
                                           : dst.own(string_spans{}).view();
    if (src.kind == record_kind::int_pairs) dst.int_keys = dst.own(gather(src.int_keys, rows.view(), s)).view();
    if (src.kind == record_kind::keyed_doubles) {
      dst.doubles = dst.own(gather(src.doubles, rows.view(), s)).view();
    } else if (src.kind != record_kind::strings) {
      dst.values = dst.own(gather(src.values, rows.view(), s)).view();
    }
  });
}

namespace {

/// flat_map(on_device(f)) of one batch of whole records: f counts each
/// record's outputs, the counts are scanned into offsets, then f writes them.
/// Staged through host memory where f runs on the host and the backend is
/// CUDA.
void record_flat_map_with(const batch_data& in, batch_data& out, const record_flat_map_kernel& k, stream_view s) {
  const size_type n = in.size();
  const key_columns keys = keys_of(in);
  const void* values = values_of(in);
  if (!s.is_cuda() || k.device_count) {
    array<std::int64_t> counts{n, s};
    if (n > 0) {
      if (s.is_cuda()) {
        k.device_count(keys, values, counts.data(), n, s);
      } else {
        k.host_count(keys, values, counts.data(), n);
      }
    }
    const array<std::int64_t> offsets = offsets_of_counts(counts.view(), s);
    const std::int64_t total = host_copy(offsets.data() + n, 1, s).front();
    record_columns d{out.kind, total, s};
    if (total > 0) {
      if (s.is_cuda()) {
        k.device_emit(keys, values, offsets.data(), d.targets(), n, s);
      } else {
        k.host_emit(keys, values, offsets.data(), d.targets(), n);
      }
    }
    std::move(d).install(in, out);
    return;
  }
  const staged_records h{keys, in.strings.chars_size(), values, n, s};
  std::vector<std::int64_t> offsets(static_cast<std::size_t>(n) + 1, 0);
  k.host_count(h.keys, h.value_data(), offsets.data() + 1, n);
  for (std::size_t i = 1; i < offsets.size(); ++i) offsets[i] += offsets[i - 1];
  const std::int64_t total = offsets.back();
  host_record_columns staged{out.kind, total};
  k.host_emit(h.keys, h.value_data(), offsets.data(), staged.targets(), n);
  record_columns d{out.kind, total, s};
  staged.upload(d, s);
  std::move(d).install(in, out);
}

}  // namespace

namespace {

/// The graph-building checks of map and flat_map of whole records.
void expect_record_kinds(const node_ptr& parent, record_kind out, const char* op) {
  const record_kind in = parent->kind();
  const std::string name = std::string{op} + "(on_device(f))";
  GPUSTREAM_EXPECTS(in == record_kind::strings || in == record_kind::integers || is_keyed_value(in),
                    name + ": needs a dstream of strings, integers or pairs");
  GPUSTREAM_EXPECTS(out == record_kind::integers || out == record_kind::int_pairs || out == record_kind::pairs ||
                        out == record_kind::keyed_doubles,
                    name + ": gives integers, int_pair, word_pair or keyed_double records");
  GPUSTREAM_EXPECTS(!has_string_keys(out) || has_string_keys(in),
                    name + ": string keys can only come from records with strings");
}

/// map(on_device(f)) of one batch to new strings (and values, for pairs):
/// f measures each record's string, the sizes are scanned into offsets, then
/// f writes the bytes into one new chars buffer that the batch owns. Staged
/// through host memory where f runs on the host and the backend is CUDA.
void string_map_with(const batch_data& in, batch_data& out, const string_map_kernel& k, stream_view s) {
  const size_type n = in.size();
  const key_columns keys = keys_of(in);
  const void* values = values_of(in);
  const bool pairs = out.kind != record_kind::strings;
  array<std::int64_t> new_values{out.kind == record_kind::pairs ? n : 0, s};
  array<double> new_doubles{out.kind == record_kind::keyed_doubles ? n : 0, s};
  void* out_values = out.kind == record_kind::keyed_doubles ? static_cast<void*>(new_doubles.data())
                                                             : static_cast<void*>(new_values.data());
  array<std::int64_t> sizes;  // each string's bytes, on the backend (not where staged)
  std::int64_t largest = -1;    // the longest string, where known on the host
  array<offset_type> offsets;
  array<char> chars;
  if (!s.is_cuda() || k.device_count) {
    sizes = array<std::int64_t>{n, s};
    if (n > 0) {
      if (s.is_cuda()) {
        k.device_count(keys, values, sizes.data(), n, s);
      } else {
        k.host_count(keys, values, sizes.data(), n);
      }
    }
    offsets = offsets_of_counts(sizes.view(), s);
    const std::int64_t total = host_copy(offsets.data() + n, 1, s).front();
    chars = array<char>{total, s};
    if (n > 0) {
      if (s.is_cuda()) {
        k.device_emit(keys, values, offsets.data(), chars.data(), out_values, n, s);
      } else {
        k.host_emit(keys, values, offsets.data(), chars.data(), out_values, n);
      }
    }
  } else {
    const staged_records h{keys, in.strings.chars_size(), values, n, s};
    std::vector<std::int64_t> h_offsets(static_cast<std::size_t>(n) + 1, 0);
    k.host_count(h.keys, h.value_data(), h_offsets.data() + 1, n);
    for (std::size_t i = 1; i < h_offsets.size(); ++i) {
      largest = std::max(largest, h_offsets[i]);
      h_offsets[i] += h_offsets[i - 1];
    }
    std::vector<char> h_chars(static_cast<std::size_t>(h_offsets.back()));
    std::vector<value_word> h_values(pairs ? static_cast<std::size_t>(n) : 0);
    k.host_emit(h.keys, h.value_data(), h_offsets.data(), h_chars.data(), pairs ? h_values.data() : nullptr, n);
    offsets = array<offset_type>{n + 1, s};
    chars = array<char>{h_offsets.back(), s};
    upload_into(offsets.data(), h_offsets, s);
    upload_into(chars.data(), h_chars, s);
    if (pairs) upload_into(out_values, h_values, s);
  }
  // A string's length must fit a length_type: only a batch of 2 GiB or more
  // of new bytes can hold one that does not.
  if (chars.size() > std::numeric_limits<length_type>::max()) {
    if (largest < 0) {
      const std::vector<std::int64_t> h_sizes = host_copy(sizes.data(), n, s);
      largest = *std::max_element(h_sizes.begin(), h_sizes.end());
    }
    GPUSTREAM_EXPECTS(largest <= std::numeric_limits<length_type>::max(),
                      "map(on_device(f)): f built a string of 2 GiB or more");
  }
  const string_column& built = out.own(string_column{std::move(chars), std::move(offsets)});
  out.strings = out.own(spans_of(built.view(), s)).view();
  if (out.kind == record_kind::keyed_doubles) {
    out.doubles = out.own(std::move(new_doubles)).view();
  } else if (pairs) {
    out.values = out.own(std::move(new_values)).view();
  }
}

}  // namespace

node_ptr make_device_record_flat_map(const node_ptr& parent, record_kind out,
                                     std::shared_ptr<const record_flat_map_kernel> k) {
  auto ctx = building(parent, "flat_map");
  GPUSTREAM_EXPECTS(k && k->host_count && k->host_emit, "flat_map: an empty function");
  expect_record_kinds(parent, out, "flat_map");
  note_staged(parent, static_cast<bool>(k->device_count), "flat_map");
  return make_unary(parent, out, [k = std::move(k)](const batch_data& src, batch_data& dst, stream_view s) {
    record_flat_map_with(src, dst, *k, s);
  });
}

node_ptr make_device_record_map(const node_ptr& parent, record_kind out, std::shared_ptr<const record_map_kernel> k) {
  auto ctx = building(parent, "map");
  GPUSTREAM_EXPECTS(k && k->host, "map: an empty function");
  expect_record_kinds(parent, out, "map");
  note_staged(parent, static_cast<bool>(k->device), "map");
  return make_unary(parent, out, [k = std::move(k)](const batch_data& src, batch_data& dst, stream_view s) {
    const size_type n = src.size();
    record_columns d{dst.kind, n, s};
    run_record_map(*k, keys_of(src), src.strings.chars_size(), values_of(src), d, n, s);
    std::move(d).install(src, dst);
  });
}

node_ptr make_device_string_map(const node_ptr& parent, record_kind out, std::shared_ptr<const string_map_kernel> k) {
  auto ctx = building(parent, "map");
  GPUSTREAM_EXPECTS(k && k->host_count && k->host_emit, "map: an empty function");
  const record_kind in = parent->kind();
  GPUSTREAM_EXPECTS(in == record_kind::strings || in == record_kind::integers || is_keyed_value(in),
                    "map(on_device(f)): needs a dstream of strings, integers or pairs");
  GPUSTREAM_EXPECTS(out == record_kind::strings || out == record_kind::pairs || out == record_kind::keyed_doubles,
                    "map(on_device(f)) with a string_builder: gives strings, word_pair or keyed_double records");
  note_staged(parent, static_cast<bool>(k->device_count), "map");
  return make_unary(parent, out, [k = std::move(k)](const batch_data& src, batch_data& dst, stream_view s) {
    string_map_with(src, dst, *k, s);
  });
}

node_ptr make_device_flat_map(const node_ptr& parent, std::shared_ptr<const flat_map_kernel> k) {
  auto ctx = building(parent, "flat_map");
  GPUSTREAM_EXPECTS(k && k->host_count && k->host_emit, "flat_map: an empty function");
  GPUSTREAM_EXPECTS(parent->kind() == record_kind::strings, "flat_map(on_device(f)): needs a dstream of strings");
  note_staged(parent, static_cast<bool>(k->device_count), "flat_map");
  return make_unary(parent, record_kind::strings,
                    [k = std::move(k)](const batch_data& in, batch_data& out, stream_view s) {
                      flat_map_with(in, out, *k, s);
                    });
}

node_ptr make_device_state_update(const node_ptr& parent, record_kind state, std::shared_ptr<const state_kernel> k) {
  auto ctx = building(parent, "update_state_by_key");
  GPUSTREAM_EXPECTS(k && k->host, "update_state_by_key: an empty function");
  GPUSTREAM_EXPECTS(is_keyed_value(parent->kind()),
                    "update_state_by_key: needs a dstream of pairs of a string and an integer or a double, or of "
                    "two integers");
  GPUSTREAM_EXPECTS(state == parent->kind() || (has_string_keys(parent->kind()) && is_keyed_value(state) &&
                                                has_string_keys(state)),
                    "update_state_by_key: a state of another type needs string keys");
  GPUSTREAM_EXPECTS(parent->slide_ms() == 0, "update_state_by_key: the parent must have data every batch");
  note_staged(parent, static_cast<bool>(k->device), "update_state_by_key");
  node_ptr n = std::make_shared<device_state_node>(parent, state, std::move(k));
  ctx->add_per_batch_node(n);
  return n;
}

node_ptr make_device_map_with_state(const node_ptr& parent, record_kind out, std::shared_ptr<const map_state_kernel> k,
                                    std::chrono::milliseconds timeout) {
  auto ctx = building(parent, "map_with_state");
  GPUSTREAM_EXPECTS(k && k->host, "map_with_state: an empty function");
  GPUSTREAM_EXPECTS(is_keyed_value(parent->kind()),
                    "map_with_state: needs a dstream of pairs of a string and an integer or a double, or of two "
                    "integers");
  GPUSTREAM_EXPECTS(parent->slide_ms() == 0, "map_with_state: the parent must have data every batch");
  GPUSTREAM_EXPECTS(timeout.count() >= 0, "map_with_state: the idle timeout must not be negative");
  note_staged(parent, static_cast<bool>(k->device), "map_with_state");
  node_ptr n = std::make_shared<device_map_state_node>(parent, out, std::move(k), timeout.count());
  ctx->add_per_batch_node(n);
  return n;
}

node_ptr make_device_reduce_by_key(const node_ptr& parent, std::shared_ptr<const reduce_kernel> k) {
  auto ctx = building(parent, "reduce_by_key");
  GPUSTREAM_EXPECTS(k && k->host, "reduce_by_key: an empty function");
  GPUSTREAM_EXPECTS(is_keyed_value(parent->kind()),
                    "reduce_by_key: needs a dstream of pairs of a string and an integer or a double, or of two "
                    "integers");
  note_staged(parent, static_cast<bool>(k->device), "reduce_by_key");
  return std::make_shared<device_reduce_node>(parent, std::move(k));
}

}  // namespace gpustream::detail
