// The CPU backend's fast paths for the text operators. Thrust's OpenMP system
// runs copy_if (the heart of the portable versions) on one thread with eight
// bytes of temporaries per input byte; these run every thread over its share
// of the bytes or rows, 64 bytes a step by compare masks (memmem for
// filter_containing), in two passes (count, then write at offsets from a
// prefix sum). Results are identical to the portable versions.

#include "detail/common.hpp"
#include "detail/cpu_text.hpp"
#include "detail/operators.hpp"

#include <gpustream/text/tokenize.hpp>

#include <omp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

namespace gpustream::detail::cpu {
namespace {

/// Threads for `work` items of `grain` each at least.
int threads_for(size_type work, size_type grain) {
  return std::max(1, std::min<int>(omp_get_max_threads(), static_cast<int>(work / grain) + 1));
}

/// Exclusive prefix sum of per-thread counts; returns the total.
size_type exclusive_scan(std::vector<size_type>& counts) {
  size_type total = 0;
  for (auto& c : counts) {
    const size_type x = c;
    c = total;
    total += x;
  }
  return total;
}

constexpr length_type max_length = std::numeric_limits<length_type>::max();

// Token boundaries from separator masks, 64 bytes at a time: a token starts
// at a non-separator after a separator and ends at a separator after a
// non-separator, so starts and ends alternate and their bits are the events
// of one walk. `before` is 1 where the byte before the walk is a separator;
// the start of the text or of a line counts as one. A walk of [p, end) reads
// whole 64-byte blocks while they lie within the first `limit` bytes, past
// `end` too (a short line is then one or two blocks, not a byte loop), and
// keeps only the events before `end`; the bytes no block covers go one at a
// time.

/// The bits of a block at p that lie before end.
inline std::uint64_t before_end(size_type p, size_type end) {
  return end - p >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << (end - p)) - 1;
}

/// Token starts in d[p, end).
GPUSTREAM_POPCNT_CLONES size_type count_token_starts(const char* d, size_type p, size_type end, size_type limit,
                                                     std::uint64_t before) {
  size_type c = 0;
  for (; p < end && p + 64 <= limit; p += 64) {
    const std::uint64_t seps = separator_mask64(d + p);
    const std::uint64_t starts = ~seps & ((seps << 1) | before) & before_end(p, end);
    c += static_cast<size_type>(__builtin_popcountll(starts));
    before = seps >> 63;
  }
  for (; p < end; ++p) {
    const bool is_sep = sep(d[p]);
    c += static_cast<size_type>(!is_sep && before != 0);
    before = is_sep ? 1 : 0;
  }
  return c;
}

/// The tokens of bytes walked in order, one range after another: each ended
/// token goes to token(start, end). A token still open after the last range
/// is the caller's to end (end_at).
class token_walk {
 public:
  /// `before`: whether the byte before the first walked is a separator.
  explicit token_walk(std::uint64_t before) : before_{before} {}

  template <class Token>
  void walk(const char* d, size_type p, size_type end, size_type limit, Token token) {
    for (; p < end && p + 64 <= limit; p += 64) {
      const std::uint64_t seps = separator_mask64(d + p);
      const std::uint64_t after_sep = (seps << 1) | before_;
      std::uint64_t events = ((~seps & after_sep) | (seps & ~after_sep)) & before_end(p, end);
      for (; events != 0; events &= events - 1) event(p + __builtin_ctzll(events), token);
      before_ = (seps >> std::min<size_type>(63, end - p - 1)) & 1;  // of the byte before end, at the last
    }
    for (; p < end; ++p) {
      const bool is_sep = sep(d[p]);
      if (is_sep != (before_ != 0)) event(p, token);
      before_ = is_sep ? 1 : 0;
    }
  }
  bool open() const { return open_; }
  /// Ends the open token at `at`.
  template <class Token>
  void end_at(size_type at, Token token) {
    event(at, token);
  }

 private:
  // Starts and ends alternate.
  template <class Token>
  void event(size_type at, Token& token) {
    if (open_) token(start_, at);
    start_ = at;
    open_ = !open_;
  }

  std::uint64_t before_;
  bool open_ = false;
  size_type start_ = 0;
};

/// The number of bytes equal to `byte` in d[lo, hi): 64 a step.
GPUSTREAM_POPCNT_CLONES size_type count_byte(const char* d, size_type lo, size_type hi, char byte) {
  size_type c = 0;
  size_type p = lo;
  for (; p + 64 <= hi; p += 64) c += static_cast<size_type>(__builtin_popcountll(byte_mask64(d + p, byte)));
  for (; p < hi; ++p) c += static_cast<size_type>(d[p] == byte);
  return c;
}

/// Calls at(p) for each newline in d[lo, hi), in order: 64 bytes a step.
template <class At>
void for_each_newline(const char* d, size_type lo, size_type hi, At at) {
  size_type p = lo;
  for (; p + 64 <= hi; p += 64) {
    for (std::uint64_t m = byte_mask64(d + p, '\n'); m != 0; m &= m - 1) at(p + __builtin_ctzll(m));
  }
  for (; p < hi; ++p) {
    if (d[p] == '\n') at(p);
  }
}

}  // namespace

size_type count_bytes_fast(array_view<char> text, char byte) {
  const char* d = text.data();
  const size_type n = text.size();
  if (n == 0) return 0;  // an empty column may have no buffer at all
  const int threads = threads_for(n, 1 << 20);
  size_type total = 0;
#pragma omp parallel num_threads(threads) reduction(+ : total)
  {
    const int t = omp_get_thread_num();
    total += count_byte(d, n * t / threads, n * (t + 1) / threads, byte);
  }
  return total;
}

string_spans split_lines_fast(array_view<char> text, stream_view s, memory_resource* mr) {
  const char* d = text.data();
  const size_type n = text.size();
  if (n == 0) return empty_spans(d, 0, s, mr);
  const int threads = threads_for(n, 1 << 16);
  std::vector<size_type> count(static_cast<std::size_t>(threads), 0);
  std::vector<size_type> last_newline(static_cast<std::size_t>(threads), -1);
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    const size_type lo = n * t / threads;
    const size_type hi = n * (t + 1) / threads;
    count[static_cast<std::size_t>(t)] = count_byte(d, lo, hi, '\n');
    const void* last = hi > lo ? memrchr(d + lo, '\n', static_cast<std::size_t>(hi - lo)) : nullptr;
    last_newline[static_cast<std::size_t>(t)] = last != nullptr ? static_cast<const char*>(last) - d : -1;
  }
  std::vector<size_type> base = count;
  const size_type newlines = exclusive_scan(base);
  const bool tail = d[n - 1] != '\n';
  const size_type lines = newlines + (tail ? 1 : 0);
  array<offset_type> starts{lines, s, mr};
  array<length_type> lengths{lines, s, mr};
  offset_type* st = starts.data();
  length_type* ln = lengths.data();
  bool too_long = false;
#pragma omp parallel num_threads(threads) reduction(|| : too_long)
  {
    const int t = omp_get_thread_num();
    const size_type lo = n * t / threads;
    const size_type hi = n * (t + 1) / threads;
    size_type prev = -1;  // the last '\n' before lo
    for (int u = t - 1; u >= 0 && prev < 0; --u) prev = last_newline[static_cast<std::size_t>(u)];
    size_type k = base[static_cast<std::size_t>(t)];
    for_each_newline(d, lo, hi, [&](size_type at) {
      const size_type start = prev + 1;
      size_type end = at;
      if (end > start && d[end - 1] == '\r') --end;  // CRLF
      st[k] = start;
      if (end - start > max_length) too_long = true;
      ln[k] = static_cast<length_type>(std::min<size_type>(end - start, max_length));
      ++k;
      prev = at;
    });
  }
  if (tail) {
    size_type prev = -1;
    for (int u = threads - 1; u >= 0 && prev < 0; --u) prev = last_newline[static_cast<std::size_t>(u)];
    st[lines - 1] = prev + 1;
    if (n - (prev + 1) > max_length) too_long = true;
    ln[lines - 1] = static_cast<length_type>(std::min<size_type>(n - (prev + 1), max_length));
  }
  GPUSTREAM_EXPECTS(!too_long, "split_lines: a line is 2 GiB or longer");
  return string_spans{d, n, std::move(starts), std::move(lengths)};
}

string_spans filter_containing_fast(string_spans_view lines, std::string_view needle, stream_view s,
                                    memory_resource* mr) {
  const size_type n = lines.size();
  if (n == 0) return empty_spans(lines.chars(), lines.chars_size(), s, mr);
  const offset_type* in_starts = lines.starts();
  const length_type* in_lengths = lines.lengths();
  const char* chars = lines.chars();
  const int threads = threads_for(n, 1 << 12);
  std::vector<std::vector<size_type>> kept(static_cast<std::size_t>(threads));
  const auto needle_size = static_cast<size_type>(needle.size());
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    const size_type lo = n * t / threads;
    const size_type hi = n * (t + 1) / threads;
    auto& mine = kept[static_cast<std::size_t>(t)];
    // Lines in order and apart, covering at least half the bytes from the
    // first line's start to the last line's end (a batch's lines, or most of
    // them): one search runs over many lines at once, from the first line not
    // yet decided to the needle's next occurrence, and every line that ends
    // before it is passed over without a call; the bytes between lines cost
    // at most as much again. Otherwise each line is searched alone.
    bool in_order = true;
    size_type line_bytes = lo < hi ? in_lengths[lo] : 0;
    for (size_type i = lo + 1; i < hi && in_order; ++i) {
      in_order = in_starts[i] >= in_starts[i - 1] + in_lengths[i - 1];
      line_bytes += in_lengths[i];
    }
    const size_type region_end = lo < hi ? in_starts[hi - 1] + in_lengths[hi - 1] : 0;
    const bool dense = in_order && lo < hi && 2 * line_bytes >= region_end - in_starts[lo];
    if (needle_size == 0) {
      for (size_type i = lo; i < hi; ++i) mine.push_back(i);
    } else if (dense) {
      size_type match = -1;  // the needle's first occurrence at or after the search's start; region_end: none
      for (size_type i = lo; i < hi; ++i) {
        const size_type start = in_starts[i];
        if (match < start) {
          const auto span = static_cast<std::size_t>(region_end - start);
          const void* m = span >= needle.size() ? memmem(chars + start, span, needle.data(), needle.size()) : nullptr;
          match = m != nullptr ? static_cast<const char*>(m) - chars : region_end;
          if (match == region_end) break;  // no line from here on holds it
        }
        if (match + needle_size <= start + in_lengths[i]) mine.push_back(i);
      }
    } else {
      for (size_type i = lo; i < hi; ++i) {
        const auto size = static_cast<std::size_t>(in_lengths[i]);
        if (size >= needle.size() && memmem(chars + in_starts[i], size, needle.data(), needle.size()) != nullptr) {
          mine.push_back(i);
        }
      }
    }
  }
  std::vector<size_type> base(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) base[static_cast<std::size_t>(t)] = static_cast<size_type>(kept[static_cast<std::size_t>(t)].size());
  const size_type total = exclusive_scan(base);
  array<offset_type> starts{total, s, mr};
  array<length_type> lengths{total, s, mr};
  offset_type* st = starts.data();
  length_type* ln = lengths.data();
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    size_type k = base[static_cast<std::size_t>(t)];
    for (const size_type i : kept[static_cast<std::size_t>(t)]) {
      st[k] = in_starts[i];
      ln[k] = in_lengths[i];
      ++k;
    }
  }
  return string_spans{lines.chars(), lines.chars_size(), std::move(starts), std::move(lengths)};
}

string_spans tokenize_fast(string_spans_view lines, stream_view s, memory_resource* mr) {
  const size_type n = lines.size();
  if (n == 0) return empty_spans(lines.chars(), lines.chars_size(), s, mr);
  const offset_type* in_starts = lines.starts();
  const length_type* in_lengths = lines.lengths();
  const char* d = lines.chars();
  const size_type limit = lines.chars_size();
  const int threads = threads_for(n, 1 << 10);
  bool unsorted = false;
  std::vector<size_type> count(static_cast<std::size_t>(threads), 0);
  // Pass 1: check the order, count the tokens of each thread's lines.
#pragma omp parallel num_threads(threads) reduction(|| : unsorted)
  {
    const int t = omp_get_thread_num();
    const size_type lo = n * t / threads;
    const size_type hi = n * (t + 1) / threads;
    size_type c = 0;
    for (size_type i = lo; i < hi; ++i) {
      if (i > 0 && in_starts[i] < in_starts[i - 1] + in_lengths[i - 1]) unsorted = true;
      c += count_token_starts(d, in_starts[i], in_starts[i] + in_lengths[i], limit, 1);
    }
    count[static_cast<std::size_t>(t)] = c;
  }
  GPUSTREAM_EXPECTS(!unsorted, "tokenize: lines must be sorted by start and must not overlap");
  std::vector<size_type> base = count;
  const size_type total = exclusive_scan(base);
  array<offset_type> starts{total, s, mr};
  array<length_type> lengths{total, s, mr};
  offset_type* st = starts.data();
  length_type* ln = lengths.data();
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    const size_type lo = n * t / threads;
    const size_type hi = n * (t + 1) / threads;
    size_type k = base[static_cast<std::size_t>(t)];
    for (size_type i = lo; i < hi; ++i) {
      const offset_type last = in_starts[i] + in_lengths[i];
      auto token = [&](offset_type start, offset_type end) {
        st[k] = start;
        ln[k] = static_cast<length_type>(end - start);  // within a line: < 2 GiB
        ++k;
      };
      token_walk w{1};
      w.walk(d, in_starts[i], last, limit, token);
      if (w.open()) w.end_at(last, token);  // the line's end ends its last token
    }
  }
  return string_spans{lines.chars(), lines.chars_size(), std::move(starts), std::move(lengths)};
}

string_spans tokenize_text_fast(array_view<char> text, stream_view s, memory_resource* mr) {
  const char* d = text.data();
  const size_type n = text.size();
  if (n == 0) return empty_spans(d, 0, s, mr);
  const int threads = threads_for(n, 1 << 16);
  // Thread t owns the tokens that start in its share of the bytes.
  auto share = [&](int t, size_type& lo, size_type& hi) {
    lo = n * t / threads;
    hi = n * (t + 1) / threads;
  };
  std::vector<size_type> count(static_cast<std::size_t>(threads), 0);
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    size_type lo = 0;
    size_type hi = 0;
    share(t, lo, hi);
    count[static_cast<std::size_t>(t)] = count_token_starts(d, lo, hi, n, lo == 0 || sep(d[lo - 1]) ? 1 : 0);
  }
  std::vector<size_type> base = count;
  const size_type total = exclusive_scan(base);
  array<offset_type> starts{total, s, mr};
  array<length_type> lengths{total, s, mr};
  offset_type* st = starts.data();
  length_type* ln = lengths.data();
  bool too_long = false;
#pragma omp parallel num_threads(threads) reduction(|| : too_long)
  {
    const int t = omp_get_thread_num();
    size_type lo = 0;
    size_type hi = 0;
    share(t, lo, hi);
    size_type k = base[static_cast<std::size_t>(t)];
    size_type p = lo;
    if (p > 0) {
      while (p < hi && !sep(d[p]) && !sep(d[p - 1])) ++p;  // the token of the thread before
    }
    auto token = [&](size_type start, size_type end) {
      if (end - start > max_length) too_long = true;
      st[k] = start;
      ln[k] = static_cast<length_type>(std::min<size_type>(end - start, max_length));
      ++k;
    };
    // Past a skipped token, p is a separator (or hi): no token is open.
    token_walk w{1};
    w.walk(d, p, hi, n, token);
    if (w.open()) {  // the last token goes on into the next share, or to the end
      p = hi;
      while (p < n && !sep(d[p])) ++p;
      w.end_at(p, token);
    }
  }
  GPUSTREAM_EXPECTS(!too_long, "tokenize_text: a token is 2 GiB or longer");
  return string_spans{d, n, std::move(starts), std::move(lengths)};
}

}  // namespace gpustream::detail::cpu
