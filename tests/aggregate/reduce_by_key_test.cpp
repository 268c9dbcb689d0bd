#include "../common/random_text.hpp"
#include "../common/reference.hpp"
#include "../common/table_rows.hpp"
#include "../common/test_utils.hpp"

#include <gpustream/aggregate/reduce_by_key.hpp>
#include <gpustream/text/split_lines.hpp>
#include <gpustream/text/tokenize.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace gpustream::test {
namespace {

/// Rows must come ordered by (hash, bytes) whatever the backend or algorithm.
void expect_canonical_order(const table_rows& r, hash_function f) {
  for (std::size_t i = 1; i < r.keys.size(); ++i) {
    const auto& a = r.keys[i - 1];
    const auto& b = r.keys[i];
    const hash_type ha = hash_string(string_ref{a.data(), static_cast<length_type>(a.size())}, f);
    const hash_type hb = hash_string(string_ref{b.data(), static_cast<length_type>(b.size())}, f);
    const auto ua = std::basic_string<unsigned char>(a.begin(), a.end());
    const auto ub = std::basic_string<unsigned char>(b.begin(), b.end());
    ASSERT_TRUE(std::tie(ha, ua) < std::tie(hb, ub)) << "rows " << i - 1 << " and " << i << " out of order";
  }
}

class reduce_by_key_test : public backend_test {};

TEST_P(reduce_by_key_test, word_count_empty_and_blank) {
  for (const std::string& text : {std::string{}, std::string{" \n\t\r\n "}}) {
    const auto input = upload(text);
    for (auto algo : all_algorithms) {
      const auto t = word_count(input.view(), s(), nullptr, algo);
      EXPECT_EQ(t.size(), 0);
      EXPECT_EQ(t.values.size(), 0);
    }
  }
}

TEST_P(reduce_by_key_test, word_count_random_text_every_algorithm) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  for (std::size_t size : interesting_sizes()) {
    text_options o;
    o.bytes = size;
    o.vocabulary = 1 + gen() % 3000;
    const std::string text = make_text(gen, o).substr(0, size);
    const counts expected = ref_word_count(text);
    const auto input = upload(text);
    std::vector<table_rows> results;
    for (auto algo : all_algorithms) {
      SCOPED_TRACE("size=" + std::to_string(size) + " algorithm=" + std::to_string(static_cast<int>(algo)));
      results.push_back(rows_of(word_count(input.view(), s(), nullptr, algo)));
      EXPECT_EQ(as_map(results.back()), expected);
      expect_canonical_order(results.back(), hash_function::mix64);
    }
    for (std::size_t i = 1; i < results.size(); ++i) {
      EXPECT_EQ(results[i].keys, results[0].keys);
      EXPECT_EQ(results[i].values, results[0].values);
    }
  }
}

// Bytes drawn from every separator, NUL, high bytes and letters, with tokens
// short and long: token boundaries fall at every position of the 64-byte steps
// of the CPU fast path, at the ends of the buffer and between threads' shares.
TEST_P(reduce_by_key_test, word_count_separator_soup_at_every_size) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const std::string alphabet = std::string(" \t\n\v\f\r", 6) + std::string("\0\xff\x80", 3) + "abxyz";
  std::vector<std::size_t> sizes;
  // Under a sanitizer, 38 sizes rather than 201: every 7th size (29 different
  // offsets within a 64-byte step) and those around 32, 64 and 128.
  const std::size_t step = under_sanitizer() ? 7 : 1;
  for (std::size_t n = 0; n <= 200; n += step) sizes.push_back(n);
  if (step > 1) sizes.insert(sizes.end(), {31, 32, 33, 64, 65, 127, 128, 129, 200});
  for (std::size_t n : {511u, 512u, 513u, 65535u, 65536u, 65537u, 131071u, 300001u}) sizes.push_back(n);
  for (std::size_t size : sizes) {
    std::string text(size, ' ');
    const bool long_tokens = gen() % 2 == 0;
    for (char& c : text) {
      const std::size_t r = gen() % 100;
      c = (long_tokens && r < 97) ? 'q' : alphabet[r % alphabet.size()];
    }
    const auto input = upload(text);
    for (auto algo : all_algorithms) {
      SCOPED_TRACE("size=" + std::to_string(size) + " algorithm=" + std::to_string(static_cast<int>(algo)));
      const auto rows = rows_of(word_count(input.view(), s(), nullptr, algo));
      ASSERT_EQ(as_map(rows), ref_word_count(text));
      expect_canonical_order(rows, hash_function::mix64);
    }
  }
}

TEST_P(reduce_by_key_test, colliding_hashes_never_merge_distinct_keys) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  text_options o;
  o.bytes = 300000;
  o.vocabulary = 2000;  // many distinct words of each length: heavy collisions
  const std::string text = make_text(gen, o);
  const counts expected = ref_word_count(text);
  const auto input = upload(text);
  const auto tokens = tokenize_text(input.view(), s());
  for (auto algo : all_algorithms) {
    const auto rows = rows_of(count_by_key(tokens.view(), s(), nullptr, hash_function::length_only, algo));
    EXPECT_EQ(as_map(rows), expected);
    expect_canonical_order(rows, hash_function::length_only);
  }
  // Strings that differ only after a NUL or in one invalid byte stay apart.
  const std::string tricky = std::string("a\0x a\0y a\0x \xff \xfe \xff", 17);
  const auto tin = upload(tricky);
  const auto ttok = tokenize_text(tin.view(), s());
  for (auto algo : all_algorithms) {
    EXPECT_EQ(as_map(rows_of(count_by_key(ttok.view(), s(), nullptr, hash_function::length_only, algo))),
              ref_word_count(tricky));
  }
}

TEST_P(reduce_by_key_test, sum_min_max_with_values) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  for (std::size_t size : {std::size_t{1}, std::size_t{32}, std::size_t{33}, std::size_t{4097},
                           std::size_t{200000}}) {
    text_options o;
    o.bytes = size * 6;
    o.vocabulary = 1 + gen() % 500;
    const std::string text = make_text(gen, o);
    auto words = ref_tokenize(text);
    words.resize(std::min(words.size(), size));
    // Keys as adjacent Arrow-style strings: the spans need no separators.
    std::string chars;
    std::vector<offset_type> starts;
    std::vector<length_type> lengths;
    std::vector<std::int64_t> values;
    for (const auto& w : words) {
      starts.push_back(static_cast<offset_type>(chars.size()));
      lengths.push_back(static_cast<length_type>(w.size()));
      chars += w;
      values.push_back(static_cast<std::int64_t>(gen() % 2000001) - 1000000);
    }
    const auto d_chars = upload(chars);
    const auto d_starts = array<offset_type>::from_host(starts, s());
    const auto d_lengths = array<length_type>::from_host(lengths, s());
    const auto d_values = array<std::int64_t>::from_host(values, s());
    const string_spans_view keys{d_chars.data(), d_chars.size(), d_starts.data(), d_lengths.data(),
                                 static_cast<size_type>(words.size()), GetParam()};
    for (auto agg : {aggregation::sum, aggregation::min, aggregation::max, aggregation::count}) {
      counts expected;
      for (std::size_t i = 0; i < words.size(); ++i) {
        auto [it, fresh] = expected.emplace(words[i], agg == aggregation::count ? 1 : values[i]);
        if (fresh) continue;
        switch (agg) {
          case aggregation::sum: it->second += values[i]; break;
          case aggregation::count: it->second += 1; break;
          case aggregation::min: it->second = std::min(it->second, values[i]); break;
          case aggregation::max: it->second = std::max(it->second, values[i]); break;
        }
      }
      for (auto hf : {hash_function::mix64, hash_function::length_only}) {
        for (auto algo : all_algorithms) {
          SCOPED_TRACE("size=" + std::to_string(size) + " agg=" + std::to_string(static_cast<int>(agg)) +
                       " algorithm=" + std::to_string(static_cast<int>(algo)));
          const auto t = reduce_by_key(keys, d_values.view(), reduce_options{agg, hf, algo}, s());
          EXPECT_EQ(as_map(rows_of(t)), expected);
        }
      }
    }
  }
}

// Integer sums that overflow wrap around modulo 2^64, as a Spark (JVM long)
// sum does, on every path and backend: values at both ends of int64 and of
// any 64 bits, over a few keys.
TEST_P(reduce_by_key_test, integer_sums_wrap_around_on_overflow) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const std::string words[] = {"alpha", "b", "a key longer than sixteen bytes", ""};
  for (std::size_t n : {std::size_t{2}, std::size_t{33}, std::size_t{5000}}) {
    std::string chars;
    std::vector<offset_type> starts;
    std::vector<length_type> lengths;
    std::vector<std::int64_t> values;
    std::map<std::string, std::uint64_t> sums;
    for (std::size_t i = 0; i < n; ++i) {
      const std::string& w = words[gen() % 4];
      starts.push_back(static_cast<offset_type>(chars.size()));
      lengths.push_back(static_cast<length_type>(w.size()));
      chars += w;
      const auto pick = gen() % 4;
      const std::int64_t v = pick == 0   ? std::numeric_limits<std::int64_t>::max() - static_cast<std::int64_t>(gen() % 100)
                             : pick == 1 ? std::numeric_limits<std::int64_t>::min() + static_cast<std::int64_t>(gen() % 100)
                                         : static_cast<std::int64_t>(gen());
      values.push_back(v);
      sums[w] += static_cast<std::uint64_t>(v);
    }
    counts expected;
    for (const auto& [w, u] : sums) expected[w] = static_cast<std::int64_t>(u);
    const auto d_chars = upload(chars);
    const auto d_starts = array<offset_type>::from_host(starts, s());
    const auto d_lengths = array<length_type>::from_host(lengths, s());
    const auto d_values = array<std::int64_t>::from_host(values, s());
    const string_spans_view keys{d_chars.data(), d_chars.size(), d_starts.data(), d_lengths.data(),
                                 static_cast<size_type>(n), GetParam()};
    for (auto algo : all_algorithms) {
      SCOPED_TRACE("n=" + std::to_string(n) + " algorithm=" + std::to_string(static_cast<int>(algo)));
      const auto t = reduce_by_key(keys, d_values.view(), reduce_options{aggregation::sum, hash_function::mix64, algo}, s());
      EXPECT_EQ(as_map(rows_of(t)), expected);
    }
  }
}

// Keys of every length from empty to past the 12 bytes a CPU table slot holds,
// as spans anywhere in a buffer of few distinct bytes (NUL and high bytes
// among them), in any order and overlapping, the last bytes of the buffer
// included: where a key can be read as whole words and where it cannot, the
// same key must meet itself.
TEST_P(reduce_by_key_test, keys_of_every_length_anywhere_in_the_buffer) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const std::string alphabet = std::string("ab\0\xff", 4);
  for (std::size_t size : {std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{17}, std::size_t{40},
                           std::size_t{64}, std::size_t{3000}}) {
    std::string chars(size, 'a');
    for (char& c : chars) c = alphabet[gen() % alphabet.size()];
    const std::size_t rows = 20 + gen() % 2000;
    std::vector<offset_type> starts;
    std::vector<length_type> lengths;
    std::vector<std::int64_t> values;
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < rows; ++i) {
      const std::size_t r = gen() % 10;
      std::size_t len = r < 8 ? gen() % 17 : (r == 8 ? 30 : 0);
      len = std::min(len, size);
      // One row in four lies at the very end of the buffer.
      const std::size_t start = gen() % 4 == 0 ? size - len : gen() % (size - len + 1);
      starts.push_back(static_cast<offset_type>(start));
      lengths.push_back(static_cast<length_type>(len));
      values.push_back(static_cast<std::int64_t>(gen() % 2001) - 1000);
      keys.push_back(chars.substr(start, len));
    }
    const auto d_chars = upload_exact(chars);
    const auto d_starts = array<offset_type>::from_host(starts, s());
    const auto d_lengths = array<length_type>::from_host(lengths, s());
    const auto d_values = array<std::int64_t>::from_host(values, s());
    const string_spans_view view{d_chars.data(), d_chars.size(), d_starts.data(), d_lengths.data(),
                                 static_cast<size_type>(rows), GetParam()};
    for (auto agg : {aggregation::sum, aggregation::min, aggregation::max, aggregation::count}) {
      counts expected;
      for (std::size_t i = 0; i < rows; ++i) {
        const std::int64_t v = agg == aggregation::count ? 1 : values[i];
        auto [it, fresh] = expected.emplace(keys[i], v);
        if (fresh) continue;
        it->second = agg == aggregation::min   ? std::min(it->second, v)
                     : agg == aggregation::max ? std::max(it->second, v)
                                               : it->second + v;
      }
      for (auto hf : {hash_function::mix64, hash_function::length_only}) {
        for (auto algo : all_algorithms) {
          SCOPED_TRACE("size=" + std::to_string(size) + " agg=" + std::to_string(static_cast<int>(agg)) +
                       " hash=" + std::to_string(static_cast<int>(hf)) +
                       " algorithm=" + std::to_string(static_cast<int>(algo)));
          const auto t = rows_of(reduce_by_key(view, d_values.view(), reduce_options{agg, hf, algo}, s()));
          ASSERT_EQ(as_map(t), expected);
          expect_canonical_order(t, hf);
        }
      }
    }
  }
}

TEST_P(reduce_by_key_test, many_distinct_keys_and_a_huge_one) {
  std::string text;
  counts expected;
  for (int i = 0; i < 150000; ++i) {
    const std::string w = "k" + std::to_string(i * 7919 % 150000);
    text += w;
    text += (i % 10 == 0) ? '\n' : ' ';
    ++expected[w];
  }
  const std::string huge(1 << 20, 'h');
  text += huge + " " + huge + "\n";
  expected[huge] = 2;
  const auto input = upload(text);
  for (auto algo : all_algorithms) {
    EXPECT_EQ(as_map(rows_of(word_count(input.view(), s(), nullptr, algo))), expected);
  }
}

TEST_P(reduce_by_key_test, mismatched_sizes_are_rejected) {
  const auto input = upload("a b c");
  const auto tokens = tokenize_text(input.view(), s());
  const auto values = array<std::int64_t>::from_host(std::vector<std::int64_t>{1, 2}, s());
  EXPECT_THROW(reduce_by_key(tokens.view(), values.view(), reduce_options{}, s()), gpustream::logic_error);
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(reduce_by_key_test);

}  // namespace
}  // namespace gpustream::test
