#include "../common/random_text.hpp"
#include "../common/reference.hpp"
#include "../common/test_utils.hpp"

#include <gpustream/column/convert.hpp>
#include <gpustream/text/split_lines.hpp>

#include <algorithm>

namespace gpustream::test {
namespace {

class split_lines_test : public backend_test {
 protected:
  std::vector<std::string> run(const std::string& text) {
    const auto input = upload(text);
    const auto lines = split_lines(input.view(), s());
    return to_host(lines.view(), s());
  }
};

TEST_P(split_lines_test, empty_input_has_no_lines) { EXPECT_TRUE(run("").empty()); }

TEST_P(split_lines_test, edge_cases) {
  using v = std::vector<std::string>;
  EXPECT_EQ(run("\n"), (v{""}));
  EXPECT_EQ(run("a"), (v{"a"}));
  EXPECT_EQ(run("a\n"), (v{"a"}));
  EXPECT_EQ(run("a\nb"), (v{"a", "b"}));
  EXPECT_EQ(run("a\n\nb\n"), (v{"a", "", "b"}));
  EXPECT_EQ(run("a\r\nb\r\n"), (v{"a", "b"}));
  EXPECT_EQ(run("\r\n"), (v{""}));
  EXPECT_EQ(run("\r\n\r\n"), (v{"", ""}));
  EXPECT_EQ(run("a\rb\n"), (v{"a\rb"}));      // a lone CR is not a line end
  EXPECT_EQ(run("tail\r"), (v{"tail\r"}));    // nor at the very end
  EXPECT_EQ(run("   \t \n\t\n"), (v{"   \t ", "\t"}));
  EXPECT_EQ(run(std::string("a\0b\n\xff\xfe\n", 7)), (v{std::string("a\0b", 3), "\xff\xfe"}));
}

TEST_P(split_lines_test, spans_point_into_the_input) {
  const std::string text = "alpha\nbeta\r\ngamma";
  const auto input = upload(text);
  const auto lines = split_lines(input.view(), s());
  ASSERT_EQ(lines.size(), 3);
  EXPECT_EQ(lines.view().chars(), input.data());
  EXPECT_EQ(lines.starts().to_host(), (std::vector<offset_type>{0, 6, 12}));
  EXPECT_EQ(lines.lengths().to_host(), (std::vector<length_type>{5, 4, 5}));
}

TEST_P(split_lines_test, random_text_of_many_sizes) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  for (std::size_t size : interesting_sizes()) {
    for (bool trailing : {true, false}) {
      text_options o;
      o.bytes = size;
      o.trailing_newline = trailing;
      std::string text = make_text(gen, o);
      text.resize(std::min(text.size(), size));  // cut anywhere, mid-line and mid-CRLF too
      SCOPED_TRACE("size=" + std::to_string(size) + " trailing=" + std::to_string(trailing));
      EXPECT_EQ(run(text), ref_split_lines(text));
    }
  }
}

TEST_P(split_lines_test, one_mebibyte_line) {
  std::string text = "short\n" + std::string(1 << 20, 'x') + "\r\nend";
  const auto lines = run(text);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].size(), std::size_t{1} << 20);
  EXPECT_EQ(lines[2], "end");
}

TEST_P(split_lines_test, only_newlines) {
  for (std::size_t n : {1, 31, 32, 33, 1025}) {
    EXPECT_EQ(run(std::string(n, '\n')), std::vector<std::string>(n, ""));
  }
}

// count_bytes (a batch's record count: its newlines) against std::count, on
// random bytes where the byte is common or rare, at sizes across the 64-byte
// steps of the CPU path and its threads' shares.
TEST_P(split_lines_test, count_bytes_matches_a_count_on_the_host) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  for (std::size_t size : interesting_sizes()) {
    for (const char byte : {'\n', '\0', '\xff'}) {
      std::string text(size, 'x');
      const std::size_t one_in = 1 + gen() % 100;
      for (char& c : text) c = gen() % one_in == 0 ? byte : static_cast<char>(gen() % 256);
      const auto input = upload_exact(text);
      SCOPED_TRACE("size=" + std::to_string(size) + " byte=" + std::to_string(static_cast<unsigned char>(byte)));
      EXPECT_EQ(count_bytes(array_view<char>{input.data(), input.size(), GetParam()}, byte, s()),
                static_cast<size_type>(std::count(text.begin(), text.end(), byte)));
    }
  }
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(split_lines_test);

}  // namespace
}  // namespace gpustream::test
