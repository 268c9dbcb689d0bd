#include "../common/reference.hpp"
#include "../common/test_utils.hpp"

#include <gpustream/sources/text_generator.hpp>

namespace gpustream::test {
namespace {

std::string generate(text_generator& g, std::size_t capacity) {
  std::string out(capacity, '\0');
  out.resize(g.fill(out.data(), capacity));
  return out;
}

TEST(text_generator, same_options_give_the_same_bytes) {
  for (auto kind : {generated_text::words, generated_text::logs}) {
    text_generator a{text_generator_options{kind, 7, 1000, 2, 9}};
    text_generator b{text_generator_options{kind, 7, 1000, 2, 9}};
    EXPECT_EQ(generate(a, 100000), generate(b, 100000));
    text_generator c{text_generator_options{kind, 8, 1000, 2, 9}};
    EXPECT_NE(generate(a, 100000), generate(c, 100000));
  }
}

TEST(text_generator, writes_whole_lines_within_capacity_and_counts_them) {
  const std::uint64_t seed = fresh_seed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng{seed};
  for (auto kind : {generated_text::words, generated_text::logs}) {
    text_generator g{text_generator_options{kind, seed, 500, 1, 20}};
    std::uint64_t lines = 0;
    std::uint64_t words = 0;
    for (int i = 0; i < 50; ++i) {
      const std::size_t capacity = 1 + rng() % 20000;
      const std::string text = generate(g, capacity);
      ASSERT_LE(text.size(), capacity);
      if (!text.empty()) {
        ASSERT_EQ(text.back(), '\n');
      }
      const auto split = ref_split_lines(text);
      lines += split.size();
      words += ref_tokenize(text).size();
      for (const auto& l : split) EXPECT_FALSE(l.empty());
    }
    EXPECT_EQ(g.lines(), lines);
    EXPECT_EQ(g.words(), words);
  }
}

TEST(text_generator, word_frequencies_are_skewed_but_cover_the_vocabulary) {
  text_generator g{text_generator_options{generated_text::words, 3, 1000, 8, 8}};
  const std::string text = generate(g, 4 << 20);
  const auto counts = ref_word_count(text);
  EXPECT_GT(counts.size(), 500u);   // the tail appears
  EXPECT_LE(counts.size(), 1000u);  // nothing outside the vocabulary
  std::int64_t top = 0;
  std::int64_t total = 0;
  for (const auto& [w, c] : counts) {
    top = std::max(top, c);
    total += c;
  }
  EXPECT_GT(top * 20, total);  // the most frequent word is far above 1/1000 of the words
}

TEST(text_generator, bad_options_are_rejected) {
  EXPECT_THROW(text_generator(text_generator_options{generated_text::words, 1, 0, 1, 2}), gpustream::logic_error);
  EXPECT_THROW(text_generator(text_generator_options{generated_text::words, 1, 10, 5, 2}), gpustream::logic_error);
  text_generator g{};
  char tiny[4];
  EXPECT_EQ(g.fill(tiny, sizeof(tiny)), 0u);  // no room for a whole line: nothing written
}

}  // namespace
}  // namespace gpustream::test
