#include "../common/random_text.hpp"
#include "../common/reference.hpp"
#include "../common/test_utils.hpp"

#include "receivers/line_assembler.hpp"

#include <cstring>

namespace gpustream::test {
namespace {

using detail::block_queue;
using detail::line_assembler;

/// Feeds `input` in random pieces, sealing at random moments and draining the
/// queue like a batch would; returns the concatenated blocks.
struct feed_result {
  std::string output;
  std::vector<std::size_t> oversized;
  bool blocks_end_in_newline = true;
};

feed_result feed(const std::string& input, std::size_t block_bytes, std::size_t max_record,
                 std::mt19937_64& rng, bool finish) {
  pinned_block_pool pool{block_bytes, 3, backend::cpu};
  block_queue queue;
  feed_result r;
  line_assembler a{pool, queue, 0, max_record, [&](std::size_t n) { r.oversized.push_back(n); }};
  auto drain = [&] {
    for (auto& b : queue.take_all()) {
      if (b.bytes == 0 || b.block.data()[b.bytes - 1] != '\n') r.blocks_end_in_newline = false;
      r.output.append(b.block.data(), b.bytes);
    }
  };
  std::size_t at = 0;
  while (at < input.size()) {
    auto region = a.writable();
    if (region.size == 0) {  // pool exhausted: a batch frees blocks
      drain();
      continue;
    }
    const std::size_t n = std::min({region.size, input.size() - at, 1 + static_cast<std::size_t>(rng() % (region.size))});
    std::memcpy(region.data, input.data() + at, n);
    a.commit(n);
    at += n;
    if (rng() % 7 == 0) a.seal();
    if (rng() % 5 == 0) drain();
  }
  // finish() may need a free block for the partial last line, and waits for
  // one: the blocks a batch would have taken go back to the pool first.
  drain();
  if (finish) a.finish();
  a.seal();
  drain();
  return r;
}

std::string without_long_lines(const std::string& text, std::size_t max_record, bool finish,
                               std::vector<std::size_t>& dropped) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      if (finish) {
        const std::size_t len = text.size() - start;
        if (len > max_record) {
          dropped.push_back(len);
        } else {
          out += text.substr(start) + "\n";
        }
      }
      break;
    }
    const std::size_t len = nl - start;
    if (len > max_record) {
      dropped.push_back(len);
    } else {
      out += text.substr(start, len + 1);
    }
    start = nl + 1;
  }
  return out;
}

TEST(line_assembler, random_pieces_give_back_whole_lines) {
  const std::uint64_t seed = fresh_seed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng{seed};
  for (int round = 0; round < 30; ++round) {
    text_options o;
    o.bytes = 1 + rng() % 300000;
    o.trailing_newline = rng() % 2 == 0;
    std::string text = make_text(rng, o);
    // Some long lines, some exactly at the limit.
    const std::size_t max_record = 256 + rng() % 4096;
    for (int i = 0; i < 3; ++i) {
      const std::size_t len = max_record - 1 + rng() % 3 + (i == 0 ? max_record * (rng() % 5) : 0);
      text.insert(rng() % text.size(), "\n" + std::string(len, 'L') + "\n");
    }
    const bool finish = rng() % 2 == 0;
    std::vector<std::size_t> expected_dropped;
    const std::string expected = without_long_lines(text, max_record, finish, expected_dropped);
    const auto r = feed(text, 2 * max_record + rng() % 8192, max_record, rng, finish);
    SCOPED_TRACE("round=" + std::to_string(round) + " max_record=" + std::to_string(max_record));
    EXPECT_TRUE(r.blocks_end_in_newline);
    ASSERT_EQ(r.output.size(), expected.size());
    EXPECT_TRUE(r.output == expected);
    EXPECT_EQ(r.oversized, expected_dropped);
  }
}

TEST(line_assembler, finish_terminates_a_partial_last_line) {
  std::mt19937_64 rng{1};
  EXPECT_EQ(feed("abc\ndef", 4096, 100, rng, true).output, "abc\ndef\n");
  EXPECT_EQ(feed("abc\ndef", 4096, 100, rng, false).output, "abc\n");
  EXPECT_EQ(feed("", 4096, 100, rng, true).output, "");
  EXPECT_EQ(feed("\n\n", 4096, 100, rng, true).output, "\n\n");
}

TEST(line_assembler, rejects_a_block_too_small_for_the_record_limit) {
  pinned_block_pool pool{1000, 2, backend::cpu};
  block_queue queue;
  EXPECT_THROW(line_assembler(pool, queue, 0, 600, nullptr), gpustream::logic_error);
}

TEST(line_assembler, exhausted_pool_offers_no_room) {
  pinned_block_pool pool{256, 1, backend::cpu};
  block_queue queue;
  line_assembler a{pool, queue, 0, 100, nullptr};
  auto held = pool.acquire();
  EXPECT_EQ(a.writable().size, 0u);
  held.reset();
  EXPECT_GT(a.writable().size, 0u);
}

TEST(line_assembler, finish_needs_a_block_only_to_carry_a_partial_line) {
  pinned_block_pool pool{256, 1, backend::cpu};
  block_queue queue;
  line_assembler a{pool, queue, 0, 100, nullptr};
  EXPECT_FALSE(a.finish_needs_block()) << "nothing received";
  auto put = [&](const std::string& s) {
    auto r = a.writable();
    ASSERT_GE(r.size, s.size());
    std::memcpy(r.data, s.data(), s.size());
    a.commit(s.size());
  };
  put("whole\n");
  EXPECT_FALSE(a.finish_needs_block()) << "no partial line";
  put("part");
  EXPECT_FALSE(a.finish_needs_block()) << "the partial line ends in its own block";
  a.seal();  // the block goes (to a batch); the partial line waits for the next one
  EXPECT_TRUE(a.finish_needs_block());
  EXPECT_EQ(a.writable().size, 0u) << "the only block is out";
  queue.take_all();  // the batch frees it
  EXPECT_GT(a.writable().size, 0u);
  EXPECT_FALSE(a.finish_needs_block()) << "the partial line has its block again";
  a.finish();
  auto blocks = queue.take_all();
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(std::string(blocks[0].block.data(), blocks[0].bytes), "part\n");
}

}  // namespace
}  // namespace gpustream::test
