#include "../common/random_text.hpp"
#include "../common/test_utils.hpp"

#include <gpustream/text/hash.hpp>
#include <gpustream/text/tokenize.hpp>

#include <unordered_set>

namespace gpustream::test {
namespace {

class hash_test : public backend_test {};

TEST_P(hash_test, matches_the_host_function_and_is_content_only) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{33}, std::size_t{5000},
                           std::size_t{300000}}) {
    text_options o;
    o.bytes = size;
    const std::string text = make_text(gen, o).substr(0, size);
    const auto input = upload(text);
    const auto tokens = tokenize_text(input.view(), s());
    const auto hashes = hash_strings(tokens.view(), s()).to_host();
    const auto words = to_host(tokens.view(), s());
    ASSERT_EQ(hashes.size(), words.size());
    for (std::size_t i = 0; i < words.size(); ++i) {
      ASSERT_EQ(hashes[i], hash_bytes(words[i].data(), static_cast<length_type>(words[i].size())))
          << "token " << i;
    }
  }
}

TEST(hash_bytes, every_length_and_alignment_is_stable) {
  // The hash must not depend on where the bytes sit in memory.
  std::string buf(128, '\0');
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<char>(i * 37 + 11);
  for (length_type len = 0; len <= 40; ++len) {
    const hash_type ref = hash_bytes(buf.data() + 64, len);
    std::string copy(buf.data() + 64, static_cast<std::size_t>(len));
    for (int shift = 0; shift < 8; ++shift) {
      std::string moved(static_cast<std::size_t>(shift), 'z');
      moved += copy;
      EXPECT_EQ(hash_bytes(moved.data() + shift, len), ref) << "len=" << len << " shift=" << shift;
    }
  }
}

TEST(hash_bytes, distinct_short_strings_rarely_collide) {
  std::unordered_set<hash_type> seen;
  std::size_t strings = 0;
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const char s2[2] = {static_cast<char>(a), static_cast<char>(b)};
      seen.insert(hash_bytes(s2, 2));
      ++strings;
    }
    const char s1[1] = {static_cast<char>(a)};
    seen.insert(hash_bytes(s1, 1));
    ++strings;
  }
  seen.insert(hash_bytes("", 0));
  ++strings;
  EXPECT_EQ(seen.size(), strings);
  // Strings that differ only in a trailing NUL differ in hash.
  EXPECT_NE(hash_bytes("ab", 2), hash_bytes("ab\0", 3));
}

TEST(hash_bytes, length_only_collides_by_design) {
  EXPECT_EQ(hash_string(string_ref{"abc", 3}, hash_function::length_only),
            hash_string(string_ref{"xyz", 3}, hash_function::length_only));
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(hash_test);

}  // namespace
}  // namespace gpustream::test
