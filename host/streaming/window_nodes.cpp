// Nodes that remember across batches: union, windows and state
// (update_state_by_key, map_with_state).

#include "context_impl.hpp"
#include "graph.hpp"

#include <gpustream/aggregate/reduce_by_key.hpp>
#include <gpustream/column/concatenate.hpp>
#include <gpustream/column/convert.hpp>
#include <gpustream/column/rows.hpp>
#include <gpustream/core/arithmetic.hpp>
#include <gpustream/core/error.hpp>

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <type_traits>

namespace gpustream::detail {
namespace {

/// One batch's data: the union of `parts` (all of one kind), in order. A
/// single part is shared as it is; more are copied into new columns.
batch_ptr union_of(record_kind kind, const std::vector<batch_ptr>& parts, stream_view s) {
  std::vector<batch_ptr> nonempty;
  for (const auto& p : parts) {
    if (p && p->size() > 0) nonempty.push_back(p);
  }
  if (nonempty.size() == 1) return nonempty.front();
  auto out = std::make_shared<batch_data>();
  out->kind = kind;
  if (kind == record_kind::int_pairs) {
    std::vector<array_view<std::int64_t>> keys;
    for (const auto& p : nonempty) keys.push_back(p->int_keys);
    out->int_keys = out->own(concatenate(keys, s)).view();
  } else if (kind != record_kind::integers) {
    std::vector<string_spans_view> strings;
    for (const auto& p : nonempty) strings.push_back(p->strings);
    const string_column& keys = out->own(concatenate(strings, s));
    out->strings = out->own(spans_of(keys.view(), s)).view();
  } else {
    out->strings = out->own(string_spans{}).view();
  }
  if (kind == record_kind::keyed_doubles) {
    std::vector<array_view<double>> values;
    for (const auto& p : nonempty) values.push_back(p->doubles);
    out->doubles = out->own(concatenate(values, s)).view();
  } else if (kind != record_kind::strings) {
    std::vector<array_view<std::int64_t>> values;
    for (const auto& p : nonempty) values.push_back(p->values);
    out->values = out->own(concatenate(values, s)).view();
  }
  return out;
}

batch_ptr negated(const batch_ptr& in, stream_view s) {
  auto out = std::make_shared<batch_data>();
  out->kind = in->kind;
  out->owners.push_back(in);
  out->strings = in->strings;
  out->int_keys = in->int_keys;
  out->values = out->own(negate(in->values, s)).view();
  return out;
}

/// The pairs (string or integer keys) whose value is not 0.
batch_ptr without_zeros(const batch_ptr& in, stream_view s) {
  auto out = std::make_shared<batch_data>();
  out->kind = in->kind;
  if (in->kind == record_kind::int_pairs) {
    const array<row_index> rows = rows_with_nonzero(in->values, s);
    out->int_keys = out->own(gather(in->int_keys, rows.view(), s)).view();
    out->values = out->own(gather(in->values, rows.view(), s)).view();
    out->strings = out->own(string_spans{}).view();
    return out;
  }
  const nonzero_rows& rows = out->own(select_nonzero(in->strings, in->values, s));
  out->strings = out->own(spans_of(rows.keys.view(), s)).view();
  out->values = rows.values.view();
  return out;
}

class union_node final : public node {
 public:
  union_node(const node_ptr& a, const node_ptr& b) : node{a->context(), a->kind(), {a, b}} {
    set_slide_ms(a->slide_ms());
  }

 protected:
  batch_ptr compute(batch_run& run) override {
    batch_ptr a = parent(0)->evaluate(run);
    batch_ptr b = parent(1)->evaluate(run);
    if (!a && !b) return nullptr;
    return union_of(kind(), {a, b}, run.s);
  }
};

/// Shared by the window nodes: the parent's data (or a per-batch partial of
/// it) for the batches still needed, and the slide test.
class windowed_node : public node {
 public:
  windowed_node(const node_ptr& parent, record_kind kind, std::int64_t length_ms, std::int64_t slide_ms)
      : node{parent->context(), kind, {parent}}, length_{length_ms} {
    set_slide_ms(slide_ms);
  }

 protected:
  /// What is kept of a parent batch (by default: the batch itself).
  virtual batch_ptr partial(const batch_ptr& in, stream_view) { return in; }
  virtual batch_ptr output(batch_run& run) = 0;

  batch_ptr compute(batch_run& run) override {
    if (batch_ptr in = parent()->evaluate(run)) history_.emplace_back(run.time, partial(in, run.s));
    // Kept: the window, and the batches that leave it at the next slide.
    while (!history_.empty() && history_.front().first <= run.time - length_ - slide_ms()) history_.pop_front();
    if ((run.time - run.zero_time) % slide_ms() != 0) return nullptr;
    return output(run);
  }

  /// "<name> length slide kind", for the graph's checkpoint signature.
  std::string window_tag(const char* name) const {
    return std::string{name} + " " + std::to_string(length_) + " " + std::to_string(slide_ms()) + " " +
           std::to_string(static_cast<int>(kind()));
  }

 public:
  void save_state(byte_writer& w, stream_view s) const override {
    w.u64(history_.size());
    for (const auto& [t, p] : history_) {
      w.i64(t);
      write_batch(w, p, s);
    }
    save_extra(w, s);
  }
  void load_state(byte_reader& r, stream_view s) override {
    history_.clear();
    const std::uint64_t n = r.count(9);
    for (std::uint64_t i = 0; i < n; ++i) {
      const batch_time t = r.i64();
      history_.emplace_back(t, read_batch(r, s));
    }
    load_extra(r, s);
  }

 protected:
  virtual void save_extra(byte_writer&, stream_view) const {}
  virtual void load_extra(byte_reader&, stream_view) {}

  /// Kept partials with time in (from, to].
  std::vector<batch_ptr> between(batch_time from, batch_time to) const {
    std::vector<batch_ptr> out;
    for (const auto& [t, p] : history_) {
      if (t > from && t <= to) out.push_back(p);
    }
    return out;
  }

  std::int64_t length_;
  std::deque<std::pair<batch_time, batch_ptr>> history_;
};

class window_node final : public windowed_node {
 public:
  using windowed_node::windowed_node;
  std::string checkpoint_tag() const override { return window_tag("window"); }

 protected:
  batch_ptr output(batch_run& run) override {
    batch_ptr u = union_of(kind(), between(run.time - length_, run.time), run.s);
    if (u) return u;
    return union_of(kind(), {}, run.s);  // an empty batch of the right kind
  }
};

class reduce_window_node final : public windowed_node {
 public:
  reduce_window_node(const node_ptr& parent, value_reducer reducer, std::int64_t length_ms, std::int64_t slide_ms)
      : windowed_node{parent, parent->kind(), length_ms, slide_ms}, reducer_{std::move(reducer)} {}
  std::string checkpoint_tag() const override {
    return window_tag("reduce_by_key_and_window") + " " + reducer_.tag();
  }

 protected:
  batch_ptr partial(const batch_ptr& in, stream_view s) override { return reducer_.reduce(*in, s); }
  batch_ptr output(batch_run& run) override {
    batch_ptr all = union_of(kind(), between(run.time - length_, run.time), run.s);
    if (!all) all = union_of(kind(), {}, run.s);
    return reducer_.merging().reduce(*all, run.s);
  }

 private:
  value_reducer reducer_;
};

/// reduce_by_key_and_window with the inverse of a sum: the previous window's
/// result, plus the batches entering, minus the batches leaving. Keys whose
/// value falls to zero stay (Spark's semantics) unless `drop_zeros`.
class inverse_window_node final : public windowed_node {
 public:
  inverse_window_node(const node_ptr& parent, aggregation agg, bool drop_zeros, std::int64_t length_ms,
                      std::int64_t slide_ms)
      : windowed_node{parent, parent->kind(), length_ms, slide_ms}, agg_{agg}, drop_zeros_{drop_zeros} {}
  std::string checkpoint_tag() const override {
    return window_tag("reduce_by_key_and_window/inverse") + " " + std::to_string(static_cast<int>(agg_)) + " " +
           std::to_string(drop_zeros_ ? 1 : 0);
  }

 protected:
  batch_ptr partial(const batch_ptr& in, stream_view s) override { return reduce_records(*in, agg_, s); }
  batch_ptr output(batch_run& run) override {
    const batch_time t = run.time;
    const batch_time previous = t - slide_ms();
    batch_ptr merged;
    if (!previous_ || previous_time_ != previous) {
      merged = union_of(kind(), between(t - length_, t), run.s);
    } else {
      std::vector<batch_ptr> parts{previous_};
      for (const auto& p : between(previous, t)) parts.push_back(p);
      for (const auto& p : between(previous - length_, t - length_)) parts.push_back(negated(p, run.s));
      merged = union_of(kind(), parts, run.s);
    }
    if (!merged) merged = union_of(kind(), {}, run.s);
    batch_ptr result = reduce_records(*merged, aggregation::sum, run.s);
    if (drop_zeros_) result = without_zeros(result, run.s);
    previous_ = result;
    previous_time_ = t;
    return result;
  }
  void save_extra(byte_writer& w, stream_view s) const override {
    w.i64(previous_time_);
    write_batch(w, previous_, s);
  }
  void load_extra(byte_reader& r, stream_view s) override {
    previous_time_ = r.i64();
    previous_ = read_batch(r, s);
  }

 private:
  aggregation agg_;
  bool drop_zeros_;
  batch_ptr previous_;
  batch_time previous_time_ = 0;
};

/// Spark's reduceByWindow / countByWindow over one value per batch (the
/// batch's reduction), kept on the host: at most one record per window.
class value_window_node final : public windowed_node {
 public:
  value_window_node(const node_ptr& parent, value_reducer reducer, bool counting, std::int64_t length_ms,
                    std::int64_t slide_ms)
      : windowed_node{parent, record_kind::integers, length_ms, slide_ms},
        agg_{reducer.agg},
        user_{std::move(reducer.user)},
        counting_{counting} {}
  std::string checkpoint_tag() const override {
    return window_tag(counting_ ? "count_by_window" : "reduce_by_window") + " " + value_reducer{agg_, user_}.tag();
  }

 protected:
  batch_ptr partial(const batch_ptr& in, stream_view s) override {
    // A user's reduction runs on the backend: the batch's value stays there.
    if (user_) return reduce_with(*in, *user_, s);
    // One integer: the batch's count, or its reduction (none for an empty batch).
    std::vector<std::int64_t> v;
    if (counting_) {
      v.push_back(in->size());
    } else if (in->size() > 0) {
      const host_records h = download(*in, s);
      const auto& values = std::get<std::vector<std::int64_t>>(h);
      std::int64_t r = values.front();
      for (std::size_t i = 1; i < values.size(); ++i) r = combine(r, values[i]);
      v.push_back(r);
    }
    return upload(host_records{std::move(v)}, s);
  }
  batch_ptr output(batch_run& run) override {
    if (user_) {
      batch_ptr all = union_of(kind(), between(run.time - length_, run.time), run.s);
      return all ? reduce_with(*all, *user_, run.s) : upload(empty_records(kind()), run.s);
    }
    std::optional<std::int64_t> r;
    for (const auto& p : between(run.time - length_, run.time)) {
      const host_records h = download(*p, run.s);
      for (std::int64_t x : std::get<std::vector<std::int64_t>>(h)) r = r ? combine(*r, x) : x;
    }
    std::vector<std::int64_t> out;
    if (counting_) {
      // Spark's countByWindow: once a record has been seen, every window has a
      // count, 0 when it is empty; before that, windows are empty.
      seen_ = seen_ || (r && *r > 0);
      if (seen_) out.push_back(r.value_or(0));
    } else if (r) {
      out.push_back(*r);
    }
    return upload(host_records{std::move(out)}, run.s);
  }
  void save_extra(byte_writer& w, stream_view) const override { w.u8(seen_ ? 1 : 0); }
  void load_extra(byte_reader& r, stream_view) override { seen_ = r.u8() != 0; }

 private:
  std::int64_t combine(std::int64_t a, std::int64_t b) const {
    switch (agg_) {
      case aggregation::min: return std::min(a, b);
      case aggregation::max: return std::max(a, b);
      default: return wrapping_add(a, b);
    }
  }
  aggregation agg_;
  std::shared_ptr<const reduce_kernel> user_;
  bool counting_;
  bool seen_ = false;
};

/// update_state_by_key with a sum or a user's reduction: the state is the
/// running reduction of each key's values (integer or double), merged on the
/// backend every batch; every key in the state is output.
class reduce_state_node final : public node {
 public:
  reduce_state_node(const node_ptr& parent, value_reducer reducer)
      : node{parent->context(), parent->kind(), {parent}}, reducer_{std::move(reducer)} {}

 protected:
  batch_ptr compute(batch_run& run) override {
    batch_ptr in = parent()->evaluate(run);
    if (!state_) state_ = reducer_.reduce(*union_of(kind(), {}, run.s), run.s);
    if (in && in->size() > 0) {
      batch_ptr merged = union_of(kind(), {state_, in}, run.s);
      state_ = reducer_.reduce(*merged, run.s);
    }
    return state_;
  }

 public:
  std::uint64_t state_keys() const override { return state_ ? static_cast<std::uint64_t>(state_->size()) : 0; }
  std::string checkpoint_tag() const override {
    if (reducer_.user) return "update_state_by_key/device " + std::to_string(static_cast<int>(kind()));
    // The tag of integer pairs is the one from before other kinds existed.
    if (kind() == record_kind::pairs) return "update_state_by_key/sum";
    return "update_state_by_key/sum " + std::to_string(static_cast<int>(kind()));
  }
  void save_state(byte_writer& w, stream_view s) const override { write_batch(w, state_, s); }
  void load_state(byte_reader& r, stream_view s) override {
    state_ = read_batch(r, s);
    if (state_ && state_->kind != kind()) r.fail("update_state_by_key's state holds another record type");
  }

 private:
  value_reducer reducer_;
  batch_ptr state_;
};

/// Writes and reads a state key or value of a checkpoint: a string, an
/// integer, or a double by its bits.
template <class V>
void write_value(byte_writer& w, const V& v) {
  if constexpr (std::is_same_v<V, std::string>) {
    w.bytes(v);
  } else if constexpr (std::is_same_v<V, double>) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    w.u64(bits);
  } else {
    w.i64(v);
  }
}
template <class V>
V read_value(byte_reader& r) {
  if constexpr (std::is_same_v<V, std::string>) {
    return std::string{r.bytes()};
  } else if constexpr (std::is_same_v<V, double>) {
    const std::uint64_t bits = r.u64();
    double v = 0;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  } else {
    return r.i64();
  }
}

/// update_state_by_key with a host function: for each key in the state or in
/// the batch, f(new values in batch order, previous state) gives the new state
/// (none: the key is removed). Keys are strings (word_pair and keyed_double,
/// out in byte order) or integers (int_pair, out in ascending order); values
/// are integers or doubles (keyed_double).
template <class Key, class V>
class host_state_node final : public node {
  using record = std::pair<Key, V>;
  using update = std::function<std::optional<V>(const std::vector<V>&, std::optional<V>)>;
  static constexpr bool string_keys = std::is_same_v<Key, std::string>;
  static constexpr bool doubles = std::is_same_v<V, double>;
  static_assert(string_keys || !doubles, "doubles are kept under string keys only");

 public:
  host_state_node(const node_ptr& parent, update f)
      : node{parent->context(),
             doubles ? record_kind::keyed_doubles : (string_keys ? record_kind::pairs : record_kind::int_pairs),
             {parent}},
        f_{std::move(f)} {}

 protected:
  batch_ptr compute(batch_run& run) override {
    batch_ptr in = parent()->evaluate(run);
    std::map<Key, std::vector<V>> fresh;
    if (in && in->size() > 0) {
      host_records h = download(*in, run.s);
      for (auto& [k, v] : std::get<std::vector<record>>(h)) fresh[std::move(k)].push_back(v);
    }
    std::map<Key, V> next;
    auto state_it = state_.begin();
    auto fresh_it = fresh.begin();
    static const std::vector<V> none;
    while (state_it != state_.end() || fresh_it != fresh.end()) {
      const bool from_state =
          fresh_it == fresh.end() || (state_it != state_.end() && state_it->first <= fresh_it->first);
      const bool from_fresh =
          state_it == state_.end() || (fresh_it != fresh.end() && fresh_it->first <= state_it->first);
      const Key& key = from_state ? state_it->first : fresh_it->first;
      std::optional<V> previous;
      if (from_state) previous = state_it->second;
      std::optional<V> updated = f_(from_fresh ? fresh_it->second : none, previous);
      if (updated) next.emplace(key, *updated);
      if (from_state) ++state_it;
      if (from_fresh) ++fresh_it;
    }
    state_ = std::move(next);
    std::vector<record> out(state_.begin(), state_.end());
    return upload(host_records{std::move(out)}, run.s);
  }

 public:
  std::uint64_t state_keys() const override { return state_.size(); }
  std::string checkpoint_tag() const override {
    // The tag of string keys with integers is the one from before the others.
    if constexpr (doubles) return "update_state_by_key/function keyed_doubles";
    return string_keys ? "update_state_by_key/function" : "update_state_by_key/function int_pairs";
  }
  void save_state(byte_writer& w, stream_view) const override {
    w.u64(state_.size());
    for (const auto& [k, v] : state_) {
      write_value(w, k);
      write_value(w, v);
    }
  }
  void load_state(byte_reader& r, stream_view) override {
    state_.clear();
    const std::uint64_t n = r.count(16);
    for (std::uint64_t i = 0; i < n; ++i) {
      Key k = read_value<Key>(r);
      state_[std::move(k)] = read_value<V>(r);
    }
  }

 private:
  update f_;
  std::map<Key, V> state_;
};

/// map_with_state: the state of each key with the time of its last data, on
/// the host; the user's function is called per record, then for idle keys.
/// Keys are strings (word_pair, keyed_double) or integers (int_pair); values
/// integers or doubles (keyed_double).
template <class Key, class V>
class map_state_node final : public node {
  static constexpr bool string_keys = std::is_same_v<Key, std::string>;
  static constexpr bool doubles = std::is_same_v<V, double>;
  static_assert(string_keys || !doubles, "doubles are kept under string keys only");
  using mapper = std::conditional_t<doubles, double_state_mapper,
                                    std::conditional_t<string_keys, state_mapper, int_state_mapper>>;
  using record = std::pair<Key, V>;
  using state_type = basic_key_state<V>;

 public:
  struct entry {
    V value{};
    batch_time last_data = 0;
  };

  map_state_node(const node_ptr& parent, record_kind out, mapper f, std::int64_t timeout_ms)
      : node{parent->context(), out, {parent}}, f_{std::move(f)}, timeout_{timeout_ms} {}

  std::uint64_t state_keys() const override { return state_.size(); }
  const std::map<Key, entry>& state() const noexcept { return state_; }
  std::string checkpoint_tag() const override {
    // The tag of string keys with integers is the one from before the others.
    const char* prefix = doubles ? "map_with_state keyed_doubles " : string_keys ? "map_with_state " : "map_with_state int_pairs ";
    return prefix + std::to_string(timeout_) + " " + std::to_string(static_cast<int>(kind()));
  }
  void save_state(byte_writer& w, stream_view) const override {
    w.u64(state_.size());
    for (const auto& [k, e] : state_) {
      write_value(w, k);
      write_value(w, e.value);
      w.i64(e.last_data);
    }
  }
  void load_state(byte_reader& r, stream_view) override {
    state_.clear();
    const std::uint64_t n = r.count(24);
    for (std::uint64_t i = 0; i < n; ++i) {
      Key k = read_value<Key>(r);
      entry e;
      e.value = read_value<V>(r);
      e.last_data = r.i64();
      state_[std::move(k)] = e;
    }
  }

 protected:
  batch_ptr compute(batch_run& run) override {
    batch_ptr in = parent()->evaluate(run);
    host_records out = empty_records(kind());
    if (in && in->size() > 0) {
      host_records h = download(*in, run.s);
      for (const auto& [k, v] : std::get<std::vector<record>>(h)) {
        const auto it = state_.find(k);
        state_type st{it != state_.end() ? std::optional<V>{it->second.value} : std::nullopt, false};
        f_(k, v, st, out);
        if (st.exists()) {
          state_[k] = entry{st.get(), run.time};  // data refreshes the key's idle time
        } else if (it != state_.end()) {
          state_.erase(it);
        }
      }
    }
    if (timeout_ > 0) {
      // Spark's rule: idle when the last data came before batch time - timeout.
      const batch_time threshold = run.time - timeout_;
      for (auto it = state_.begin(); it != state_.end();) {
        if (it->second.last_data >= threshold) {
          ++it;
          continue;
        }
        state_type st{it->second.value, true};
        f_(it->first, std::nullopt, st, out);
        it = state_.erase(it);
      }
    }
    return upload(std::move(out), run.s);
  }

 private:
  mapper f_;
  std::int64_t timeout_;
  std::map<Key, entry> state_;
};

/// state_snapshots: (key, state) of every key in a map_state_node after each batch.
template <class Key, class V>
class snapshot_node final : public node {
  using record = std::pair<Key, V>;

 public:
  explicit snapshot_node(const node_ptr& mapped)
      : node{mapped->context(),
             std::is_same_v<V, double>
                 ? record_kind::keyed_doubles
                 : (std::is_same_v<Key, std::string> ? record_kind::pairs : record_kind::int_pairs),
             {mapped}} {}

 protected:
  batch_ptr compute(batch_run& run) override {
    parent()->evaluate(run);  // the state after this batch
    const auto& state = static_cast<const map_state_node<Key, V>*>(parent_node())->state();
    std::vector<record> out;
    out.reserve(state.size());
    for (const auto& [k, e] : state) out.emplace_back(k, e.value);
    return upload(host_records{std::move(out)}, run.s);
  }
};

std::int64_t checked_window(const std::shared_ptr<context_impl>& ctx, const node_ptr& parent,
                            std::chrono::milliseconds length, std::chrono::milliseconds slide,
                            const std::string& what, std::int64_t& slide_ms) {
  const std::int64_t interval = ctx->options().batch_interval.count();
  const std::int64_t parent_slide = parent->slide_ms() > 0 ? parent->slide_ms() : interval;
  slide_ms = slide.count() == 0 ? parent_slide : slide.count();
  GPUSTREAM_EXPECTS(length.count() > 0, what + ": the window length must be positive");
  GPUSTREAM_EXPECTS(slide_ms > 0, what + ": the slide must be positive");
  GPUSTREAM_EXPECTS(length.count() % parent_slide == 0,
                    what + ": the window length (" + std::to_string(length.count()) +
                        " ms) must be a multiple of the parent's slide (" + std::to_string(parent_slide) + " ms)");
  GPUSTREAM_EXPECTS(slide_ms % parent_slide == 0,
                    what + ": the slide (" + std::to_string(slide_ms) +
                        " ms) must be a multiple of the parent's slide (" + std::to_string(parent_slide) + " ms)");
  return length.count();
}

/// union_of concatenates strings, pairs (string keys with integer or
/// double values, integer keys) and integers only.
void expect_flat_records(const node_ptr& parent, const std::string& what) {
  const record_kind k = parent->kind();
  GPUSTREAM_EXPECTS(k == record_kind::strings || k == record_kind::pairs || k == record_kind::keyed_doubles ||
                        k == record_kind::int_pairs || k == record_kind::integers,
                    what + ": holds lines, pairs or integers, not the records of a join or a group; map them to "
                           "one of those first");
}

/// The built-in reductions over keys take (string, int64), (string, double)
/// and (int64, int64) pairs.
void expect_keyed_values(const node_ptr& parent, const std::string& what) {
  const record_kind k = parent->kind();
  GPUSTREAM_EXPECTS(k == record_kind::pairs || k == record_kind::keyed_doubles || k == record_kind::int_pairs,
                    what + ": needs a dstream of pairs of a string and an integer or a double, or of two integers");
}

template <class Node, class... Args>
node_ptr per_batch(const std::shared_ptr<context_impl>& ctx, Args&&... args) {
  node_ptr n = std::make_shared<Node>(std::forward<Args>(args)...);
  ctx->add_per_batch_node(n);
  return n;
}

}  // namespace

namespace {

/// map_with_state's checks at graph building, then its node over `Key` and `V`.
template <class Key, class V, class Mapper>
node_ptr map_with_state_node(const node_ptr& parent, record_kind in, record_kind out, Mapper f,
                             std::chrono::milliseconds timeout) {
  auto ctx = building(parent, "map_with_state");
  GPUSTREAM_EXPECTS(parent->kind() == in, "map_with_state: the parent holds another record type");
  GPUSTREAM_EXPECTS(parent->slide_ms() == 0, "map_with_state: the parent must have data every batch");
  GPUSTREAM_EXPECTS(f != nullptr, "map_with_state: an empty function");
  GPUSTREAM_EXPECTS(timeout.count() >= 0, "map_with_state: a negative timeout");
  return per_batch<map_state_node<Key, V>>(ctx, parent, out, std::move(f), timeout.count());
}

}  // namespace

node_ptr make_map_with_state(const node_ptr& parent, record_kind out, state_mapper f,
                             std::chrono::milliseconds timeout) {
  return map_with_state_node<std::string, std::int64_t>(parent, record_kind::pairs, out, std::move(f), timeout);
}

node_ptr make_map_with_state(const node_ptr& parent, record_kind out, int_state_mapper f,
                             std::chrono::milliseconds timeout) {
  return map_with_state_node<std::int64_t, std::int64_t>(parent, record_kind::int_pairs, out, std::move(f),
                                                          timeout);
}

node_ptr make_map_with_state(const node_ptr& parent, record_kind out, double_state_mapper f,
                             std::chrono::milliseconds timeout) {
  return map_with_state_node<std::string, double>(parent, record_kind::keyed_doubles, out, std::move(f), timeout);
}

/// state_snapshots of a node that keeps its state as a batch (map_with_state on the backend).
class batch_snapshot_node final : public node {
 public:
  batch_snapshot_node(const node_ptr& mapped, record_kind kind) : node{mapped->context(), kind, {mapped}} {}

 protected:
  batch_ptr compute(batch_run& run) override {
    parent()->evaluate(run);  // the state after this batch
    return dynamic_cast<const state_source*>(parent_node())->state_snapshot();
  }
};

node_ptr make_state_snapshots(const node_ptr& mapped) {
  auto ctx = building(mapped, "state_snapshots");
  const node* n = mapped.get();
  if (dynamic_cast<const state_source*>(n) != nullptr) {
    return std::make_shared<batch_snapshot_node>(mapped, mapped->parent_node()->kind());
  }
  if (dynamic_cast<const map_state_node<std::int64_t, std::int64_t>*>(n) != nullptr) {
    return std::make_shared<snapshot_node<std::int64_t, std::int64_t>>(mapped);
  }
  if (dynamic_cast<const map_state_node<std::string, double>*>(n) != nullptr) {
    return std::make_shared<snapshot_node<std::string, double>>(mapped);
  }
  GPUSTREAM_EXPECTS((dynamic_cast<const map_state_node<std::string, std::int64_t>*>(n) != nullptr),
                    "state_snapshots: not a map_with_state stream");
  return std::make_shared<snapshot_node<std::string, std::int64_t>>(mapped);
}

node_ptr make_union(const node_ptr& a, const node_ptr& b) {
  auto ctx = building(a, "union_with");
  expect_alike(ctx, a, b, "union_with");
  GPUSTREAM_EXPECTS(a->kind() == b->kind(), "union_with: the dstreams hold different record types");
  expect_flat_records(a, "union_with");
  return std::make_shared<union_node>(a, b);
}

node_ptr make_window(const node_ptr& parent, std::chrono::milliseconds length, std::chrono::milliseconds slide) {
  auto ctx = building(parent, "window");
  expect_flat_records(parent, "window");
  std::int64_t slide_ms = 0;
  const std::int64_t length_ms = checked_window(ctx, parent, length, slide, "window", slide_ms);
  return per_batch<window_node>(ctx, parent, parent->kind(), length_ms, slide_ms);
}

node_ptr make_reduce_by_key_and_window(const node_ptr& parent, aggregation agg, bool inverse, bool drop_zeros,
                                       std::chrono::milliseconds length, std::chrono::milliseconds slide) {
  const std::string what = "reduce_by_key_and_window";
  auto ctx = building(parent, what);
  expect_keyed_values(parent, what);
  std::int64_t slide_ms = 0;
  const std::int64_t length_ms = checked_window(ctx, parent, length, slide, what, slide_ms);
  if (!inverse) return per_batch<reduce_window_node>(ctx, parent, value_reducer{agg, nullptr}, length_ms, slide_ms);
  GPUSTREAM_EXPECTS(parent->kind() != record_kind::keyed_doubles,
                    what + ": the inverse form takes integer values only; subtracting floating-point sums leaves "
                           "rounding residues (keys would not fall back to 0), so use the plain form for doubles");
  GPUSTREAM_EXPECTS(agg == aggregation::sum || agg == aggregation::count,
                    what + ": an inverse exists for sum and count only, not for min or max");
  return per_batch<inverse_window_node>(ctx, parent, agg, drop_zeros, length_ms, slide_ms);
}

node_ptr make_value_window(const node_ptr& parent, aggregation agg, bool counting, std::chrono::milliseconds length,
                           std::chrono::milliseconds slide) {
  const std::string what = counting ? "count_by_window" : "reduce_by_window";
  auto ctx = building(parent, what);
  GPUSTREAM_EXPECTS(counting || parent->kind() == record_kind::integers, what + ": needs a dstream of integers");
  std::int64_t slide_ms = 0;
  const std::int64_t length_ms = checked_window(ctx, parent, length, slide, what, slide_ms);
  return per_batch<value_window_node>(ctx, parent, value_reducer{agg, nullptr}, counting, length_ms, slide_ms);
}

node_ptr make_reduce(const node_ptr& parent, aggregation agg) {
  auto ctx = building(parent, "reduce");
  GPUSTREAM_EXPECTS(parent->kind() == record_kind::integers, "reduce: needs a dstream of integers");
  // A window of one slide: the batch's own reduction.
  const std::int64_t slide = parent->slide_ms() > 0 ? parent->slide_ms() : ctx->options().batch_interval.count();
  return per_batch<value_window_node>(ctx, parent, value_reducer{agg, nullptr}, false, slide, slide);
}

node_ptr make_update_state_by_key(const node_ptr& parent, aggregation agg, state_update f) {
  auto ctx = building(parent, "update_state_by_key");
  expect_keyed_values(parent, "update_state_by_key");
  GPUSTREAM_EXPECTS(parent->slide_ms() == 0, "update_state_by_key: the parent must have data every batch");
  if (f) {
    GPUSTREAM_EXPECTS(parent->kind() != record_kind::keyed_doubles,
                      "update_state_by_key: over doubles the function takes std::vector<double> and "
                      "std::optional<double>");
    if (parent->kind() == record_kind::int_pairs) {
      return per_batch<host_state_node<std::int64_t, std::int64_t>>(ctx, parent, std::move(f));
    }
    return per_batch<host_state_node<std::string, std::int64_t>>(ctx, parent, std::move(f));
  }
  GPUSTREAM_EXPECTS(agg == aggregation::sum,
                    "update_state_by_key: the built-in update on the backend is aggregation::sum; pass a function "
                    "for any other update");
  return per_batch<reduce_state_node>(ctx, parent, value_reducer{aggregation::sum, nullptr});
}

node_ptr make_update_state_by_key(const node_ptr& parent, double_state_update f) {
  auto ctx = building(parent, "update_state_by_key");
  GPUSTREAM_EXPECTS(parent->kind() == record_kind::keyed_doubles,
                    "update_state_by_key: a function over doubles needs a dstream<keyed_double>");
  GPUSTREAM_EXPECTS(parent->slide_ms() == 0, "update_state_by_key: the parent must have data every batch");
  GPUSTREAM_EXPECTS(static_cast<bool>(f), "update_state_by_key: an empty function");
  return per_batch<host_state_node<std::string, double>>(ctx, parent, std::move(f));
}

node_ptr make_device_reduce_by_key_and_window(const node_ptr& parent, std::shared_ptr<const reduce_kernel> k,
                                              std::chrono::milliseconds length, std::chrono::milliseconds slide) {
  const std::string what = "reduce_by_key_and_window";
  auto ctx = building(parent, what);
  GPUSTREAM_EXPECTS(k && k->host, what + ": an empty function");
  expect_keyed_values(parent, what);
  std::int64_t slide_ms = 0;
  const std::int64_t length_ms = checked_window(ctx, parent, length, slide, what, slide_ms);
  note_staged(parent, static_cast<bool>(k->device), what.c_str());
  return per_batch<reduce_window_node>(ctx, parent, value_reducer{aggregation::sum, std::move(k)}, length_ms,
                                       slide_ms);
}

node_ptr make_device_update_state_by_key(const node_ptr& parent, std::shared_ptr<const reduce_kernel> k) {
  auto ctx = building(parent, "update_state_by_key");
  GPUSTREAM_EXPECTS(k && k->host, "update_state_by_key: an empty function");
  expect_keyed_values(parent, "update_state_by_key");
  GPUSTREAM_EXPECTS(parent->slide_ms() == 0, "update_state_by_key: the parent must have data every batch");
  note_staged(parent, static_cast<bool>(k->device), "update_state_by_key");
  return per_batch<reduce_state_node>(ctx, parent, value_reducer{aggregation::sum, std::move(k)});
}

node_ptr make_device_reduce(const node_ptr& parent, std::shared_ptr<const reduce_kernel> k, bool windowed,
                            std::chrono::milliseconds length, std::chrono::milliseconds slide) {
  const std::string what = windowed ? "reduce_by_window" : "reduce";
  auto ctx = building(parent, what);
  GPUSTREAM_EXPECTS(k && k->host, what + ": an empty function");
  GPUSTREAM_EXPECTS(parent->kind() == record_kind::integers, what + ": needs a dstream of integers");
  note_staged(parent, static_cast<bool>(k->device), what.c_str());
  value_reducer reducer{aggregation::sum, std::move(k)};
  if (!windowed) {
    const std::int64_t every = parent->slide_ms() > 0 ? parent->slide_ms() : ctx->options().batch_interval.count();
    return per_batch<value_window_node>(ctx, parent, std::move(reducer), false, every, every);
  }
  std::int64_t slide_ms = 0;
  const std::int64_t length_ms = checked_window(ctx, parent, length, slide, what, slide_ms);
  return per_batch<value_window_node>(ctx, parent, std::move(reducer), false, length_ms, slide_ms);
}

}  // namespace gpustream::detail
