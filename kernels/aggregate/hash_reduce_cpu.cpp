// The CPU backend's hash-table path for reduce_by_key and the fused word count:
// each OpenMP thread aggregates its share of rows (or of the text) into its own
// open-addressing table, then the tables are merged. Results are identical to
// the portable sort path, including the row order (hash, then bytes).

#include "detail/common.hpp"
#include "detail/operators.hpp"

#include <gpustream/aggregate/reduce_by_key.hpp>
#include <gpustream/text/hash.hpp>
#include <gpustream/text/tokenize.hpp>

#include <omp.h>

#include <algorithm>
#include <array>
#include <limits>
#include <cstring>
#include <vector>

namespace gpustream::detail::cpu {
namespace {

struct entry {
  hash_type hash;
  const char* data;
  length_type size;  // -1: empty slot
  std::int64_t value;
};

std::int64_t combine(aggregation agg, std::int64_t a, std::int64_t b) {
  switch (agg) {
    case aggregation::sum:
    case aggregation::count: return a + b;
    case aggregation::min: return std::min(a, b);
    case aggregation::max: return std::max(a, b);
  }
  return a + b;
}

/// Open addressing with linear probing on the 64-bit hash; a hash match is
/// confirmed by comparing bytes, so colliding keys take separate slots.
class string_table {
 public:
  explicit string_table(std::size_t expected = 1024) { rehash(capacity_for(expected)); }

  void add(hash_type h, const char* data, length_type size, std::int64_t value, aggregation agg) {
    if (2 * (count_ + 1) > slots_.size()) rehash(slots_.size() * 2);
    std::size_t i = static_cast<std::size_t>(h) & mask_;
    for (;;) {
      entry& e = slots_[i];
      if (e.size < 0) {
        e = entry{h, data, size, value};
        ++count_;
        return;
      }
      if (e.hash == h && e.size == size && std::memcmp(e.data, data, static_cast<std::size_t>(size)) == 0) {
        e.value = combine(agg, e.value, value);
        return;
      }
      i = (i + 1) & mask_;
    }
  }

  void merge_into(string_table& dst, aggregation agg) const {
    for (const entry& e : slots_) {
      if (e.size >= 0) dst.add(e.hash, e.data, e.size, e.value, agg);
    }
  }

  std::size_t size() const noexcept { return count_; }

  std::vector<entry> sorted_entries() const {
    std::vector<entry> out;
    out.reserve(count_);
    for (const entry& e : slots_) {
      if (e.size >= 0) out.push_back(e);
    }
    std::sort(out.begin(), out.end(), [](const entry& a, const entry& b) {
      if (a.hash != b.hash) return a.hash < b.hash;
      return bytes_compare(string_ref{a.data, a.size}, string_ref{b.data, b.size}) < 0;
    });
    return out;
  }

 private:
  static std::size_t capacity_for(std::size_t expected) {
    std::size_t c = 64;
    while (c < 2 * expected) c *= 2;
    return c;
  }
  void rehash(std::size_t capacity) {
    std::vector<entry> old = std::move(slots_);
    slots_.assign(capacity, entry{0, nullptr, -1, 0});
    mask_ = capacity - 1;
    count_ = 0;
    for (const entry& e : old) {
      if (e.size < 0) continue;
      std::size_t i = static_cast<std::size_t>(e.hash) & mask_;
      while (slots_[i].size >= 0) i = (i + 1) & mask_;
      slots_[i] = e;
      ++count_;
    }
  }

  std::vector<entry> slots_;
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
};

key_value_table to_table(const std::vector<string_table>& partial, aggregation agg, stream_view s,
                         memory_resource* mr) {
  string_table merged{partial.empty() ? 0 : partial.front().size()};
  for (const auto& t : partial) t.merge_into(merged, agg);
  const std::vector<entry> rows = merged.sorted_entries();
  if (rows.empty()) return key_value_table{empty_strings(s, mr), column<std::int64_t>{0, s, mr}};

  const auto count = static_cast<size_type>(rows.size());
  column<offset_type> offsets{count + 1, s, mr};
  column<std::int64_t> values{count, s, mr};
  offset_type* h_offsets = offsets.data();  // CPU backend: host memory
  h_offsets[0] = 0;
  for (size_type i = 0; i < count; ++i) {
    h_offsets[i + 1] = h_offsets[i] + rows[static_cast<std::size_t>(i)].size;
    values.data()[i] = rows[static_cast<std::size_t>(i)].value;
  }
  column<char> chars{h_offsets[count], s, mr};
  for (size_type i = 0; i < count; ++i) {
    const entry& e = rows[static_cast<std::size_t>(i)];
    if (e.size > 0) std::memcpy(chars.data() + h_offsets[i], e.data, static_cast<std::size_t>(e.size));
  }
  return key_value_table{string_column{std::move(chars), std::move(offsets)}, std::move(values)};
}

constexpr std::array<bool, 256> separator_table() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[static_cast<std::size_t>(c)] = is_token_separator(static_cast<char>(c));
  return t;
}
constexpr std::array<bool, 256> separators = separator_table();

inline bool sep(char c) { return separators[static_cast<unsigned char>(c)]; }

}  // namespace

key_value_table reduce_by_key_hash(string_spans_view keys, const std::int64_t* values,
                                   reduce_options options, stream_view s, memory_resource* mr) {
  const size_type n = keys.size();
  const spans_device_view kv = keys.device_view();
  const bool counting = options.agg == aggregation::count || values == nullptr;
  const int threads = std::max(1, std::min<int>(omp_get_max_threads(), static_cast<int>(n / 4096) + 1));
  std::vector<string_table> partial(static_cast<std::size_t>(threads));
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    const size_type lo = n * t / threads;
    const size_type hi = n * (t + 1) / threads;
    string_table& table = partial[static_cast<std::size_t>(t)];
    for (size_type i = lo; i < hi; ++i) {
      const string_ref key = kv.element(i);
      const hash_type h = hash_string(key, options.hash);
      table.add(h, key.data, key.size, counting ? 1 : values[i], options.agg);
    }
  }
  return to_table(partial, options.agg, s, mr);
}

key_value_table word_count_hash(column_view<char> text, stream_view s, memory_resource* mr) {
  const char* d = text.data();
  const size_type n = text.size();
  const int threads =
      std::max(1, std::min<int>(omp_get_max_threads(), static_cast<int>(n / (1 << 16)) + 1));
  std::vector<string_table> partial(static_cast<std::size_t>(threads));
  bool too_long = false;
#pragma omp parallel num_threads(threads) reduction(|| : too_long)
  {
    const int t = omp_get_thread_num();
    // Thread t counts the tokens that start in [lo, hi).
    size_type p = n * t / threads;
    const size_type hi = n * (t + 1) / threads;
    string_table& table = partial[static_cast<std::size_t>(t)];
    if (p > 0) {
      while (p < hi && !sep(d[p]) && !sep(d[p - 1])) ++p;  // token owned by the thread before
    }
    while (p < hi) {
      while (p < hi && sep(d[p])) ++p;
      if (p >= hi) break;
      const size_type start = p;
      while (p < n && !sep(d[p])) ++p;
      const size_type len = p - start;
      if (len > std::numeric_limits<length_type>::max()) {
        too_long = true;
        continue;
      }
      const auto size = static_cast<length_type>(len);
      table.add(hash_bytes(d + start, size), d + start, size, 1, aggregation::count);
    }
  }
  GPUSTREAM_EXPECTS(!too_long, "word_count: a token is 2 GiB or longer");
  return to_table(partial, aggregation::count, s, mr);
}

}  // namespace gpustream::detail::cpu
