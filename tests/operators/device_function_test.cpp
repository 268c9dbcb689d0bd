// User functors on the backend (on_device) through a streaming_context,
// against a reference model of Spark's semantics: map_values, map (of
// integers, and of whole records to integers and to pairs with new keys),
// flat_map (substrings, cut to their record; whole records to integers and
// integer pairs), filter,
// reduce_by_key with user reductions (xor, gcd, max) over the three pair
// types, their windows and running state, update_state_by_key with updates
// that are not reductions, reduce and reduce_by_window of
// integers. Fresh random input every run (seed printed on failure): 24
// batches with empty ones, keys that appear, vanish and return.
//
// Built twice: compiled by nvcc in the CUDA build, so that the functors run
// in kernels on the CUDA backend, and by the host compiler, so that they run
// on the host (over records staged through host memory on the CUDA backend).

#include "../common/operator_test.hpp"

#include <gpustream/gpustream.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace gpustream::test {
namespace {

using batches = std::vector<std::vector<std::string>>;

// ---- the user's functors: structs callable on host and device ----

struct affine {  // map_values over integers: 3v - 1
  GPUSTREAM_HOST_DEVICE std::int64_t operator()(std::int64_t v) const { return 3 * v - 1; }
};
struct halve {  // map_values, integer to double
  GPUSTREAM_HOST_DEVICE double operator()(std::int64_t v) const { return static_cast<double>(v) * 0.5 + 0.25; }
};
struct square_less_seven {  // map over integers
  GPUSTREAM_HOST_DEVICE std::int64_t operator()(std::int64_t v) const { return v * v - 7; }
};
struct bit_xor {
  GPUSTREAM_HOST_DEVICE std::int64_t operator()(std::int64_t a, std::int64_t b) const { return a ^ b; }
};
struct greatest_common_divisor {
  GPUSTREAM_HOST_DEVICE std::int64_t operator()(std::int64_t a, std::int64_t b) const {
    a = a < 0 ? -a : a;
    b = b < 0 ? -b : b;
    while (b != 0) {
      const std::int64_t r = a % b;
      a = b;
      b = r;
    }
    return a;
  }
};
struct larger {
  GPUSTREAM_HOST_DEVICE double operator()(double a, double b) const { return a < b ? b : a; }
};
/// Lines whose length is even and that hold a '7'.
struct even_with_seven {
  GPUSTREAM_HOST_DEVICE bool operator()(string_ref line) const {
    if (line.size % 2 != 0) return false;
    for (length_type i = 0; i < line.size; ++i) {
      if (line.data[i] == '7') return true;
    }
    return false;
  }
};
/// flat_map: each maximal run of ASCII digits of a line.
struct digit_runs {
  GPUSTREAM_HOST_DEVICE void operator()(string_ref line, substring_sink& emit) const {
    length_type begin = -1;
    for (length_type i = 0; i <= line.size; ++i) {
      const bool digit = i < line.size && line.data[i] >= '0' && line.data[i] <= '9';
      if (digit && begin < 0) begin = i;
      if (!digit && begin >= 0) {
        emit(begin, i - begin);
        begin = -1;
      }
    }
  }
};
/// flat_map: substrings partly or wholly outside the line, cut to it.
struct out_of_bounds {
  GPUSTREAM_HOST_DEVICE void operator()(string_ref line, substring_sink& emit) const {
    emit(line.size - 2, 5);   // the last 2 bytes
    emit(-3, 4);              // the first byte
    emit(line.size + 1, 2);   // empty
    emit(1, -4);              // empty
  }
};
struct positive_long_key {
  GPUSTREAM_HOST_DEVICE bool operator()(string_ref key, std::int64_t v) const { return key.size > 2 && v > 0; }
};
struct small_double {
  GPUSTREAM_HOST_DEVICE bool operator()(string_ref key, double v) const { return v < 100.0 && key.data[0] == 'w'; }
};
struct key_multiple_of_three {
  GPUSTREAM_HOST_DEVICE bool operator()(std::int64_t key, std::int64_t v) const { return key % 3 == 0 || v == 0; }
};
struct odd {
  GPUSTREAM_HOST_DEVICE bool operator()(std::int64_t v) const { return v % 2 != 0; }
};

// map(on_device(f)) of whole records: new integer keys, or integers.
struct length_and_doubled {  // (key, v) -> (key length, 2v)
  GPUSTREAM_HOST_DEVICE device_pair<std::int64_t, std::int64_t> operator()(string_ref key, std::int64_t v) const {
    return {key.size, 2 * v};
  }
};
struct swapped {  // (k, v) -> (v, k)
  GPUSTREAM_HOST_DEVICE device_pair<std::int64_t, std::int64_t> operator()(std::int64_t k, std::int64_t v) const {
    return {v, k};
  }
};
struct bucketed {  // (key, x) -> (first byte, floor of x), as 32-bit integers
  GPUSTREAM_HOST_DEVICE device_pair<int, int> operator()(string_ref key, double x) const {
    long long whole = static_cast<long long>(x);  // toward zero
    if (static_cast<double>(whole) > x) --whole;
    return {static_cast<unsigned char>(key.data[0]), static_cast<int>(whole)};
  }
};
struct length_and_sevens {  // line -> (length, number of '7's)
  GPUSTREAM_HOST_DEVICE device_pair<std::int64_t, std::int64_t> operator()(string_ref line) const {
    std::int64_t sevens = 0;
    for (length_type i = 0; i < line.size; ++i) sevens += line.data[i] == '7' ? 1 : 0;
    return {line.size, sevens};
  }
};
struct digit_count {  // line -> number of ASCII digits
  GPUSTREAM_HOST_DEVICE int operator()(string_ref line) const {
    int digits = 0;
    for (length_type i = 0; i < line.size; ++i) digits += line.data[i] >= '0' && line.data[i] <= '9' ? 1 : 0;
    return digits;
  }
};
struct length_plus_value {  // (key, v) -> key length + v
  GPUSTREAM_HOST_DEVICE std::int64_t operator()(string_ref key, std::int64_t v) const { return key.size + v; }
};
struct key_minus_value {  // (k, v) -> k - v
  GPUSTREAM_HOST_DEVICE std::int64_t operator()(std::int64_t k, std::int64_t v) const { return k - v; }
};

// update_state_by_key(on_device(f)) with updates that are not reductions.
/// Integers: +10 per new value plus the last value mod 7; a key whose first
/// new value is a multiple of 11 is removed; a key without new values decays
/// by 1 and goes at 0.
struct decaying_count {
  GPUSTREAM_HOST_DEVICE device_optional<std::int64_t> operator()(device_span<std::int64_t> values,
                                                                 device_optional<std::int64_t> state) const {
    if (values.empty()) {
      if (!state.has_value() || *state <= 1) return {};
      return {true, *state - 1};
    }
    if (values[0] % 11 == 0) return {};
    const std::int64_t before = state.has_value() ? *state : 0;
    return {true, before + 10 * values.size + values[values.size - 1] % 7};
  }
};
/// Doubles: the state halved, then each new value in batch order folded in
/// by s = s / 2 + v (order matters); without new values, halved while above 1.
struct halving_fold {
  GPUSTREAM_HOST_DEVICE device_optional<double> operator()(device_span<double> values,
                                                           device_optional<double> state) const {
    if (values.empty()) {
      if (!state.has_value() || *state <= 1.0) return {};
      return {true, *state / 2};
    }
    double s = state.has_value() ? *state / 2 : 0.0;
    for (size_type i = 0; i < values.size; ++i) s = s * 0.5 + values[i];
    return {true, s};
  }
};

/// A state of another type than the values. Integers to a double: the state
/// halved each batch plus the number of new values; gone below 0.2.
struct decayed_count {
  GPUSTREAM_HOST_DEVICE device_optional<double> operator()(device_span<std::int64_t> values,
                                                           device_optional<double> state) const {
    const double s = (state.has_value() ? *state / 2 : 0.0) + static_cast<double>(values.size);
    if (s < 0.2) return {};
    return {true, s};
  }
};
/// Doubles to an integer: the running count of positive minus negative
/// values; a key whose count comes back to 0 with new values goes.
struct sign_balance {
  GPUSTREAM_HOST_DEVICE device_optional<std::int64_t> operator()(device_span<double> values,
                                                                 device_optional<std::int64_t> state) const {
    std::int64_t s = state.has_value() ? *state : 0;
    for (size_type i = 0; i < values.size; ++i) s += values[i] > 0 ? 1 : (values[i] < 0 ? -1 : 0);
    if (!values.empty() && s == 0) return {};
    return {true, s};
  }
};

// map_with_state(on_device(f)): a running sum per key, removed past +-2000,
// that reports the key's weight (string length, or the integer key mod 5).
GPUSTREAM_HOST_DEVICE inline std::int64_t key_weight(string_ref key) { return key.size; }
GPUSTREAM_HOST_DEVICE inline std::int64_t key_weight(std::int64_t key) { return key % 5; }
template <class Key>
struct capped_sum {
  GPUSTREAM_HOST_DEVICE std::int64_t operator()(Key key, device_optional<std::int64_t> v,
                                                device_state<std::int64_t>& state) const {
    if (state.is_timing_out()) return -state.get() - key_weight(key);
    const std::int64_t total = state.get() + *v;
    if (total > 2000 || total < -2000) {
      state.remove();
      return 0;
    }
    state.update(total);
    return total * 10 + key_weight(key);
  }
};
/// Over doubles, to doubles: an order-dependent running fold.
struct halving_mean {
  GPUSTREAM_HOST_DEVICE double operator()(string_ref, device_optional<double> v, device_state<double>& state) const {
    if (state.is_timing_out()) return state.get() * 2;
    const double next = state.exists() ? state.get() / 2 + *v : *v;
    state.update(next);
    return next;
  }
};
/// Over integers, to doubles: the count of records so far, as a double.
struct count_as_double {
  GPUSTREAM_HOST_DEVICE double operator()(string_ref, device_optional<std::int64_t>,
                                          device_state<std::int64_t>& state) const {
    if (state.is_timing_out()) return -1.0;
    state.update(state.get() + 1);
    return static_cast<double>(state.get()) + 0.5;
  }
};

/// Counts a key's records, and (wrongly) updates its state when it times out.
struct updates_when_timing_out {
  GPUSTREAM_HOST_DEVICE std::int64_t operator()(string_ref, device_optional<std::int64_t>,
                                                device_state<std::int64_t>& state) const {
    state.update(state.get() + 1);
    return state.get();
  }
};

// flat_map(on_device(f)) of whole records to integers and integer pairs.
/// Each maximal run of ASCII digits of a line, as a number (at most 15 digits
/// kept).
struct numbers_in_line {
  GPUSTREAM_HOST_DEVICE void operator()(string_ref line, integer_sink& emit) const {
    std::int64_t value = 0;
    int digits = 0;
    for (length_type i = 0; i <= line.size; ++i) {
      const bool digit = i < line.size && line.data[i] >= '0' && line.data[i] <= '9';
      if (digit) {
        if (digits < 15) value = value * 10 + (line.data[i] - '0');
        ++digits;
      } else if (digits > 0) {
        emit(value);
        value = 0;
        digits = 0;
      }
    }
  }
};
/// (key, v) -> |v| % 4 records (key length, v + j) for j = 0, 1, ...
struct repeated_by_value {
  GPUSTREAM_HOST_DEVICE void operator()(string_ref key, std::int64_t v, int_pair_sink& emit) const {
    const std::int64_t times = (v < 0 ? -v : v) % 4;
    for (std::int64_t j = 0; j < times; ++j) emit(key.size, v + j);
  }
};
/// (k, v) -> k and v when they differ, else nothing.
struct both_unless_equal {
  GPUSTREAM_HOST_DEVICE void operator()(std::int64_t k, std::int64_t v, integer_sink& emit) const {
    if (k == v) return;
    emit(k);
    emit(v);
  }
};
/// (key, x) -> (first byte, 1) once per whole unit of |x| above 200.
struct over_two_hundred {
  GPUSTREAM_HOST_DEVICE void operator()(string_ref key, double x, int_pair_sink& emit) const {
    for (double left = (x < 0 ? -x : x) - 200.0; left >= 1.0; left -= 1.0) {
      emit(static_cast<unsigned char>(key.data[0]), 1);
    }
  }
};

// map and flat_map(on_device(f)) to pairs keyed by parts of the records.
/// A line's first field (up to its first space) with the line's length; an
/// empty key with no data pointer where the length is a multiple of 3.
struct first_field {
  GPUSTREAM_HOST_DEVICE device_pair<string_ref, std::int64_t> operator()(string_ref line) const {
    if (line.size % 3 == 0) return {string_ref{nullptr, 0}, line.size};
    length_type end = 0;
    while (end < line.size && line.data[end] != ' ') ++end;
    return {string_ref{line.data, end}, line.size};
  }
};
/// (key, v) -> (the key without its first byte, v / 2 as a double).
struct tail_and_half {
  GPUSTREAM_HOST_DEVICE device_pair<string_ref, double> operator()(string_ref key, std::int64_t v) const {
    return {string_ref{key.data + 1, key.size - 1}, static_cast<double>(v) / 2};
  }
};
/// (key, x) -> (the key's last two bytes, x rounded down).
struct last_two_floor {
  GPUSTREAM_HOST_DEVICE device_pair<string_ref, std::int64_t> operator()(string_ref key, double x) const {
    const length_type n = key.size < 2 ? key.size : 2;
    const double down = x < 0 && static_cast<double>(static_cast<std::int64_t>(x)) != x
                            ? static_cast<double>(static_cast<std::int64_t>(x)) - 1
                            : static_cast<double>(static_cast<std::int64_t>(x));
    return {string_ref{key.data + key.size - n, n}, static_cast<std::int64_t>(down)};
  }
};
/// A key one byte longer than its record: not a part of it.
struct past_the_end {
  GPUSTREAM_HOST_DEVICE device_pair<string_ref, std::int64_t> operator()(string_ref line) const {
    return {string_ref{line.data, line.size + 1}, 1};
  }
};
/// The words of a line (split on spaces), each with 1: the word count's
/// flatMap and map in one.
struct words_with_one {
  GPUSTREAM_HOST_DEVICE void operator()(string_ref line, word_pair_sink& emit) const {
    length_type start = 0;
    for (length_type i = 0; i <= line.size; ++i) {
      if (i == line.size || line.data[i] == ' ') {
        if (i > start) emit(start, i - start, 1);
        start = i + 1;
      }
    }
  }
};
/// Each run of digits of a line, with its length / 4 as a double; then the
/// whole line cut from 2 bytes before its start (cut to the line: the whole
/// line) and an empty key past its end, each with -1.5.
struct digit_runs_scored {
  GPUSTREAM_HOST_DEVICE void operator()(string_ref line, keyed_double_sink& emit) const {
    length_type start = -1;
    for (length_type i = 0; i <= line.size; ++i) {
      const bool digit = i < line.size && line.data[i] >= '0' && line.data[i] <= '9';
      if (digit && start < 0) start = i;
      if (!digit && start >= 0) {
        emit(start, i - start, static_cast<double>(i - start) / 4);
        start = -1;
      }
    }
    emit(-2, line.size + 2, -1.5);
    emit(line.size + 3, 4, -1.5);
  }
};
/// (key, v) -> the key's prefixes of 1 to 3 bytes (as long as the key), with
/// v, v + 1, v + 2; nothing where v is a multiple of 5.
struct prefixes {
  GPUSTREAM_HOST_DEVICE void operator()(string_ref key, std::int64_t v, word_pair_sink& emit) const {
    if (v % 5 == 0) return;
    for (length_type j = 1; j <= 3 && j <= key.size; ++j) emit(0, j, v + j - 1);
  }
};

// map(on_device(f)) to new strings built by f.
/// The line with ASCII letters upper-cased.
struct upper_cased {
  GPUSTREAM_HOST_DEVICE void operator()(string_ref line, string_builder& b) const {
    for (length_type i = 0; i < line.size; ++i) {
      const char c = line.data[i];
      b.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
    }
  }
};
/// (key, v) -> ("k:" key "#" v, 3 v).
struct tagged_key {
  GPUSTREAM_HOST_DEVICE std::int64_t operator()(string_ref key, std::int64_t v, string_builder& b) const {
    b.append("k:");
    b.append(key);
    b.push_back('#');
    b.append_integer(v);
    return v * 3;
  }
};
/// (k, v) -> (k in decimal, v / 8): integer keys made string keys.
struct decimal_key {
  GPUSTREAM_HOST_DEVICE double operator()(std::int64_t k, std::int64_t v, string_builder& b) const {
    b.append_integer(k);
    return static_cast<double>(v) / 8;
  }
};
/// x -> "" for even x, else x * 1000 in decimal.
struct odd_thousands {
  GPUSTREAM_HOST_DEVICE void operator()(std::int64_t x, string_builder& b) const {
    if (x % 2 != 0) b.append_integer(x * 1000);
  }
};
/// (key, x) -> the key twice, with the sign of x between.
struct doubled_key {
  GPUSTREAM_HOST_DEVICE void operator()(string_ref key, double x, string_builder& b) const {
    b.append(key.data, key.size);
    b.push_back(x < 0 ? '-' : '+');
    b.append(key);
  }
};

#if defined(__CUDACC__)
#define TEST_HOST_DEVICE_LAMBDA __host__ __device__
constexpr bool compiled_by_nvcc = true;
#else
#define TEST_HOST_DEVICE_LAMBDA
constexpr bool compiled_by_nvcc = false;
#endif

// ---- the model ----

word_pair parse(const std::string& line) {
  const auto space = line.find(' ');
  return {line.substr(0, space), std::strtoll(line.c_str() + space + 1, nullptr, 10)};
}
int_pair int_key(const word_pair& p) { return {static_cast<std::int64_t>(p.first.size()) * 5 - 11, p.second}; }
keyed_double quarter(const word_pair& p) { return {p.first, static_cast<double>(p.second) / 4.0}; }

/// Random batches of "key value" lines: keys from a vocabulary that drifts
/// every 6 batches, some batches empty, values of both signs.
batches random_batches(std::mt19937_64& gen, int n) {
  batches out(static_cast<std::size_t>(n));
  for (int b = 0; b < n; ++b) {
    if (gen() % 5 == 0) continue;
    const int records = static_cast<int>(gen() % 70);
    const int phase = (b / 6) % 3;
    for (int r = 0; r < records; ++r) {
      const int k = phase * 5 + static_cast<int>(gen() % 12);
      const std::string key = k % 4 == 0 ? "w" + std::to_string(k * 977) : "w" + std::to_string(k);
      const auto value = static_cast<std::int64_t>(gen() % 2001) - 1000;
      out[static_cast<std::size_t>(b)].push_back(key + " " + std::to_string(value));
    }
  }
  return out;
}

template <class R, class F>
std::vector<R> mapped(const std::vector<std::string>& lines, F f) {
  std::vector<R> out;
  for (const auto& l : lines) out.push_back(f(parse(l)));
  return out;
}

/// Records reduced by key with `op`, sorted by key (outputs are sorted before
/// comparing: string keys come in hash order).
template <class P, class Op>
std::vector<P> reduced(const std::vector<P>& records, Op op) {
  std::map<typename P::first_type, typename P::second_type> m;
  for (const auto& [k, v] : records) {
    auto [it, fresh] = m.try_emplace(k, v);
    if (!fresh) it->second = op(it->second, v);
  }
  return {m.begin(), m.end()};
}

template <class T>
std::vector<T> sorted(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v;
}

class device_function_test : public operator_test {
 protected:
  /// The input's lines, and its records as each pair type.
  struct streams {
    dstream<std::string> lines;
    dstream<word_pair> pairs;
    dstream<keyed_double> doubles;
    dstream<int_pair> ints;
  };
  static streams streams_of(streaming_context& ctx, const batches& input) {
    auto lines = ctx.queue_stream(input);
    auto pairs = lines.map(parse);
    return streams{lines, pairs, pairs.map(quarter), pairs.map(int_key)};
  }
  /// Checks that each batch that ran got its input lines whole (empty past
  /// the input), then runs `check(i, t, batch)` on it: i from 1, its time, its lines.
  template <class Check>
  void for_each_batch(const recorder<std::string>& all_lines, const batches& input, Check&& check) const {
    ASSERT_FALSE(all_lines.seen.empty());
    const batch_time first = all_lines.seen.begin()->first;
    const int total = static_cast<int>(all_lines.seen.size());
    const std::vector<std::string> none;
    for (int i = 1; i <= total; ++i) {
      const batch_time t = first + (i - 1) * interval.count();
      SCOPED_TRACE("batch " + std::to_string(i) + " of " + std::to_string(total));
      const auto& batch = i <= static_cast<int>(input.size()) ? input[static_cast<std::size_t>(i - 1)] : none;
      const auto seen = all_lines.seen.find(t);
      ASSERT_TRUE(seen != all_lines.seen.end()) << "no batch at " << t;
      ASSERT_EQ(seen->second, batch) << "the queue's batches did not arrive one per interval";
      check(i, t, batch);
    }
  }
  /// Where the functors cannot run in kernels, the context says so (once stopped).
  void expect_staging_said() const {
    const bool staged = GetParam() == backend::cuda && !compiled_by_nvcc;
    EXPECT_EQ(log_.str().find("was not compiled by nvcc") != std::string::npos, staged) << log_.str();
  }
};

TEST_P(device_function_test, operators_match_the_model) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const int n = under_sanitizer() ? 10 : 24;  // under compute-sanitizer, still past the windows' length
  const batches input = random_batches(gen, n);
  constexpr int L = 3;
  constexpr int S = 2;

  streaming_context ctx{options()};
  auto [lines, pairs, doubles, ints] = streams_of(ctx, input);
  dstream<std::int64_t> lengths = lines.map([](const std::string& l) { return static_cast<std::int64_t>(l.size()); });

  recorder<std::string> all_lines, kept_lines, runs, cut;
  recorder<word_pair> affine_pairs, kept_pairs, xor_pairs, xor_window, xor_state;
  recorder<keyed_double> halved, lambda_doubles, kept_doubles, max_doubles, max_window, max_state;
  recorder<int_pair> affine_ints, kept_ints, gcd_ints, gcd_state;
  recorder<std::int64_t> squares, odd_lengths, xor_lengths, max_lengths;

  lines.foreach_batch(all_lines.sink());
  lines.filter(on_device(even_with_seven{})).foreach_batch(kept_lines.sink());
  lines.flat_map(on_device(digit_runs{})).foreach_batch(runs.sink());
  lines.flat_map(on_device(out_of_bounds{})).foreach_batch(cut.sink());
  pairs.map_values(on_device(affine{})).foreach_batch(affine_pairs.sink());
  pairs.map_values(on_device(halve{})).foreach_batch(halved.sink());
  doubles.map_values(on_device([] TEST_HOST_DEVICE_LAMBDA(double v) { return v * v; }))
      .foreach_batch(lambda_doubles.sink());
  pairs.filter(on_device(positive_long_key{})).foreach_batch(kept_pairs.sink());
  doubles.filter(on_device(small_double{})).foreach_batch(kept_doubles.sink());
  ints.filter(on_device(key_multiple_of_three{})).foreach_batch(kept_ints.sink());
  ints.map_values(on_device(affine{})).foreach_batch(affine_ints.sink());

  pairs.reduce_by_key(on_device(bit_xor{})).foreach_batch(xor_pairs.sink());
  doubles.reduce_by_key(on_device(larger{})).foreach_batch(max_doubles.sink());
  ints.reduce_by_key(on_device(greatest_common_divisor{})).foreach_batch(gcd_ints.sink());
  pairs.reduce_by_key_and_window(on_device(bit_xor{}), L * interval, S * interval).foreach_batch(xor_window.sink());
  doubles.reduce_by_key_and_window(on_device(larger{}), L * interval).foreach_batch(max_window.sink());
  pairs.update_state_by_key(on_device(bit_xor{})).foreach_batch(xor_state.sink());
  doubles.update_state_by_key(on_device(larger{})).foreach_batch(max_state.sink());
  ints.update_state_by_key(on_device(greatest_common_divisor{})).foreach_batch(gcd_state.sink());

  lengths.map(on_device(square_less_seven{})).foreach_batch(squares.sink());
  lengths.filter(on_device(odd{})).foreach_batch(odd_lengths.sink());
  lengths.reduce(on_device(bit_xor{})).foreach_batch(xor_lengths.sink());
  lengths.reduce_by_window(on_device(bit_xor{}), L * interval, S * interval).foreach_batch(max_lengths.sink());
  ASSERT_NO_FATAL_FAILURE(run(ctx, n + 3));

  ASSERT_FALSE(all_lines.seen.empty());
  const batch_time first = all_lines.seen.begin()->first;
  const int total = static_cast<int>(all_lines.seen.size());
  auto lines_of = [&](int from, int to) {  // batches from..to, 1-based; empty past the input
    std::vector<std::string> out;
    for (int j = std::max(1, from); j <= std::min(to, n); ++j) {
      for (const auto& l : input[static_cast<std::size_t>(j - 1)]) out.push_back(l);
    }
    return out;
  };
  const bit_xor x_or;
  const larger max;
  const greatest_common_divisor gcd;
  // Doubles: every value is a multiple of 1/4 (or its square) far from
  // rounding, so the user's operations give the host's results exactly; a
  // tolerance of 4 ulps (EXPECT_DOUBLE_EQ) still covers contraction into FMA.
  auto expect_doubles = [](const std::vector<keyed_double>& got, const std::vector<keyed_double>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].first, want[i].first);
      EXPECT_DOUBLE_EQ(got[i].second, want[i].second);
    }
  };
  for (int i = 1; i <= total; ++i) {
    const batch_time t = first + (i - 1) * interval.count();
    SCOPED_TRACE("batch " + std::to_string(i) + " of " + std::to_string(total));
    const bool slides = i % S == 0;
    const auto batch = lines_of(i, i);
    const auto window = lines_of(i - L + 1, i);
    const auto so_far = lines_of(1, i);
    const auto as_pairs = [](const std::vector<std::string>& ls) { return mapped<word_pair>(ls, [](word_pair p) { return p; }); };
    const auto as_doubles = [](const std::vector<std::string>& ls) { return mapped<keyed_double>(ls, quarter); };
    const auto as_ints = [](const std::vector<std::string>& ls) { return mapped<int_pair>(ls, int_key); };

    std::vector<std::string> want_lines, want_runs, want_cut;
    std::vector<std::int64_t> want_squares, want_odd;
    std::optional<std::int64_t> want_xor;
    for (const auto& l : batch) {
      std::string run;
      for (char c : l + " ") {
        if (c >= '0' && c <= '9') {
          run += c;
        } else if (!run.empty()) {
          want_runs.push_back(run);
          run.clear();
        }
      }
      want_cut.push_back(l.size() >= 2 ? l.substr(l.size() - 2) : l);
      want_cut.push_back(l.substr(0, 1));
      want_cut.emplace_back();
      want_cut.emplace_back();
      if (even_with_seven{}(string_ref{l.data(), static_cast<length_type>(l.size())})) want_lines.push_back(l);
      const auto len = static_cast<std::int64_t>(l.size());
      want_squares.push_back(len * len - 7);
      if (len % 2 != 0) want_odd.push_back(len);
      want_xor = want_xor ? *want_xor ^ len : len;
    }
    ASSERT_EQ(all_lines.seen[t], batch) << "the queue's batches did not arrive one per interval";
    EXPECT_EQ(kept_lines.seen[t], want_lines);
    EXPECT_EQ(runs.seen[t], want_runs);
    EXPECT_EQ(cut.seen[t], want_cut);
    EXPECT_EQ(squares.seen[t], want_squares);
    EXPECT_EQ(odd_lengths.seen[t], want_odd);
    EXPECT_EQ(xor_lengths.seen[t], want_xor ? std::vector<std::int64_t>{*want_xor} : std::vector<std::int64_t>{});

    std::vector<word_pair> want_affine, want_kept;
    std::vector<keyed_double> want_halved, want_squared, want_kept_doubles;
    std::vector<int_pair> want_affine_ints, want_kept_ints;
    for (const auto& p : as_pairs(batch)) {
      want_affine.emplace_back(p.first, 3 * p.second - 1);
      want_halved.emplace_back(p.first, static_cast<double>(p.second) * 0.5 + 0.25);
      if (p.first.size() > 2 && p.second > 0) want_kept.push_back(p);
    }
    for (const auto& p : as_doubles(batch)) {
      want_squared.emplace_back(p.first, p.second * p.second);
      if (p.second < 100.0 && p.first[0] == 'w') want_kept_doubles.push_back(p);
    }
    for (const auto& p : as_ints(batch)) {
      want_affine_ints.emplace_back(p.first, 3 * p.second - 1);
      if (p.first % 3 == 0 || p.second == 0) want_kept_ints.push_back(p);
    }
    EXPECT_EQ(affine_pairs.seen[t], want_affine);
    EXPECT_EQ(kept_pairs.seen[t], want_kept);
    expect_doubles(halved.seen[t], want_halved);
    expect_doubles(lambda_doubles.seen[t], want_squared);
    expect_doubles(kept_doubles.seen[t], want_kept_doubles);
    EXPECT_EQ(affine_ints.seen[t], want_affine_ints);
    EXPECT_EQ(kept_ints.seen[t], want_kept_ints);

    EXPECT_EQ(sorted(xor_pairs.seen[t]), reduced(as_pairs(batch), x_or));
    expect_doubles(sorted(max_doubles.seen[t]), reduced(as_doubles(batch), max));
    // Integer keys come in ascending order, as reduce_by_key(aggregation) gives them.
    EXPECT_EQ(gcd_ints.seen[t], reduced(as_ints(batch), gcd));
    EXPECT_EQ(xor_window.seen.count(t), slides ? 1u : 0u);
    EXPECT_EQ(max_lengths.seen.count(t), slides ? 1u : 0u);
    if (slides) {
      EXPECT_EQ(sorted(xor_window.seen[t]), reduced(as_pairs(window), x_or));
      std::optional<std::int64_t> want_window_xor;
      for (const auto& l : window) {
        const auto len = static_cast<std::int64_t>(l.size());
        want_window_xor = want_window_xor ? *want_window_xor ^ len : len;
      }
      EXPECT_EQ(max_lengths.seen[t],
                want_window_xor ? std::vector<std::int64_t>{*want_window_xor} : std::vector<std::int64_t>{});
    }
    expect_doubles(sorted(max_window.seen[t]), reduced(as_doubles(window), max));
    EXPECT_EQ(sorted(xor_state.seen[t]), reduced(as_pairs(so_far), x_or));
    expect_doubles(sorted(max_state.seen[t]), reduced(as_doubles(so_far), max));
    EXPECT_EQ(gcd_state.seen[t], reduced(as_ints(so_far), gcd));
  }

  expect_staging_said();
}

// map(on_device(f)) from each record type to integers and to integer pairs
// with new keys, and the new pairs reduced by key downstream.
TEST_P(device_function_test, maps_of_whole_records_match_the_model) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const int n = 24;
  const batches input = random_batches(gen, n);

  streaming_context ctx{options()};
  auto [lines, pairs, doubles, ints] = streams_of(ctx, input);

  recorder<std::string> all_lines;
  recorder<int_pair> by_length, swapped_ints, buckets, line_shapes, summed_by_length, lambda_pairs;
  recorder<std::int64_t> digits, length_plus, differences;
  lines.foreach_batch(all_lines.sink());
  pairs.map(on_device(length_and_doubled{})).foreach_batch(by_length.sink());
  ints.map(on_device(swapped{})).foreach_batch(swapped_ints.sink());
  doubles.map(on_device(bucketed{})).foreach_batch(buckets.sink());
  lines.map(on_device(length_and_sevens{})).foreach_batch(line_shapes.sink());
  pairs.map(on_device(length_and_doubled{})).reduce_by_key().foreach_batch(summed_by_length.sink());
  ints.map(on_device([] TEST_HOST_DEVICE_LAMBDA(std::int64_t k, std::int64_t v) {
        return device_pair<std::int64_t, std::int64_t>{k % 7, v * v};
      }))
      .foreach_batch(lambda_pairs.sink());
  lines.map(on_device(digit_count{})).foreach_batch(digits.sink());
  pairs.map(on_device(length_plus_value{})).foreach_batch(length_plus.sink());
  ints.map(on_device(key_minus_value{})).foreach_batch(differences.sink());
  ASSERT_NO_FATAL_FAILURE(run(ctx, n + 2));

  std::size_t records = 0;
  for_each_batch(all_lines, input, [&](int, batch_time t, const std::vector<std::string>& batch) {
    std::vector<int_pair> want_by_length, want_swapped, want_buckets, want_shapes, want_lambda;
    std::vector<std::int64_t> want_digits, want_plus, want_differences;
    for (const auto& l : batch) {
      const word_pair p = parse(l);
      const int_pair ip = int_key(p);
      const keyed_double dp = quarter(p);
      want_by_length.emplace_back(static_cast<std::int64_t>(p.first.size()), 2 * p.second);
      want_swapped.emplace_back(ip.second, ip.first);
      want_buckets.emplace_back(static_cast<unsigned char>(dp.first[0]),
                                static_cast<std::int64_t>(std::floor(dp.second)));
      want_shapes.emplace_back(static_cast<std::int64_t>(l.size()), std::count(l.begin(), l.end(), '7'));
      want_lambda.emplace_back(ip.first % 7, ip.second * ip.second);
      want_digits.push_back(std::count_if(l.begin(), l.end(), [](char c) { return c >= '0' && c <= '9'; }));
      want_plus.push_back(static_cast<std::int64_t>(p.first.size()) + p.second);
      want_differences.push_back(ip.first - ip.second);
    }
    records += batch.size();
    EXPECT_EQ(by_length.seen[t], want_by_length);
    EXPECT_EQ(swapped_ints.seen[t], want_swapped);
    EXPECT_EQ(buckets.seen[t], want_buckets);
    EXPECT_EQ(line_shapes.seen[t], want_shapes);
    EXPECT_EQ(lambda_pairs.seen[t], want_lambda);
    EXPECT_EQ(digits.seen[t], want_digits);
    EXPECT_EQ(length_plus.seen[t], want_plus);
    EXPECT_EQ(differences.seen[t], want_differences);
    // Integer keys come in ascending order from reduce_by_key.
    std::map<std::int64_t, std::int64_t> sums;
    for (const auto& [k, v] : want_by_length) sums[k] += v;
    EXPECT_EQ(summed_by_length.seen[t], std::vector<int_pair>(sums.begin(), sums.end()));
  });
  EXPECT_GT(records, 0u);
  expect_staging_said();
}

// flat_map(on_device(f)) from strings, pairs of each type and integers to
// integers and to integer pairs, against the model: zero or more records per
// input, in order.
TEST_P(device_function_test, flat_maps_of_whole_records_match_the_model) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const int n = 24;
  const batches input = random_batches(gen, n);

  streaming_context ctx{options()};
  auto [lines, pairs, doubles, ints] = streams_of(ctx, input);
  recorder<std::string> all_lines;
  recorder<std::int64_t> numbers, unequal, lengths_of_lines;
  recorder<int_pair> repeated, big;
  lines.foreach_batch(all_lines.sink());
  lines.flat_map(on_device(numbers_in_line{})).foreach_batch(numbers.sink());
  pairs.flat_map(on_device(repeated_by_value{})).foreach_batch(repeated.sink());
  ints.flat_map(on_device(both_unless_equal{})).foreach_batch(unequal.sink());
  doubles.flat_map(on_device(over_two_hundred{})).foreach_batch(big.sink());
  // Integers to integers: each length, then its half when it is even.
  lines.map([](const std::string& l) { return static_cast<std::int64_t>(l.size()); })
      .flat_map(on_device([] TEST_HOST_DEVICE_LAMBDA(std::int64_t x, integer_sink& emit) {
        emit(x);
        if (x % 2 == 0) emit(x / 2);
      }))
      .foreach_batch(lengths_of_lines.sink());
  ASSERT_NO_FATAL_FAILURE(run(ctx, n + 2));

  std::size_t emitted = 0;
  for_each_batch(all_lines, input, [&](int, batch_time t, const std::vector<std::string>& batch) {
    std::vector<std::int64_t> want_numbers, want_unequal, want_lengths;
    std::vector<int_pair> want_repeated, want_big;
    for (const auto& l : batch) {
      std::string run;
      for (char c : l + " ") {
        if (c >= '0' && c <= '9') {
          run += c;
        } else if (!run.empty()) {
          want_numbers.push_back(std::stoll(run.substr(0, 15)));
          run.clear();
        }
      }
      const word_pair p = parse(l);
      for (std::int64_t j = 0; j < std::abs(p.second) % 4; ++j) {
        want_repeated.emplace_back(static_cast<std::int64_t>(p.first.size()), p.second + j);
      }
      const int_pair ip = int_key(p);
      if (ip.first != ip.second) {
        want_unequal.push_back(ip.first);
        want_unequal.push_back(ip.second);
      }
      const keyed_double dp = quarter(p);
      for (double left = std::fabs(dp.second) - 200.0; left >= 1.0; left -= 1.0) {
        want_big.emplace_back(static_cast<unsigned char>(dp.first[0]), 1);
      }
      const auto len = static_cast<std::int64_t>(l.size());
      want_lengths.push_back(len);
      if (len % 2 == 0) want_lengths.push_back(len / 2);
    }
    emitted += want_repeated.size() + want_big.size();
    EXPECT_EQ(numbers.seen[t], want_numbers);
    EXPECT_EQ(repeated.seen[t], want_repeated);
    EXPECT_EQ(unequal.seen[t], want_unequal);
    EXPECT_EQ(big.seen[t], want_big);
    EXPECT_EQ(lengths_of_lines.seen[t], want_lengths);
  });
  EXPECT_GT(emitted, 0u);
  expect_staging_said();
}

// map and flat_map(on_device(f)) from records with strings to word_pair and
// keyed_double records keyed by parts of them, against the model; then a
// device-made word count reduced by key, and a key outside its record.
TEST_P(device_function_test, maps_and_flat_maps_to_string_keys_match_the_model) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const int n = 24;
  const batches input = random_batches(gen, n);

  streaming_context ctx{options()};
  auto [lines, pairs, doubles, ints] = streams_of(ctx, input);
  recorder<std::string> all_lines;
  recorder<word_pair> fields, floors, words, word_counts, prefixed;
  recorder<keyed_double> tails, runs;
  lines.foreach_batch(all_lines.sink());
  lines.map(on_device(first_field{})).foreach_batch(fields.sink());
  pairs.map(on_device(tail_and_half{})).foreach_batch(tails.sink());
  doubles.map(on_device(last_two_floor{})).foreach_batch(floors.sink());
  lines.flat_map(on_device(words_with_one{})).foreach_batch(words.sink());
  lines.flat_map(on_device(words_with_one{})).reduce_by_key().foreach_batch(word_counts.sink());
  lines.flat_map(on_device(digit_runs_scored{})).foreach_batch(runs.sink());
  pairs.flat_map(on_device(prefixes{})).foreach_batch(prefixed.sink());
  ASSERT_NO_FATAL_FAILURE(run(ctx, n + 2));

  std::size_t records = 0;
  for_each_batch(all_lines, input, [&](int, batch_time t, const std::vector<std::string>& batch) {
    std::vector<word_pair> want_fields, want_floors, want_words, want_prefixed;
    std::vector<keyed_double> want_tails, want_runs;
    for (const auto& l : batch) {
      const auto len = static_cast<std::int64_t>(l.size());
      want_fields.emplace_back(len % 3 == 0 ? "" : l.substr(0, l.find(' ')), len);
      const word_pair p = parse(l);
      want_tails.emplace_back(p.first.substr(1), static_cast<double>(p.second) / 2);
      const keyed_double dp = quarter(p);
      want_floors.emplace_back(dp.first.substr(dp.first.size() - std::min<std::size_t>(2, dp.first.size())),
                               static_cast<std::int64_t>(std::floor(dp.second)));
      std::istringstream split{l};
      for (std::string w; split >> w;) want_words.emplace_back(w, 1);
      std::string digits;
      for (char c : l + " ") {
        if (c >= '0' && c <= '9') {
          digits += c;
        } else if (!digits.empty()) {
          want_runs.emplace_back(digits, static_cast<double>(digits.size()) / 4);
          digits.clear();
        }
      }
      want_runs.emplace_back(l, -1.5);
      want_runs.emplace_back("", -1.5);
      if (p.second % 5 != 0) {
        for (std::size_t j = 1; j <= 3 && j <= p.first.size(); ++j) {
          want_prefixed.emplace_back(p.first.substr(0, j), p.second + static_cast<std::int64_t>(j) - 1);
        }
      }
    }
    records += batch.size();
    EXPECT_EQ(fields.seen[t], want_fields);
    EXPECT_EQ(tails.seen[t], want_tails);
    EXPECT_EQ(floors.seen[t], want_floors);
    EXPECT_EQ(words.seen[t], want_words);
    EXPECT_EQ(sorted(word_counts.seen[t]), reduced(want_words, std::plus<>{}));
    EXPECT_EQ(runs.seen[t], want_runs);
    EXPECT_EQ(prefixed.seen[t], want_prefixed);
  });
  EXPECT_GT(records, 0u);
  expect_staging_said();

  // A key that is not a part of its record stops the context with an error
  // that says so.
  streaming_context bad{options()};
  bad.queue_stream({{}, {"abc", "de f"}}).map(on_device(past_the_end{})).print();
  bad.start();
  try {
    EXPECT_FALSE(bad.await_termination_or_timeout(std::chrono::seconds{60})) << "stopped without its error";
    ADD_FAILURE() << "the context did not stop within 60 s";
  } catch (const logic_error& e) {
    EXPECT_NE(std::string{e.what()}.find("not a part of its record"), std::string::npos) << e.what();
  }
  EXPECT_EQ(bad.batches_completed(), 1u) << "the empty batch runs, the bad one does not";
}

// map(on_device(f)) with a string_builder, from each record type to new
// strings and to pairs keyed by them, against the model; the new pairs
// reduced by key downstream.
TEST_P(device_function_test, maps_to_new_strings_match_the_model) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const int n = 24;
  const batches input = random_batches(gen, n);

  streaming_context ctx{options()};
  auto [lines, pairs, doubles, ints] = streams_of(ctx, input);
  recorder<std::string> all_lines, upper, thousands, doubled;
  recorder<word_pair> tagged, tagged_sums;
  recorder<keyed_double> decimal;
  lines.foreach_batch(all_lines.sink());
  lines.map(on_device(upper_cased{})).foreach_batch(upper.sink());
  pairs.map(on_device(tagged_key{})).foreach_batch(tagged.sink());
  pairs.map(on_device(tagged_key{})).reduce_by_key().foreach_batch(tagged_sums.sink());
  ints.map(on_device(decimal_key{})).foreach_batch(decimal.sink());
  lines.map([](const std::string& l) { return static_cast<std::int64_t>(l.size()); })
      .map(on_device(odd_thousands{}))
      .foreach_batch(thousands.sink());
  doubles.map(on_device(doubled_key{})).foreach_batch(doubled.sink());
  ASSERT_NO_FATAL_FAILURE(run(ctx, n + 2));

  std::size_t records = 0;
  for_each_batch(all_lines, input, [&](int, batch_time t, const std::vector<std::string>& batch) {
    std::vector<std::string> want_upper, want_thousands, want_doubled;
    std::vector<word_pair> want_tagged;
    std::vector<keyed_double> want_decimal;
    for (const auto& l : batch) {
      std::string u = l;
      for (char& c : u) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
      want_upper.push_back(u);
      const word_pair p = parse(l);
      want_tagged.emplace_back("k:" + p.first + "#" + std::to_string(p.second), p.second * 3);
      const int_pair ip = int_key(p);
      want_decimal.emplace_back(std::to_string(ip.first), static_cast<double>(ip.second) / 8);
      const auto len = static_cast<std::int64_t>(l.size());
      want_thousands.push_back(len % 2 != 0 ? std::to_string(len * 1000) : "");
      const keyed_double dp = quarter(p);
      want_doubled.push_back(dp.first + (dp.second < 0 ? "-" : "+") + dp.first);
    }
    records += batch.size();
    EXPECT_EQ(upper.seen[t], want_upper);
    EXPECT_EQ(tagged.seen[t], want_tagged);
    EXPECT_EQ(sorted(tagged_sums.seen[t]), reduced(want_tagged, std::plus<>{}));
    EXPECT_EQ(decimal.seen[t], want_decimal);
    EXPECT_EQ(thousands.seen[t], want_thousands);
    EXPECT_EQ(doubled.seen[t], want_doubled);
  });
  EXPECT_GT(records, 0u);
  expect_staging_said();
}

// string_builder's decimal integers, at the extremes and at random.
TEST_P(device_function_test, string_builder_writes_integers_in_decimal) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  std::vector<std::int64_t> xs{0, 1, -1, 9, 10, -10, std::numeric_limits<std::int64_t>::max(),
                               std::numeric_limits<std::int64_t>::min()};
  for (int i = 0; i < 1000; ++i) xs.push_back(static_cast<std::int64_t>(gen()) >> (gen() % 64));
  for (const std::int64_t x : xs) {
    string_builder measure{nullptr};
    measure.append_integer(x);
    std::string out(static_cast<std::size_t>(measure.size()), '?');
    string_builder write{out.data()};
    write.append_integer(x);
    EXPECT_EQ(out, std::to_string(x));
    EXPECT_EQ(write.size(), measure.size());
  }
}

/// The model of update_state_by_key(f) over batches of `records` up to batch
/// `upto` (1-based): every key in the state or the batch, f over its new
/// values in batch order and its state.
template <class P, class F, class S = typename P::second_type>
std::map<typename P::first_type, S> model_state(const std::vector<std::vector<P>>& records, int upto, F f) {
  using K = typename P::first_type;
  using V = typename P::second_type;
  std::map<K, S> state;
  for (int b = 0; b < upto; ++b) {
    std::map<K, std::vector<V>> fresh;
    if (b < static_cast<int>(records.size())) {
      for (const auto& [k, v] : records[static_cast<std::size_t>(b)]) fresh[k].push_back(v);
    }
    std::map<K, S> next;
    std::set<K> keys;
    for (const auto& [k, v] : state) keys.insert(k);
    for (const auto& [k, v] : fresh) keys.insert(k);
    for (const K& k : keys) {
      const std::vector<V>& values = fresh[k];
      device_optional<S> before{};
      if (state.count(k)) before = device_optional<S>{true, state.at(k)};
      const device_optional<S> after = f(device_span<V>{values.data(), static_cast<size_type>(values.size())}, before);
      if (after.has_value()) next[k] = *after;
    }
    state = std::move(next);
  }
  return state;
}

// update_state_by_key(on_device(f)) with updates that are not reductions,
// over the three pair types: keys updated, removed by f, decaying without
// data and coming back, checked every batch against the model.
TEST_P(device_function_test, general_state_updates_match_the_model) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const int n = 24;
  batches input = random_batches(gen, n);
  // A key the generator never makes, removed by f in batch 1 (11 is a
  // multiple of 11) with its state at 11: every run tests removal by f.
  input[0].push_back("w99 1");
  input[1].push_back("w99 11");

  streaming_context ctx{options()};
  auto [lines, pairs, doubles, ints] = streams_of(ctx, input);
  recorder<std::string> all_lines;
  recorder<word_pair> counts;
  recorder<keyed_double> folds;
  recorder<int_pair> int_counts;
  lines.foreach_batch(all_lines.sink());
  pairs.update_state_by_key(on_device(decaying_count{})).foreach_batch(counts.sink());
  doubles.update_state_by_key(on_device(halving_fold{})).foreach_batch(folds.sink());
  ints.update_state_by_key(on_device(decaying_count{})).foreach_batch(int_counts.sink());
  recorder<keyed_double> decayed_counts;
  recorder<word_pair> balances;
  pairs.update_state_by_key(on_device(decayed_count{})).foreach_batch(decayed_counts.sink());
  doubles.update_state_by_key(on_device(sign_balance{})).foreach_batch(balances.sink());
  ASSERT_NO_FATAL_FAILURE(run(ctx, n + 6));

  std::vector<std::vector<word_pair>> as_pairs;
  std::vector<std::vector<keyed_double>> as_doubles;
  std::vector<std::vector<int_pair>> as_ints;
  for (const auto& batch : input) {
    as_pairs.push_back(mapped<word_pair>(batch, [](word_pair p) { return p; }));
    as_doubles.push_back(mapped<keyed_double>(batch, quarter));
    as_ints.push_back(mapped<int_pair>(batch, int_key));
  }
  std::size_t removed_by_f = 0;
  std::size_t decayed = 0;
  std::size_t previous_keys = 0;
  for_each_batch(all_lines, input, [&](int i, batch_time t, const std::vector<std::string>&) {
    const auto want_counts = model_state(as_pairs, i, decaying_count{});
    EXPECT_EQ(sorted(counts.seen[t]), std::vector<word_pair>(want_counts.begin(), want_counts.end()));
    const auto want_ints = model_state(as_ints, i, decaying_count{});
    EXPECT_EQ(int_counts.seen[t], std::vector<int_pair>(want_ints.begin(), want_ints.end()));
    const auto want_folds = model_state(as_doubles, i, halving_fold{});
    const auto got_folds = sorted(folds.seen[t]);
    ASSERT_EQ(got_folds.size(), want_folds.size());
    auto it = want_folds.begin();
    for (const auto& [k, v] : got_folds) {
      EXPECT_EQ(k, it->first);
      EXPECT_DOUBLE_EQ(v, it->second) << k;
      ++it;
    }
    // States of the other value type.
    const auto want_decayed = model_state<word_pair, decayed_count, double>(as_pairs, i, decayed_count{});
    const auto got_decayed = sorted(decayed_counts.seen[t]);
    ASSERT_EQ(got_decayed.size(), want_decayed.size());
    auto at = want_decayed.begin();
    for (const auto& [k, v] : got_decayed) {
      EXPECT_EQ(k, at->first);
      EXPECT_DOUBLE_EQ(v, at->second) << k;
      ++at;
    }
    const auto want_balances = model_state<keyed_double, sign_balance, std::int64_t>(as_doubles, i, sign_balance{});
    EXPECT_EQ(sorted(balances.seen[t]), std::vector<word_pair>(want_balances.begin(), want_balances.end()));
    // The input must exercise removal by f and decay to nothing.
    const auto before = model_state(as_pairs, i - 1, decaying_count{});
    for (const auto& [k, v] : before) {
      if (!want_counts.count(k)) ++(v <= 1 ? decayed : removed_by_f);
    }
    previous_keys += before.size();
  });
  EXPECT_GT(removed_by_f + decayed, 0u) << "no key left the state: the input does not test removal";
  EXPECT_GT(previous_keys, 0u);
  expect_staging_said();
}

/// The model of map_with_state: per batch, f for each record in order, then
/// (timeout > 0) once for each key without data since before time - timeout;
/// the records, the timed-out records (sorted: their order is the
/// backend's), and the state after each batch. `K` is the model's key type,
/// `call_key` turns it into f's.
template <class P, class U, class F, class CallKey>
struct state_model {
  using K = typename P::first_type;
  using V = typename P::second_type;
  struct entry {
    V value;
    batch_time last;
  };
  std::map<K, entry> state;
  std::vector<std::pair<K, U>> records;
  std::vector<std::pair<K, U>> timed_out;
  F f;
  CallKey call_key;
  std::int64_t timeout;

  void run_batch(const std::vector<P>& batch, batch_time now) {
    records.clear();
    timed_out.clear();
    for (const auto& [k, v] : batch) {
      const auto it = state.find(k);
      device_state<V> st{it != state.end(), it != state.end() ? it->second.value : V{}, false};
      records.emplace_back(k, f(call_key(k), device_optional<V>{true, v}, st));
      if (st.exists()) {
        state[k] = entry{st.get(), now};
      } else if (it != state.end()) {
        state.erase(it);
      }
    }
    if (timeout <= 0) return;
    for (auto it = state.begin(); it != state.end();) {
      if (it->second.last >= now - timeout) {
        ++it;
        continue;
      }
      device_state<V> st{true, it->second.value, true};
      timed_out.emplace_back(it->first, f(call_key(it->first), device_optional<V>{}, st));
      it = state.erase(it);
    }
    std::sort(timed_out.begin(), timed_out.end());
  }
  std::vector<P> snapshot() const {
    std::vector<P> out;
    for (const auto& [k, e] : state) out.emplace_back(k, e.value);
    return out;
  }
};

// map_with_state(on_device(f)) over the three pair types, with and without an
// idle timeout: every batch's records, timed-out records and state snapshots
// against the model.
TEST_P(device_function_test, map_with_state_matches_the_model) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const int n = 24;
  const batches input = random_batches(gen, n);
  const auto timeout = 3 * interval;

  streaming_context ctx{options()};
  auto [lines, pairs, doubles, ints] = streams_of(ctx, input);
  recorder<std::string> all_lines;
  recorder<word_pair> sums, sums_no_timeout, sum_state;
  recorder<int_pair> int_sums, int_state;
  recorder<keyed_double> means, counts, mean_state;
  lines.foreach_batch(all_lines.sink());
  auto summed = pairs.map_with_state(on_device(capped_sum<string_ref>{}), timeout);
  summed.foreach_batch(sums.sink());
  summed.state_snapshots().foreach_batch(sum_state.sink());
  pairs.map_with_state(on_device(capped_sum<string_ref>{})).foreach_batch(sums_no_timeout.sink());
  auto int_summed = ints.map_with_state(on_device(capped_sum<std::int64_t>{}), timeout);
  int_summed.foreach_batch(int_sums.sink());
  int_summed.state_snapshots().foreach_batch(int_state.sink());
  auto averaged = doubles.map_with_state(on_device(halving_mean{}), timeout);
  averaged.foreach_batch(means.sink());
  averaged.state_snapshots().foreach_batch(mean_state.sink());
  pairs.map_with_state(on_device(count_as_double{}), 2 * interval).foreach_batch(counts.sink());
  ASSERT_NO_FATAL_FAILURE(run(ctx, n + 6));

  auto as_ref = [](const std::string& k) { return string_ref{k.data(), static_cast<length_type>(k.size())}; };
  auto same = [](std::int64_t k) { return k; };
  state_model<word_pair, std::int64_t, capped_sum<string_ref>, decltype(as_ref)> sum_model{
      {}, {}, {}, {}, as_ref, timeout.count()};
  state_model<word_pair, std::int64_t, capped_sum<string_ref>, decltype(as_ref)> plain_model{
      {}, {}, {}, {}, as_ref, 0};
  state_model<int_pair, std::int64_t, capped_sum<std::int64_t>, decltype(same)> int_model{
      {}, {}, {}, {}, same, timeout.count()};
  state_model<keyed_double, double, halving_mean, decltype(as_ref)> mean_model{{}, {}, {}, {}, as_ref,
                                                                               timeout.count()};
  state_model<word_pair, double, count_as_double, decltype(as_ref)> count_model{
      {}, {}, {}, {}, as_ref, 2 * interval.count()};

  /// The batch's records in order, then the timed-out ones as a sorted set.
  auto expect_records = [](const std::vector<word_pair>& got, const auto& model) {
    ASSERT_EQ(got.size(), model.records.size() + model.timed_out.size());
    const auto split = got.begin() + static_cast<std::ptrdiff_t>(model.records.size());
    EXPECT_EQ(std::vector<word_pair>(got.begin(), split), model.records);
    std::vector<word_pair> rest(split, got.end());
    std::sort(rest.begin(), rest.end());
    EXPECT_EQ(rest, model.timed_out);
  };
  auto expect_split = [](auto got, const auto& model) {
    ASSERT_EQ(got.size(), model.records.size() + model.timed_out.size());
    const auto split = got.begin() + static_cast<std::ptrdiff_t>(model.records.size());
    using R = typename decltype(got)::value_type;
    const std::vector<R> head(got.begin(), split);
    std::vector<R> rest(split, got.end());
    std::sort(rest.begin(), rest.end());
    ASSERT_EQ(head.size(), model.records.size());
    for (std::size_t i = 0; i < head.size(); ++i) {
      EXPECT_EQ(head[i].first, model.records[i].first) << i;
      EXPECT_DOUBLE_EQ(static_cast<double>(head[i].second), static_cast<double>(model.records[i].second)) << i;
    }
    ASSERT_EQ(rest.size(), model.timed_out.size());
    for (std::size_t i = 0; i < rest.size(); ++i) {
      EXPECT_EQ(rest[i].first, model.timed_out[i].first) << i;
      EXPECT_DOUBLE_EQ(static_cast<double>(rest[i].second), static_cast<double>(model.timed_out[i].second)) << i;
    }
  };

  std::size_t timeouts = 0;
  std::size_t removals = 0;
  for_each_batch(all_lines, input, [&](int, batch_time t, const std::vector<std::string>& batch) {
    const auto p = mapped<word_pair>(batch, [](word_pair x) { return x; });
    sum_model.run_batch(p, t);
    plain_model.run_batch(p, t);
    int_model.run_batch(mapped<int_pair>(batch, int_key), t);
    mean_model.run_batch(mapped<keyed_double>(batch, quarter), t);
    count_model.run_batch(p, t);
    timeouts += sum_model.timed_out.size() + int_model.timed_out.size();
    for (const auto& [k, v] : plain_model.records) removals += v == 0 ? 1 : 0;

    expect_records(sums.seen[t], sum_model);
    expect_records(sums_no_timeout.seen[t], plain_model);
    expect_split(int_sums.seen[t], int_model);
    expect_split(means.seen[t], mean_model);
    expect_split(counts.seen[t], count_model);
    EXPECT_EQ(sorted(sum_state.seen[t]), sum_model.snapshot());
    EXPECT_EQ(int_state.seen[t], int_model.snapshot()) << "integer keys come in ascending order";
    const auto got_means = sorted(mean_state.seen[t]);
    const auto want_means = mean_model.snapshot();
    ASSERT_EQ(got_means.size(), want_means.size());
    for (std::size_t j = 0; j < got_means.size(); ++j) {
      EXPECT_EQ(got_means[j].first, want_means[j].first);
      EXPECT_DOUBLE_EQ(got_means[j].second, want_means[j].second);
    }
  });
  EXPECT_GT(timeouts, 0u) << "no key timed out: the input does not test timeouts";
  EXPECT_GT(removals, 0u) << "no key was removed by f: the input does not test removal";
  expect_staging_said();
}

// As in Spark, a key timing out can be read or removed, not updated: the
// batch where that happens stops the context with an error that says so.
TEST_P(device_function_test, updating_a_key_timing_out_is_an_error) {
  streaming_context ctx{options()};
  recorder<word_pair> seen;
  ctx.queue_stream({{"a 1", "b 2", "a 3"}, {}, {}, {}, {}, {}, {}, {}})
      .map(parse)
      .map_with_state(on_device(updates_when_timing_out{}), 2 * interval)
      .foreach_batch(seen.sink());
  ctx.start();
  try {
    EXPECT_FALSE(ctx.await_termination_or_timeout(std::chrono::seconds{60})) << "stopped without its error";
    ADD_FAILURE() << "the context did not stop within 60 s";
  } catch (const logic_error& e) {
    EXPECT_NE(std::string{e.what()}.find("timing out"), std::string::npos) << e.what();
  }
  // The first batch counted its records; the keys then timed out after two
  // idle intervals, and that batch failed.
  ASSERT_FALSE(seen.seen.empty());
  EXPECT_EQ(seen.seen.begin()->second, (std::vector<word_pair>{{"a", 1}, {"b", 1}, {"a", 2}}));
  EXPECT_LT(ctx.batches_completed(), 8u);
  EXPECT_GE(ctx.batches_completed(), 2u);
}

TEST_P(device_function_test, bad_windows_and_record_types_are_errors_at_graph_building) {
  streaming_context ctx{options()};
  auto lines = ctx.queue_stream({});
  auto lengths = lines.map([](const std::string& l) { return static_cast<std::int64_t>(l.size()); });
  auto pairs = lines.map(parse);
  expect_logic_error([&] { lengths.reduce_by_window(on_device(bit_xor{}), interval + std::chrono::milliseconds{1}); },
                     "multiple");
  expect_logic_error([&] { pairs.reduce_by_key_and_window(on_device(bit_xor{}), std::chrono::milliseconds{0}); },
                     "reduce_by_key_and_window");
  expect_logic_error(
      [&] { pairs.window(2 * interval, 2 * interval).update_state_by_key(on_device(bit_xor{})); },
      "every batch");
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(device_function_test);

}  // namespace
}  // namespace gpustream::test
