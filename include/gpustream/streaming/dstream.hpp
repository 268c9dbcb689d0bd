#pragma once

#include <gpustream/aggregate/reduce_by_key.hpp>
#include <gpustream/core/error.hpp>
#include <gpustream/streaming/device_function.hpp>
#include <gpustream/streaming/listener.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace gpustream {

/// A (key, value) record: the element of a pair DStream (Spark's (String, Long)).
using word_pair = std::pair<std::string, std::int64_t>;
/// A (key, value) record with a floating-point value (Spark's (String,
/// Double)): what a host functor returning a pair of a string and a float or
/// double gives; reduce_by_key and the windows and state below take it too.
using keyed_double = std::pair<std::string, double>;
/// A (key, value) record with a 64-bit integer key (Spark's (Long, Long)):
/// what a host functor returning a pair of two integers gives (32-bit keys
/// and values widened to 64 bits); reduce_by_key and the windows and state
/// below take it too.
using int_pair = std::pair<std::int64_t, std::int64_t>;
/// The records of the joins and groups of pair types P = std::pair<K, V>
/// and Q = std::pair<K, W> (word_pair, keyed_double or int_pair; Q is P
/// unless a string-keyed stream is joined with one of the other value type).
/// join: (key, (left value, right value)) (Spark's (K, (V, W))).
template <class P, class Q = P>
using joined_t = std::pair<typename P::first_type, std::pair<typename P::second_type, typename Q::second_type>>;
/// left_outer_join: the right value is std::nullopt where the key has no
/// record on the right (Spark's (K, (V, Option[W]))).
template <class P, class Q = P>
using left_joined_t =
    std::pair<typename P::first_type, std::pair<typename P::second_type, std::optional<typename Q::second_type>>>;
/// right_outer_join (Spark's (K, (Option[V], W))).
template <class P, class Q = P>
using right_joined_t =
    std::pair<typename P::first_type, std::pair<std::optional<typename P::second_type>, typename Q::second_type>>;
/// full_outer_join (Spark's (K, (Option[V], Option[W]))).
template <class P, class Q = P>
using outer_joined_t = std::pair<typename P::first_type, std::pair<std::optional<typename P::second_type>,
                                                                   std::optional<typename Q::second_type>>>;
/// group_by_key: a key and its values in batch order (Spark's (K, Iterable[V])).
template <class P>
using grouped_t = std::pair<typename P::first_type, std::vector<typename P::second_type>>;
/// cogroup: a key and its values on each side, each in batch order (Spark's
/// (K, (Iterable[V], Iterable[W]))).
template <class P, class Q = P>
using cogrouped_t = std::pair<typename P::first_type, std::pair<std::vector<typename P::second_type>,
                                                                std::vector<typename Q::second_type>>>;

/// The records of the joins and groups of word_pair streams.
using joined_pair = joined_t<word_pair>;
using left_joined_pair = left_joined_t<word_pair>;
using right_joined_pair = right_joined_t<word_pair>;
using outer_joined_pair = outer_joined_t<word_pair>;
using grouped_pair = grouped_t<word_pair>;
using cogrouped_pair = cogrouped_t<word_pair>;

/// Built-in operators that run as kernels on the context's backend, passed by
/// tag: `lines.flat_map(split_words)`, `words.map(pair_with_one)`,
/// `lines.filter(contains{"ERROR"})`. Host functors (lambdas) are accepted too;
/// they run on the host over the batch's records.
struct split_words_t {};
/// flatMap(_.split(" ")) on whitespace (space, \t, \n, \v, \f, \r); tokens
/// are views into the batch's text, not copies.
inline constexpr split_words_t split_words{};
struct pair_with_one_t {};
/// map(word => (word, 1)).
inline constexpr pair_with_one_t pair_with_one{};
/// filter(line => line.contains(needle)): a byte-string match (the grep of the
/// D-Streams paper).
struct contains {
  std::string needle;
};

/// reduce_by_key_and_window's incremental form: the previous window's result
/// plus the batches entering it minus the batches leaving it (Spark's
/// invReduceFunc, here the inverse of the sum). Keys whose value falls to 0
/// stay in the result, as in Spark, unless `drop_zeros` (Spark's filterFunc
/// `_._2 != 0`).
struct with_inverse {
  bool drop_zeros = false;
};

/// The state of one key inside map_with_state's function (Spark's State[V]):
/// key_state holds an integer (word_pair, int_pair), double_key_state a
/// double (keyed_double).
template <class V>
class basic_key_state {
 public:
  bool exists() const noexcept { return exists_; }
  /// The state; throws gpustream::logic_error when there is none.
  V get() const;
  /// Sets the state. Throws gpustream::logic_error for a key timing out.
  void update(V value);
  /// Removes the key's state.
  void remove() noexcept { exists_ = false; }
  /// True in the last call for a key idle longer than the timeout.
  bool is_timing_out() const noexcept { return timing_out_; }

  basic_key_state(std::optional<V> value, bool timing_out) noexcept
      : value_{value.value_or(V{})}, exists_{value.has_value()}, timing_out_{timing_out} {}

 private:
  V value_;
  bool exists_;
  bool timing_out_;
};
using key_state = basic_key_state<std::int64_t>;
using double_key_state = basic_key_state<double>;

template <class T>
class dstream;
template <class U, class S = word_pair>
class mapped_with_state;
class streaming_context;

namespace detail {

class node;
using node_ptr = std::shared_ptr<node>;

/// One batch's records on the host, for host functors and output operations:
/// one alternative per record type, in the order of record_kind.
/// New types go at the end: checkpoints name a batch's type by its index.
using host_records = std::variant<
    std::vector<std::string>, std::vector<word_pair>, std::vector<std::int64_t>, std::vector<joined_pair>,
    std::vector<left_joined_pair>, std::vector<right_joined_pair>, std::vector<outer_joined_pair>,
    std::vector<grouped_pair>, std::vector<cogrouped_pair>, std::vector<keyed_double>, std::vector<int_pair>,
    std::vector<joined_t<keyed_double>>, std::vector<left_joined_t<keyed_double>>,
    std::vector<right_joined_t<keyed_double>>, std::vector<outer_joined_t<keyed_double>>,
    std::vector<grouped_t<keyed_double>>, std::vector<cogrouped_t<keyed_double>>, std::vector<joined_t<int_pair>>,
    std::vector<left_joined_t<int_pair>>, std::vector<right_joined_t<int_pair>>,
    std::vector<outer_joined_t<int_pair>>, std::vector<grouped_t<int_pair>>, std::vector<cogrouped_t<int_pair>>,
    std::vector<joined_t<word_pair, keyed_double>>, std::vector<left_joined_t<word_pair, keyed_double>>,
    std::vector<right_joined_t<word_pair, keyed_double>>, std::vector<outer_joined_t<word_pair, keyed_double>>,
    std::vector<cogrouped_t<word_pair, keyed_double>>, std::vector<joined_t<keyed_double, word_pair>>,
    std::vector<left_joined_t<keyed_double, word_pair>>, std::vector<right_joined_t<keyed_double, word_pair>>,
    std::vector<outer_joined_t<keyed_double, word_pair>>, std::vector<cogrouped_t<keyed_double, word_pair>>>;

/// The record type of a node: the index of its alternative in host_records.
enum class record_kind {
  strings, pairs, integers, joined, left_joined, right_joined, outer_joined, grouped, cogrouped, keyed_doubles,
  int_pairs, double_joined, double_left_joined, double_right_joined, double_outer_joined, double_grouped,
  double_cogrouped, int_joined, int_left_joined, int_right_joined, int_outer_joined, int_grouped, int_cogrouped,
  // string keys, int64 values joined with doubles, then doubles with int64 values
  int_double_joined, int_double_left_joined, int_double_right_joined, int_double_outer_joined, int_double_cogrouped,
  double_int_joined, double_int_left_joined, double_int_right_joined, double_int_outer_joined, double_int_cogrouped
};

/// The index of std::vector<T> among host_records' alternatives (their count
/// when T is not a record type).
template <class T, class... Vs>
constexpr std::size_t record_index(const std::variant<Vs...>*) {
  constexpr bool is_t[] = {std::is_same_v<Vs, std::vector<T>>...};
  std::size_t i = 0;
  while (i < sizeof...(Vs) && !is_t[i]) ++i;
  return i;
}
template <class T>
inline constexpr std::size_t record_index_v = record_index<T>(static_cast<const host_records*>(nullptr));

template <class T>
inline constexpr bool is_record_v = record_index_v<T> < std::variant_size_v<host_records>;

template <class T>
constexpr record_kind kind_of() {
  static_assert(is_record_v<T>, "not a record type");
  return static_cast<record_kind>(record_index_v<T>);
}
static_assert(kind_of<int_pair>() == record_kind::int_pairs, "record_kind follows host_records");
static_assert(kind_of<cogrouped_t<int_pair>>() == record_kind::int_cogrouped, "record_kind follows host_records");
static_assert(kind_of<cogrouped_t<keyed_double, word_pair>>() == record_kind::double_int_cogrouped,
              "record_kind follows host_records");



/// The records of joins and groups, which host functors return as they are.
template <class T>
inline constexpr bool is_keyed_result_v =
    is_record_v<T> && !std::is_same_v<T, std::string> && !std::is_same_v<T, word_pair> &&
    !std::is_same_v<T, std::int64_t> && !std::is_same_v<T, keyed_double> && !std::is_same_v<T, int_pair>;

/// The pair records that reduce_by_key, its window and update_state_by_key
/// take: (string, int64), (string, double) and (int64, int64).
template <class T>
inline constexpr bool is_keyed_value_v =
    std::is_same_v<T, word_pair> || std::is_same_v<T, keyed_double> || std::is_same_v<T, int_pair>;

/// Whether streams of P and Q can be joined: the same pair type, or string
/// keys with integer values on one side and doubles on the other.
template <class P, class Q>
inline constexpr bool joinable_v =
    is_keyed_value_v<P> && is_keyed_value_v<Q> &&
    (std::is_same_v<P, Q> || (!std::is_same_v<P, int_pair> && !std::is_same_v<Q, int_pair>));

template <class T>
inline constexpr bool is_integer_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;

/// What a host functor may return, normalised to a record type: integers to
/// int64, pairs of (string-like, integer) to word_pair, pairs of
/// (string-like, floating point) to keyed_double, pairs of two integers to
/// int_pair (widened to 64 bits), string-likes to string;
/// the records of joins and groups as they are.
template <class U, class = void>
struct record_of {
  using type = void;
};
template <class U>
struct record_of<U, std::enable_if_t<std::is_integral_v<U> && !std::is_same_v<U, bool>>> {
  using type = std::int64_t;
};
template <class U>
struct record_of<U, std::enable_if_t<std::is_constructible_v<std::string, U> && !std::is_integral_v<U>>> {
  using type = std::string;
};
template <class K, class V>
struct record_of<std::pair<K, V>, std::enable_if_t<std::is_constructible_v<std::string, K> && std::is_integral_v<V>>> {
  using type = word_pair;
};
template <class K, class V>
struct record_of<std::pair<K, V>,
                 std::enable_if_t<std::is_constructible_v<std::string, K> && std::is_floating_point_v<V>>> {
  using type = keyed_double;
};
template <class K, class V>
struct record_of<std::pair<K, V>, std::enable_if_t<is_integer_v<K> && is_integer_v<V>>> {
  using type = int_pair;
};
template <class U>
struct record_of<U, std::enable_if_t<is_keyed_result_v<U>>> {
  using type = U;
};
template <class U>
using record_of_t = typename record_of<std::decay_t<U>>::type;

template <class U>
auto to_record(U&& u) {
  using R = record_of_t<U>;
  if constexpr (std::is_same_v<R, word_pair>) {
    return word_pair{std::string(std::forward<U>(u).first), static_cast<std::int64_t>(u.second)};
  } else if constexpr (std::is_same_v<R, keyed_double>) {
    return keyed_double{std::string(std::forward<U>(u).first), static_cast<double>(u.second)};
  } else if constexpr (std::is_same_v<R, int_pair>) {
    return int_pair{static_cast<std::int64_t>(u.first), static_cast<std::int64_t>(u.second)};
  } else {
    return R(std::forward<U>(u));
  }
}

/// The value type of a keyed record (word_pair, keyed_double, int_pair).
template <class T>
struct value_of {
  using type = typename T::second_type;
};
template <>
struct value_of<std::int64_t> {
  using type = std::int64_t;
};
template <class T>
using value_of_t = typename value_of<T>::type;

/// How filter(on_device(pred)) calls `pred` for records of type T.
template <class T>
constexpr filter_shape filter_shape_of() {
  if constexpr (std::is_same_v<T, std::string>) return filter_shape::string;
  else if constexpr (std::is_same_v<T, std::int64_t>) return filter_shape::integer;
  else if constexpr (std::is_same_v<T, word_pair>) return filter_shape::string_int;
  else if constexpr (std::is_same_v<T, keyed_double>) return filter_shape::string_double;
  else return filter_shape::int_int;
}

/// Whether records of type T carry strings that kernels see (the record,
/// or its key).
template <class T>
inline constexpr bool has_string_keys_v =
    std::is_same_v<T, std::string> || std::is_same_v<T, word_pair> || std::is_same_v<T, keyed_double>;

/// The arguments an on_device functor takes for a record of type T, as
/// filter and map call it: the string or integer, or a pair's key and value.
template <class T>
struct record_arguments;
template <>
struct record_arguments<std::string> {
  using type = std::tuple<string_ref>;
};
template <>
struct record_arguments<std::int64_t> {
  using type = std::tuple<std::int64_t>;
};
template <>
struct record_arguments<word_pair> {
  using type = std::tuple<string_ref, std::int64_t>;
};
template <>
struct record_arguments<keyed_double> {
  using type = std::tuple<string_ref, double>;
};
template <>
struct record_arguments<int_pair> {
  using type = std::tuple<std::int64_t, std::int64_t>;
};

template <class F, class Arguments, class... Extra>
struct record_call;
template <class F, class... A, class... Extra>
struct record_call<F, std::tuple<A...>, Extra...> {
  static constexpr bool invocable = std::is_invocable_v<const F&, A..., Extra...>;
  using result = std::invoke_result<const F&, A..., Extra...>;
};

/// Whether `f` takes a record of type T and then `Extra...` (a sink, say).
template <class T, class F, class... Extra>
inline constexpr bool record_invocable_v = record_call<F, typename record_arguments<T>::type, Extra...>::invocable;
/// What `f` returns when called on a record of type T and then `Extra...`:
/// an std::invoke_result, with no `type` where `f` takes no such call.
template <class T, class F, class... Extra>
using record_result = typename record_call<F, typename record_arguments<T>::type, Extra...>::result;

using host_transform = std::function<host_records(host_records&&)>;
using host_sink = std::function<void(host_records&&, batch_time)>;
using state_update =
    std::function<std::optional<std::int64_t>(const std::vector<std::int64_t>&, std::optional<std::int64_t>)>;
/// update_state_by_key's host function over doubles (keyed_double).
using double_state_update =
    std::function<std::optional<double>(const std::vector<double>&, std::optional<double>)>;
/// One call of map_with_state's function; appends its record to `out`.
using state_mapper =
    std::function<void(const std::string&, std::optional<std::int64_t>, key_state&, host_records& out)>;
/// The same over integer keys (int_pair).
using int_state_mapper =
    std::function<void(std::int64_t, std::optional<std::int64_t>, key_state&, host_records& out)>;
/// The same over doubles (keyed_double).
using double_state_mapper =
    std::function<void(const std::string&, std::optional<double>, double_key_state&, host_records& out)>;

// Graph building; each throws gpustream::logic_error when the node's context
// has started, has stopped, or is gone. Defined in host/streaming/graph.cpp.
node_ptr make_split_words(const node_ptr& parent);
node_ptr make_pair_with_one(const node_ptr& parent);
node_ptr make_filter_contains(const node_ptr& parent, std::string needle);
node_ptr make_reduce_by_key(const node_ptr& parent, aggregation agg);
node_ptr make_count(const node_ptr& parent);
node_ptr make_host_node(const node_ptr& parent, record_kind out, std::string name, host_transform f);
node_ptr make_union(const node_ptr& a, const node_ptr& b);
/// join and the outer joins by `out`: joined, left_joined, right_joined or outer_joined.
node_ptr make_join(const node_ptr& left, const node_ptr& right, record_kind out);
node_ptr make_group_by_key(const node_ptr& parent);
node_ptr make_cogroup(const node_ptr& left, const node_ptr& right);
node_ptr make_window(const node_ptr& parent, std::chrono::milliseconds length, std::chrono::milliseconds slide);
node_ptr make_reduce_by_key_and_window(const node_ptr& parent, aggregation agg, bool inverse, bool drop_zeros,
                                       std::chrono::milliseconds length, std::chrono::milliseconds slide);
node_ptr make_value_window(const node_ptr& parent, aggregation agg, bool counting, std::chrono::milliseconds length,
                           std::chrono::milliseconds slide);
node_ptr make_reduce(const node_ptr& parent, aggregation agg);
/// With `f` null: running totals on the backend (agg must be sum); else `f` on the host.
node_ptr make_update_state_by_key(const node_ptr& parent, aggregation agg, state_update f);
node_ptr make_update_state_by_key(const node_ptr& parent, double_state_update f);
node_ptr make_map_with_state(const node_ptr& parent, record_kind out, state_mapper f,
                             std::chrono::milliseconds timeout);
node_ptr make_map_with_state(const node_ptr& parent, record_kind out, int_state_mapper f,
                             std::chrono::milliseconds timeout);
node_ptr make_map_with_state(const node_ptr& parent, record_kind out, double_state_mapper f,
                             std::chrono::milliseconds timeout);
node_ptr make_state_snapshots(const node_ptr& mapped);
// Device functors (device_function.hpp): kernels made in the caller's
// translation unit, run by nodes of the library.
node_ptr make_device_map(const node_ptr& parent, record_kind out, const char* name,
                         std::shared_ptr<const map_kernel> k);
node_ptr make_device_filter(const node_ptr& parent, std::shared_ptr<const filter_kernel> k);
/// flat_map(on_device(f)) of whole records to integers or integer pairs (`out`).
node_ptr make_device_record_flat_map(const node_ptr& parent, record_kind out,
                                     std::shared_ptr<const record_flat_map_kernel> k);
/// map(on_device(f)) of whole records to integers (`out` integers) or integer pairs (`out` int_pairs).
node_ptr make_device_record_map(const node_ptr& parent, record_kind out, std::shared_ptr<const record_map_kernel> k);
node_ptr make_device_flat_map(const node_ptr& parent, std::shared_ptr<const flat_map_kernel> k);
/// map(on_device(f)) to strings (`out` strings) or to pairs keyed by them.
node_ptr make_device_string_map(const node_ptr& parent, record_kind out, std::shared_ptr<const string_map_kernel> k);
node_ptr make_device_reduce_by_key(const node_ptr& parent, std::shared_ptr<const reduce_kernel> k);
node_ptr make_device_reduce_by_key_and_window(const node_ptr& parent, std::shared_ptr<const reduce_kernel> k,
                                              std::chrono::milliseconds length, std::chrono::milliseconds slide);
node_ptr make_device_update_state_by_key(const node_ptr& parent, std::shared_ptr<const reduce_kernel> k);
/// map_with_state(on_device(f)) giving records of kind `out`.
node_ptr make_device_map_with_state(const node_ptr& parent, record_kind out, std::shared_ptr<const map_state_kernel> k,
                                    std::chrono::milliseconds timeout);
/// update_state_by_key(on_device(f)) with a general update function.
/// Its state (and output) records are of kind `state`: the parent's, or a
/// pair type with the same keys and the other value type.
node_ptr make_device_state_update(const node_ptr& parent, record_kind state, std::shared_ptr<const state_kernel> k);
/// reduce (not `windowed`: length and slide unused) or reduce_by_window of integers.
node_ptr make_device_reduce(const node_ptr& parent, std::shared_ptr<const reduce_kernel> k, bool windowed,
                            std::chrono::milliseconds length, std::chrono::milliseconds slide);
void add_print(const node_ptr& parent, std::size_t n);
void add_save_as_text_files(const node_ptr& parent, std::string prefix, std::string suffix);
void add_foreach_batch(const node_ptr& parent, host_sink f);

}  // namespace detail

/// Spark's DStream: a stream of batches of records of type T, one batch per
/// interval of its streaming_context. T is std::string (lines, words),
/// word_pair ((key, count) pairs), keyed_double ((key, double) pairs),
/// int_pair ((integer key, integer value) pairs),
/// std::int64_t (counts), or a record of a join or a group of one of the
/// three pair types P (joined_t<P>, left_joined_t<P>, right_joined_t<P>,
/// outer_joined_t<P>, grouped_t<P>, cogrouped_t<P>; for word_pair also
/// named joined_pair, ..., cogrouped_pair). A dstream is a
/// cheap handle to a node of its context's graph; transformations return new
/// handles and output operations register work to run every batch. The graph
/// is built before streaming_context::start() and fixed after it.
template <class T>
class dstream {
  static_assert(detail::is_record_v<T>,
                "dstream<T> holds std::string, gpustream::word_pair, gpustream::keyed_double, gpustream::int_pair, "
                "std::int64_t, or the records of their joins and groups (gpustream::joined_t<P>, ..., "
                "gpustream::cogrouped_t<P>)");

 public:
  using value_type = T;

  // ---- transformations on the backend (kernels) ----

  /// Tokenizes each line on whitespace into words. T must be std::string.
  dstream<std::string> flat_map(split_words_t) const {
    static_assert(std::is_same_v<T, std::string>, "flat_map(split_words) needs a dstream<std::string>");
    return dstream<std::string>{detail::make_split_words(node_)};
  }
  /// (word, 1) for each word. T must be std::string.
  dstream<word_pair> map(pair_with_one_t) const {
    static_assert(std::is_same_v<T, std::string>, "map(pair_with_one) needs a dstream<std::string>");
    return dstream<word_pair>{detail::make_pair_with_one(node_)};
  }
  /// Lines that contain `c.needle`. T must be std::string.
  dstream<std::string> filter(const contains& c) const {
    static_assert(std::is_same_v<T, std::string>, "filter(contains) needs a dstream<std::string>");
    return dstream<std::string>{detail::make_filter_contains(node_, c.needle)};
  }
  /// Reduces the values of each distinct key with a built-in aggregation
  /// (sum by default). T must be word_pair, keyed_double or int_pair; for
  /// keyed_double the result holds doubles, count included (3 records:
  /// 3.0), and a sum's rounding may differ from a sequential sum (the order
  /// of additions is the backend's); for int_pair the keys come in
  /// ascending order. Distinct string keys are never merged, even when their
  /// hashes collide.
  dstream<T> reduce_by_key(aggregation agg = aggregation::sum) const {
    static_assert(detail::is_keyed_value_v<T>, "reduce_by_key needs a dstream<word_pair>, dstream<keyed_double> or dstream<int_pair>");
    return dstream<T>{detail::make_reduce_by_key(node_, agg)};
  }
  /// The number of records in each batch (one record per batch, 0 for an
  /// empty batch, as Spark's count).
  dstream<std::int64_t> count() const { return dstream<std::int64_t>{detail::make_count(node_)}; }
  /// The records of both streams, this one's first (Spark's union). Both
  /// must come from the same context and slide alike. T must be
  /// std::string, word_pair, keyed_double, int_pair or std::int64_t
  /// (gpustream::logic_error for the records of joins and groups).
  dstream<T> union_with(const dstream<T>& other) const {
    return dstream<T>{detail::make_union(node_, other.node_)};
  }
  /// Spark's repartition(n): on one device a batch is one partition, so this
  /// returns the same stream; present so that Spark programs carry over.
  /// Throws gpustream::logic_error unless n > 0.
  dstream<T> repartition(int partitions) const {
    if (partitions <= 0) throw logic_error{"repartition: the number of partitions must be positive"};
    return *this;
  }
  /// (line, number of times it occurs) for each distinct line (Spark's countByValue).
  dstream<word_pair> count_by_value() const {
    static_assert(std::is_same_v<T, std::string>, "count_by_value needs a dstream<std::string>");
    return map(pair_with_one).reduce_by_key(aggregation::sum);
  }
  /// The batch's values reduced to one (none for an empty batch). T must be
  /// std::int64_t.
  dstream<std::int64_t> reduce(aggregation agg) const {
    static_assert(std::is_same_v<T, std::int64_t>, "reduce needs a dstream<std::int64_t>");
    return dstream<std::int64_t>{detail::make_reduce(node_, agg)};
  }

  // ---- joins and groups of pair streams (Spark's PairDStreamFunctions),
  // on the backend. Both streams must come from the same context and slide
  // alike (gpustream::logic_error otherwise). Each batch is matched with the
  // other stream's batch of the same time. Records come grouped by key:
  // string keys in the order of reduce_by_key (hash, then bytes), integer
  // keys ascending; distinct keys never match, even when their hashes
  // collide. Values are carried as they are (a NaN stays a NaN). ----

  /// Spark's join: (key, (v, w)) for every pair of a record (key, v) of this
  /// stream and a record (key, w) of `other`: a key with m records here and n
  /// there gives m * n records (in this stream's batch order, then the
  /// other's). T and P are word_pair, keyed_double or int_pair: the same
  /// type, or word_pair and keyed_double in either order (string keys); the
  /// records are joined_t<T, P> (joined_pair for two word_pair streams).
  template <class P = T, class Self = T>
  dstream<joined_t<Self, P>> join(const dstream<P>& other) const {
    static_assert(std::is_same_v<Self, T> && detail::joinable_v<T, P>,
                  "join needs two dstreams of pairs with keys of one type");
    return dstream<joined_t<Self, P>>{
        detail::make_join(node_, other.node_, detail::kind_of<joined_t<Self, P>>())};
  }
  /// Spark's leftOuterJoin: join, plus (key, (v, std::nullopt)) for each
  /// record of this stream whose key is not in `other`'s batch.
  template <class P = T, class Self = T>
  dstream<left_joined_t<Self, P>> left_outer_join(const dstream<P>& other) const {
    static_assert(std::is_same_v<Self, T> && detail::joinable_v<T, P>,
                  "left_outer_join needs two dstreams of pairs with keys of one type");
    return dstream<left_joined_t<Self, P>>{
        detail::make_join(node_, other.node_, detail::kind_of<left_joined_t<Self, P>>())};
  }
  /// Spark's rightOuterJoin: join, plus (key, (std::nullopt, w)) for each
  /// record of `other` whose key is not in this stream's batch.
  template <class P = T, class Self = T>
  dstream<right_joined_t<Self, P>> right_outer_join(const dstream<P>& other) const {
    static_assert(std::is_same_v<Self, T> && detail::joinable_v<T, P>,
                  "right_outer_join needs two dstreams of pairs with keys of one type");
    return dstream<right_joined_t<Self, P>>{
        detail::make_join(node_, other.node_, detail::kind_of<right_joined_t<Self, P>>())};
  }
  /// Spark's fullOuterJoin: join, plus the unmatched records of both sides
  /// with std::nullopt for the missing side.
  template <class P = T, class Self = T>
  dstream<outer_joined_t<Self, P>> full_outer_join(const dstream<P>& other) const {
    static_assert(std::is_same_v<Self, T> && detail::joinable_v<T, P>,
                  "full_outer_join needs two dstreams of pairs with keys of one type");
    return dstream<outer_joined_t<Self, P>>{
        detail::make_join(node_, other.node_, detail::kind_of<outer_joined_t<Self, P>>())};
  }
  /// Spark's groupByKey: one record per distinct key of the batch, with its
  /// values in batch order. T must be word_pair, keyed_double or int_pair.
  template <class P = T>
  dstream<grouped_t<P>> group_by_key() const {
    static_assert(std::is_same_v<P, T> && detail::is_keyed_value_v<T>, "group_by_key needs a dstream of pairs");
    return dstream<grouped_t<P>>{detail::make_group_by_key(node_)};
  }
  /// Spark's cogroup: one record per key present in either batch, with its
  /// values in this stream and in `other` (each in batch order; empty on a
  /// side without the key). T and P as for join.
  template <class P = T, class Self = T>
  dstream<cogrouped_t<Self, P>> cogroup(const dstream<P>& other) const {
    static_assert(std::is_same_v<Self, T> && detail::joinable_v<T, P>,
                  "cogroup needs two dstreams of pairs with keys of one type");
    return dstream<cogrouped_t<Self, P>>{detail::make_cogroup(node_, other.node_)};
  }

  // ---- windows (length and slide: multiples of the batch interval; slide
  // 0 means the batch interval). A windowed stream has data only at its
  // slides; between them its outputs do not run. ----

  /// The records of the last `length` of batches, every `slide`. T must be
  /// std::string, word_pair, keyed_double, int_pair or std::int64_t
  /// (gpustream::logic_error for the records of joins and groups).
  dstream<T> window(std::chrono::milliseconds length, std::chrono::milliseconds slide = {}) const {
    return dstream<T>{detail::make_window(node_, length, slide)};
  }
  /// The number of records in the window (Spark's countByWindow: no record
  /// until the first record arrives, then one per window, 0 when it is empty).
  /// Keeps one count per batch, not the records.
  dstream<std::int64_t> count_by_window(std::chrono::milliseconds length, std::chrono::milliseconds slide = {}) const {
    return dstream<std::int64_t>{detail::make_value_window(node_, aggregation::sum, true, length, slide)};
  }
  /// The window's values reduced to one (none for an empty window). T must
  /// be std::int64_t. Keeps one value per batch.
  dstream<std::int64_t> reduce_by_window(aggregation agg, std::chrono::milliseconds length,
                                         std::chrono::milliseconds slide = {}) const {
    static_assert(std::is_same_v<T, std::int64_t>, "reduce_by_window needs a dstream<std::int64_t>");
    return dstream<std::int64_t>{detail::make_value_window(node_, agg, false, length, slide)};
  }
  /// reduce_by_key over the window. T must be word_pair, keyed_double or int_pair.
  /// Keeps each batch's reduced table (distinct keys), not its records.
  dstream<T> reduce_by_key_and_window(aggregation agg, std::chrono::milliseconds length,
                                      std::chrono::milliseconds slide = {}) const {
    static_assert(detail::is_keyed_value_v<T>,
                  "reduce_by_key_and_window needs a dstream<word_pair>, dstream<keyed_double> or dstream<int_pair>");
    return dstream<T>{detail::make_reduce_by_key_and_window(node_, agg, false, false, length, slide)};
  }
  /// The incremental form (see with_inverse); `agg` is sum or count. T must
  /// be word_pair or int_pair: over keyed_double it throws
  /// gpustream::logic_error (subtracting floating-point sums leaves rounding
  /// residues, so keys would not fall back to 0 and the result would drift
  /// from the window's sum); use the plain form there.
  dstream<T> reduce_by_key_and_window(aggregation agg, with_inverse inverse, std::chrono::milliseconds length,
                                      std::chrono::milliseconds slide = {}) const {
    static_assert(detail::is_keyed_value_v<T>,
                  "reduce_by_key_and_window needs a dstream<word_pair>, dstream<keyed_double> or dstream<int_pair>");
    return dstream<T>{detail::make_reduce_by_key_and_window(node_, agg, true, inverse.drop_zeros, length, slide)};
  }
  /// (line, count) over the window, keys with count 0 dropped (Spark's
  /// countByValueAndWindow). T must be std::string.
  dstream<word_pair> count_by_value_and_window(std::chrono::milliseconds length,
                                               std::chrono::milliseconds slide = {}) const {
    static_assert(std::is_same_v<T, std::string>, "count_by_value_and_window needs a dstream<std::string>");
    return map(pair_with_one).reduce_by_key_and_window(aggregation::sum, with_inverse{true}, length, slide);
  }

  // ---- state ----

  /// The running total of each key's values since the start, every batch
  /// (update_state_by_key with a sum, kept and merged on the backend).
  /// T must be word_pair, keyed_double or int_pair; `agg` must be
  /// aggregation::sum.
  dstream<T> update_state_by_key(aggregation agg) const {
    static_assert(detail::is_keyed_value_v<T>,
                  "update_state_by_key needs a dstream<word_pair>, dstream<keyed_double> or dstream<int_pair>");
    return dstream<T>{detail::make_update_state_by_key(node_, agg, nullptr)};
  }
  /// Spark's updateStateByKey: every batch, for each key in the state or in
  /// the batch, `f(new values, previous state)` returns the key's new state,
  /// or std::nullopt to remove the key. The new values come in batch order.
  /// `f` runs on the host: over word_pair and int_pair it is
  /// `f(const std::vector<std::int64_t>&, std::optional<std::int64_t>) ->
  /// std::optional<std::int64_t>`, over keyed_double `f(const
  /// std::vector<double>&, std::optional<double>) -> std::optional<double>`.
  /// Every key in the state is output each batch, string keys in byte order,
  /// integer keys ascending.
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, aggregation> &&
                                              !is_device_function_v<std::decay_t<F>>>>
  dstream<T> update_state_by_key(F f) const {
    static_assert(detail::is_keyed_value_v<T>,
                  "update_state_by_key(f) needs a dstream<word_pair>, dstream<keyed_double> or dstream<int_pair>");
    if constexpr (std::is_same_v<T, keyed_double>) {
      detail::double_state_update update{std::move(f)};
      return dstream<T>{detail::make_update_state_by_key(node_, std::move(update))};
    } else {
      detail::state_update update{std::move(f)};
      return dstream<T>{detail::make_update_state_by_key(node_, aggregation::sum, std::move(update))};
    }
  }

  // ---- user functors on the backend: on_device(f) (see device_function.hpp:
  // kernels on the CUDA backend where the caller is compiled by nvcc) ----

  /// Spark's mapValues: (key, f(value)) for each pair, keys as they are. T
  /// must be word_pair, keyed_double or int_pair; `f(value)` returns an
  /// integer (giving word_pair, or int_pair over int_pair) or a floating-point
  /// value (giving keyed_double; not over int_pair).
  template <class F>
  auto map_values(device_function<F> fn) const {
    static_assert(detail::is_keyed_value_v<T>,
                  "map_values needs a dstream<word_pair>, dstream<keyed_double> or dstream<int_pair>");
    using V = detail::value_of_t<T>;
    using R = std::decay_t<std::invoke_result_t<const F&, V>>;
    static_assert(std::is_arithmetic_v<R> && !std::is_same_v<R, bool>,
                  "map_values' functor must return an integer or a floating-point value");
    if constexpr (std::is_same_v<T, int_pair>) {
      static_assert(detail::is_integer_v<R>,
                    "map_values over int_pair: the functor must return an integer (no record type holds an "
                    "integer key with a double)");
      return dstream<int_pair>{detail::make_device_map(node_, detail::record_kind::int_pairs, "map_values",
                                                       detail::make_map_kernel<V, std::int64_t>(std::move(fn.f)))};
    } else if constexpr (std::is_floating_point_v<R>) {
      return dstream<keyed_double>{detail::make_device_map(node_, detail::record_kind::keyed_doubles, "map_values",
                                                           detail::make_map_kernel<V, double>(std::move(fn.f)))};
    } else {
      return dstream<word_pair>{detail::make_device_map(node_, detail::record_kind::pairs, "map_values",
                                                        detail::make_map_kernel<V, std::int64_t>(std::move(fn.f)))};
    }
  }
  /// Spark's flatMap over strings with a functor on the backend:
  /// `f(string_ref record, substring_sink& emit)` calls `emit(start, length)`
  /// for each substring of the record to output, in order (a split on a
  /// delimiter, the fields of a log line). The new records are views into the
  /// batch's text; see substring_sink (for T std::string).
  ///
  /// flat_map(on_device(f)) of whole records to integers or pairs:
  /// `f` takes a record as filter(on_device(pred)) does, then a sink:
  /// `f(..., integer_sink& emit)` calls emit(x) for each std::int64_t record
  /// (dstream<std::int64_t>), `f(..., int_pair_sink& emit)` emit(key, value)
  /// for each int_pair record. From records with string keys (std::string,
  /// word_pair, keyed_double), `f(..., word_pair_sink& emit)` calls
  /// emit(start, length, value) for each word_pair whose key is the record's
  /// (or its key's) bytes [start, start + length), a view into the batch's
  /// text (dstream<word_pair>); keyed_double_sink gives keyed_double records.
  /// T is std::string, std::int64_t or one of the three pair types. `f` runs
  /// twice per record (count, then write) and must emit the same records both
  /// times.
  template <class F>
  auto flat_map(device_function<F> fn) const {
    static_assert(std::is_same_v<T, std::string> || std::is_same_v<T, std::int64_t> || detail::is_keyed_value_v<T>,
                  "flat_map(on_device(f)) needs a dstream of strings, integers or pairs");
    constexpr detail::filter_shape shape = detail::filter_shape_of<T>();
    using detail::out_shape;
    if constexpr (std::is_same_v<T, std::string> && detail::record_invocable_v<T, F, substring_sink&>) {
      return dstream<std::string>{
          detail::make_device_flat_map(node_, detail::make_flat_map_kernel(std::move(fn.f)))};
    } else if constexpr (detail::record_invocable_v<T, F, integer_sink&>) {
      return dstream<std::int64_t>{detail::make_device_record_flat_map(
          node_, detail::record_kind::integers,
          detail::make_record_flat_map_kernel<shape, out_shape::integer>(std::move(fn.f)))};
    } else if constexpr (detail::record_invocable_v<T, F, int_pair_sink&>) {
      return dstream<int_pair>{detail::make_device_record_flat_map(
          node_, detail::record_kind::int_pairs,
          detail::make_record_flat_map_kernel<shape, out_shape::int_pair>(std::move(fn.f)))};
    } else if constexpr (detail::record_invocable_v<T, F, word_pair_sink&>) {
      static_assert(detail::has_string_keys_v<T>, "flat_map(on_device(f)): a word_pair_sink needs records with "
                                                  "strings (std::string, word_pair or keyed_double)");
      return dstream<word_pair>{detail::make_device_record_flat_map(
          node_, detail::record_kind::pairs,
          detail::make_record_flat_map_kernel<shape, out_shape::string_int>(std::move(fn.f)))};
    } else {
      static_assert(detail::record_invocable_v<T, F, keyed_double_sink&>,
                    "flat_map(on_device(f)): f must take a record and then a gpustream::substring_sink& (strings "
                    "only), an integer_sink&, an int_pair_sink&, a word_pair_sink& or a keyed_double_sink&");
      static_assert(detail::has_string_keys_v<T>, "flat_map(on_device(f)): a keyed_double_sink needs records with "
                                                  "strings (std::string, word_pair or keyed_double)");
      return dstream<keyed_double>{detail::make_device_record_flat_map(
          node_, detail::record_kind::keyed_doubles,
          detail::make_record_flat_map_kernel<shape, out_shape::string_double>(std::move(fn.f)))};
    }
  }
  /// Spark's map with a functor on the backend, from whole records to
  /// integers or to pairs (so keys may change): `f` takes a
  /// record as filter(on_device(pred)) does (string_ref; std::int64_t;
  /// (string_ref, std::int64_t); (string_ref, double); (std::int64_t,
  /// std::int64_t)) and returns
  /// - an integer, giving dstream<std::int64_t>;
  /// - a pair of two integers (gpustream::device_pair{key, value}, or any
  ///   type with integer members `first` and `second`), giving
  ///   dstream<int_pair>;
  /// - from records with strings (std::string, word_pair, keyed_double), a
  ///   pair of a string_ref and a number, giving dstream<word_pair> (integer
  ///   value) or dstream<keyed_double> (floating-point value). The key must
  ///   be a part of the record's string (`string_ref{s.data + i, n}`) or
  ///   empty: it stays a view into the batch's text. A key outside it stops
  ///   the context with a gpustream::logic_error.
  ///
  /// New strings: `f` takes a record and then a gpustream::string_builder&,
  /// appends the bytes of a new string to it (any bytes: `b.append("user=")`,
  /// `b.push_back(c)`, `b.append_integer(k)`), and returns nothing, giving
  /// dstream<std::string>, or a number, giving (new string, number) records:
  /// dstream<word_pair> for an integer, dstream<keyed_double> for a
  /// floating-point one. `f` runs twice per record (measure, then write) and
  /// must build the same bytes both times.
  ///
  /// T must be std::string, std::int64_t, word_pair, keyed_double or int_pair
  /// (map_values(on_device(f)) maps values and keeps string keys).
  template <class F>
  auto map(device_function<F> fn) const {
    static_assert(std::is_same_v<T, std::string> || std::is_same_v<T, std::int64_t> || detail::is_keyed_value_v<T>,
                  "map(on_device(f)) needs a dstream of strings, integers or pairs");
    constexpr detail::filter_shape shape = detail::filter_shape_of<T>();
    using detail::out_shape;
    if constexpr (detail::record_invocable_v<T, F, string_builder&>) {
      using B = std::decay_t<typename detail::record_result<T, F, string_builder&>::type>;
      if constexpr (std::is_void_v<B>) {
        return dstream<std::string>{detail::make_device_string_map(
            node_, detail::record_kind::strings,
            detail::make_string_map_kernel<shape, out_shape::strings>(std::move(fn.f)))};
      } else if constexpr (std::is_floating_point_v<B>) {
        return dstream<keyed_double>{detail::make_device_string_map(
            node_, detail::record_kind::keyed_doubles,
            detail::make_string_map_kernel<shape, out_shape::string_double>(std::move(fn.f)))};
      } else {
        static_assert(detail::is_integer_v<B>,
                      "map(on_device(f)) with a string_builder: f must return nothing, an integer or a double");
        return dstream<word_pair>{detail::make_device_string_map(
            node_, detail::record_kind::pairs,
            detail::make_string_map_kernel<shape, out_shape::string_int>(std::move(fn.f)))};
      }
    } else {
      return map_records(std::move(fn));
    }
  }

 private:
  /// map(on_device(f)) where `f` takes a record alone.
  template <class F>
  auto map_records(device_function<F> fn) const {
    using R = std::decay_t<typename detail::record_result<T, F>::type>;
    constexpr detail::filter_shape shape = detail::filter_shape_of<T>();
    using detail::out_shape;
    if constexpr (std::is_same_v<T, std::int64_t> && detail::is_integer_v<R>) {
      return dstream<std::int64_t>{detail::make_device_map(node_, detail::record_kind::integers, "map",
                                                           detail::make_map_kernel<std::int64_t, std::int64_t>(
                                                               std::move(fn.f)))};
    } else if constexpr (detail::is_integer_v<R>) {
      return dstream<std::int64_t>{detail::make_device_record_map(
          node_, detail::record_kind::integers,
          detail::make_record_map_kernel<shape, out_shape::integer>(std::move(fn.f)))};
    } else if constexpr (detail::is_string_keyed_pair<R>::value) {
      static_assert(detail::has_string_keys_v<T>, "map(on_device(f)): string keys can only come from records with "
                                                  "strings (std::string, word_pair or keyed_double)");
      using V = std::decay_t<decltype(std::declval<R>().second)>;
      if constexpr (std::is_floating_point_v<V>) {
        return dstream<keyed_double>{detail::make_device_record_map(
            node_, detail::record_kind::keyed_doubles,
            detail::make_record_map_kernel<shape, out_shape::string_double>(std::move(fn.f)))};
      } else {
        return dstream<word_pair>{detail::make_device_record_map(
            node_, detail::record_kind::pairs,
            detail::make_record_map_kernel<shape, out_shape::string_int>(std::move(fn.f)))};
      }
    } else {
      static_assert(detail::is_integer_pair<R>::value,
                    "map(on_device(f)): f must return an integer, a pair of two integers (gpustream::device_pair) "
                    "or a pair of a string_ref and a number");
      return dstream<int_pair>{detail::make_device_record_map(
          node_, detail::record_kind::int_pairs,
          detail::make_record_map_kernel<shape, out_shape::int_pair>(std::move(fn.f)))};
    }
  }

 public:
  /// Records for which `pred` is true, tested on the backend: pred(string_ref)
  /// for std::string (a pointer and a length: the bytes of the record),
  /// pred(std::int64_t) for integers, pred(string_ref key, value) for
  /// word_pair and keyed_double, pred(std::int64_t key, std::int64_t value)
  /// for int_pair. T must be one of those.
  template <class P>
  dstream<T> filter(device_function<P> fn) const {
    static_assert(std::is_same_v<T, std::string> || std::is_same_v<T, std::int64_t> || detail::is_keyed_value_v<T>,
                  "filter(on_device(pred)) needs a dstream of strings, integers or pairs");
    return dstream<T>{detail::make_device_filter(
        node_, detail::make_filter_kernel<detail::filter_shape_of<T>()>(std::move(fn.f)))};
  }
  /// Reduces the values of each key with `op(value, value) -> value`, which
  /// must be associative and commutative (Spark's reduceByKey(func)); the
  /// order in which values meet is the backend's. T must be word_pair,
  /// keyed_double or int_pair; keys come in the order of
  /// reduce_by_key(aggregation).
  template <class F>
  dstream<T> reduce_by_key(device_function<F> fn) const {
    static_assert(detail::is_keyed_value_v<T>,
                  "reduce_by_key needs a dstream<word_pair>, dstream<keyed_double> or dstream<int_pair>");
    return dstream<T>{detail::make_device_reduce_by_key(node_, reduced_by(std::move(fn)))};
  }
  /// reduce_by_key(on_device(op)) over the window (no inverse: each batch's
  /// reduced table is kept, and the window's tables are reduced again).
  template <class F>
  dstream<T> reduce_by_key_and_window(device_function<F> fn, std::chrono::milliseconds length,
                                      std::chrono::milliseconds slide = {}) const {
    static_assert(detail::is_keyed_value_v<T>,
                  "reduce_by_key_and_window needs a dstream<word_pair>, dstream<keyed_double> or dstream<int_pair>");
    return dstream<T>{detail::make_device_reduce_by_key_and_window(node_, reduced_by(std::move(fn)), length, slide)};
  }
  /// Spark's updateStateByKey on the backend, in one of two forms, told
  /// apart by what `f` takes (V: the pair type's value, std::int64_t or
  /// double):
  /// - `op(V, V) -> V`, associative and commutative: the state is the running
  ///   reduction of each key's values since the start ((values, state) =>
  ///   Some(state op values...)), merged by a segmented reduction;
  /// - `f(device_span<V> values, device_optional<V> state) ->
  ///   device_optional<V>`: any update. It is called once per key in the
  ///   state or in the batch, with the key's new values in batch order (empty
  ///   for a key without any) and its state; returning `{}` removes the key.
  ///   Each key's call runs in its own thread of a kernel. For string keys
  ///   the state may be of the other value type S (Spark's
  ///   updateStateByKey[S]): `f(device_span<V>, device_optional<S>) ->
  ///   device_optional<S>`, a word_pair stream with a double state giving
  ///   dstream<keyed_double> (a decayed count), a keyed_double stream with an
  ///   integer state dstream<word_pair>.
  /// The state is kept in backend memory; every key in it is output every
  /// batch, string keys in the order of reduce_by_key, integer keys ascending.
  template <class F>
  auto update_state_by_key(device_function<F> fn) const {
    static_assert(detail::is_keyed_value_v<T>,
                  "update_state_by_key needs a dstream<word_pair>, dstream<keyed_double> or dstream<int_pair>");
    using V = detail::value_of_t<T>;
    // The other value type, for a state of another type than the values.
    using W = std::conditional_t<std::is_same_v<V, double>, std::int64_t, double>;
    if constexpr (std::is_invocable_v<const F&, device_span<V>, device_optional<V>>) {
      static_assert(std::is_same_v<std::decay_t<std::invoke_result_t<const F&, device_span<V>, device_optional<V>>>,
                                   device_optional<V>>,
                    "update_state_by_key(on_device(f)): f(device_span<V>, device_optional<V>) must return "
                    "device_optional<V>");
      return dstream<T>{detail::make_device_state_update(node_, detail::kind_of<T>(),
                                                         detail::make_state_kernel<V, V>(std::move(fn.f)))};
    } else if constexpr (detail::has_string_keys_v<T> &&
                         std::is_invocable_v<const F&, device_span<V>, device_optional<W>>) {
      static_assert(std::is_same_v<std::decay_t<std::invoke_result_t<const F&, device_span<V>, device_optional<W>>>,
                                   device_optional<W>>,
                    "update_state_by_key(on_device(f)): f(device_span<V>, device_optional<S>) must return "
                    "device_optional<S>");
      using S = std::conditional_t<std::is_same_v<W, double>, keyed_double, word_pair>;
      return dstream<S>{detail::make_device_state_update(node_, detail::kind_of<S>(),
                                                         detail::make_state_kernel<W, V>(std::move(fn.f)))};
    } else {
      return dstream<T>{detail::make_device_update_state_by_key(node_, reduced_by(std::move(fn)))};
    }
  }
  /// The batch's values reduced by `op` (associative and commutative) to one
  /// record; none for an empty batch. T must be std::int64_t.
  template <class F>
  dstream<std::int64_t> reduce(device_function<F> fn) const {
    static_assert(std::is_same_v<T, std::int64_t>, "reduce needs a dstream<std::int64_t>");
    return dstream<std::int64_t>{detail::make_device_reduce(node_, reduced_by(std::move(fn)), false, {}, {})};
  }
  /// The window's values reduced by `op` to one record; none for an empty
  /// window. T must be std::int64_t. Keeps one value per batch.
  template <class F>
  dstream<std::int64_t> reduce_by_window(device_function<F> fn, std::chrono::milliseconds length,
                                         std::chrono::milliseconds slide = {}) const {
    static_assert(std::is_same_v<T, std::int64_t>, "reduce_by_window needs a dstream<std::int64_t>");
    return dstream<std::int64_t>{detail::make_device_reduce(node_, reduced_by(std::move(fn)), true, length, slide)};
  }

  // ---- transformations with host functors (run on the host) ----

  /// Spark's mapValues with a host functor: (key, f(value)) for each pair.
  /// T must be word_pair, keyed_double or int_pair.
  template <class F>
  auto map_values(F f) const {
    static_assert(detail::is_keyed_value_v<T>,
                  "map_values needs a dstream<word_pair>, dstream<keyed_double> or dstream<int_pair>");
    return map([f = std::move(f)](const T& p) mutable { return std::make_pair(p.first, f(p.second)); });
  }

  /// `f(const T&)` returns a container of records (std::string, a pair of
  /// string and integer, an integer, or a record of a join or a group); all
  /// of them form the new batch.
  template <class F>
  auto flat_map(F f) const {
    using C = std::decay_t<std::invoke_result_t<F&, const T&>>;
    using U = detail::record_of_t<typename C::value_type>;
    static_assert(!std::is_void_v<U>, "flat_map's functor must return a container of records");
    return dstream<U>{detail::make_host_node(
        node_, detail::kind_of<U>(), "flat_map", [f = std::move(f)](detail::host_records&& in) mutable {
          std::vector<U> out;
          for (const T& x : std::get<std::vector<T>>(in)) {
            for (auto&& y : f(x)) out.push_back(detail::to_record(std::forward<decltype(y)>(y)));
          }
          return detail::host_records{std::move(out)};
        })};
  }
  /// `f(const T&)` returns one record (std::string, a pair of string and
  /// integer, an integer, or a record of a join or a group).
  template <class F>
  auto map(F f) const {
    using U = detail::record_of_t<std::invoke_result_t<F&, const T&>>;
    static_assert(!std::is_void_v<U>, "map's functor must return a record: a string, a pair of string and integer, or an integer");
    return dstream<U>{detail::make_host_node(
        node_, detail::kind_of<U>(), "map", [f = std::move(f)](detail::host_records&& in) mutable {
          const auto& v = std::get<std::vector<T>>(in);
          std::vector<U> out;
          out.reserve(v.size());
          for (const T& x : v) out.push_back(detail::to_record(f(x)));
          return detail::host_records{std::move(out)};
        })};
  }
  /// Records for which `pred(const T&)` is true.
  template <class F>
  dstream<T> filter(F pred) const {
    static_assert(std::is_convertible_v<std::invoke_result_t<F&, const T&>, bool>,
                  "filter's predicate must return bool");
    return dstream<T>{detail::make_host_node(
        node_, detail::kind_of<T>(), "filter", [pred = std::move(pred)](detail::host_records&& in) mutable {
          auto v = std::get<std::vector<T>>(std::move(in));
          std::vector<T> out;
          for (auto& x : v) {
            if (pred(std::as_const(x))) out.push_back(std::move(x));
          }
          return detail::host_records{std::move(out)};
        })};
  }
  /// Spark's transform: `f(const std::vector<T>& batch)` returns the new
  /// batch as a container of records (std::string, pairs of string and
  /// integer, integers, or records of a join or a group), for whatever the
  /// built-in operators do not do, such as joining each batch with a static
  /// table. Runs on the host.
  template <class F>
  auto transform(F f) const {
    using C = std::decay_t<std::invoke_result_t<F&, const std::vector<T>&>>;
    using U = detail::record_of_t<typename C::value_type>;
    static_assert(!std::is_void_v<U>, "transform's function must return a container of records");
    return dstream<U>{detail::make_host_node(
        node_, detail::kind_of<U>(), "transform", [f = std::move(f)](detail::host_records&& in) mutable {
          std::vector<U> out;
          for (auto&& y : f(std::as_const(std::get<std::vector<T>>(in)))) {
            out.push_back(detail::to_record(std::forward<decltype(y)>(y)));
          }
          return detail::host_records{std::move(out)};
        })};
  }
  /// Reduces the values of each key with an associative, commutative host
  /// functor `f(int64, int64) -> int64`. T must be word_pair. Keys come out in
  /// order of first appearance.
  template <class F>
  dstream<word_pair> reduce_by_key(F f) const {
    static_assert(std::is_same_v<T, word_pair>, "reduce_by_key needs a dstream<word_pair>");
    return dstream<word_pair>{detail::make_host_node(
        node_, detail::record_kind::pairs, "reduce_by_key", [f = std::move(f)](detail::host_records&& in) mutable {
          return detail::host_records{detail_reduce(std::get<std::vector<word_pair>>(std::move(in)), f)};
        })};
  }

  /// Spark's mapWithState: for each (key, value) record of the batch, in
  /// order, `f(key, value, state)` reads and changes the key's state (a
  /// key_state) and returns one record of the output. Only keys with new data
  /// are touched, except that with a positive `idle_timeout` a key without
  /// data for longer than it gets one last call with no value and
  /// state.is_timing_out(), and is then removed. `f(key, std::optional<value>,
  /// state&)` runs on the host: over word_pair `f(const std::string&,
  /// std::optional<std::int64_t>, gpustream::key_state&)`, over int_pair the
  /// key is a `std::int64_t`, over keyed_double `f(const std::string&,
  /// std::optional<double>, gpustream::double_key_state&)`. The result also
  /// gives state_snapshots(). T must be word_pair, int_pair or keyed_double.
  template <class F>
  auto map_with_state(F f, std::chrono::milliseconds idle_timeout = {}) const {
    static_assert(detail::is_keyed_value_v<T>,
                  "map_with_state needs a dstream<word_pair>, dstream<int_pair> or dstream<keyed_double>");
    using K = std::conditional_t<std::is_same_v<T, int_pair>, std::int64_t, const std::string&>;
    using V = detail::value_of_t<T>;
    using state_type = basic_key_state<V>;
    using U = detail::record_of_t<std::invoke_result_t<F&, K, std::optional<V>, state_type&>>;
    static_assert(!std::is_void_v<U>, "map_with_state's function must return a record");
    using mapper_type = std::conditional_t<
        std::is_same_v<T, int_pair>, detail::int_state_mapper,
        std::conditional_t<std::is_same_v<T, keyed_double>, detail::double_state_mapper, detail::state_mapper>>;
    mapper_type mapper = [f = std::move(f)](K key, std::optional<V> value, state_type& state,
                                            detail::host_records& out) mutable {
      std::get<std::vector<U>>(out).push_back(detail::to_record(f(key, value, state)));
    };
    return mapped_with_state<U, T>{
        detail::make_map_with_state(node_, detail::kind_of<U>(), std::move(mapper), idle_timeout)};
  }

  /// Spark's mapWithState on the backend: as map_with_state above, with
  /// `f(key, device_optional<V> value, device_state<V>& state) -> U` run in
  /// kernels (one thread per key, its records in batch order; the key a
  /// string_ref over string keys, a std::int64_t over int_pair; V the pair
  /// type's value). Each record gives (key, f(...)): U an integer gives
  /// word_pair (int_pair over int_pair), a floating-point U keyed_double (not
  /// over int_pair). Timing out keys come after the batch's records. The state
  /// (values and the time of each key's last data) stays in backend memory;
  /// state_snapshots() gives it, keys in the order of reduce_by_key.
  template <class F>
  auto map_with_state(device_function<F> fn, std::chrono::milliseconds idle_timeout = {}) const {
    static_assert(detail::is_keyed_value_v<T>,
                  "map_with_state needs a dstream<word_pair>, dstream<int_pair> or dstream<keyed_double>");
    using V = detail::value_of_t<T>;
    constexpr bool string_keys = !std::is_same_v<T, int_pair>;
    using K = std::conditional_t<string_keys, string_ref, std::int64_t>;
    using R = std::decay_t<std::invoke_result_t<const F&, K, device_optional<V>, device_state<V>&>>;
    static_assert(std::is_arithmetic_v<R> && !std::is_same_v<R, bool>,
                  "map_with_state(on_device(f)): f must return an integer or a floating-point value");
    if constexpr (!string_keys) {
      static_assert(detail::is_integer_v<R>,
                    "map_with_state(on_device(f)) over int_pair: f must return an integer (no record type holds "
                    "an integer key with a double)");
      return mapped_with_state<int_pair, T>{detail::make_device_map_with_state(
          node_, detail::record_kind::int_pairs,
          detail::make_map_state_kernel<false, V, std::int64_t>(std::move(fn.f)), idle_timeout)};
    } else if constexpr (std::is_floating_point_v<R>) {
      return mapped_with_state<keyed_double, T>{detail::make_device_map_with_state(
          node_, detail::record_kind::keyed_doubles, detail::make_map_state_kernel<true, V, double>(std::move(fn.f)),
          idle_timeout)};
    } else {
      return mapped_with_state<word_pair, T>{detail::make_device_map_with_state(
          node_, detail::record_kind::pairs, detail::make_map_state_kernel<true, V, std::int64_t>(std::move(fn.f)),
          idle_timeout)};
    }
  }

  // ---- output operations ----

  /// Prints the first `n` records of every batch in Spark's pprint form to the
  /// context's output stream (std::cout by default): a line of dashes,
  /// "Time: <batch time> ms", a line of dashes, one record per line in the
  /// form of Spark's toString, "..." when there are more, and an empty line.
  /// Pairs read "(key,value)", a double value as Java's Double.toString
  /// writes it ("(a,1.5)", "(a,2.0)", "(a,1.0E7)", "(a,NaN)"); joins "(key,(1,2))", a missing side "None" and
  /// a present optional one "Some(1)" ("(key,(1,None))"); groups
  /// "(key,CompactBuffer(1, 2))" (Spark's buffer of grouped values) and
  /// cogroups "(key,(CompactBuffer(1),CompactBuffer()))".
  void print(std::size_t n = 10) const { detail::add_print(node_, n); }
  /// Writes each batch to the directory "<prefix>-<batch time in ms>[.<suffix>]":
  /// the records, one per line as print() writes them, in "part-00000", then
  /// an empty "_SUCCESS". The directory is written under a temporary name and
  /// renamed when complete; a batch run again replaces its directory.
  void save_as_text_files(std::string prefix, std::string suffix = "") const {
    detail::add_save_as_text_files(node_, std::move(prefix), std::move(suffix));
  }
  /// Calls `f(records, time)` with each batch's records on the host (Spark's
  /// foreachRDD), on the context's processing thread, in batch order. An
  /// exception from `f` stops the context; await_termination() rethrows it.
  void foreach_batch(std::function<void(const std::vector<T>&, batch_time)> f) const {
    detail::host_sink sink;  // stays empty for an empty `f`, which add_foreach_batch rejects
    if (f) {
      sink = [f = std::move(f)](detail::host_records&& in, batch_time t) { f(std::get<std::vector<T>>(in), t); };
    }
    detail::add_foreach_batch(node_, std::move(sink));
  }

 private:
  template <class>
  friend class dstream;
  template <class, class>
  friend class mapped_with_state;
  friend class streaming_context;
  explicit dstream(detail::node_ptr n) : node_{std::move(n)} {}

  template <class F>
  static std::vector<word_pair> detail_reduce(std::vector<word_pair>&& in, F& f);

  /// The reduce kernel of `op` over T's values.
  template <class F>
  static std::shared_ptr<const detail::reduce_kernel> reduced_by(device_function<F> fn) {
    using V = detail::value_of_t<T>;
    static_assert(std::is_convertible_v<std::invoke_result_t<const F&, V, V>, V>,
                  "the reduction must take two values and return a value of the same type");
    return detail::make_reduce_kernel<V>(std::move(fn.f));
  }

  detail::node_ptr node_;
};

template <class T>
template <class F>
std::vector<word_pair> dstream<T>::detail_reduce(std::vector<word_pair>&& in, F& f) {
  std::vector<word_pair> out;
  out.reserve(in.size());  // no reallocation: the map's views point into out's keys
  std::unordered_map<std::string_view, std::size_t> where;
  where.reserve(in.size());
  for (auto& [k, v] : in) {
    auto it = where.find(k);
    if (it == where.end()) {
      out.emplace_back(std::move(k), v);
      where.emplace(std::string_view{out.back().first}, out.size() - 1);
    } else {
      out[it->second].second = static_cast<std::int64_t>(f(out[it->second].second, v));
    }
  }
  return out;
}

/// What map_with_state returns: its records (U), and the state behind them
/// (S: word_pair or int_pair, the type of the stream it was called on).
template <class U, class S>
class mapped_with_state : public dstream<U> {
 public:
  /// (key, state) for every key in the state after each batch (Spark's
  /// stateSnapshots), string keys in byte order, integer keys ascending.
  dstream<S> state_snapshots() const { return dstream<S>{detail::make_state_snapshots(this->node_)}; }

 private:
  template <class>
  friend class dstream;
  explicit mapped_with_state(detail::node_ptr n) : dstream<U>{std::move(n)} {}
};

template <class V>
V basic_key_state<V>::get() const {
  if (!exists_) throw logic_error{"key_state::get(): the key has no state"};
  return value_;
}

template <class V>
void basic_key_state<V>::update(V value) {
  if (timing_out_) throw logic_error{"key_state::update(): the key is timing out; its state cannot be updated"};
  value_ = value;
  exists_ = true;
}

}  // namespace gpustream
