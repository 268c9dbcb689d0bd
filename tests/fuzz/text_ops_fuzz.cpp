// libFuzzer target: the CPU backend's text operators on arbitrary bytes
// against plain references: split_lines, tokenize, tokenize_text, word_count
// (hash and sort paths, the one-pass table, and count_by_key on both paths
// under a hash that collides on purpose), reduce_by_key over integer keys
// made of the words' bytes (both paths), and filter_containing (the needle
// is taken from the input's first bytes).

#include <gpustream/gpustream.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "text_ops_fuzz: %s\n", what);
  std::abort();
}

bool is_sep(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

std::vector<std::string> ref_lines(const std::string& t) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < t.size()) {
    std::size_t end = t.find('\n', start);
    const bool terminated = end != std::string::npos;
    if (!terminated) end = t.size();
    std::size_t stop = end;
    if (terminated && stop > start && t[stop - 1] == '\r') --stop;
    out.push_back(t.substr(start, stop - start));
    start = end + 1;
  }
  return out;
}

std::vector<std::string> ref_words(const std::string& t) {
  std::vector<std::string> out;
  std::string w;
  for (char c : t) {
    if (is_sep(c)) {
      if (!w.empty()) out.push_back(w);
      w.clear();
    } else {
      w += c;
    }
  }
  if (!w.empty()) out.push_back(w);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gpustream;
  if (size < 1) return 0;
  const std::size_t needle_size = std::min<std::size_t>(data[0] % 4, size - 1);
  const std::string needle(reinterpret_cast<const char*>(data) + 1, needle_size);
  const std::string text(reinterpret_cast<const char*>(data) + 1 + needle_size, size - 1 - needle_size);

  const stream_view s = stream_view::cpu();
  auto col = array<char>::from_host(text.data(), static_cast<size_type>(text.size()), s);
  const string_spans lines = split_lines(col.view(), s);
  const std::vector<std::string> expected_lines = ref_lines(text);
  if (to_host(lines.view(), s) != expected_lines) fail("split_lines differs from the reference");

  const std::vector<std::string> words = ref_words(text);
  if (to_host(tokenize(lines.view(), s).view(), s) != words) fail("tokenize differs from the reference");
  if (to_host(tokenize_text(col.view(), s).view(), s) != words) fail("tokenize_text differs from the reference");

  std::map<std::string, std::int64_t> counts;
  for (const auto& w : words) ++counts[w];
  // The one-pass table also with a table of 16 slots and a hash that puts
  // every key of one length in one run of slots (collisions, fallback), and
  // the sort path with that hash.
  const std::vector<key_value_table> tables = [&] {
    std::vector<key_value_table> v;
    v.push_back(word_count(col.view(), s, nullptr, reduce_algorithm::hash));
    v.push_back(word_count(col.view(), s, nullptr, reduce_algorithm::sort));
    v.push_back(word_count_table(col.view(), s));
    v.push_back(word_count_table(col.view(), s, nullptr, 16, hash_function::length_only));
    // The per-warp kernel, on the emulated warp (its collectives and
    // shared-memory accesses checked), with a roomy table and a tiny one.
    v.push_back(word_count_table(col.view(), s, nullptr, size_type{1} << 22, hash_function::mix64,
                                 table_kernel::per_warp));
    v.push_back(word_count_table(col.view(), s, nullptr, 16, hash_function::length_only, table_kernel::per_warp));
    // The table reads the text in aligned words: the same text at another
    // address modulo 8, in a heap block of exactly its size.
    const std::size_t offset = (data[0] >> 2) & 7;
    std::unique_ptr<char[]> shifted{new char[offset + text.size()]};
    std::copy(text.begin(), text.end(), shifted.get() + offset);
    v.push_back(word_count_table(array_view<char>{shifted.get() + offset, static_cast<size_type>(text.size()),
                                                   backend::cpu},
                                 s));
    // The sort path's grouping with every key of one length on one hash:
    // each run of equal hash confirmed by bytes, colliding runs ordered by them.
    v.push_back(count_by_key(tokenize_text(col.view(), s), s, nullptr, hash_function::length_only,
                             reduce_algorithm::sort));
    // The hash path's table under the same hash: every key of one length
    // probes the same slots, confirmed by the bytes (inline or in the text).
    v.push_back(count_by_key(tokenize_text(col.view(), s), s, nullptr, hash_function::length_only,
                             reduce_algorithm::hash));
    // The hash path under mix64, over the tokens of the lines: short keys as
    // words read past their ends within the text, the last ones byte by byte.
    v.push_back(count_by_key(tokenize(lines.view(), s), s, nullptr, hash_function::mix64, reduce_algorithm::hash));
    return v;
  }();
  for (const key_value_table& t : tables) {
    const auto keys = t.keys.to_host();
    const auto values = t.values.to_host();
    std::map<std::string, std::int64_t> got;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (!got.emplace(keys[i], values[i]).second) fail("word_count gives a key twice");
    }
    if (got != counts) fail("word_count differs from the reference");
  }

  // Integer keys: each word's first 8 bytes, zero-padded, so that any 64-bit
  // value can come up, INT64_MIN (the hash table's empty-slot mark) among them.
  std::vector<std::int64_t> ids;
  std::map<std::int64_t, std::int64_t> id_counts;
  for (const auto& w : words) {
    std::uint64_t x = 0;
    std::memcpy(&x, w.data(), std::min<std::size_t>(w.size(), sizeof x));
    ids.push_back(static_cast<std::int64_t>(x));
    ++id_counts[ids.back()];
  }
  const std::vector<std::pair<std::int64_t, std::int64_t>> want_ids(id_counts.begin(), id_counts.end());
  const auto d_ids = array<std::int64_t>::from_host(ids, s);
  for (reduce_algorithm algorithm : {reduce_algorithm::hash, reduce_algorithm::sort}) {
    const int_key_table t = reduce_by_key(d_ids.view(), array_view<std::int64_t>{nullptr, 0, backend::cpu},
                                          aggregation::count, s, nullptr, algorithm);
    const auto keys = t.keys.to_host();
    const auto values = t.values.to_host();
    std::vector<std::pair<std::int64_t, std::int64_t>> got;
    for (std::size_t i = 0; i < keys.size() && i < values.size(); ++i) got.emplace_back(keys[i], values[i]);
    if (keys.size() != values.size() || got != want_ids) {
      fail("reduce_by_key over integer keys differs from the reference");
    }
  }

  std::vector<std::string> kept;
  for (const auto& l : expected_lines) {
    if (l.find(needle) != std::string::npos) kept.push_back(l);
  }
  if (to_host(filter_containing(lines.view(), needle, s).view(), s) != kept) {
    fail("filter_containing differs from the reference");
  }
  return 0;
}
