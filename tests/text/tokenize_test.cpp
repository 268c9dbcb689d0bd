#include "../common/random_text.hpp"
#include "../common/reference.hpp"
#include "../common/test_utils.hpp"

#include <gpustream/text/filter.hpp>
#include <gpustream/text/split_lines.hpp>
#include <gpustream/text/tokenize.hpp>

namespace gpustream::test {
namespace {

class tokenize_test : public backend_test {
 protected:
  // Tokens through both paths, which must agree; returns them.
  std::vector<std::string> run(const std::string& text) {
    const auto input = upload(text);
    const auto lines = split_lines(input.view(), s());
    const auto via_lines = to_host(tokenize(lines.view(), s()).view(), s());
    const auto whole = to_host(tokenize_text(input.view(), s()).view(), s());
    EXPECT_EQ(via_lines, whole) << "tokenize(split_lines(t)) and tokenize_text(t) differ";
    return whole;
  }
};

TEST_P(tokenize_test, empty_and_blank_inputs) {
  EXPECT_TRUE(run("").empty());
  EXPECT_TRUE(run(" ").empty());
  EXPECT_TRUE(run(" \t\r\n\v\f  \n\n\t").empty());
  EXPECT_TRUE(run(std::string(100000, ' ')).empty());
}

TEST_P(tokenize_test, edge_cases) {
  using v = std::vector<std::string>;
  EXPECT_EQ(run("a"), (v{"a"}));
  EXPECT_EQ(run("  a  "), (v{"a"}));
  EXPECT_EQ(run("to be\tor\t\tnot   to be"), (v{"to", "be", "or", "not", "to", "be"}));
  EXPECT_EQ(run("x\r\ny\nz"), (v{"x", "y", "z"}));
  EXPECT_EQ(run("caf\xC3\xA9 \xE2\x82\xAC\xF0\x9F\x98\x80"), (v{"caf\xC3\xA9", "\xE2\x82\xAC\xF0\x9F\x98\x80"}));
  EXPECT_EQ(run(std::string("a\0b c\0", 6)), (v{std::string("a\0b", 3), std::string("c\0", 2)}));
  EXPECT_EQ(run("\xff\xfe \x80"), (v{"\xff\xfe", "\x80"}));
}

TEST_P(tokenize_test, token_of_one_mebibyte) {
  const std::string big(1 << 20, 'w');
  const auto tokens = run("a " + big + "\nb");
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(tokens[1], big);
}

TEST_P(tokenize_test, random_text_of_many_sizes) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  for (std::size_t size : interesting_sizes()) {
    text_options o;
    o.bytes = size;
    o.trailing_newline = gen() % 2 == 0;
    std::string text = make_text(gen, o);
    text.resize(std::min(text.size(), size));
    SCOPED_TRACE("size=" + std::to_string(size));
    EXPECT_EQ(run(text), ref_tokenize_all(ref_split_lines(text)));
  }
}

// Runs of every separator byte and of bytes beside them in value (\x08,
// \x0e, NUL, bytes from 0x80), short and long: tokens and separator runs
// start and end at every offset of the CPU path's 64-byte blocks, and long
// tokens cross its threads' shares.
TEST_P(tokenize_test, random_bytes_with_runs_of_every_separator) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const std::string separators = " \t\n\v\f\r";
  const std::string others{'a', 'Z', '\0', '\x08', '\x0e', '\x1f', '!', '\x80', '\xff'};
  for (const std::size_t size : {63, 64, 65, 127, 129, 1000, 65537, 131073, 300001}) {
    std::string text;
    bool token = gen() % 2 == 0;
    while (text.size() < size) {
      const std::string& from = token ? others : separators;
      const std::size_t longest = gen() % 8 == 0 ? (token ? 5000 : 200) : 12;
      for (std::size_t run = 1 + gen() % longest; run > 0 && text.size() < size; --run) {
        text += from[gen() % from.size()];
      }
      token = !token;
    }
    SCOPED_TRACE("size=" + std::to_string(size));
    EXPECT_EQ(run(text), ref_tokenize_all(ref_split_lines(text)));
  }
}

TEST_P(tokenize_test, words_of_exactly_warp_sized_lengths) {
  for (std::size_t len : {31, 32, 33, 255, 256, 257}) {
    const std::string w(len, 'q');
    EXPECT_EQ(run(w + " " + w + "\n" + w), std::vector<std::string>(3, w));
  }
}

// Spans that do not cover the buffer: after a filter, and adjacent strings of an
// Arrow column (no separator between them).
TEST_P(tokenize_test, subsets_of_lines) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  text_options o;
  o.bytes = 200000;
  const std::string text = make_text(gen, o);
  const auto input = upload(text);
  const auto lines = split_lines(input.view(), s());
  const auto kept = filter_containing(lines.view(), "e", s());
  const auto tokens = to_host(tokenize(kept.view(), s()).view(), s());
  EXPECT_EQ(tokens, ref_tokenize_all(ref_filter(ref_split_lines(text), "e")));
}

TEST_P(tokenize_test, adjacent_spans_do_not_merge_tokens) {
  const std::string chars = "abcd ef";  // strings "ab", "cd ", "ef": no separator between the first two
  const auto input = upload(chars);
  const auto starts = array<offset_type>::from_host(std::vector<offset_type>{0, 2, 5}, s());
  const auto lengths = array<length_type>::from_host(std::vector<length_type>{2, 3, 2}, s());
  const string_spans_view view{input.data(), input.size(), starts.data(), lengths.data(), 3, GetParam()};
  EXPECT_EQ(to_host(tokenize(view, s()).view(), s()), (std::vector<std::string>{"ab", "cd", "ef"}));
}

// Sorted spans that start and end anywhere, mid-word included, over random
// bytes of every separator and a few letters, with gaps of any bytes between
// them (none at all too), lengths around 64 and the buffer's last bytes: the
// CPU path reads whole 64-byte blocks past a span's end, and nothing there
// may start, end or join a token. Tokens are compared by position.
TEST_P(tokenize_test, random_spans_end_anywhere) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const std::string alphabet = std::string(" \t\n\v\f\r", 6) + std::string("\0\xff", 2) + "abcxyz";
  std::vector<std::size_t> sizes{0, 1, 63, 64, 65, 127, 128, 129, 200, 5000, 70001};
  for (int k = 0; k < 8; ++k) sizes.push_back(gen() % 400);
  for (std::size_t size : sizes) {
    std::string chars(size, ' ');
    const bool dense = gen() % 2 == 0;  // long words, or separators half the time
    for (char& c : chars) c = dense && gen() % 8 != 0 ? 'w' : alphabet[gen() % alphabet.size()];
    std::vector<offset_type> starts;
    std::vector<length_type> lengths;
    std::vector<std::pair<offset_type, length_type>> expected;
    for (std::size_t at = gen() % 3; at < size;) {
      const std::size_t r = gen() % 8;
      std::size_t len = r < 5 ? gen() % 70 : (r == 5 ? 63 + gen() % 3 : (r == 6 ? 0 : 127 + gen() % 3));
      len = std::min(len, size - at);
      starts.push_back(static_cast<offset_type>(at));
      lengths.push_back(static_cast<length_type>(len));
      std::size_t open = at;
      bool in_token = false;
      for (std::size_t i = at; i <= at + len; ++i) {
        const bool word = i < at + len && !ref_is_space(chars[i]);
        if (word && !in_token) open = i;
        if (!word && in_token) {
          expected.emplace_back(static_cast<offset_type>(open), static_cast<length_type>(i - open));
        }
        in_token = word;
      }
      at += len + (gen() % 3 == 0 ? 0 : gen() % 5);
    }
    SCOPED_TRACE("size=" + std::to_string(size) + " spans=" + std::to_string(starts.size()));
    const auto input = upload_exact(chars);
    const auto d_starts = array<offset_type>::from_host(starts, s());
    const auto d_lengths = array<length_type>::from_host(lengths, s());
    const string_spans_view view{input.data(), input.size(), d_starts.data(), d_lengths.data(),
                                 static_cast<size_type>(starts.size()), GetParam()};
    const string_spans tokens = tokenize(view, s());
    const std::vector<offset_type> got_starts = tokens.starts().to_host();
    const std::vector<length_type> got_lengths = tokens.lengths().to_host();
    ASSERT_EQ(got_starts.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      ASSERT_EQ(std::make_pair(got_starts[i], got_lengths[i]), expected[i]) << "token " << i;
    }
  }
}

TEST_P(tokenize_test, unsorted_spans_are_rejected) {
  const auto input = upload("abcdef");
  const auto starts = array<offset_type>::from_host(std::vector<offset_type>{3, 0}, s());
  const auto lengths = array<length_type>::from_host(std::vector<length_type>{2, 2}, s());
  const string_spans_view view{input.data(), input.size(), starts.data(), lengths.data(), 2, GetParam()};
  EXPECT_THROW(tokenize(view, s()), gpustream::logic_error);
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(tokenize_test);

}  // namespace
}  // namespace gpustream::test
