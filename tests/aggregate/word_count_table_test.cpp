// word_count_table (the one-pass hash-table word count) against the host
// reference and against word_count's sort path, row for row, on both
// backends: fresh random text (multibyte and invalid UTF-8, NUL bytes, every
// kind of whitespace, CRLF), sizes around the 256-byte chunks each thread
// scans and across many of them, tokens that span chunks, a 1 MiB token, a
// hash that sends every key of one length to the same slot, texts at every
// address modulo 8 with keys of every length around the 8-byte words, tables too
// small for the text's keys (the sort path takes over), and blocks of text
// with more keys than a block's own table holds.

#include "../common/random_text.hpp"
#include "../common/reference.hpp"
#include "../common/table_rows.hpp"
#include "../common/test_utils.hpp"

#include "kernels/detail/operators.hpp"
#include "kernels/detail/warp_emulator.hpp"

#include <gpustream/aggregate/reduce_by_key.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace gpustream::test {
namespace {

class word_count_table_test : public backend_test {
 protected:
  /// The table's count equals the reference, and word_count's sort path row
  /// for row; the table itself counted (no fallback) exactly when the text's
  /// keys fit in 3/4 of its slots (one per 8 bytes of text, from 1024 up to
  /// max_slots).
  void expect_counts(const std::string& text, const std::string& what, size_type max_slots = size_type{1} << 22,
                     hash_function slot_hash = hash_function::mix64) {
    const auto input = upload(text);
    expect_counts_of(input.view(), text, what, max_slots, slot_hash);
  }

  /// The same for `input`, the bytes of `text` in backend memory, by each
  /// kernel (table_kernel): on the CPU backend, the per-warp kernel runs its
  /// lanes emulated, with their collectives and shared-memory accesses
  /// checked.
  void expect_counts_of(array_view<char> input, const std::string& text, const std::string& what,
                        size_type max_slots = size_type{1} << 22, hash_function slot_hash = hash_function::mix64) {
    const counts want = ref_word_count(text);
    size_type slots = std::min<size_type>(1024, max_slots);
    while (slots < max_slots && slots < static_cast<size_type>(text.size()) / 8) slots *= 2;
    const bool fits = static_cast<size_type>(want.size()) <= slots / 4 * 3;
    const table_rows sorted_path = rows_of(word_count(input, s(), nullptr, reduce_algorithm::sort));
    for (const table_kernel kernel : {table_kernel::per_thread, table_kernel::per_warp}) {
      const bool per_warp = kernel == table_kernel::per_warp;
      SCOPED_TRACE(what + " (" + std::to_string(text.size()) + " bytes, max_slots " + std::to_string(max_slots) +
                   (per_warp ? ", per_warp kernel)" : ", per_thread kernel)"));
      const table_rows got = rows_of(word_count_table(input, s(), nullptr, max_slots, slot_hash, kernel));
      EXPECT_EQ(as_map(got), want);
      const bool counted_by_table =
          GPUSTREAM_DISPATCH(s(), word_count_table(input, max_slots, slot_hash, per_warp, s(), nullptr)).has_value();
      EXPECT_EQ(counted_by_table, fits) << want.size() << " keys, " << slots << " slots";
      EXPECT_TRUE(got == sorted_path) << "rows differ from the sort path's (order or counts)";
    }
  }
};

TEST_P(word_count_table_test, empty_blank_and_tiny_texts) {
  expect_counts("", "empty");
  expect_counts(" \n\t\r\n \v\f", "whitespace only");
  expect_counts("a", "one byte");
  expect_counts("a b a", "no trailing newline");
  expect_counts("x\r\ny\r\nx\r\n", "CRLF");
  expect_counts(std::string("a\0b a\0b\tc", 9), "NUL bytes inside tokens");
  expect_counts("\xc3\xa9t\xc3\xa9 \xff\xfe \xc3\xa9t\xc3\xa9\n", "UTF-8 and invalid UTF-8");
}

TEST_P(word_count_table_test, tokens_across_chunk_boundaries) {
  // One long run of tokens of every length from 1 to 40 at every offset
  // around 256-byte chunk edges: tokens start, end and span at the edges.
  for (std::size_t n : {31u, 32u, 33u, 255u, 256u, 257u, 511u, 512u, 513u, 1023u, 1024u, 1025u}) {
    std::string text;
    std::size_t length = 1;
    while (text.size() < n) {
      text += std::string(length, static_cast<char>('a' + length % 26));
      text += length % 3 == 0 ? "\t" : " ";
      length = length % 40 + 1;
    }
    text.resize(n);
    expect_counts(text, "lengths 1..40, n=" + std::to_string(n));
    expect_counts(" " + text, "shifted by one, n=" + std::to_string(n));
  }
  // A token of 1 MiB across thousands of chunks, with short ones around it
  // (64 KiB, 256 chunks, under compute-sanitizer).
  const std::string long_token(under_sanitizer() ? std::size_t{1} << 16 : std::size_t{1} << 20, 'q');
  expect_counts("a " + long_token + " b a\n" + long_token + "\n", "long tokens");
}

TEST_P(word_count_table_test, random_text_at_many_sizes) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  for (std::size_t bytes : {100u, 257u, 4096u, 65537u, 1000003u}) {
    if (under_sanitizer() && bytes > 65537) continue;  // under compute-sanitizer, up to 64 KiB
    for (std::size_t vocabulary : {5u, 500u, 50000u}) {
      text_options o;
      o.bytes = bytes;
      o.vocabulary = vocabulary;
      o.trailing_newline = gen() % 2 == 0;
      expect_counts(make_text(gen, o), "random, vocabulary " + std::to_string(vocabulary));
    }
  }
}

// The text is read in aligned 8-byte words and short tokens are held as
// words: texts that start at every address modulo 8, in buffers of exactly
// their size (AddressSanitizer sees any read outside them on the CPU), with
// tokens of every length around the 8- and 16-byte words, and keys that
// differ only in trailing NUL bytes (equal words once padded with zeros).
TEST_P(word_count_table_test, texts_at_every_alignment_with_keys_of_every_length) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  const std::string bytes("ab\0\x80\xff", 5);
  for (int offset = 0; offset < 8; ++offset) {
    for (std::size_t size : {1u, 7u, 8u, 9u, 15u, 16u, 17u, 63u, 64u, 65u, 300u, 5000u, 70001u}) {
      if (under_sanitizer() && size > 5000) continue;  // every kernel launch is slow under compute-sanitizer
      std::string text;
      while (text.size() < size) {
        const std::size_t length = 1 + gen() % (gen() % 4 == 0 ? 40 : 18);
        for (std::size_t i = 0; i < length; ++i) text += bytes[gen() % (i == 0 ? 2 : bytes.size())];
        text += " \t\n\r\v\f"[gen() % 6];
        if (gen() % 5 == 0) text += ' ';
      }
      text.resize(size);
      const std::string padded = std::string(static_cast<std::size_t>(offset), 'z') + text;
      const auto input = upload_exact(padded);
      const array_view<char> view{input.data() + offset, static_cast<size_type>(text.size()), GetParam()};
      expect_counts_of(view, text, "offset " + std::to_string(offset));
    }
  }
  std::string nuls;
  for (std::size_t length = 1; length <= 20; ++length) {
    for (std::size_t zeros = 0; zeros < 3; ++zeros) {
      for (int times = 0; times < 2; ++times) {
        nuls += std::string(length, 'n') + std::string(zeros, '\0') + " " + std::string(zeros + 1, '\0') + "\n";
      }
    }
  }
  for (int offset = 0; offset < 8; ++offset) {
    const auto input = upload_exact(std::string(static_cast<std::size_t>(offset), 'z') + nuls);
    const array_view<char> view{input.data() + offset, static_cast<size_type>(nuls.size()), GetParam()};
    expect_counts_of(view, nuls, "trailing NUL bytes, offset " + std::to_string(offset));
  }
  // Keys of 10, 13 and 15 bytes that lie across three words wherever they
  // occur (units of 24 bytes, the text aligned), in every block of a text of
  // 40 blocks: each block finds its keys in the backend's table by their
  // first occurrence's words, and a table of 16 slots holds them only if
  // every block finds them there.
  const std::string units[] = {"   fifteen-bytes!!      ", "     thirteen-byte      ", "       ten-bytes!       "};
  std::string few;
  const std::size_t blocks = under_sanitizer() ? 6 : 40;
  while (few.size() < blocks * 65536) few += units[gen() % 3];
  expect_counts(few, "three keys in every block, 16 slots", 16);
}

// length_only puts every key of one length in one run of slots: keys must
// still be told apart by their bytes.
TEST_P(word_count_table_test, colliding_slot_hashes_never_merge_keys) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  text_options o;
  o.bytes = 200000;
  o.vocabulary = 700;
  expect_counts(make_text(gen, o), "length_only slot hash", size_type{1} << 22, hash_function::length_only);
  expect_counts("ab cd ab ef cd ab", "hand-made collisions", 16, hash_function::length_only);
}

// Each 64 KiB block counts its keys in a table of 2048 slots first: blocks
// with more distinct keys than that, and keys in every block, hot and rare,
// reach the backend's table from many blocks.
TEST_P(word_count_table_test, more_keys_per_block_than_its_table_holds) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  std::string text;
  while (text.size() < 700000) {
    const auto r = gen();
    if (r % 3 == 0) {
      text += "hot ";
    } else if (r % 3 == 1) {
      text += "k" + std::to_string(gen() % 60000) + (r % 7 == 0 ? "\n" : " ");
    } else {
      text += "w" + std::to_string(gen() % 40) + "\t";
    }
  }
  expect_counts(text, "hot, rare and medium keys");
  // Every key distinct: no key is met twice in a block.
  std::string distinct;
  for (int i = 0; distinct.size() < 300000; ++i) distinct += std::to_string(i * 7919 + 13) + " ";
  expect_counts(distinct, "all keys distinct");
}

// A table with fewer free slots than the text has keys gives up, and the sort
// path counts instead: the result is the same.
TEST_P(word_count_table_test, a_full_table_falls_back_to_the_sort_path) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  text_options o;
  o.bytes = 300000;
  o.vocabulary = 5000;
  const std::string text = make_text(gen, o);
  ASSERT_GT(ref_word_count(text).size(), 768u) << "the text must overflow a table of 1024 slots";
  for (size_type slots : {16, 64, 1024, 4096}) expect_counts(text, "small table", slots);
}

// The per-warp kernel takes one token of each of a warp's 32 lanes (each
// scans 256 bytes) a round. Chunks with the same tokens in the same places
// give every lane the same key each round (counted as one); keys of one
// length under the length_only hash give every lane the same hash but a
// different key (counted one a round); and keys of neighbouring lengths want
// the same free slots of the warp's table in the same round.
TEST_P(word_count_table_test, a_warp_s_lanes_with_equal_and_colliding_keys) {
  SCOPED_TRACE(seed_trace());
  auto gen = rng();
  std::string unit;
  while (unit.size() < 256) unit += "w" + std::to_string(gen() % 9) + " ";
  unit.resize(255);
  unit += ' ';
  std::string same;
  for (int i = 0; i < 96; ++i) same += unit;
  expect_counts(same, "the same 256 bytes in every chunk");
  std::string one_length;
  for (int i = 0; i < 3000; ++i) one_length += "k" + std::to_string(10000 + gen() % 90000) + " ";
  expect_counts(one_length, "keys of one length, length_only hash", size_type{1} << 22, hash_function::length_only);
  std::string lengths;
  while (lengths.size() < 40000) lengths += std::string(1 + gen() % 12, static_cast<char>('a' + gen() % 3)) + " ";
  expect_counts(lengths, "neighbouring lengths, length_only hash", size_type{1} << 22, hash_function::length_only);
}

// table_kernel::automatic is per_thread unless GPUSTREAM_TABLE_KERNEL says
// per_warp (ctest runs this test both ways); on the CPU backend the per-warp
// kernel is the one that runs emulated warps.
TEST_P(word_count_table_test, automatic_takes_the_kernel_the_environment_names) {
  const char* v = std::getenv("GPUSTREAM_TABLE_KERNEL");
  const bool per_warp = v != nullptr && std::string{v} == "per_warp";
  const auto input = upload("to be or not to be\n");
  const std::uint64_t before = detail::warp_emulator::warps_run();
  expect_counts_of(input.view(), "to be or not to be\n", "automatic");
  const std::uint64_t explicit_runs = detail::warp_emulator::warps_run() - before;
  EXPECT_EQ(explicit_runs, GetParam() == backend::cpu ? 2u : 0u) << "each expect_counts_of runs one emulated warp";
  const std::uint64_t start = detail::warp_emulator::warps_run();
  const table_rows got = rows_of(word_count_table(input.view(), s()));
  EXPECT_EQ(as_map(got), ref_word_count("to be or not to be\n"));
  const bool emulated = detail::warp_emulator::warps_run() > start;
  EXPECT_EQ(emulated, GetParam() == backend::cpu && per_warp)
      << "GPUSTREAM_TABLE_KERNEL=" << (v != nullptr ? v : "(unset)");
}

TEST_P(word_count_table_test, bad_arguments_are_errors) {
  const auto input = upload("a b");
  EXPECT_THROW(word_count_table(input.view(), s(), nullptr, 1000), logic_error);
  EXPECT_THROW(word_count_table(input.view(), s(), nullptr, 8), logic_error);
  EXPECT_THROW(word_count_table(input.view(), s(), nullptr, size_type{1} << 32), logic_error);
  const std::string text = "a b";
  const array_view<char> elsewhere{text.data(), 3, GetParam() == backend::cpu ? backend::cuda : backend::cpu};
  EXPECT_THROW(word_count_table(elsewhere, s()), logic_error);
  EXPECT_THROW(word_count_table(elsewhere, s(), nullptr, size_type{1} << 22, hash_function::mix64,
                                table_kernel::per_warp),
               logic_error);
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(word_count_table_test);

}  // namespace
}  // namespace gpustream::test
