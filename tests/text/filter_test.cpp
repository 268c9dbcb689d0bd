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

GPUSTREAM_INSTANTIATE_BACKEND_TEST(filter_test);

}  // namespace
}  // namespace gpustream::test
