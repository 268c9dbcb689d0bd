// The CPU backend's hash-table paths for reduce_by_key (string keys with
// integer or double values, and integer keys) and the fused word count: each
// OpenMP thread aggregates its share of rows (or of the text) into its own
// open-addressing table, then the tables are merged. Results are those of the
// portable sort path, including the row order (string keys by hash, then
// bytes; integer keys ascending); sums of doubles may differ by rounding.

#include "detail/common.hpp"
#include "detail/cpu_text.hpp"
#include "detail/operators.hpp"

#include <gpustream/aggregate/reduce_by_key.hpp>
#include <gpustream/text/hash.hpp>
#include <gpustream/text/tokenize.hpp>

#include <omp.h>

#include <algorithm>
#include <array>
#include <limits>
#include <cstring>
#include <type_traits>
#include <vector>

namespace gpustream::detail::cpu {
namespace {

/// hash_bytes with the length term looked up and the tail read in one load
/// where the buffer allows it: the same value, fewer cycles per word.
class fast_hasher {
 public:
  static constexpr bool little_endian = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

  fast_hasher() {
    for (length_type n = 0; n < table_size; ++n) {
      length_term_[static_cast<std::size_t>(n)] = fmix64(static_cast<std::uint64_t>(n) + k0);
    }
  }
  /// A key of 1 to 12 bytes at p, with 16 bytes readable there, as two
  /// little-endian words, zero past its end: short_hash and add_short take it so.
  static void short_words(const char* p, length_type size, std::uint64_t& w0, std::uint64_t& w1) {
    w0 = load_u64(p);
    w1 = load_u64(p + 8);
    if (size < 8) {
      w0 &= ~std::uint64_t{0} >> (64 - 8 * size);
      w1 = 0;
    } else if (size == 8) {
      w1 = 0;
    } else {
      w1 &= ~std::uint64_t{0} >> (64 - 8 * (size - 8));
    }
  }
  /// hash_bytes of a key of 1 to 12 bytes given as short_words.
  hash_type short_hash(std::uint64_t w0, std::uint64_t w1, length_type size) const {
    std::uint64_t h = length_term_[static_cast<std::size_t>(size)];
    h = rotl64(h ^ (w0 * k1), 29) * k0;
    if (size > 8) h = rotl64(h ^ (w1 * k1), 29) * k0;
    return fmix64(h);
  }

  hash_type operator()(const char* data, length_type size, const char* end) const {
    if constexpr (!little_endian) return hash_bytes(data, size);
    std::uint64_t h = size < table_size ? length_term_[static_cast<std::size_t>(size)]
                                        : fmix64(static_cast<std::uint64_t>(size) + k0);
    length_type i = 0;
    for (; i + 8 <= size; i += 8) h = rotl64(h ^ (load_u64(data + i) * k1), 29) * k0;
    if (i < size) {
      const auto rest = static_cast<unsigned>(size - i);
      std::uint64_t tail = 0;
      if (end - (data + i) >= 8) {
        tail = load_u64(data + i) & (~std::uint64_t{0} >> (64 - 8 * rest));
      } else {
        for (unsigned j = 0; j < rest; ++j) {
          tail |= static_cast<std::uint64_t>(static_cast<unsigned char>(data[i + j])) << (8 * j);
        }
      }
      h = rotl64(h ^ (tail * k1), 29) * k0;
    }
    return fmix64(h);
  }

 private:
  static constexpr std::uint64_t k0 = 0x9E3779B97F4A7C15ull;
  static constexpr std::uint64_t k1 = 0xC2B2AE3D27D4EB4Full;
  static constexpr length_type table_size = 64;
  std::array<std::uint64_t, table_size> length_term_{};
};

/// A distinct key and its value, as the tables hand them out.
template <class V>
struct entry {
  hash_type hash;
  const char* data;
  length_type size;
  V value;
};

/// The aggregation's step, as the sort path's (wrapping_plus, minimum, maximum).
template <class V>
V combine(aggregation agg, V a, V b) {
  switch (agg) {
    case aggregation::sum:
    case aggregation::count: return wrapping_add(a, b);
    case aggregation::min: return a < b ? a : b;
    case aggregation::max: return a < b ? b : a;
  }
  return wrapping_add(a, b);
}

template <class V>
void sort_rows(std::vector<entry<V>>& rows) {
  std::sort(rows.begin(), rows.end(), [](const entry<V>& a, const entry<V>& b) {
    if (a.hash != b.hash) return a.hash < b.hash;
    return bytes_compare(string_ref{a.data, a.size}, string_ref{b.data, b.size}) < 0;
  });
}

/// The key and value table of V (key_value_table, key_double_table).
template <class V>
using table_of = std::conditional_t<std::is_same_v<V, double>, key_double_table, key_value_table>;

/// The table's columns from its rows, in (hash, bytes) order.
template <class V>
table_of<V> rows_to_table(std::vector<entry<V>> rows, stream_view s, memory_resource* mr) {
  sort_rows(rows);
  if (rows.empty()) return table_of<V>{empty_strings(s, mr), array<V>{0, s, mr}};

  const auto count = static_cast<size_type>(rows.size());
  array<offset_type> offsets{count + 1, s, mr};
  array<V> values{count, s, mr};
  offset_type* h_offsets = offsets.data();  // CPU backend: host memory
  h_offsets[0] = 0;
  for (size_type i = 0; i < count; ++i) {
    h_offsets[i + 1] = h_offsets[i] + rows[static_cast<std::size_t>(i)].size;
    values.data()[i] = rows[static_cast<std::size_t>(i)].value;
  }
  array<char> chars{h_offsets[count], s, mr};
  for (size_type i = 0; i < count; ++i) {
    const entry<V>& e = rows[static_cast<std::size_t>(i)];
    if (e.size > 0) std::memcpy(chars.data() + h_offsets[i], e.data, static_cast<std::size_t>(e.size));
  }
  return table_of<V>{string_column{std::move(chars), std::move(offsets)}, std::move(values)};
}

/// The slots of a table for `expected` keys: a power of two, at least 64,
/// at most half full.
std::size_t capacity_for(std::size_t expected) {
  std::size_t c = 64;
  while (c < 2 * expected) c *= 2;
  return c;
}

/// A thread's table of the hash paths: open addressing with linear probing on
/// the 64-bit hash, one value per distinct key. A hash match is confirmed by
/// the bytes, so colliding keys take separate slots. Keys of up to 12 bytes
/// are held in the slot itself, so that a lookup touches one 32-byte slot and
/// never the far-away text where the key first appeared; longer keys are
/// compared through a pointer into the text. V: std::int64_t or double.
template <class V>
class key_table {
 public:
  static constexpr length_type inline_bytes = 12;

  explicit key_table(std::size_t expected = 512) { rehash(capacity_for(expected)); }

  /// Combines `value` into the key's value by `agg`, or adds the key with it.
  void add(hash_type h, const char* data, length_type size, V value, aggregation agg) {
    if (2 * (count_ + 1) > slots_.size()) rehash(slots_.size() * 2);
    std::size_t i = static_cast<std::size_t>(h) & mask_;
    for (;;) {
      slot& e = slots_[i];
      if (e.size < 0) {
        e.hash = h;
        e.size = size;
        e.value = value;
        if (size <= inline_bytes) {
          std::memcpy(e.key, data, static_cast<std::size_t>(size));
        } else {
          std::memcpy(e.key, &data, sizeof data);
        }
        ++count_;
        return;
      }
      if (e.hash == h && e.size == size && std::memcmp(e.data(), data, static_cast<std::size_t>(size)) == 0) {
        e.value = combine(agg, e.value, value);
        return;
      }
      i = (i + 1) & mask_;
    }
  }

  /// add(h, key, size, value, agg) for a key of 1 to inline_bytes bytes given
  /// as fast_hasher::short_words, with agg's step as `step(old, value)`:
  /// compares without memcmp.
  template <class Step>
  void add_short(hash_type h, std::uint64_t w0, std::uint32_t w1, length_type size, V value, Step step) {
    if (2 * (count_ + 1) > slots_.size()) rehash(slots_.size() * 2);
    std::size_t i = static_cast<std::size_t>(h) & mask_;
    for (;;) {
      slot& e = slots_[i];
      if (e.size < 0) {
        e.hash = h;
        e.size = size;
        e.value = value;
        std::memcpy(e.key, &w0, 8);
        std::memcpy(e.key + 8, &w1, 4);
        ++count_;
        return;
      }
      if (e.hash == h && e.size == size) {
        std::uint64_t k0;
        std::uint32_t k1;
        std::memcpy(&k0, e.key, 8);
        std::memcpy(&k1, e.key + 8, 4);
        if (k0 == w0 && k1 == w1) {
          e.value = step(e.value, value);
          return;
        }
      }
      i = (i + 1) & mask_;
    }
  }

  /// Starts loading the slot where a lookup of `h` begins.
  void prefetch(hash_type h) const { __builtin_prefetch(&slots_[static_cast<std::size_t>(h) & mask_]); }

  void merge_into(key_table& dst, aggregation agg) const {
    for (const slot& e : slots_) {
      if (e.size >= 0) dst.add(e.hash, e.data(), e.size, e.value, agg);
    }
  }

  std::size_t size() const noexcept { return count_; }

  /// Rows pointing into this table's slots (valid while it is unchanged).
  std::vector<entry<V>> entries() const {
    std::vector<entry<V>> out;
    out.reserve(count_);
    for (const slot& e : slots_) {
      if (e.size >= 0) out.push_back(entry<V>{e.hash, e.data(), e.size, e.value});
    }
    return out;
  }

 private:
  struct slot {
    hash_type hash;
    V value;
    length_type size;       // -1: empty
    char key[inline_bytes];  // the key, or a pointer to it when longer
    const char* data() const {
      if (size <= inline_bytes) return key;
      const char* p = nullptr;
      std::memcpy(&p, key, sizeof p);
      return p;
    }
  };
  static_assert(sizeof(slot) == 32, "two slots a cache line");

  void rehash(std::size_t capacity) {
    std::vector<slot> old = std::move(slots_);
    slots_.assign(capacity, slot{0, V{}, -1, {}});
    mask_ = capacity - 1;
    count_ = 0;
    for (const slot& e : old) {
      if (e.size < 0) continue;
      std::size_t i = static_cast<std::size_t>(e.hash) & mask_;
      while (slots_[i].size >= 0) i = (i + 1) & mask_;
      slots_[i] = e;  // an inline key moves with its slot
      ++count_;
    }
  }

  std::vector<slot> slots_;
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
};

/// How many keys (or tokens) ahead of its lookup a key's slot is prefetched.
constexpr size_type lookahead = 16;

/// Additions to a key_table of keys hashed by mix64 (as fast_hasher computes
/// it). A key of 1 to inline_bytes bytes with 16 bytes readable from its
/// start (all of a text's tokens but the long ones and those in its last
/// bytes) goes as two words, `lookahead` additions after its slot was
/// prefetched: a Zipf vocabulary's rare keys miss the cache, and their slots'
/// lines are on their way meanwhile. Any other key goes at once, after those
/// queued, so that a key's values still combine in the order they were given.
/// Counting: every value is 1 and adds (count, or a word count's sum), so
/// none is kept.
template <class V, bool Counting>
class deferred_adds {
 public:
  deferred_adds(key_table<V>& table, aggregation agg) : table_{table}, agg_{agg} {}

  /// Adds the key of `size` bytes at `data`, in a buffer ending at `end`.
  void add(const char* data, length_type size, const char* end, V value) {
    const bool short_key = fast_hasher::little_endian && size > 0 && size <= key_table<V>::inline_bytes;
    if (short_key && end - data >= 16) {
      std::uint64_t w0 = 0;
      std::uint64_t w1 = 0;
      fast_hasher::short_words(data, size, w0, w1);
      add_short(hasher_.short_hash(w0, w1, size), w0, w1, size, value);
      return;
    }
    if (short_key) flush();  // a short key near the end: after its earlier values
    table_.add(hasher_(data, size, end), data, size, value, agg_);
  }
  /// Makes the additions still pending.
  void flush() {
    for (std::size_t k = count_ > depth ? count_ - depth : 0; k < count_; ++k) apply(ring_[k % depth]);
    count_ = 0;
  }

 private:
  /// table.add_short(h, w0, w1, size, value, ...), later.
  void add_short(hash_type h, std::uint64_t w0, std::uint64_t w1, length_type size, V value) {
    pending& q = ring_[count_++ % depth];
    if (count_ > depth) apply(q);
    q.hash = h;
    q.w0 = w0;
    q.w1 = static_cast<std::uint32_t>(w1);
    q.size = size;
    if constexpr (!Counting) q.value = value;
    table_.prefetch(h);
  }

  static constexpr auto depth = static_cast<std::size_t>(lookahead);
  struct counted {
    hash_type hash;
    std::uint64_t w0;
    std::uint32_t w1;
    length_type size;
  };
  struct valued : counted {
    V value;
  };
  using pending = std::conditional_t<Counting, counted, valued>;

  void apply(const pending& q) {
    if constexpr (Counting) {
      table_.add_short(q.hash, q.w0, q.w1, q.size, V{1}, [](V a, V b) { return wrapping_add(a, b); });
    } else {
      const aggregation agg = agg_;
      table_.add_short(q.hash, q.w0, q.w1, q.size, q.value, [agg](V a, V b) { return combine(agg, a, b); });
    }
  }

  key_table<V>& table_;
  aggregation agg_;
  fast_hasher hasher_;
  std::array<pending, depth> ring_{};
  std::size_t count_ = 0;
};

/// The threads' tables merged into one (the only one itself, when alone).
template <class Table>
Table merge_tables(std::vector<Table> partial, aggregation agg) {
  if (partial.size() == 1) return std::move(partial.front());
  Table merged{partial.front().size()};
  for (const auto& t : partial) t.merge_into(merged, agg);
  return merged;
}

/// Runs `reduce(table, lo, hi)` on each OpenMP thread for its share [lo, hi)
/// of `n` rows, into a table of its own, and returns the tables merged.
template <class Table, class Reduce>
Table reduce_in_threads(size_type n, aggregation agg, Reduce reduce) {
  const int threads = std::max(1, std::min<int>(omp_get_max_threads(), static_cast<int>(n / 4096) + 1));
  std::vector<Table> partial(static_cast<std::size_t>(threads));
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    reduce(partial[static_cast<std::size_t>(t)], n * t / threads, n * (t + 1) / threads);
  }
  return merge_tables(std::move(partial), agg);
}

/// Calls add(i, h) for each row i of [lo, hi) in order, with h = hash_of(i)
/// computed, and its slot in `table` prefetched, lookahead rows earlier: the
/// slots of rare keys miss the cache.
template <class Table, class HashOf, class Add>
void add_with_lookahead(const Table& table, size_type lo, size_type hi, HashOf hash_of, Add add) {
  std::array<hash_type, lookahead> hashes{};
  const auto hash_ahead = [&](size_type i) {
    const hash_type h = hash_of(i);
    hashes[static_cast<std::size_t>(i % lookahead)] = h;
    table.prefetch(h);
  };
  for (size_type i = lo; i < std::min(hi, lo + lookahead); ++i) hash_ahead(i);
  for (size_type i = lo; i < hi; ++i) {
    const hash_type h = hashes[static_cast<std::size_t>(i % lookahead)];
    if (i + lookahead < hi) hash_ahead(i + lookahead);
    add(i, h);
  }
}

/// reduce_by_key's hash path over string keys hashed by mix64.
template <class V, bool Counting>
key_table<V> reduce_mix64(string_spans_view keys, const V* values, aggregation agg) {
  const spans_device_view kv = keys.device_view();
  const char* end = keys.chars() + keys.chars_size();
  return reduce_in_threads<key_table<V>>(keys.size(), agg, [&](key_table<V>& table, size_type lo, size_type hi) {
    deferred_adds<V, Counting> adds{table, agg};
    for (size_type i = lo; i < hi; ++i) {
      const string_ref key = kv.element(i);
      adds.add(key.data, key.size, end, Counting ? V{1} : values[i]);
    }
    adds.flush();
  });
}

/// reduce_by_key's hash path over string keys.
template <class V>
table_of<V> reduce_hash(string_spans_view keys, const V* values, reduce_options options, stream_view s,
                        memory_resource* mr) {
  const spans_device_view kv = keys.device_view();
  const bool counting = options.agg == aggregation::count || values == nullptr;
  if (options.hash == hash_function::mix64) {
    const key_table<V> merged = counting ? reduce_mix64<V, true>(keys, values, options.agg)
                                         : reduce_mix64<V, false>(keys, values, options.agg);
    return rows_to_table(merged.entries(), s, mr);
  }
  const auto merged = reduce_in_threads<key_table<V>>(
      keys.size(), options.agg, [&](key_table<V>& table, size_type lo, size_type hi) {
        add_with_lookahead(
            table, lo, hi, [&](size_type i) { return hash_string(kv.element(i), options.hash); },
            [&](size_type i, hash_type h) {
              const string_ref key = kv.element(i);
              table.add(h, key.data, key.size, counting ? V{1} : values[i], options.agg);
            });
      });
  return rows_to_table(merged.entries(), s, mr);
}

}  // namespace

key_value_table reduce_by_key_hash(string_spans_view keys, const std::int64_t* values,
                                   reduce_options options, stream_view s, memory_resource* mr) {
  return reduce_hash(keys, values, options, s, mr);
}

key_double_table reduce_doubles_by_key_hash(string_spans_view keys, const double* values,
                                            reduce_options options, stream_view s, memory_resource* mr) {
  return reduce_hash(keys, values, options, s, mr);
}

namespace {

/// A thread's table of reduce_by_key over integer keys: open addressing with
/// linear probing on a mix of the key, 16-byte slots. An empty slot holds the
/// key INT64_MIN; that key itself, when it occurs, has a slot of its own.
class int_key_hash_table {
 public:
  explicit int_key_hash_table(std::size_t expected = 512) { rehash(capacity_for(expected)); }

  static hash_type slot_of(std::int64_t key) { return fmix64(static_cast<std::uint64_t>(key)); }

  void prefetch(hash_type h) const { __builtin_prefetch(&slots_[static_cast<std::size_t>(h) & mask_]); }

  /// Combines `value` into the key's value by `agg`, or adds the key with
  /// it; `h` is slot_of(key).
  void add(std::int64_t key, hash_type h, std::int64_t value, aggregation agg) {
    if (key == empty_key) {
      empty_key_value_ = has_empty_key_ ? combine(agg, empty_key_value_, value) : value;
      has_empty_key_ = true;
      return;
    }
    if (2 * (count_ + 1) > slots_.size()) rehash(slots_.size() * 2);
    for (std::size_t i = static_cast<std::size_t>(h) & mask_;; i = (i + 1) & mask_) {
      slot& e = slots_[i];
      if (e.key == key) {
        e.value = combine(agg, e.value, value);
        return;
      }
      if (e.key == empty_key) {
        e = slot{key, value};
        ++count_;
        return;
      }
    }
  }

  void merge_into(int_key_hash_table& dst, aggregation agg) const {
    for (const slot& e : slots_) {
      if (e.key != empty_key) dst.add(e.key, slot_of(e.key), e.value, agg);
    }
    if (has_empty_key_) dst.add(empty_key, 0, empty_key_value_, agg);
  }

  std::size_t size() const noexcept { return count_ + (has_empty_key_ ? 1 : 0); }

  /// The keys and values, keys ascending.
  int_key_table to_table(stream_view s, memory_resource* mr) const {
    std::vector<slot> rows;
    rows.reserve(size());
    if (has_empty_key_) rows.push_back(slot{empty_key, empty_key_value_});
    for (const slot& e : slots_) {
      if (e.key != empty_key) rows.push_back(e);
    }
    std::sort(rows.begin(), rows.end(), [](const slot& a, const slot& b) { return a.key < b.key; });
    const auto n = static_cast<size_type>(rows.size());
    int_key_table out{array<std::int64_t>{n, s, mr}, array<std::int64_t>{n, s, mr}};
    for (size_type i = 0; i < n; ++i) {  // CPU backend: host memory
      out.keys.data()[i] = rows[static_cast<std::size_t>(i)].key;
      out.values.data()[i] = rows[static_cast<std::size_t>(i)].value;
    }
    return out;
  }

 private:
  static constexpr std::int64_t empty_key = std::numeric_limits<std::int64_t>::min();
  struct slot {
    std::int64_t key;
    std::int64_t value;
  };

  void rehash(std::size_t capacity) {
    std::vector<slot> old = std::move(slots_);
    slots_.assign(capacity, slot{empty_key, 0});
    mask_ = capacity - 1;
    count_ = 0;
    for (const slot& e : old) {
      if (e.key == empty_key) continue;
      std::size_t i = static_cast<std::size_t>(slot_of(e.key)) & mask_;
      while (slots_[i].key != empty_key) i = (i + 1) & mask_;
      slots_[i] = e;
      ++count_;
    }
  }

  std::vector<slot> slots_;
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
  bool has_empty_key_ = false;
  std::int64_t empty_key_value_ = 0;
};

}  // namespace

int_key_table reduce_by_int_key_hash(const std::int64_t* keys, const std::int64_t* values, size_type n,
                                     aggregation agg, stream_view s, memory_resource* mr) {
  const bool counting = agg == aggregation::count || values == nullptr;
  const auto merged = reduce_in_threads<int_key_hash_table>(
      n, agg, [&](int_key_hash_table& table, size_type lo, size_type hi) {
        add_with_lookahead(
            table, lo, hi, [&](size_type i) { return int_key_hash_table::slot_of(keys[i]); },
            [&](size_type i, hash_type h) { table.add(keys[i], h, counting ? 1 : values[i], agg); });
      });
  return merged.to_table(s, mr);
}

key_value_table word_count_hash(array_view<char> text, stream_view s, memory_resource* mr) {
  const char* d = text.data();
  const size_type n = text.size();
  const int threads =
      std::max(1, std::min<int>(omp_get_max_threads(), static_cast<int>(n / (1 << 16)) + 1));
  std::vector<key_table<std::int64_t>> partial(static_cast<std::size_t>(threads));
  const char* end = d + n;
  bool too_long = false;
#pragma omp parallel num_threads(threads) reduction(|| : too_long)
  {
    const int t = omp_get_thread_num();
    // Thread t counts the tokens that start in [lo, hi).
    size_type lo = n * t / threads;
    const size_type hi = n * (t + 1) / threads;
    key_table<std::int64_t>& table = partial[static_cast<std::size_t>(t)];
    if (lo > 0) {
      while (lo < hi && !sep(d[lo]) && !sep(d[lo - 1])) ++lo;  // token owned by the thread before
    }
    deferred_adds<std::int64_t, true> adds{table, aggregation::sum};
    auto emit = [&](size_type start, size_type stop) {
      if (stop - start > std::numeric_limits<length_type>::max()) {
        too_long = true;
        return;
      }
      adds.add(d + start, static_cast<length_type>(stop - start), end, 1);
    };
    // 64 bytes a step: a separator bit mask; each change between separator
    // and token byte starts or ends a token.
    bool in_token = false;
    size_type start = 0;
    std::uint64_t prev_sep = 1;  // lo starts a token unless it is a separator
    size_type p = lo;
    while (p + 64 <= n && (p < hi || in_token)) {
      const std::uint64_t sep_bits = separator_mask64(d + p);
      std::uint64_t changes = sep_bits ^ ((sep_bits << 1) | prev_sep);
      prev_sep = sep_bits >> 63;
      while (changes != 0) {
        const size_type at = p + __builtin_ctzll(changes);
        changes &= changes - 1;
        if (in_token) {
          emit(start, at);
          in_token = false;
        } else {
          if (at >= hi) break;  // the next thread's token
          start = at;
          in_token = true;
        }
      }
      if (!in_token && p + 64 > hi) {
        p = n;  // done: no token started before hi is still open
        break;
      }
      p += 64;
    }
    // The last bytes, one at a time.
    for (; p < n; ++p) {
      const bool is_sep = sep(d[p]);
      if (in_token && is_sep) {
        emit(start, p);
        in_token = false;
      } else if (!in_token && !is_sep) {
        if (p >= hi) break;
        start = p;
        in_token = true;
      }
    }
    if (in_token) emit(start, n);
    adds.flush();
  }
  GPUSTREAM_EXPECTS(!too_long, "word_count: a token is 2 GiB or longer");
  return rows_to_table(merge_tables(std::move(partial), aggregation::sum).entries(), s, mr);
}

}  // namespace gpustream::detail::cpu
