#include "graph.hpp"

#include "context_impl.hpp"

#include <gpustream/aggregate/reduce_by_int_key.hpp>
#include <gpustream/aggregate/reduce_by_key.hpp>
#include <gpustream/column/convert.hpp>
#include <gpustream/core/error.hpp>
#include <gpustream/join/join.hpp>
#include <gpustream/table/text_format.hpp>
#include <gpustream/text/filter.hpp>
#include <gpustream/text/split_lines.hpp>
#include <gpustream/text/tokenize.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <system_error>
#include <type_traits>
#include <utility>

namespace gpustream::detail {

batch_ptr node::evaluate(batch_run& run) {
  auto it = run.results.find(this);
  if (it != run.results.end()) return it->second;
  batch_ptr result = compute(run);
  run.results.emplace(this, result);
  return result;
}

// ---- moving records between backend and host ----

namespace {

/// Spark's toString of each part of a record.
void print_part(std::ostream& os, const std::string& x) { os << x; }
void print_part(std::ostream& os, std::int64_t x) { os << x; }
/// Java's Double.toString (append_double).
void print_part(std::ostream& os, double x) {
  std::string text;
  append_double(text, x);
  os << text;
}
template <class V>
void print_part(std::ostream& os, const std::optional<V>& x) {
  if (x) {
    os << "Some(";
    print_part(os, *x);
    os << ')';
  } else {
    os << "None";
  }
}
template <class V>
void print_part(std::ostream& os, const std::vector<V>& x) {
  os << "CompactBuffer(";
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (i > 0) os << ", ";
    print_part(os, x[i]);
  }
  os << ')';
}
template <class A, class B>
void print_part(std::ostream& os, const std::pair<A, B>& x) {
  os << '(';
  print_part(os, x.first);
  os << ',';
  print_part(os, x.second);
  os << ')';
}

/// One side's values of a batch on the host: a value per record, or (for
/// groups) lists of values over `values`, list i ending at offsets[i + 1].
template <class V>
struct host_side {
  std::vector<V> values;
  std::vector<offset_type> offsets{0};
};

/// The first `n` values of `c`, on the host (synchronises `s`).
template <class T>
std::vector<T> head(array_view<T> c, size_type n, stream_view s) {
  return to_host(array_view<T>{c.data(), std::min(n, c.size()), c.kind()}, s);
}

template <class V>
host_side<V> fetch_side(array_view<V> values, array_view<offset_type> offsets, bool lists, size_type n,
                        stream_view s) {
  host_side<V> h;
  if (lists) {
    h.offsets = head(offsets, n + 1, s);
    if (h.offsets.empty()) h.offsets.push_back(0);
    h.values = head(values, h.offsets.back(), s);
  } else {
    h.values = head(values, n, s);
  }
  return h;
}

/// The parts of a record's value: a value V (int64 or double), a
/// std::optional<V> (one side of an outer join) or a std::vector<V> (a group).
template <class Side>
struct side_traits {
  using value = Side;
  static constexpr bool optional = false;
  static constexpr bool list = false;
};
template <class V>
struct side_traits<std::optional<V>> {
  using value = V;
  static constexpr bool optional = true;
  static constexpr bool list = false;
};
template <class V>
struct side_traits<std::vector<V>> {
  using value = V;
  static constexpr bool optional = false;
  static constexpr bool list = true;
};
template <class Side>
using side_value_t = typename side_traits<Side>::value;

/// Record i's value on side `h` (`present`: whether the record has that side).
template <class Side>
Side take_side(const host_side<side_value_t<Side>>& h, bool present, std::size_t i) {
  if constexpr (side_traits<Side>::list) {
    return Side(h.values.begin() + h.offsets[i], h.values.begin() + h.offsets[i + 1]);
  } else if constexpr (side_traits<Side>::optional) {
    return present ? Side{h.values[i]} : std::nullopt;
  } else {
    return h.values[i];
  }
}

/// Appends a record's value to side `h`; returns whether the record has that side.
template <class V>
bool put_side(host_side<V>& h, const V& x) {
  h.values.push_back(x);
  return true;
}
template <class V>
bool put_side(host_side<V>& h, const std::optional<V>& x) {
  h.values.push_back(x.value_or(V{}));
  return x.has_value();
}
template <class V>
bool put_side(host_side<V>& h, const std::vector<V>& x) {
  h.values.insert(h.values.end(), x.begin(), x.end());
  h.offsets.push_back(static_cast<offset_type>(h.values.size()));
  return true;
}

/// The column of batch_data that holds values of type V on the left or the right.
template <class V>
array_view<V> value_column(const batch_data& d, bool right) {
  if constexpr (std::is_same_v<V, double>) {
    return right ? d.right_doubles : d.doubles;
  } else {
    return right ? d.right_values : d.values;
  }
}
template <class V>
void set_value_column(batch_data& d, bool right, array_view<V> c) {
  if constexpr (std::is_same_v<V, double>) {
    (right ? d.right_doubles : d.doubles) = c;
  } else {
    (right ? d.right_values : d.values) = c;
  }
}

template <class T>
struct is_pair : std::false_type {};
template <class A, class B>
struct is_pair<std::pair<A, B>> : std::true_type {};

void strings_batch(const std::vector<std::string>& strings, stream_view s, batch_data& out) {
  const string_column& column = out.own(string_column::from_host(strings, s));
  out.strings = out.own(spans_of(column.view(), s)).view();
}

template <class T>
array_view<T> owned_column(const std::vector<T>& h, stream_view s, batch_data& out) {
  return out.own(array<T>::from_host(h.data(), static_cast<size_type>(h.size()), s)).view();
}

template <std::size_t... I>
host_records empty_records_at(std::size_t kind, std::index_sequence<I...>) {
  host_records out;
  ((kind == I ? (void)out.emplace<I>() : void()), ...);
  return out;
}

}  // namespace

std::size_t record_count(const host_records& records) noexcept {
  return std::visit([](const auto& v) { return v.size(); }, records);
}

void write_record(std::ostream& os, const host_records& records, std::size_t i) {
  std::visit([&](const auto& v) { print_part(os, v[i]); }, records);
}

host_records empty_records(record_kind kind) {
  return empty_records_at(static_cast<std::size_t>(kind),
                          std::make_index_sequence<std::variant_size_v<host_records>>{});
}

namespace {

template <class K>
std::vector<K> fetch_keys(const batch_data& data, size_type n, stream_view s) {
  if constexpr (std::is_same_v<K, std::string>) {
    const string_spans_view all = data.strings;
    return to_host(string_spans_view{all.chars(), all.chars_size(), all.starts(), all.lengths(), n, all.kind()}, s);
  } else {
    return head(data.int_keys, n, s);
  }
}

/// The first `n` records of `data`, keyed records (K, X) with X a value,
/// or a pair of sides (joins, cogroup), or a list (groups).
template <class K, class X>
void download_keyed(const batch_data& data, size_type n, stream_view s, std::vector<std::pair<K, X>>& records) {
  std::vector<K> keys = fetch_keys<K>(data, n, s);
  records.reserve(keys.size());
  if constexpr (is_pair<X>::value) {
    using A = typename X::first_type;
    using B = typename X::second_type;
    const auto left = fetch_side(value_column<side_value_t<A>>(data, false), data.offsets,
                                 side_traits<A>::list, n, s);
    const auto right = fetch_side(value_column<side_value_t<B>>(data, true), data.right_offsets,
                                  side_traits<B>::list, n, s);
    const bool optional = side_traits<A>::optional || side_traits<B>::optional;
    const std::vector<std::uint8_t> sides = optional ? head(data.sides, n, s) : std::vector<std::uint8_t>{};
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const std::uint8_t has = optional ? sides[i] : 0;
      records.emplace_back(std::move(keys[i]), X{take_side<A>(left, (has & left_side) != 0, i),
                                                 take_side<B>(right, (has & right_side) != 0, i)});
    }
  } else {
    const auto left =
        fetch_side(value_column<side_value_t<X>>(data, false), data.offsets, side_traits<X>::list, n, s);
    for (std::size_t i = 0; i < keys.size(); ++i) records.emplace_back(std::move(keys[i]), take_side<X>(left, true, i));
  }
}

template <class K, class X>
void upload_keyed(std::vector<std::pair<K, X>>&& records, stream_view s, batch_data& out) {
  std::vector<K> keys;
  keys.reserve(records.size());
  if constexpr (is_pair<X>::value) {
    using A = typename X::first_type;
    using B = typename X::second_type;
    host_side<side_value_t<A>> left;
    host_side<side_value_t<B>> right;
    std::vector<std::uint8_t> sides;
    for (auto& [k, x] : records) {
      keys.push_back(std::move(k));
      const bool l = put_side(left, x.first);
      const bool r = put_side(right, x.second);
      sides.push_back(static_cast<std::uint8_t>((l ? left_side : 0) | (r ? right_side : 0)));
    }
    set_value_column(out, false, owned_column(left.values, s, out));
    set_value_column(out, true, owned_column(right.values, s, out));
    if constexpr (side_traits<A>::list) {
      out.offsets = owned_column(left.offsets, s, out);
      out.right_offsets = owned_column(right.offsets, s, out);
    } else {
      out.sides = owned_column(sides, s, out);
    }
  } else {
    host_side<side_value_t<X>> left;
    for (auto& [k, x] : records) {
      keys.push_back(std::move(k));
      put_side(left, x);
    }
    set_value_column(out, false, owned_column(left.values, s, out));
    if constexpr (side_traits<X>::list) out.offsets = owned_column(left.offsets, s, out);
  }
  if constexpr (std::is_same_v<K, std::string>) {
    strings_batch(keys, s, out);
  } else {
    out.int_keys = owned_column(keys, s, out);
    out.strings = out.own(string_spans{}).view();
  }
  // from_host copies may still read the host vectors: finish before they go.
  s.synchronize();
}

/// Whether record type T has integer keys.
template <class T>
constexpr bool int_keyed() {
  if constexpr (is_pair<T>::value) {
    return std::is_same_v<typename T::first_type, std::int64_t>;
  } else {
    return false;
  }
}

template <std::size_t... I>
constexpr std::array<bool, sizeof...(I)> int_keyed_kinds(std::index_sequence<I...>) {
  return {int_keyed<typename std::variant_alternative_t<I, host_records>::value_type>()...};
}
constexpr auto int_keyed_table = int_keyed_kinds(std::make_index_sequence<std::variant_size_v<host_records>>{});

}  // namespace

bool has_int_keys(record_kind kind) noexcept { return int_keyed_table[static_cast<std::size_t>(kind)]; }

host_records download(const batch_data& data, stream_view s, size_type limit) {
  const size_type n = limit < 0 ? data.size() : std::min(limit, data.size());
  host_records out = empty_records(data.kind);
  std::visit(
      [&](auto& records) {
        using T = typename std::decay_t<decltype(records)>::value_type;
        if constexpr (std::is_same_v<T, std::string>) {
          records = fetch_keys<std::string>(data, n, s);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          records = head(data.values, n, s);
        } else {
          download_keyed(data, n, s, records);
        }
      },
      out);
  return out;
}

batch_ptr upload(host_records&& records, stream_view s) {
  auto out = std::make_shared<batch_data>();
  out->kind = static_cast<record_kind>(records.index());
  std::visit(
      [&](auto&& v) {
        using T = typename std::decay_t<decltype(v)>::value_type;
        if constexpr (std::is_same_v<T, std::string>) {
          strings_batch(v, s, *out);
          s.synchronize();
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          out->values = owned_column(v, s, *out);
          s.synchronize();
        } else {
          upload_keyed(std::move(v), s, *out);
        }
      },
      records);
  return out;
}

namespace {

// The encoding of records in checkpoints: strings length-prefixed, integers
// as 8 bytes, an optional as a presence byte and its value, a list as its
// length and its values, a pair as its two parts.
void put(byte_writer& w, const std::string& x) { w.bytes(x); }
void put(byte_writer& w, std::int64_t x) { w.i64(x); }
/// A double as its IEEE-754 bits, so that every value (NaN, -0.0) comes back.
void put(byte_writer& w, double x) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &x, sizeof bits);
  w.u64(bits);
}
template <class V>
void put(byte_writer& w, const std::optional<V>& x) {
  w.u8(x ? 1 : 0);
  if (x) put(w, *x);
}
template <class V>
void put(byte_writer& w, const std::vector<V>& x) {
  w.u64(x.size());
  for (const V& v : x) put(w, v);
}
template <class A, class B>
void put(byte_writer& w, const std::pair<A, B>& x) {
  put(w, x.first);
  put(w, x.second);
}

void get(byte_reader& r, std::string& x) { x = std::string{r.bytes()}; }
void get(byte_reader& r, std::int64_t& x) { x = r.i64(); }
void get(byte_reader& r, double& x) {
  const std::uint64_t bits = r.u64();
  std::memcpy(&x, &bits, sizeof x);
}
template <class V>
void get(byte_reader& r, std::optional<V>& x) {
  const std::uint8_t present = r.u8();
  if (present > 1) r.fail("a bad optional marker");
  x.reset();
  if (present == 1) {
    V v{};
    get(r, v);
    x = v;
  }
}
template <class V>
void get(byte_reader& r, std::vector<V>& x) {
  x.resize(r.count(8));  // int64 and double: 8 bytes each
  for (V& v : x) get(r, v);
}
template <class A, class B>
void get(byte_reader& r, std::pair<A, B>& x) {
  get(r, x.first);
  get(r, x.second);
}

/// The fewest bytes a record of type T takes, to refuse counts beyond the data.
template <class T>
constexpr std::size_t min_encoded_bytes() {
  if constexpr (is_pair<T>::value) {
    return min_encoded_bytes<typename T::first_type>() + min_encoded_bytes<typename T::second_type>();
  } else if constexpr (side_traits<T>::optional) {
    return 1;
  } else {
    return 8;  // an integer, or the length of a string or a list
  }
}

}  // namespace

void write_batch(byte_writer& w, const batch_ptr& data, stream_view s) {
  w.u8(data ? 1 : 0);
  if (!data) return;
  const host_records h = download(*data, s);
  w.u8(static_cast<std::uint8_t>(data->kind));
  std::visit(
      [&](const auto& v) {
        w.u64(v.size());
        for (const auto& x : v) put(w, x);
      },
      h);
}

batch_ptr read_batch(byte_reader& r, stream_view s) {
  const std::uint8_t present = r.u8();
  if (present > 1) r.fail("a bad batch marker");
  if (present == 0) return nullptr;
  const std::uint8_t kind = r.u8();
  if (kind >= std::variant_size_v<host_records>) r.fail("an unknown record type " + std::to_string(kind));
  host_records h = empty_records(static_cast<record_kind>(kind));
  std::visit(
      [&](auto& v) {
        using T = typename std::decay_t<decltype(v)>::value_type;
        v.resize(r.count(min_encoded_bytes<T>()));
        for (auto& x : v) get(r, x);
      },
      h);
  return upload(std::move(h), s);
}

// ---- nodes ----

namespace {

void expect_kind(const node_ptr& parent, record_kind k, const char* what) {
  GPUSTREAM_EXPECTS(parent->kind() == k, std::string{what} + ": wrong record type");
}

class input_node final : public node {
 public:
  input_node(std::weak_ptr<context_impl> ctx, std::size_t index)
      : node{std::move(ctx), record_kind::strings, {}, node_op::input, index} {}

 protected:
  batch_ptr compute(batch_run& run) override {
    const std::shared_ptr<array<char>>& text = run.inputs->at(input_index());
    auto out = std::make_shared<batch_data>();
    out->kind = record_kind::strings;
    out->owners.push_back(text);
    out->strings = out->own(split_lines(text->view(), run.s)).view();
    return out;
  }
};

/// reduce_by_key; over input.flat_map(split_words).map(pair_with_one) with sum
/// or count it is the fused word count over the input's raw text (one pass, no
/// token spans): whitespace includes '\n' and '\r', so the tokens of the text
/// are the tokens of its lines.
class reduce_node final : public node {
 public:
  reduce_node(const node_ptr& parent, aggregation agg, reduce_algorithm word_count_algorithm)
      : node{parent->context(), parent->kind(), {parent}}, agg_{agg}, algorithm_{word_count_algorithm} {
    set_slide_ms(parent->slide_ms());
  }

 protected:
  batch_ptr compute(batch_run& run) override {
    // The table owns its keys and values: the result holds no input buffer,
    // so that windows and state keep compact tables, not batches of text.
    if (const node* input = fused_input()) {
      auto out = std::make_shared<batch_data>();
      out->kind = record_kind::pairs;
      const std::shared_ptr<array<char>>& text = run.inputs->at(input->input_index());
      const key_value_table& table = out->own(word_count(text->view(), run.s, nullptr, algorithm_));
      out->strings = out->own(spans_of(table.keys.view(), run.s)).view();
      out->values = table.values.view();
      return out;
    }
    batch_ptr in = parent()->evaluate(run);
    if (!in) return nullptr;
    return reduce_records(*in, agg_, run.s);
  }

 private:
  const node* fused_input() const {
    if (agg_ != aggregation::sum && agg_ != aggregation::count) return nullptr;
    const node* pairs = parent_node();
    if (pairs == nullptr || pairs->op() != node_op::pair_with_one) return nullptr;
    const node* words = pairs->parent_node();
    if (words == nullptr || words->op() != node_op::split_words) return nullptr;
    const node* input = words->parent_node();
    return input != nullptr && input->op() == node_op::input ? input : nullptr;
  }

  aggregation agg_;
  reduce_algorithm algorithm_;
};

class host_node final : public node {
 public:
  host_node(const node_ptr& parent, record_kind kind, host_transform f)
      : node{parent->context(), kind, {parent}}, f_{std::move(f)} {
    set_slide_ms(parent->slide_ms());
  }

 protected:
  batch_ptr compute(batch_run& run) override {
    batch_ptr in = parent()->evaluate(run);
    if (!in) return nullptr;
    host_records out = f_(download(*in, run.s));
    return upload(std::move(out), run.s);
  }

 private:
  host_transform f_;
};

}  // namespace

batch_ptr reduce_records(const batch_data& in, aggregation agg, stream_view s) {
  auto out = std::make_shared<batch_data>();
  out->kind = in.kind;
  reduce_options options;
  options.agg = agg;
  if (in.kind == record_kind::keyed_doubles) {
    const key_double_table& table = out->own(reduce_by_key(in.strings, in.doubles, options, s));
    out->strings = out->own(spans_of(table.keys.view(), s)).view();
    out->doubles = table.values.view();
  } else if (in.kind == record_kind::int_pairs) {
    const int_key_table& table = out->own(reduce_by_key(in.int_keys, in.values, agg, s));
    out->int_keys = table.keys.view();
    out->values = table.values.view();
  } else {
    GPUSTREAM_EXPECTS(in.kind == record_kind::pairs, "reduce_by_key: needs pairs");
    const key_value_table& table = out->own(reduce_by_key(in.strings, in.values, options, s));
    out->strings = out->own(spans_of(table.keys.view(), s)).view();
    out->values = table.values.view();
  }
  return out;
}

std::shared_ptr<context_impl> building(const node_ptr& parent, const std::string& what) {
  GPUSTREAM_EXPECTS(parent != nullptr, what + ": an empty dstream");
  auto ctx = parent->context().lock();
  GPUSTREAM_EXPECTS(ctx != nullptr, what + ": the dstream's streaming_context is gone");
  ctx->expect_building(what.c_str());
  return ctx;
}

void expect_alike(const std::shared_ptr<context_impl>& ctx, const node_ptr& a, const node_ptr& b,
                  const std::string& what) {
  GPUSTREAM_EXPECTS(b != nullptr && b->context().lock() == ctx,
                    what + ": both dstreams must belong to the same streaming_context");
  GPUSTREAM_EXPECTS(a->slide_ms() == b->slide_ms(), what + ": the dstreams slide at different intervals");
}

node_ptr make_input_node(std::weak_ptr<context_impl> ctx, std::size_t index) {
  return std::make_shared<input_node>(std::move(ctx), index);
}

node_ptr make_split_words(const node_ptr& parent) {
  auto ctx = building(parent, "flat_map(split_words)");
  expect_kind(parent, record_kind::strings, "flat_map(split_words)");
  return make_unary(parent, record_kind::strings, [](const batch_data& in, batch_data& out, stream_view s) {
    out.strings = out.own(tokenize(in.strings, s)).view();
  }, node_op::split_words);
}

node_ptr make_pair_with_one(const node_ptr& parent) {
  auto ctx = building(parent, "map(pair_with_one)");
  expect_kind(parent, record_kind::strings, "map(pair_with_one)");
  return make_unary(parent, record_kind::pairs, [](const batch_data& in, batch_data& out, stream_view s) {
    out.strings = in.strings;
    out.values = out.own(constant_column(in.strings.size(), 1, s)).view();
  }, node_op::pair_with_one);
}

node_ptr make_filter_contains(const node_ptr& parent, std::string needle) {
  auto ctx = building(parent, "filter(contains)");
  expect_kind(parent, record_kind::strings, "filter(contains)");
  return make_unary(parent, record_kind::strings,
                    [needle = std::move(needle)](const batch_data& in, batch_data& out, stream_view s) {
                      out.strings = out.own(filter_containing(in.strings, needle, s)).view();
                    });
}

node_ptr make_reduce_by_key(const node_ptr& parent, aggregation agg) {
  auto ctx = building(parent, "reduce_by_key");
  const record_kind k = parent->kind();
  GPUSTREAM_EXPECTS(k == record_kind::pairs || k == record_kind::keyed_doubles || k == record_kind::int_pairs,
                    "reduce_by_key: needs a dstream of pairs of a string and an integer or a double, or of two "
                    "integers");
  return std::make_shared<reduce_node>(parent, agg, ctx->options().word_count_algorithm);
}

node_ptr make_count(const node_ptr& parent) {
  auto ctx = building(parent, "count");
  return make_unary(parent, record_kind::integers, [](const batch_data& in, batch_data& out, stream_view s) {
    out.values = out.own(constant_column(1, in.size(), s)).view();
  });
}

node_ptr make_host_node(const node_ptr& parent, record_kind out, std::string name, host_transform f) {
  auto ctx = building(parent, name.c_str());
  GPUSTREAM_EXPECTS(f != nullptr, name + ": an empty function");
  return std::make_shared<host_node>(parent, out, std::move(f));
}

// ---- output operations ----

namespace {

class print_op final : public output_op {
 public:
  print_op(node_ptr parent, std::size_t n) : parent_{std::move(parent)}, n_{n} {}
  void run(batch_run& run) override {
    batch_ptr data = parent_->evaluate(run);
    if (!data) return;
    // Spark's pprint takes n + 1 records: the extra one decides the "...".
    const auto take = static_cast<size_type>(std::min<std::size_t>(n_ + 1, static_cast<std::size_t>(INT64_MAX)));
    const host_records head = download(*data, run.s, take);
    std::ostringstream text;
    text << "-------------------------------------------\n"
         << "Time: " << run.time << " ms\n"
         << "-------------------------------------------\n";
    const std::size_t count = record_count(head);
    for (std::size_t i = 0; i < std::min(count, n_); ++i) {
      write_record(text, head, i);
      text << '\n';
    }
    if (count > n_) text << "...\n";
    text << '\n';
    *run.out << text.str() << std::flush;
  }

 private:
  node_ptr parent_;
  std::size_t n_;
};

[[noreturn]] void io_failure(const std::string& what, const std::filesystem::path& path) {
  throw std::runtime_error{"save_as_text_files: cannot " + what + " " + path.string() + ": " +
                           std::strerror(errno)};
}

class save_op final : public output_op {
 public:
  save_op(node_ptr parent, std::string prefix, std::string suffix)
      : parent_{std::move(parent)}, prefix_{std::move(prefix)}, suffix_{std::move(suffix)} {}
  void roll_back_after(batch_time t) override {
    namespace fs = std::filesystem;
    const fs::path prefix{prefix_};
    const fs::path dir = prefix.has_parent_path() ? prefix.parent_path() : fs::path{"."};
    const std::string stem = prefix.filename().string() + "-";
    const std::string tail = suffix_.empty() ? std::string{} : "." + suffix_;
    std::vector<fs::path> later;
    std::error_code ec;
    for (fs::directory_iterator it{dir, ec}, end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      // The batch's directory, or one a crash left half-written.
      auto time = batch_time_in_name(name, stem, tail);
      if (!time) time = batch_time_in_name(name, stem, tail + "._temporary");
      if (time && *time > t) later.push_back(it->path());
    }
    for (const auto& path : later) {
      std::error_code rm;
      fs::remove_all(path, rm);
      if (rm) {
        throw std::runtime_error{"save_as_text_files: cannot remove " + path.string() +
                                 " (output of a batch after the checkpoint): " + rm.message()};
      }
    }
  }

  void run(batch_run& run) override {
    namespace fs = std::filesystem;
    const batch_ptr data = parent_->evaluate(run);
    if (!data) return;
    const host_records records = download(*data, run.s);
    std::string name = prefix_ + "-" + std::to_string(run.time);
    if (!suffix_.empty()) name += "." + suffix_;
    const fs::path final_dir{name};
    const fs::path temp_dir{name + "._temporary"};
    std::error_code ec;
    fs::remove_all(temp_dir, ec);
    if (!fs::create_directories(temp_dir, ec) && ec) {
      throw std::runtime_error{"save_as_text_files: cannot create " + temp_dir.string() + ": " + ec.message()};
    }
    {
      std::ofstream part{temp_dir / "part-00000", std::ios::binary};
      if (!part) io_failure("create", temp_dir / "part-00000");
      const std::size_t n = record_count(records);
      for (std::size_t i = 0; i < n; ++i) {
        write_record(part, records, i);
        part << '\n';
      }
      part.flush();
      if (!part) io_failure("write", temp_dir / "part-00000");
    }
    {
      std::ofstream success{temp_dir / "_SUCCESS", std::ios::binary};
      if (!success) io_failure("create", temp_dir / "_SUCCESS");
    }
    // A batch run again replaces its directory.
    fs::remove_all(final_dir, ec);
    fs::rename(temp_dir, final_dir, ec);
    if (ec) {
      throw std::runtime_error{"save_as_text_files: cannot rename " + temp_dir.string() + " to " +
                               final_dir.string() + ": " + ec.message()};
    }
  }

 private:
  node_ptr parent_;
  std::string prefix_;
  std::string suffix_;
};

class foreach_op final : public output_op {
 public:
  foreach_op(node_ptr parent, host_sink f) : parent_{std::move(parent)}, f_{std::move(f)} {}
  void run(batch_run& run) override {
    const batch_ptr data = parent_->evaluate(run);
    if (data) f_(download(*data, run.s), run.time);
  }

 private:
  node_ptr parent_;
  host_sink f_;
};

}  // namespace

void add_print(const node_ptr& parent, std::size_t n) {
  auto ctx = building(parent, "print");
  ctx->add_output(std::make_unique<print_op>(parent, n));
}

void add_save_as_text_files(const node_ptr& parent, std::string prefix, std::string suffix) {
  auto ctx = building(parent, "save_as_text_files");
  GPUSTREAM_EXPECTS(!prefix.empty(), "save_as_text_files: an empty prefix");
  ctx->add_output(std::make_unique<save_op>(parent, std::move(prefix), std::move(suffix)));
}

void add_foreach_batch(const node_ptr& parent, host_sink f) {
  auto ctx = building(parent, "foreach_batch");
  GPUSTREAM_EXPECTS(f != nullptr, "foreach_batch: an empty function");
  ctx->add_output(std::make_unique<foreach_op>(parent, std::move(f)));
}

}  // namespace gpustream::detail
