// word_count_table: the word count in one pass over the text into a hash
// table in backend memory, written once over Thrust and libcu++ atomics for
// both backends. Each thread scans a chunk of the text, and hashes and counts
// every token that starts in it (a token may run past the chunk's end): no
// list of tokens is written. The text is read in aligned 8-byte words, its
// separators found as bits of each word, and a token shorter than 16 bytes
// is hashed and compared as two words in registers, never re-read byte by
// byte. Each block of 256 chunks counts its keys in a small table of its own
// first (shared memory on CUDA), so that a frequent word reaches the
// backend's table once per block. That is the per-thread kernel; in the
// per-warp kernel (table_kernel::per_warp) a warp's 32 threads count one token
// each a round together, the same keys of a round as one, first in a table of
// the warp's own (count_warp). A slot of the backend's table holds the
// position and length of the first occurrence of its key found, claimed by
// compare-and-swap, so a key is confirmed by its bytes and distinct keys
// never share a slot, whatever their hashes. The few distinct keys are then
// ordered as every reduce_by_key orders its rows (the sort path over them
// alone).

#include "detail/common.hpp"
#include "detail/operators.hpp"
#include "detail/text_words.hpp"
#include "detail/warp.hpp"
#if !defined(__CUDACC__)
#include "detail/warp_emulator.hpp"
#endif

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
#if !defined(__CUDACC__)
#include <exception>
#include <mutex>
#include <string>
#endif

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

/// A token found in the text: where it starts, its bytes and its key.
struct found_token {
  size_type start;
  string_ref token;
  token_key key;
};

/// The tokens that start in one chunk of the text, one at a time (a token
/// may run past the chunk's end). The text is read a word at a time: each
/// word's separators as bits, tokens as the changes between separator and
/// not, and a short token's key taken from the last three words in
/// registers.
class chunk_tokens {
 public:
  GPUSTREAM_HOST_DEVICE chunk_tokens(const text_words& words, size_type chunk)
      : w_{words}, begin_{chunk * chunk_bytes} {
    end_ = begin_ + chunk_bytes < w_.n ? begin_ + chunk_bytes : w_.n;
    k_ = w_.word_of(begin_) - 1;  // the first next() reads word k_ + 1
    // Whether the byte before that word is a separator (outside the text, it is).
    const size_type before = 8 * (k_ + 1) - w_.misalign - 1;
    carry_separator_ = before < 0 || is_token_separator(w_.text[before]);
  }

  /// The next token into `out`; false at the chunk's end, or where a token is
  /// longer than a slot can hold (too_long() then says so).
  GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE bool next(found_token& out) {
    constexpr word64 high = 0x8080808080808080ull;
    if (finished_) return false;
    for (;;) {
      for (; events_ != 0; events_ &= events_ - 1) {
        const int bit = lowest_bit(events_);
        const size_type at = p_ + bit / 8;
        if ((starts_ >> bit) & 1) {
          if (at >= end_) return finish();  // the next chunk's token
          start_ = at;
        } else if (start_ >= 0) {
          const auto length = at - start_;
          if (static_cast<slot_word>(length) > length_mask) {
            too_long_ = true;
            return finish();
          }
          out.start = start_;
          out.token = string_ref{w_.text + start_, static_cast<length_type>(length)};
          out.key = token_key{static_cast<word64>(length), long_key};
          if (length < short_key_bytes) {
            // The token lies in words k - 2 to k: its bytes from there.
            const int from = w_.byte_of(start_) + 8 * static_cast<int>(w_.word_of(start_) - (k_ - 2));
            const word64 a0 = from < 8 ? w2_ : (from < 16 ? w1_ : w0_);
            const word64 a1 = from < 8 ? w1_ : (from < 16 ? w0_ : 0);
            const word64 a2 = from < 8 ? w0_ : 0;
            out.key = short_key(shift_pair(a0, a1, from & 7), shift_pair(a1, a2, from & 7), out.token.size);
          }
          start_ = -1;
          events_ &= events_ - 1;
          return true;
        }
      }
      ++k_;
      w2_ = w1_;
      w1_ = w0_;
      p_ = 8 * k_ - w_.misalign;  // the text position of word k's byte 0
      if (start_ < 0 && p_ >= end_) return finish();
      w0_ = w_.word(k_);
      const word64 separators = separator_bits(w0_);
      const word64 others = ~separators & high;
      // A token starts at a byte that follows a separator, and ends (is
      // followed) at a separator that follows a token byte.
      starts_ = others & ((separators << 8) | (carry_separator_ ? 0x80u : 0u));
      const word64 ends = separators & ((others << 8) | (carry_separator_ ? 0u : 0x80u));
      carry_separator_ = (separators >> 63) != 0;
      events_ = starts_ | ends;
      // A token begun before the chunk is not the chunk's.
      if (p_ < begin_) events_ &= ~word64{0} << (8 * (begin_ - p_));
    }
  }

  /// Whether the scan stopped at a token too long for a slot.
  GPUSTREAM_HOST_DEVICE bool too_long() const { return too_long_; }

 private:
  GPUSTREAM_HOST_DEVICE bool finish() {
    finished_ = true;
    return false;
  }

  text_words w_;
  size_type begin_;
  size_type end_ = 0;
  size_type k_ = 0;        // the word read last
  size_type p_ = 0;        // the text position of its byte 0
  word64 w0_ = 0;          // words k, k - 1 and k - 2
  word64 w1_ = 0;
  word64 w2_ = 0;
  word64 starts_ = 0;      // word k's token starts and its events not yet taken
  word64 events_ = 0;
  size_type start_ = -1;   // the token being read: where it began
  bool carry_separator_ = false;
  bool too_long_ = false;
  bool finished_ = false;
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

/// A warp's own table of the keys its lanes met (shared memory on CUDA), for
/// the warp-at-a-time kernel: slot i holds a key's words and its state,
/// ((slot in the backend's table + 1) << 32) | the warp's count, 0 while free.
/// Lanes read and write it only in phases that a whole-warp __syncwarp
/// separates, so no access races with another.
constexpr int warp_slots = 256;
constexpr int warp_probes = 8;
struct warp_table {
  slot_word state[warp_slots];
  word64 key_a[warp_slots];
  word64 key_b[warp_slots];
};

GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE int first_lane(unsigned lanes) {
#if defined(__CUDA_ARCH__)
  return __ffs(static_cast<int>(lanes)) - 1;
#else
  return __builtin_ctz(lanes);
#endif
}

GPUSTREAM_HOST_DEVICE GPUSTREAM_FORCEINLINE unsigned lane_count(unsigned lanes) {
#if defined(__CUDA_ARCH__)
  return static_cast<unsigned>(__popc(lanes));
#else
  return static_cast<unsigned>(__builtin_popcount(lanes));
#endif
}

struct count_tokens_of_chunk {
  backend_table t;
  hash_function hf;

  /// Counts the tokens that start in `chunk` into `local`, or into the
  /// backend's table where `local` has no room for them.
  GPUSTREAM_HOST_DEVICE void operator()(size_type chunk, const local_table& local) const {
    // Once given up, the rest of the text need not be counted.
    if (t.given_up()) return;
    chunk_tokens tokens{t.words, chunk};
    found_token f{};
    while (tokens.next(f)) {
      if (!count(f.token, f.key, f.start, local)) return;
    }
    if (tokens.too_long()) t.give_up();
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

  /// Counts the tokens of a warp's 32 chunks together, one token of each
  /// lane a round, so that the lanes run the table code in step rather than
  /// each at its own token: the lanes whose tokens have the same key count
  /// them as one (the lowest lane, their leader, adds their number), and the
  /// leaders find their keys in the warp's table `wt`, or claim a free slot
  /// for them (after the backend's table), or count them in the backend's
  /// table where the warp's has no room. This lane scans `chunk` where
  /// `has_chunk`; every lane of the warp calls this. `Lane` gives the warp's
  /// collectives and its shared-memory accesses: CUDA's intrinsics, or
  /// warp_emulator's on the CPU.
  template <class Lane>
  GPUSTREAM_HOST_DEVICE void count_warp(Lane& lane, size_type chunk, bool has_chunk, warp_table& wt) const {
    const int me = lane.id();
    for (int i = me; i < warp_slots; i += warp_size) lane.store(wt.state[i], slot_word{0});
    lane.sync(full_warp);

    chunk_tokens tokens{t.words, has_chunk ? chunk : 0};
    found_token f{};
    hash_type h = 0;
    bool has = false;   // f is this lane's token still to count
    bool stop = false;  // the table gave up
    const auto next_token = [&] {
      has = tokens.next(f);
      if (has) {
        h = key_hash(f.key, f.token, hf);
      } else if (tokens.too_long()) {
        t.give_up();
        stop = true;
      }
    };
    // Once given up, the rest of the text need not be counted.
    if (has_chunk && !t.given_up()) next_token();
    for (;;) {
      if (lane.any(full_warp, stop)) break;  // the table gave up: the count is discarded
      const unsigned pending = lane.ballot(full_warp, has);
      if (pending == 0) break;
      // The lanes whose tokens have this lane's hash; the lowest leads them.
      unsigned group = 0;
      if (has) group = lane.match_any(pending, static_cast<unsigned long long>(h));
      const int leader = has ? first_lane(group) : me;
      const word64 leader_a = lane.shfl(full_warp, f.key.a, leader);
      const word64 leader_b = lane.shfl(full_warp, f.key.b, leader);
      const size_type leader_start = lane.shfl(full_warp, f.start, leader);
      // A lane counts with its leader where its key is the leader's (a
      // different key of the same hash waits for a later round).
      bool same = has && leader_a == f.key.a && leader_b == f.key.b;
      if (same && f.key.b == long_key && leader != me) {
        same = bytes_equal(f.token, string_ref{t.words.text + leader_start, f.token.size});
      }
      const unsigned with_leader = lane.ballot(full_warp, same);
      const bool lead = has && leader == me;

      // 1. Reads: each leader's key in the warp's table, or the first free
      // slot on its probe sequence.
      int found = -1;
      int free_slot = -1;
      if (lead) {
        GPUSTREAM_PROBE_LOOP
        for (int p = 0; p < warp_probes; ++p) {
          const auto i = static_cast<int>((h + static_cast<hash_type>(p)) & (warp_slots - 1));
          const slot_word st = lane.load(wt.state[i]);
          if (st == 0) {
            free_slot = i;
            break;
          }
          if (lane.load(wt.key_a[i]) == f.key.a && lane.load(wt.key_b[i]) == f.key.b &&
              (f.key.b != long_key || bytes_equal(f.token, t.key_of(atomic_at<slot_word>{t.entries[(st >> 32) - 1].word}.load(
                                                                  ::cuda::std::memory_order_relaxed))))) {
            found = i;
            break;
          }
        }
      }
      lane.sync(full_warp);

      // 2. Writes: a found key's count; a free slot's key, where this leader
      // is the lowest of those that want the slot (the others try again next
      // round); else the backend's table.
      const unsigned add = lane_count(with_leader & group);
      const bool inserting = lead && found < 0 && free_slot >= 0;
      const unsigned inserters = lane.ballot(full_warp, inserting);
      bool counted = false;
      if (inserting) {
        const unsigned rivals = lane.match_any(inserters, static_cast<unsigned long long>(free_slot));
        if (first_lane(rivals) == me) {
          const slot_word at = t.find_or_claim(f.token, f.key, h, f.start);
          if (at > t.mask) {
            stop = true;
          } else {
            lane.store(wt.key_a[free_slot], f.key.a);
            lane.store(wt.key_b[free_slot], f.key.b);
            lane.store(wt.state[free_slot], ((at + 1) << 32) | add);
            counted = true;
          }
        }
      } else if (lead && found >= 0) {
        lane.store(wt.state[found], lane.load(wt.state[found]) + add);
        counted = true;
      } else if (lead) {
        const slot_word at = t.find_or_claim(f.token, f.key, h, f.start);
        if (at > t.mask) {
          stop = true;
        } else {
          atomic_at<unsigned long long>{t.entries[at].count}.fetch_add(add, ::cuda::std::memory_order_relaxed);
          counted = true;
        }
      }
      lane.sync(full_warp);

      // 3. The lanes counted go on to their next tokens.
      const unsigned leaders_counted = lane.ballot(full_warp, counted);
      if (same && ((leaders_counted >> leader) & 1u) != 0) next_token();
    }
    // The warp's counts into the backend's table.
    lane.sync(full_warp);
    for (int i = me; i < warp_slots; i += warp_size) {
      const slot_word st = lane.load(wt.state[i]);
      if (st == 0) continue;
      atomic_at<unsigned long long>{t.entries[(st >> 32) - 1].count}.fetch_add(st & 0xffffffffu,
                                                                               ::cuda::std::memory_order_relaxed);
    }
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

/// A lane of a CUDA warp, as count_warp uses it.
struct cuda_lane {
  __device__ int id() const { return static_cast<int>(threadIdx.x) & (warp_size - 1); }
  __device__ void sync(unsigned mask) const { __syncwarp(mask); }
  __device__ bool any(unsigned mask, bool p) const { return __any_sync(mask, p) != 0; }
  __device__ unsigned ballot(unsigned mask, bool p) const { return __ballot_sync(mask, p); }
  __device__ unsigned match_any(unsigned mask, unsigned long long v) const {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 700
    return __match_any_sync(mask, v);
#else
    (void)mask;
    (void)v;
    __trap();  // sm_70 and later only (the build's architectures start at sm_80)
    return 0;
#endif
  }
  template <class T>
  __device__ T shfl(unsigned mask, T v, int source) const {
    return __shfl_sync(mask, v, source);
  }
  template <class T>
  __device__ T load(const T& x) const {
    return x;
  }
  template <class T>
  __device__ void store(T& x, T v) const {
    x = v;
  }
};

/// The warp-at-a-time kernel: each warp counts its 32 chunks in its own table
/// (6 KiB of the block's 48 KiB of shared memory).
__global__ void __launch_bounds__(block_chunks) count_tokens_warp_kernel(count_tokens_of_chunk op, size_type chunks) {
  __shared__ warp_table tables[block_chunks / warp_size];
  cuda_lane lane;
  const size_type chunk = static_cast<size_type>(blockIdx.x) * block_chunks + static_cast<size_type>(threadIdx.x);
  op.count_warp(lane, chunk, chunk < chunks, tables[threadIdx.x / warp_size]);
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

/// The warp-at-a-time kernel's code on the CPU: one task per warp of 32
/// chunks, its lanes emulated (warp_emulator), which checks the lanes'
/// collectives and shared-memory accesses as it runs them. For tests of the
/// CUDA kernel's logic; it runs far slower than the CPU's own paths.
struct count_tokens_of_warp {
  count_tokens_of_chunk op;
  size_type chunks;
  std::string* error;  // the first failure of the emulated warps
  std::mutex* error_mutex;
  void operator()(size_type warp) const {
    warp_table table;
    try {
      warp_emulator::of_this_thread().run([&](emulated_lane& lane) {
        const size_type chunk = warp * warp_size + lane.id();
        op.count_warp(lane, chunk, chunk < chunks, table);
      });
    } catch (const std::exception& e) {
      const std::lock_guard<std::mutex> lock{*error_mutex};
      if (error->empty()) *error = e.what();
    }
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
  array<unsigned long long> memory;
  backend_table view;
  size_type slots;

  table_storage(const char* text, size_type text_size, size_type table_slots, stream_view s) : slots{table_slots} {
    constexpr size_type entry_words = sizeof(table_entry) / sizeof(unsigned long long);
    memory = array<unsigned long long>{entry_words * slots + 2, s};
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
    array<size_type> used{distinct, s};
    const table_entry* d_entries = view.entries;
    thrust::counting_iterator<size_type> first(0);
    if (distinct > 0) {
      thrust::copy_if(pol, first, first + slots, used.data(),
                      [=] GPUSTREAM_HOST_DEVICE(size_type i) { return d_entries[i].word != 0; });
    }
    array<offset_type> starts{distinct, s};
    array<length_type> lengths{distinct, s};
    array<std::int64_t> values{distinct, s};
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

std::optional<key_value_table> word_count_table(array_view<char> text, size_type max_slots, hash_function slot_hash,
                                                bool per_warp, stream_view s, memory_resource* mr) {
  const char* d_text = text.data();
  const size_type n = text.size();
  const table_storage table{d_text, n, table_slots(n, max_slots), s};
  if (n > 0) {
    const size_type chunks = (n + chunk_bytes - 1) / chunk_bytes;
    const size_type blocks = (chunks + block_chunks - 1) / block_chunks;
    const count_tokens_of_chunk op{table.view, slot_hash};
#if defined(__CUDACC__)
    GPUSTREAM_EXPECTS(blocks <= 0x7fffffff, "word_count_table: text too large for one launch");
    if (per_warp) {
      count_tokens_warp_kernel<<<static_cast<unsigned int>(blocks), block_chunks, 0, s.handle()>>>(op, chunks);
    } else {
      count_tokens_kernel<<<static_cast<unsigned int>(blocks), block_chunks, 0, s.handle()>>>(op, chunks);
    }
    GPUSTREAM_CUDA_TRY(cudaGetLastError());
#else
    if (per_warp) {
      std::string error;
      std::mutex error_mutex;
      const size_type warps = (chunks + warp_size - 1) / warp_size;
      thrust::for_each(policy(s), thrust::counting_iterator<size_type>(0), thrust::counting_iterator<size_type>(warps),
                       count_tokens_of_warp{op, chunks, &error, &error_mutex});
      GPUSTREAM_EXPECTS(error.empty(), "word_count_table (per_warp kernel, emulated): " + error);
    } else {
      thrust::for_each(policy(s), thrust::counting_iterator<size_type>(0),
                       thrust::counting_iterator<size_type>(blocks), count_tokens_of_block{op, chunks});
    }
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
