// word_count_table: the word count in one pass over the text into a hash
// table in backend memory, written once over Thrust and libcu++ atomics for
// both backends. Each thread scans a chunk of the text, and hashes and counts
// every token that starts in it (a token may run past the chunk's end): no
// list of tokens is written. The text is read in aligned 8-byte words, its
// separators found as bits of each word, and a token shorter than 16 bytes
// is hashed and compared as two words in registers, never re-read byte by
// byte. Each block of 256 chunks counts its keys in a small table of its own
// first (shared memory on CUDA), so that a frequent word reaches the
// backend's table once per block. A slot of the backend's table holds the
// position and length of the first occurrence of its key found, claimed by
// compare-and-swap, so a key is confirmed by its bytes and distinct keys
// never share a slot, whatever their hashes. The few distinct keys are then
// ordered as every reduce_by_key orders its rows (the sort path over them
// alone).

#include "detail/common.hpp"
#include "detail/operators.hpp"
#include "detail/text_words.hpp"

#include <gpustream/aggregate/reduce_by_key.hpp>
#include <gpustream/text/hash.hpp>
#include <gpustream/text/tokenize.hpp>

#include <cuda/atomic>
#include <thrust/copy.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform.h>

#include <cstdint>
#include <cstring>
#include <optional>

namespace gpustream::detail::GPUSTREAM_KERNEL_NS {
namespace {

using slot_word = unsigned long long;
constexpr int length_bits = 24;
constexpr slot_word length_mask = (slot_word{1} << length_bits) - 1;
/// Bytes scanned by one thread.
constexpr size_type chunk_bytes = 256;
/// Chunks counted together into one small table first: a thread block's
/// threads on CUDA (the table in shared memory), one task's on the CPU.
constexpr int block_chunks = 256;
/// The block's table: slots, and how many are probed before a token is
/// counted in the backend's table directly.
constexpr int local_slots = 2048;
constexpr int local_probes = 8;
/// Tokens shorter than this are held, hashed and compared as two words.
constexpr length_type short_key_bytes = 16;

template <class T>
using atomic_at = ::cuda::atomic_ref<T, ::cuda::thread_scope_device>;
#if defined(__CUDACC__)
template <class T>
using block_atomic_at = ::cuda::atomic_ref<T, ::cuda::thread_scope_block>;
#else
/// On the CPU a block's table belongs to the one task that scans the block:
/// the same operations, without atomic instructions.
template <class T>
class block_atomic_at {
 public:
  explicit block_atomic_at(T& x) : x_{x} {}
  T load(::cuda::std::memory_order) const { return x_; }
  void store(T v, ::cuda::std::memory_order) { x_ = v; }
  T fetch_add(T d, ::cuda::std::memory_order) {
    const T before = x_;
    x_ += d;
    return before;
  }
  bool compare_exchange_strong(T& expected, T desired, ::cuda::std::memory_order) {
    if (x_ != expected) {
      expected = x_;
      return false;
    }
    x_ = desired;
    return true;
  }

 private:
  T& x_;
};
#endif

/// Probe loops stay loops on CUDA: unrolled, the kernel's registers spill.
#if defined(__CUDA_ARCH__)
#define GPUSTREAM_PROBE_LOOP _Pragma("unroll 1")
#else
#define GPUSTREAM_PROBE_LOOP
#endif

/// A token's identity for the tables. A token shorter than short_key_bytes
/// is its bytes: `a` the first 8, `b` the next 7 with the length in the top
/// byte. A longer one is confirmed by its bytes in the text: `a` is its
/// length and `b` long_key.
struct token_key {
  word64 a;
  word64 b;
};
constexpr word64 long_key = ~word64{0};

GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE token_key short_key(word64 w0, word64 w1, length_type length) {
  return token_key{first_bytes(w0, length), first_bytes(w1, length - 8) | (static_cast<word64>(length) << 56)};
}

/// The table's hash of a key: `length_only` for tests of colliding keys,
/// else its words (or bytes, for a long key) fully mixed.
GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE hash_type key_hash(const token_key& k, string_ref token,
                                                               hash_function hf) {
  if (hf == hash_function::length_only) return static_cast<hash_type>(token.size);
  if (k.b == long_key) return hash_bytes(token.data, token.size);
  return fmix64(fmix64(k.a ^ 0x9E3779B97F4A7C15ull) ^ k.b);
}

/// One slot of the backend's table, 32 bytes: a key is found, confirmed and
/// counted in one place. `word` claims the slot for the key's first
/// occurrence found; the key's words (token_key) follow it, `key_b` last:
/// until it is written (it is never 0 then) the key is confirmed by the
/// bytes at its position instead.
struct table_entry {
  slot_word word;  // 0: free; else ((first position + 1) << 24) | length
  unsigned long long count;  // the key's count, sum, or encoded min or max (see value_code)
  word64 key_a;
  word64 key_b;
};

/// The backend's table of keys and its bookkeeping, in backend memory, over
/// the text its keys lie in.
struct backend_table {
  text_words words;
  table_entry* entries;
  slot_word mask;               // slots - 1 (a power of two minus one)
  unsigned long long limit;     // the most slots that may be claimed
  unsigned long long* claimed;  // slots claimed so far
  unsigned int* overflow;       // set when the table is too full or a key too long

  GPUSTREAM_HOST_DEVICE bool given_up() const {
    return atomic_at<unsigned int>{*overflow}.load(::cuda::std::memory_order_relaxed) != 0;
  }

  GPUSTREAM_HOST_DEVICE void give_up() const {
    atomic_at<unsigned int>{*overflow}.store(1, ::cuda::std::memory_order_relaxed);
  }

  GPUSTREAM_HOST_DEVICE string_ref key_of(slot_word w) const {
    return string_ref{words.text + ((w >> length_bits) - 1), static_cast<length_type>(w & length_mask)};
  }

  /// The key of `str`, a string that lies in the text, read from the text
  /// in aligned words.
  GPUSTREAM_HOST_DEVICE token_key key_of_string(string_ref str) const {
    if (str.size >= short_key_bytes) return token_key{static_cast<word64>(str.size), long_key};
    const size_type position = str.data - words.text;
    const size_type k = words.word_of(position);
    const int b = words.byte_of(position);
    const word64 x0 = words.word(k);
    const word64 x1 = words.word(k + 1);
    const word64 x2 = b + str.size > 16 ? words.word(k + 2) : 0;
    return short_key(shift_pair(x0, x1, b), shift_pair(x1, x2, b), str.size);
  }

  /// Whether the text at `position` holds the token whose key is `key`.
  GPUSTREAM_HOST_DEVICE bool same_key(string_ref token, const token_key& key, size_type position) const {
    const string_ref there{words.text + position, token.size};
    if (key.b == long_key) return bytes_equal(token, there);
    const token_key k = key_of_string(there);
    return k.a == key.a && k.b == key.b;
  }

  /// Whether entry `e`, its word read as `seen` (claimed, for a key of the
  /// token's length), holds `key`.
  GPUSTREAM_HOST_DEVICE bool holds(table_entry& e, slot_word seen, string_ref token, const token_key& key) const {
    const word64 b = atomic_at<word64>{e.key_b}.load(::cuda::std::memory_order_acquire);
    if (b == 0) return same_key(token, key, static_cast<size_type>(seen >> length_bits) - 1);
    if (b != key.b) return false;
    if (key.b == long_key) return bytes_equal(token, key_of(seen));
    return atomic_at<word64>{e.key_a}.load(::cuda::std::memory_order_relaxed) == key.a;
  }

  /// The token's slot in the backend's table, claimed by compare-and-swap
  /// where its key is new. More than mask where the table is too full (and
  /// the count has given up).
  GPUSTREAM_HOST_DEVICE slot_word find_or_claim(string_ref token, const token_key& key, hash_type h,
                                                size_type start) const {
    const slot_word mine = (static_cast<slot_word>(start + 1) << length_bits) | static_cast<slot_word>(token.size);
    for (slot_word probe = 0; probe <= mask; ++probe) {
      const slot_word at = (h + probe) & mask;
      table_entry& e = entries[at];
      atomic_at<slot_word> slot{e.word};
      slot_word seen = slot.load(::cuda::std::memory_order_relaxed);
      if (seen == 0) {
        // The slot's word is all a reader needs to confirm the key by the
        // text (which does not change): relaxed order suffices. The key's
        // words, `key_b` last, spare readers that reading.
        if (slot.compare_exchange_strong(seen, mine, ::cuda::std::memory_order_relaxed)) {
          atomic_at<word64>{e.key_a}.store(key.a, ::cuda::std::memory_order_relaxed);
          atomic_at<word64>{e.key_b}.store(key.b, ::cuda::std::memory_order_release);
          if (atomic_at<unsigned long long>{*claimed}.fetch_add(1, ::cuda::std::memory_order_relaxed) >= limit) {
            give_up();
            return mask + 1;
          }
          return at;
        }
      }
      if ((seen & length_mask) == static_cast<slot_word>(token.size) && holds(e, seen, token, key)) return at;
    }
    give_up();
    return mask + 1;
  }
};

/// A block's table of the keys it met, so that a frequent key is counted in
/// the block (shared memory on CUDA) and reaches the backend's table once per
/// block, not once per occurrence. Slot i's `state` is 0 while free,
/// `claiming` while a thread writes its key, then ((slot in the backend's
/// table + 1) << 32) | the block's count. The key's words are read only after
/// the state has been read as claimed, with acquire order. A thread that
/// meets a slot being claimed passes it by: a key may then take two slots of
/// the block's table, whose counts both reach its one slot in the backend's.
struct local_table {
  slot_word* state;
  word64* key_a;
  word64* key_b;
};
constexpr slot_word claiming = ~slot_word{0} << 32;

struct count_tokens_of_chunk {
  backend_table t;
  hash_function hf;

  /// Counts the tokens that start in `chunk` into `local`, or into the
  /// backend's table where `local` has no room for them. The text is read a
  /// word at a time: each word's separators as bits, tokens as the changes
  /// between separator and not, and a short token's key taken from the last
  /// three words in registers.
  GPUSTREAM_HOST_DEVICE void operator()(size_type chunk, const local_table& local) const {
    // Once given up, the rest of the text need not be counted.
    if (t.given_up()) return;
    constexpr word64 high = 0x8080808080808080ull;
    const size_type begin = chunk * chunk_bytes;
    const size_type end = begin + chunk_bytes < t.words.n ? begin + chunk_bytes : t.words.n;
    size_type k = t.words.word_of(begin);
    // Whether the byte before word k is a separator (outside the text, it is).
    const size_type before = 8 * k - t.words.misalign - 1;
    bool carry_separator = before < 0 || is_token_separator(t.words.text[before]);
    word64 w1 = 0;  // words k - 1 and k - 2
    word64 w2 = 0;
    size_type start = -1;  // the token being read: where it began
    for (;; ++k) {
      const size_type p = 8 * k - t.words.misalign;  // the text position of word k's byte 0
      if (start < 0 && p >= end) return;
      const word64 w0 = t.words.word(k);
      const word64 separators = separator_bits(w0);
      const word64 others = ~separators & high;
      // A token starts at a byte that follows a separator, and ends (is
      // followed) at a separator that follows a token byte.
      const word64 starts = others & ((separators << 8) | (carry_separator ? 0x80u : 0u));
      const word64 ends = separators & ((others << 8) | (carry_separator ? 0u : 0x80u));
      carry_separator = (separators >> 63) != 0;
      word64 events = starts | ends;
      // A token begun before the chunk is not the chunk's.
      if (p < begin) events &= ~word64{0} << (8 * (begin - p));
      for (; events != 0; events &= events - 1) {
        const int bit = lowest_bit(events);
        const size_type at = p + bit / 8;
        if ((starts >> bit) & 1) {
          if (at >= end) return;  // the next chunk's token
          start = at;
        } else if (start >= 0) {
          const auto length = at - start;
          if (static_cast<slot_word>(length) > length_mask) {
            t.give_up();
            return;
          }
          const string_ref token{t.words.text + start, static_cast<length_type>(length)};
          token_key key{static_cast<word64>(length), long_key};
          if (length < short_key_bytes) {
            // The token lies in words k - 2 to k: its bytes from there.
            const int from = t.words.byte_of(start) + 8 * static_cast<int>(t.words.word_of(start) - (k - 2));
            const word64 a0 = from < 8 ? w2 : (from < 16 ? w1 : w0);
            const word64 a1 = from < 8 ? w1 : (from < 16 ? w0 : 0);
            const word64 a2 = from < 8 ? w0 : 0;
            key = short_key(shift_pair(a0, a1, from & 7), shift_pair(a1, a2, from & 7), token.size);
          }
          if (!count(token, key, start, local)) return;
          start = -1;
        }
      }
      w2 = w1;
      w1 = w0;
    }
  }

  /// Adds local slot `i`'s count to the backend's table.
  GPUSTREAM_HOST_DEVICE void flush(const local_table& local, int i) const {
    const slot_word s = local.state[i];
    if (s == 0 || s == claiming || (s & 0xffffffffu) == 0) return;
    atomic_at<unsigned long long>{t.entries[(s >> 32) - 1].count}.fetch_add(s & 0xffffffffu,
                                                                            ::cuda::std::memory_order_relaxed);
  }

  /// Whether local slot `i`, read as `state` (claimed), holds `key`.
  GPUSTREAM_HOST_DEVICE bool local_holds(const local_table& local, int i, slot_word state, string_ref token,
                                         const token_key& key) const {
    if (local.key_a[i] != key.a || local.key_b[i] != key.b) return false;
    if (key.b != long_key) return true;
    const slot_word w =
        atomic_at<slot_word>{t.entries[(state >> 32) - 1].word}.load(::cuda::std::memory_order_relaxed);
    return bytes_equal(token, t.key_of(w));
  }

  /// Counts the token at `start`; false once the table has overflowed.
  GPUSTREAM_HOST_DEVICE bool count(string_ref token, const token_key& key, size_type start,
                                   const local_table& local) const {
    const hash_type h = key_hash(key, token, hf);
    // 1. The block's table: a key met before in this block is counted there.
    int free_probe = local_probes;
    GPUSTREAM_PROBE_LOOP
    for (int p = 0; p < local_probes; ++p) {
      const auto i = static_cast<int>((h + static_cast<hash_type>(p)) & (local_slots - 1));
      block_atomic_at<slot_word> state{local.state[i]};
      const slot_word seen = state.load(::cuda::std::memory_order_acquire);
      if (seen == 0) {
        free_probe = p;
        break;
      }
      if (seen != claiming && local_holds(local, i, seen, token, key)) {
        state.fetch_add(1, ::cuda::std::memory_order_relaxed);
        return true;
      }
    }
    // 2. The backend's table: the key's slot, claimed where it is new.
    const slot_word at = t.find_or_claim(token, key, h, start);
    if (at > t.mask) return false;
    // 3. A free slot of the block's table for the key (unless another
    // thread of the block put it there meanwhile); else the backend's table.
    GPUSTREAM_PROBE_LOOP
    for (int p = free_probe; p < local_probes; ++p) {
      const auto i = static_cast<int>((h + static_cast<hash_type>(p)) & (local_slots - 1));
      block_atomic_at<slot_word> state{local.state[i]};
      slot_word seen = 0;
      if (state.compare_exchange_strong(seen, claiming, ::cuda::std::memory_order_relaxed)) {
        local.key_a[i] = key.a;
        local.key_b[i] = key.b;
        state.store(((at + 1) << 32) | 1, ::cuda::std::memory_order_release);
        return true;
      }
      if (seen == claiming) continue;
      // Read the key's words only after the state, in acquire order.
      seen = state.load(::cuda::std::memory_order_acquire);
      if (local_holds(local, i, seen, token, key)) {
        state.fetch_add(1, ::cuda::std::memory_order_relaxed);
        return true;
      }
    }
    atomic_at<unsigned long long>{t.entries[at].count}.fetch_add(1, ::cuda::std::memory_order_relaxed);
    return true;
  }

};

#if defined(__CUDACC__)
/// One block of chunks per thread block, its keys counted in shared memory
/// first (48 KiB).
__global__ void __launch_bounds__(block_chunks) count_tokens_kernel(count_tokens_of_chunk op, size_type chunks) {
  __shared__ slot_word state[local_slots];
  __shared__ word64 key_a[local_slots];
  __shared__ word64 key_b[local_slots];
  for (int i = static_cast<int>(threadIdx.x); i < local_slots; i += block_chunks) state[i] = 0;
  __syncthreads();
  const local_table local{state, key_a, key_b};
  const size_type chunk = static_cast<size_type>(blockIdx.x) * block_chunks + static_cast<size_type>(threadIdx.x);
  if (chunk < chunks) op(chunk, local);
  __syncthreads();
  for (int i = static_cast<int>(threadIdx.x); i < local_slots; i += block_chunks) op.flush(local, i);
}
#else
/// The same on the CPU: one task per block of chunks, scanned in order into
/// the task's own table.
struct count_tokens_of_block {
  count_tokens_of_chunk op;
  size_type chunks;
  void operator()(size_type block) const {
    // On the task's stack (48 KiB): no allocation per block. Keys are read
    // only from claimed slots.
    slot_word state[local_slots] = {};
    word64 key_a[local_slots];
    word64 key_b[local_slots];
    const local_table local{state, key_a, key_b};
    const size_type first = block * block_chunks;
    const size_type last = first + block_chunks < chunks ? first + block_chunks : chunks;
    for (size_type chunk = first; chunk < last; ++chunk) op(chunk, local);
    for (int i = 0; i < local_slots; ++i) op.flush(local, i);
  }
};
#endif

/// Slots for a text: one per 8 bytes (a token and its separator take at least
/// 2), from 1024 up to max_slots (a power of two).
size_type table_slots(size_type text_bytes, size_type max_slots) {
  size_type slots = max_slots < 1024 ? max_slots : 1024;
  while (slots < max_slots && slots < text_bytes / 8) slots *= 2;
  return slots;
}

/// A key's min or max is kept as the largest code of its values, so that the
/// table's zeroed entries start from the identity and one unsigned fetch_max
/// serves both: the value with its sign bit flipped (unsigned order is then
/// the values' order), complemented for a min (which reverses it).
constexpr unsigned long long sign_bit = 1ull << 63;
GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE unsigned long long value_code(aggregation agg, std::int64_t v) {
  const unsigned long long u = static_cast<unsigned long long>(v) ^ sign_bit;
  return agg == aggregation::min ? ~u : u;
}
GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE std::int64_t decoded_value(aggregation agg, unsigned long long c) {
  if (agg == aggregation::min) return static_cast<std::int64_t>(~c ^ sign_bit);
  if (agg == aggregation::max) return static_cast<std::int64_t>(c ^ sign_bit);
  return static_cast<std::int64_t>(c);
}

/// A backend table of `slots` entries over `text`, in one allocation, zeroed
/// at once: the entries, then claimed and overflow.
struct table_storage {
  column<unsigned long long> memory;
  backend_table view;
  size_type slots;

  table_storage(const char* text, size_type text_size, size_type table_slots, stream_view s) : slots{table_slots} {
    constexpr size_type entry_words = sizeof(table_entry) / sizeof(unsigned long long);
    memory = column<unsigned long long>{entry_words * slots + 2, s};
    fill_bytes(memory.data(), 0, static_cast<std::size_t>(memory.size()) * sizeof(unsigned long long), s);
    unsigned long long* base = memory.data();
    const text_words words{text, text_size, static_cast<size_type>(reinterpret_cast<std::uintptr_t>(text) & 7)};
    view = backend_table{words,
                         reinterpret_cast<table_entry*>(base),
                         static_cast<slot_word>(slots - 1),
                         static_cast<unsigned long long>(slots) / 4 * 3,
                         base + entry_words * slots,
                         reinterpret_cast<unsigned int*>(base + entry_words * slots + 1)};
  }

  /// After the kernels: the table's keys and values (decoded for `agg`) in
  /// the order every reduce_by_key gives its rows under `hash`, or nothing
  /// when the table gave up (too full, or a key too long).
  std::optional<key_value_table> rows(aggregation agg, hash_function hash, stream_view s,
                                      memory_resource* mr) const {
    auto pol = policy(s);
    unsigned long long tail[2] = {0, 0};  // claimed, overflow
    copy_bytes(tail, view.claimed, sizeof tail, s);
    s.synchronize();
    if (tail[1] != 0) return std::nullopt;

    // The claimed slots: each distinct key's first position, length and value.
    const auto distinct = static_cast<size_type>(tail[0]);
    column<size_type> used{distinct, s};
    const table_entry* d_entries = view.entries;
    thrust::counting_iterator<size_type> first(0);
    if (distinct > 0) {
      thrust::copy_if(pol, first, first + slots, used.data(),
                      [=] GPUSTREAM_HOST_DEVICE(size_type i) { return d_entries[i].word != 0; });
    }
    column<offset_type> starts{distinct, s};
    column<length_type> lengths{distinct, s};
    column<std::int64_t> values{distinct, s};
    const size_type* d_used = used.data();
    offset_type* d_starts = starts.data();
    length_type* d_lengths = lengths.data();
    std::int64_t* d_values = values.data();
    thrust::for_each_n(pol, first, distinct, [=] GPUSTREAM_HOST_DEVICE(size_type k) {
      const table_entry& e = d_entries[d_used[k]];
      d_starts[k] = static_cast<offset_type>(e.word >> length_bits) - 1;
      d_lengths[k] = static_cast<length_type>(e.word & length_mask);
      d_values[k] = decoded_value(agg, e.count);
    });
    const string_spans keys{view.words.text, view.words.n, std::move(starts), std::move(lengths)};
    reduce_options order;  // distinct keys: the sum of one value each, in reduce_by_key's order
    order.agg = aggregation::sum;
    order.hash = hash;
    return reduce_by_key_sort(keys.view(), d_values, order, s, mr);
  }
};

/// reduce_by_key's rows into the backend's table, one row a thread: the key
/// found or claimed (confirmed by its bytes), then its value added (sum,
/// count) or kept (min, max) by one atomic operation on the key's entry.
struct reduce_rows {
  backend_table t;
  spans_device_view keys;
  const std::int64_t* values;  // null: each row counts 1
  aggregation agg;
  hash_function hf;

  GPUSTREAM_HOST_DEVICE void operator()(size_type i) const {
    if (t.given_up()) return;
    const string_ref key = keys.element(i);
    if (static_cast<slot_word>(key.size) > length_mask) {
      t.give_up();
      return;
    }
    const token_key k = t.key_of_string(key);
    const slot_word at = t.find_or_claim(key, k, key_hash(k, key, hf), key.data - t.words.text);
    if (at > t.mask) return;
    atomic_at<unsigned long long> value{t.entries[at].count};
    if (agg == aggregation::count || values == nullptr) {
      value.fetch_add(1, ::cuda::std::memory_order_relaxed);
    } else if (agg == aggregation::sum) {
      value.fetch_add(static_cast<unsigned long long>(values[i]), ::cuda::std::memory_order_relaxed);
    } else {
      value.fetch_max(value_code(agg, values[i]), ::cuda::std::memory_order_relaxed);
    }
  }
};

}  // namespace

std::optional<key_value_table> word_count_table(column_view<char> text, size_type max_slots, hash_function slot_hash,
                                                stream_view s, memory_resource* mr) {
  const char* d_text = text.data();
  const size_type n = text.size();
  const table_storage table{d_text, n, table_slots(n, max_slots), s};
  if (n > 0) {
    const size_type chunks = (n + chunk_bytes - 1) / chunk_bytes;
    const size_type blocks = (chunks + block_chunks - 1) / block_chunks;
    const count_tokens_of_chunk op{table.view, slot_hash};
#if defined(__CUDACC__)
    GPUSTREAM_EXPECTS(blocks <= 0x7fffffff, "word_count_table: text too large for one launch");
    count_tokens_kernel<<<static_cast<unsigned int>(blocks), block_chunks, 0, s.handle()>>>(op, chunks);
    GPUSTREAM_CUDA_TRY(cudaGetLastError());
#else
    thrust::for_each(policy(s), thrust::counting_iterator<size_type>(0), thrust::counting_iterator<size_type>(blocks),
                     count_tokens_of_block{op, chunks});
#endif
  }
  return table.rows(aggregation::count, hash_function::mix64, s, mr);
}

std::optional<key_value_table> reduce_by_key_table(string_spans_view keys, const std::int64_t* d_values,
                                                   reduce_options options, size_type max_slots, stream_view s,
                                                   memory_resource* mr) {
  const size_type n = keys.size();
  // Room for every row's key to be distinct, within max_slots.
  size_type slots = max_slots < 1024 ? max_slots : 1024;
  while (slots < max_slots && slots / 4 * 3 < n) slots *= 2;
  const table_storage table{keys.chars(), keys.chars_size(), slots, s};
  if (n > 0) {
    thrust::for_each(policy(s), thrust::counting_iterator<size_type>(0), thrust::counting_iterator<size_type>(n),
                     reduce_rows{table.view, keys.device_view(), d_values, options.agg, options.hash});
  }
  return table.rows(options.agg, options.hash, s, mr);
}

}  // namespace gpustream::detail::GPUSTREAM_KERNEL_NS
