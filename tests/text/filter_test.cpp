#include "../common/random_text.hpp"
#include "../common/reference.hpp"
#include "../common/test_utils.hpp"

#include <gpustream/text/filter.hpp>
#include <gpustream/text/split_lines.hpp>

namespace gpustream::test {
namespace {

class filter_test : public backend_test {
 protected:
  std::vector<std::string> run(const std::string& text, std::string_view needle) {
    const auto input = upload(text);
    const auto lines = split_lines(input.view(), s());
    return to_host(filter_containing(lines.view(), needle, s()).view(), s());
  }
};

TEST_P(filter_test, edge_cases) {
  using v = std::vector<std::string>;
  EXPECT_TRUE(run("", "x").empty());
  EXPECT_EQ(run("a\nb\n", ""), (v{"a", "b"}));  // empty needle keeps all
  EXPECT_EQ(run("ERROR x\ninfo\nan ERROR\n", "ERROR"), (v{"ERROR x", "an ERROR"}));
  EXPECT_EQ(run("abc\nab\n", "abc"), (v{"abc"}));         // needle longer than a line
  EXPECT_EQ(run("aaab\n", "aab"), (v{"aaab"}));           // overlapping partial match
  EXPECT_EQ(run("x\r\ny\n", "\r"), (v{}));                // the CR of CRLF is not in the line
  EXPECT_EQ(run(std::string("a\0b\nab\n", 7), std::string_view("\0b", 2)),
            (v{std::string("a\0b", 3)}));
  EXPECT_EQ(run("caf\xC3\xA9\ncafe\n", "\xC3\xA9"), (v{"caf\xC3\xA9"}));
}

TEST_P(filter_test, random_text_against_reference) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  for (std::size_t size : interesting_sizes()) {
    text_options o;
    o.bytes = size;
    o.vocabulary = 50;
    const std::string text = make_text(gen, o).substr(0, size);
    const auto lines = ref_split_lines(text);
    // A needle taken from the text itself, and one that cannot occur.
    std::string needle = "zzzz\x01";
    if (!lines.empty() && !lines[lines.size() / 2].empty()) {
      const std::string& l = lines[lines.size() / 2];
      const std::size_t at = gen() % l.size();
      needle = l.substr(at, 1 + gen() % 4);
    }
    SCOPED_TRACE("size=" + std::to_string(size));
    EXPECT_EQ(run(text, needle), ref_filter(lines, needle));
    EXPECT_TRUE(run(text, "zzzz\x01").empty());
  }
}

// Spans over a buffer of few distinct bytes, so that the needle occurs
// often: in order with short gaps of any bytes (none too) and empty spans,
// in order with long gaps, or in any order and overlapping. Occurrences start before a span, end after it,
// or lie in the gaps; only those wholly inside a span keep it.
TEST_P(filter_test, random_spans_in_order_or_not) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const std::string alphabet = std::string("aab\n\0", 5);
  for (std::size_t size : {std::size_t{0}, std::size_t{7}, std::size_t{64}, std::size_t{3000}, std::size_t{60001}}) {
    std::string chars(size, 'a');
    for (char& c : chars) c = alphabet[gen() % alphabet.size()];
    for (const int layout : {0, 1, 2}) {  // short gaps, long gaps, any order
      const bool in_order = layout < 2;
      std::vector<offset_type> starts;
      std::vector<length_type> lengths;
      if (in_order) {
        for (std::size_t at = gen() % 3; at < size;) {
          const std::size_t len = std::min<std::size_t>(gen() % 12, size - at);
          starts.push_back(static_cast<offset_type>(at));
          lengths.push_back(static_cast<length_type>(len));
          at += len + (gen() % 2 == 0 ? 0 : gen() % (layout == 0 ? 4 : 40));
        }
      } else {
        for (std::size_t i = 0; size > 0 && i < size / 3; ++i) {
          const std::size_t at = gen() % size;
          starts.push_back(static_cast<offset_type>(at));
          lengths.push_back(static_cast<length_type>(std::min<std::size_t>(gen() % 12, size - at)));
        }
      }
      std::vector<std::string> spans;
      for (std::size_t i = 0; i < starts.size(); ++i) spans.push_back(chars.substr(starts[i], lengths[i]));
      const auto input = upload_exact(chars);
      const auto d_starts = array<offset_type>::from_host(starts, s());
      const auto d_lengths = array<length_type>::from_host(lengths, s());
      const string_spans_view view{input.data(), input.size(), d_starts.data(), d_lengths.data(),
                                   static_cast<size_type>(starts.size()), GetParam()};
      for (const std::string& needle : {std::string("ab"), std::string("aba"), std::string("b\na", 3),
                                       std::string("a\0", 2), std::string("bbbb"), std::string("a"),
                                       std::string()}) {
        SCOPED_TRACE("size=" + std::to_string(size) + " layout=" + std::to_string(layout) +
                     " needle of " + std::to_string(needle.size()) + " bytes");
        ASSERT_EQ(to_host(filter_containing(view, needle, s()).view(), s()), ref_filter(spans, needle));
      }
    }
  }
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(filter_test);

}  // namespace
}  // namespace gpustream::test
