// word_count_table: the word count in one pass over the text into a hash
// table in backend memory, written once over Thrust and libcu++ atomics for
// both backends. Each thread scans a chunk of the text, and hashes and counts
// every token that starts in it (a token may run past the chunk's end): no
// list of tokens is written. A slot holds the position and length of the
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

template <class T>
using atomic_at = ::cuda::atomic_ref<T, ::cuda::thread_scope_device>;

/// The table and its bookkeeping, in backend memory.
struct table_view {
  slot_word* slots;  // 0: free; else ((first position + 1) << 24) | length
  unsigned long long* counts;
  slot_word mask;               // slots - 1 (a power of two minus one)
  unsigned long long limit;     // the most slots that may be claimed
  unsigned long long* claimed;  // slots claimed so far
  unsigned int* overflow;       // set when the table is too full or a token too long
};

struct count_tokens_of_chunk {
  const char* text;
  size_type n;
  table_view t;
  hash_function hf;

  GPUSTREAM_HOST_DEVICE void operator()(size_type chunk) const {
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
      if (!insert(i, j - i)) return;
      i = j;
    }
  }

  GPUSTREAM_HOST_DEVICE void give_up() const {
    atomic_at<unsigned int>{*t.overflow}.store(1, ::cuda::std::memory_order_relaxed);
  }

  /// Counts the token [start, start + length); false once the table has overflowed.
  GPUSTREAM_HOST_DEVICE bool insert(size_type start, size_type length) const {
    if (atomic_at<unsigned int>{*t.overflow}.load(::cuda::std::memory_order_relaxed) != 0) return false;
    if (static_cast<slot_word>(length) > length_mask) {
      give_up();
      return false;
    }
    const string_ref token{text + start, static_cast<length_type>(length)};
    const hash_type h = hash_string(token, hf);
    const slot_word mine = (static_cast<slot_word>(start + 1) << length_bits) | static_cast<slot_word>(length);
    for (slot_word probe = 0; probe <= t.mask; ++probe) {
      const slot_word at = (h + probe) & t.mask;
      atomic_at<slot_word> slot{t.slots[at]};
      slot_word seen = slot.load(::cuda::std::memory_order_relaxed);
      if (seen == 0) {
        // The slot's word is all a reader needs (the text does not change):
        // relaxed order suffices.
        if (slot.compare_exchange_strong(seen, mine, ::cuda::std::memory_order_relaxed)) {
          atomic_at<unsigned long long>{t.counts[at]}.fetch_add(1, ::cuda::std::memory_order_relaxed);
          if (atomic_at<unsigned long long>{*t.claimed}.fetch_add(1, ::cuda::std::memory_order_relaxed) >= t.limit) {
            give_up();
            return false;
          }
          return true;
        }
      }
      const string_ref key{text + ((seen >> length_bits) - 1), static_cast<length_type>(seen & length_mask)};
      if (bytes_equal(token, key)) {
        atomic_at<unsigned long long>{t.counts[at]}.fetch_add(1, ::cuda::std::memory_order_relaxed);
        return true;
      }
    }
    give_up();
    return false;
  }
};

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
    thrust::for_each(pol, thrust::counting_iterator<size_type>(0), thrust::counting_iterator<size_type>(chunks),
                     count_tokens_of_chunk{d_text, n, t, slot_hash});
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
