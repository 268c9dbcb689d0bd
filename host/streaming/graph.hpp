#pragma once

// The DStream graph inside a context: nodes that compute one batch's data on
// the backend, and the output operations that consume it.

#include "../checkpoint/file_format.hpp"

#include <gpustream/memory/array.hpp>
#include <gpustream/column/string_column.hpp>
#include <gpustream/streaming/dstream.hpp>

#include <iosfwd>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace gpustream::detail {

class context_impl;

/// Whether records of this kind have integer keys (int_pair and its joins and groups).
bool has_int_keys(record_kind kind) noexcept;

/// One node's data for one batch, in the backend's memory: views of buffers
/// kept alive by `owners` (its own, or its parents'). Strings are `strings`;
/// pairs are `strings` (keys) with `values`; keyed doubles are `strings`
/// with `doubles`; integer-keyed pairs are `int_keys` with `values`;
/// integers are `values` alone.
/// Records of joins are keys (`strings`, or `int_keys` for integer keys),
/// the left values (`values`, or `doubles` for doubles), the right values
/// (`right_values` or `right_doubles`) and `sides` (which of the two each
/// record has: left_side | right_side, the missing side's value being 0).
/// Records of group_by_key are keys with the lists `offsets` over the left
/// values; of cogroup, also `right_offsets` over the right values.
struct batch_data {
  record_kind kind = record_kind::strings;
  string_spans_view strings;
  array_view<std::int64_t> values;
  array_view<double> doubles;
  array_view<std::int64_t> int_keys;
  array_view<std::int64_t> right_values;
  array_view<double> right_doubles;
  array_view<std::uint8_t> sides;
  array_view<offset_type> offsets;
  array_view<offset_type> right_offsets;
  std::vector<std::shared_ptr<const void>> owners;

  size_type size() const noexcept {
    if (kind == record_kind::integers) return values.size();
    return has_int_keys(kind) ? int_keys.size() : strings.size();
  }

  /// Keeps `x` alive with this batch's data and returns it.
  template <class T>
  const T& own(T&& x) {
    auto p = std::make_shared<const std::decay_t<T>>(std::forward<T>(x));
    owners.push_back(p);
    return *p;
  }
};
using batch_ptr = std::shared_ptr<const batch_data>;

/// A node whose state state_snapshots() reads: (key, state) records after each batch.
class state_source {
 public:
  virtual ~state_source() = default;
  virtual batch_ptr state_snapshot() const = 0;
};

/// What a node sees while one batch runs.
struct batch_run {
  batch_time time = 0;
  /// The time before the first batch (Spark's zeroTime): windows slide from it.
  batch_time zero_time = 0;
  stream_view s = stream_view::cpu();
  /// The batch's text of each input (by input index), in backend memory.
  const std::vector<std::shared_ptr<array<char>>>* inputs = nullptr;
  std::ostream* out = nullptr;  // print()'s stream
  std::unordered_map<const node*, batch_ptr> results;
};

/// What a node does, where the graph fuses chains of built-in operators.
enum class node_op { input, split_words, pair_with_one, other };

class node {
 public:
  node(std::weak_ptr<context_impl> ctx, record_kind kind, std::vector<node_ptr> parents,
       node_op op = node_op::other, std::size_t input_index = 0)
      : ctx_{std::move(ctx)}, kind_{kind}, parents_{std::move(parents)}, op_{op}, input_index_{input_index} {}
  virtual ~node() = default;
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  record_kind kind() const noexcept { return kind_; }
  const std::weak_ptr<context_impl>& context() const noexcept { return ctx_; }
  node_op op() const noexcept { return op_; }
  /// For node_op::input: which input.
  std::size_t input_index() const noexcept { return input_index_; }
  const node* parent_node(std::size_t i = 0) const { return i < parents_.size() ? parents_[i].get() : nullptr; }

  /// This node's data for the batch; computed once per batch, then shared.
  /// nullptr when the node has no data at this time (a window between two of
  /// its slides): output operations skip the batch, as Spark's do.
  batch_ptr evaluate(batch_run& run);

  /// Keys this node keeps as state across batches (0 for stateless nodes).
  virtual std::uint64_t state_keys() const { return 0; }

  /// Checkpoints. A node that keeps state across batches describes itself
  /// (its kind and parameters: a checkpoint of another graph is refused) and
  /// writes and reads that state; stateless nodes return an empty tag.
  virtual std::string checkpoint_tag() const { return {}; }
  virtual void save_state(byte_writer&, stream_view) const {}
  virtual void load_state(byte_reader&, stream_view) {}

  /// How often the node has data, in ms (0: every batch). Set by windows.
  std::int64_t slide_ms() const noexcept { return slide_ms_; }
  void set_slide_ms(std::int64_t ms) noexcept { slide_ms_ = ms; }

 protected:
  virtual batch_ptr compute(batch_run& run) = 0;
  const node_ptr& parent(std::size_t i = 0) const { return parents_.at(i); }

 private:
  std::weak_ptr<context_impl> ctx_;
  record_kind kind_;
  std::vector<node_ptr> parents_;
  node_op op_;
  std::size_t input_index_;
  std::int64_t slide_ms_ = 0;
};

/// The context of `parent` while its graph may still change; throws
/// gpustream::logic_error, starting with `what`, otherwise (an empty dstream,
/// a context that is gone, started or stopped).
std::shared_ptr<context_impl> building(const node_ptr& parent, const std::string& what);

/// For operators of two dstreams (union_with, joins): throws
/// gpustream::logic_error, starting with `what`, unless `b` belongs to `ctx`
/// (the context of `a`) and slides like `a`, so that both have data at the
/// same batch times.
void expect_alike(const std::shared_ptr<context_impl>& ctx, const node_ptr& a, const node_ptr& b,
                  const std::string& what);

/// A node computed from its parent's data by `f`; the parent's buffers stay
/// alive as long as the result (its spans may point into them).
template <class F>
class unary_node final : public node {
 public:
  unary_node(const node_ptr& parent, record_kind kind, F f, node_op op)
      : node{parent->context(), kind, {parent}, op}, f_{std::move(f)} {
    set_slide_ms(parent->slide_ms());
  }

 protected:
  batch_ptr compute(batch_run& run) override {
    batch_ptr in = parent()->evaluate(run);
    if (!in) return nullptr;
    auto out = std::make_shared<batch_data>();
    out->kind = kind();
    out->owners.push_back(in);
    f_(*in, *out, run.s);
    return out;
  }

 private:
  F f_;
};

template <class F>
node_ptr make_unary(const node_ptr& parent, record_kind kind, F f, node_op op = node_op::other) {
  return std::make_shared<unary_node<F>>(parent, kind, std::move(f), op);
}

/// The lines of input `index`.
node_ptr make_input_node(std::weak_ptr<context_impl> ctx, std::size_t index);

/// An output operation: runs once per batch, in registration order.
class output_op {
 public:
  virtual ~output_op() = default;
  virtual void run(batch_run& run) = 0;
  /// Recovery from a checkpoint of batch time `t`: drops what was written for
  /// later batches (they run again, or their data comes again).
  virtual void roll_back_after(batch_time /*t*/) {}
};

// Moving records between the backend and the host.
host_records download(const batch_data& data, stream_view s, size_type limit = -1);
batch_ptr upload(host_records&& records, stream_view s);

/// A batch's data (or its absence, for a null `data`) in a checkpoint.
void write_batch(byte_writer& w, const batch_ptr& data, stream_view s);
batch_ptr read_batch(byte_reader& r, stream_view s);

/// One record as text, as Spark's toString writes it: strings as they are,
/// integers in decimal, doubles as Java's Double.toString, pairs as
/// "(key,value)", optional values as "Some(1)" or "None", lists of values as
/// "CompactBuffer(1, 2)" (what groupByKey and cogroup give in Spark), so a
/// join's record is "(key,(1,2))".
void write_record(std::ostream& os, const host_records& records, std::size_t i);
std::size_t record_count(const host_records& records) noexcept;
/// reduce_by_key of pairs, keyed doubles or integer-keyed pairs with a
/// built-in aggregation, as a compact table that holds none of `in`'s
/// buffers.
batch_ptr reduce_records(const batch_data& in, aggregation agg, stream_view s);
/// An empty batch of records of `kind`, on the host.
host_records empty_records(record_kind kind);

/// reduce_by_key of pairs, keyed doubles or integer-keyed pairs with a user's
/// reduction (device_function.hpp), or of a batch of integers to one record
/// (none when it is empty); a compact table that holds none of `in`'s buffers.
batch_ptr reduce_with(const batch_data& in, const reduce_kernel& k, stream_view s);

/// The reduction of values of a keyed operator: a built-in aggregation, or a
/// user's reduction when `user` is set.
struct value_reducer {
  aggregation agg = aggregation::sum;
  std::shared_ptr<const reduce_kernel> user;

  batch_ptr reduce(const batch_data& in, stream_view s) const {
    return user ? reduce_with(in, *user, s) : reduce_records(in, agg, s);
  }
  /// The reduction that merges partial results of this one (counts add up).
  value_reducer merging() const {
    return value_reducer{agg == aggregation::count ? aggregation::sum : agg, user};
  }
  /// For checkpoint tags: the aggregation's number, or "device" for a user's
  /// reduction (whose identity a checkpoint cannot check).
  std::string tag() const { return user ? std::string{"device"} : std::to_string(static_cast<int>(agg)); }
};

/// Where a device_function's kernel cannot run as compiled (the caller was
/// not compiled by nvcc, and the context runs on the CUDA backend): logs once,
/// at graph building, that `what` runs on the host over staged records.
void note_staged(const node_ptr& parent, bool has_device_kernel, const char* what);

}  // namespace gpustream::detail
