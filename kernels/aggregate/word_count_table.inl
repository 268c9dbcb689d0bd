// word_count_table: the word count in one pass over the text into a hash
// table in backend memory, written once over Thrust and libcu++ atomics for
// both backends. Each thread scans a chunk of the text, and hashes and counts
// every token that starts in it (a token may run past the chunk's end): no
// list of tokens is written. Each block of 256 chunks counts its keys in a
// small table of its own first (shared memory on CUDA), so that a frequent
// word reaches the backend's table once per block. A slot holds the position and length of the
// first occurrence of its key found, claimed by compare-and-swap, so a key is
// confirmed by its bytes and distinct keys never share a slot, whatever their
// hashes. The few distinct keys are then ordered as every reduce_by_key orders
// its rows (the sort path over them alone).

#include "detail/common.hpp"
#include "detail/operators.hpp"

#include <gpustream/aggregate/reduce_by_key.hpp>
#include <gpustream/text/hash.hpp>
#include <gpustream/text/tokenize.hpp>

#include <cuda/atomic>
#include <thrust/copy.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform.h>

#include <cstdint>
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

/// The table and its bookkeeping, in backend memory.
struct table_view {
  slot_word* slots;  // 0: free; else ((first position + 1) << 24) | length
  unsigned long long* counts;
  slot_word mask;               // slots - 1 (a power of two minus one)
  unsigned long long limit;     // the most slots that may be claimed
  unsigned long long* claimed;  // slots claimed so far
  unsigned int* overflow;       // set when the table is too full or a token too long
};

/// A block's table of the keys it met, so that a frequent key is counted in
/// the block (shared memory on CUDA) and reaches the backend's table once per
/// block, not once per occurrence. Slot i holds a slot word of its key (as
/// the backend's table has them: any occurrence's position and length, 0
/// while free), the key's slot in the backend's table, and the block's count.
struct local_table {
  slot_word* words;
  unsigned int* at;
  unsigned int* counts;
};

struct count_tokens_of_chunk {
  const char* text;
  size_type n;
  table_view t;
  hash_function hf;

  /// Counts the tokens that start in `chunk` into `local`, or into the
  /// backend's table where `local` has no room for them.
  GPUSTREAM_HOST_DEVICE void operator()(size_type chunk, const local_table& local) const {
    // Once given up, the rest of the text need not be counted.
    if (atomic_at<unsigned int>{*t.overflow}.load(::cuda::std::memory_order_relaxed) != 0) return;
    size_type i = chunk * chunk_bytes;
    const size_type end = i + chunk_bytes < n ? i + chunk_bytes : n;
    // A token that started in the chunk before belongs to that chunk.
    if (i > 0 && !is_token_separator(text[i - 1])) {
      while (i < end && !is_token_separator(text[i])) ++i;
    }
    while (i < end) {
      if (is_token_separator(text[i])) {
        ++i;
        continue;
      }
      size_type j = i + 1;
      while (j < n && !is_token_separator(text[j])) ++j;
      if (!count(i, j - i, local)) return;
      i = j;
    }
  }

  /// Adds local slot `i`'s count to the backend's table.
  GPUSTREAM_HOST_DEVICE void flush(const local_table& local, int i) const {
    if (local.words[i] == 0 || local.counts[i] == 0) return;
    atomic_at<unsigned long long>{t.counts[local.at[i]]}.fetch_add(local.counts[i],
                                                                    ::cuda::std::memory_order_relaxed);
  }

  GPUSTREAM_HOST_DEVICE void give_up() const {
    atomic_at<unsigned int>{*t.overflow}.store(1, ::cuda::std::memory_order_relaxed);
  }

  GPUSTREAM_HOST_DEVICE string_ref key_of(slot_word w) const {
    return string_ref{text + ((w >> length_bits) - 1), static_cast<length_type>(w & length_mask)};
  }

  /// Counts the token [start, start + length); false once the table has overflowed.
  GPUSTREAM_HOST_DEVICE bool count(size_type start, size_type length, const local_table& local) const {
    if (static_cast<slot_word>(length) > length_mask) {
      give_up();
      return false;
    }
    const string_ref token{text + start, static_cast<length_type>(length)};
    const hash_type h = hash_string(token, hf);
    // 1. The block's table: a key met before in this block is counted there.
    int free_probe = local_probes;
    for (int p = 0; p < local_probes; ++p) {
      const auto i = static_cast<int>((h + static_cast<hash_type>(p)) & (local_slots - 1));
      const slot_word seen = block_atomic_at<slot_word>{local.words[i]}.load(::cuda::std::memory_order_relaxed);
      if (seen == 0) {
        free_probe = p;
        break;
      }
      if (bytes_equal(token, key_of(seen))) {
        block_atomic_at<unsigned int>{local.counts[i]}.fetch_add(1, ::cuda::std::memory_order_relaxed);
        return true;
      }
    }
    // 2. The backend's table: the key's slot, claimed where it is new.
    slot_word word = 0;
    const slot_word at = find_or_claim(token, h, start, word);
    if (at > t.mask) return false;
    // 3. A free slot of the block's table for the key (unless another
    // thread of the block put it there meanwhile); else the backend's table.
    for (int p = free_probe; p < local_probes; ++p) {
      const auto i = static_cast<int>((h + static_cast<hash_type>(p)) & (local_slots - 1));
      slot_word seen = 0;
      block_atomic_at<slot_word> slot{local.words[i]};
      if (slot.compare_exchange_strong(seen, word, ::cuda::std::memory_order_relaxed)) {
        // Read only after the block's barrier, by flush().
        local.at[i] = static_cast<unsigned int>(at);
        block_atomic_at<unsigned int>{local.counts[i]}.fetch_add(1, ::cuda::std::memory_order_relaxed);
        return true;
      }
      if (bytes_equal(token, key_of(seen))) {
        block_atomic_at<unsigned int>{local.counts[i]}.fetch_add(1, ::cuda::std::memory_order_relaxed);
        return true;
      }
    }
    atomic_at<unsigned long long>{t.counts[at]}.fetch_add(1, ::cuda::std::memory_order_relaxed);
    return true;
  }

  /// The token's slot in the backend's table, claimed by compare-and-swap
  /// where its key is new; `word` gets the slot's word. More than t.mask
  /// where the table is too full (and the count has given up).
  GPUSTREAM_HOST_DEVICE slot_word find_or_claim(string_ref token, hash_type h, size_type start,
                                                slot_word& word) const {
    const slot_word mine = (static_cast<slot_word>(start + 1) << length_bits) | static_cast<slot_word>(token.size);
    for (slot_word probe = 0; probe <= t.mask; ++probe) {
      const slot_word at = (h + probe) & t.mask;
      atomic_at<slot_word> slot{t.slots[at]};
      slot_word seen = slot.load(::cuda::std::memory_order_relaxed);
      if (seen == 0) {
        // The slot's word is all a reader needs (the text does not change):
        // relaxed order suffices.
        if (slot.compare_exchange_strong(seen, mine, ::cuda::std::memory_order_relaxed)) {
          if (atomic_at<unsigned long long>{*t.claimed}.fetch_add(1, ::cuda::std::memory_order_relaxed) >= t.limit) {
            give_up();
            return t.mask + 1;
          }
          word = mine;
          return at;
        }
      }
      if (bytes_equal(token, key_of(seen))) {
        word = seen;
        return at;
      }
    }
    give_up();
    return t.mask + 1;
  }
};

#if defined(__CUDACC__)
/// One block of chunks per thread block, its keys counted in shared memory
/// first.
__global__ void __launch_bounds__(block_chunks) count_tokens_kernel(count_tokens_of_chunk op, size_type chunks) {
  __shared__ slot_word words[local_slots];
  __shared__ unsigned int at[local_slots];
  __shared__ unsigned int counts[local_slots];
  for (int i = static_cast<int>(threadIdx.x); i < local_slots; i += block_chunks) {
    words[i] = 0;
    counts[i] = 0;
  }
  __syncthreads();
  const local_table local{words, at, counts};
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
    // On the task's stack (32 KiB): no allocation per block.
    slot_word words[local_slots] = {};
    unsigned int at[local_slots] = {};
    unsigned int counts[local_slots] = {};
    const local_table local{words, at, counts};
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

}  // namespace

std::optional<key_value_table> word_count_table(column_view<char> text, size_type max_slots, hash_function slot_hash,
                                                stream_view s, memory_resource* mr) {
  const char* d_text = text.data();
  const size_type n = text.size();
  const size_type slots = table_slots(n, max_slots);
  auto pol = policy(s);
  // One allocation, zeroed at once: slots, counts, then claimed and overflow.
  column<unsigned long long> table{2 * slots + 2, s};
  fill_bytes(table.data(), 0, static_cast<std::size_t>(table.size()) * sizeof(unsigned long long), s);
  unsigned long long* base = table.data();
  const table_view t{base,
                     base + slots,
                     static_cast<slot_word>(slots - 1),
                     static_cast<unsigned long long>(slots) / 4 * 3,
                     base + 2 * slots,
                     reinterpret_cast<unsigned int*>(base + 2 * slots + 1)};
  if (n > 0) {
    const size_type chunks = (n + chunk_bytes - 1) / chunk_bytes;
    const size_type blocks = (chunks + block_chunks - 1) / block_chunks;
    const count_tokens_of_chunk op{d_text, n, t, slot_hash};
#if defined(__CUDACC__)
    GPUSTREAM_EXPECTS(blocks <= 0x7fffffff, "word_count_table: text too large for one launch");
    count_tokens_kernel<<<static_cast<unsigned int>(blocks), block_chunks, 0, s.handle()>>>(op, chunks);
    GPUSTREAM_CUDA_TRY(cudaGetLastError());
#else
    thrust::for_each(pol, thrust::counting_iterator<size_type>(0), thrust::counting_iterator<size_type>(blocks),
                     count_tokens_of_block{op, chunks});
#endif
  }
  unsigned long long tail[2] = {0, 0};  // claimed, overflow
  copy_bytes(tail, t.claimed, sizeof tail, s);
  s.synchronize();
  if (tail[1] != 0) return std::nullopt;
  const unsigned long long claimed = tail[0];

  // The claimed slots: each distinct token's first position, length and count.
  const auto distinct = static_cast<size_type>(claimed);
  column<size_type> used{distinct, s};
  const slot_word* d_slots = t.slots;
  thrust::counting_iterator<size_type> first(0);
  if (distinct > 0) {
    thrust::copy_if(pol, first, first + slots, used.data(),
                    [=] GPUSTREAM_HOST_DEVICE(size_type i) { return d_slots[i] != 0; });
  }
  column<offset_type> starts{distinct, s};
  column<length_type> lengths{distinct, s};
  column<std::int64_t> counts{distinct, s};
  const size_type* d_used = used.data();
  offset_type* d_starts = starts.data();
  length_type* d_lengths = lengths.data();
  std::int64_t* d_counts = counts.data();
  const unsigned long long* d_table_counts = t.counts;
  thrust::for_each_n(pol, first, distinct, [=] GPUSTREAM_HOST_DEVICE(size_type k) {
    const slot_word w = d_slots[d_used[k]];
    d_starts[k] = static_cast<offset_type>(w >> length_bits) - 1;
    d_lengths[k] = static_cast<length_type>(w & length_mask);
    d_counts[k] = static_cast<std::int64_t>(d_table_counts[d_used[k]]);
  });
  const string_spans keys{d_text, n, std::move(starts), std::move(lengths)};
  reduce_options order;  // distinct keys: the sum of one value each, in reduce_by_key's order
  order.agg = aggregation::sum;
  return reduce_by_key_sort(keys.view(), d_counts, order, s, mr);
}

}  // namespace gpustream::detail::GPUSTREAM_KERNEL_NS
