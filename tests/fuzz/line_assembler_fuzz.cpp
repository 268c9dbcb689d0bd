// libFuzzer target: the line assembler, which turns a receiver's reads into
// blocks of whole lines. The input's first bytes choose the read sizes and
// where the scheduler seals; the rest is the text. Checked against a plain
// reference: every block ends with '\n', the blocks together are the text's
// lines (a last line without '\n' gets one) without the lines longer than the
// maximum record size, and those are counted.

#include "receivers/block_queue.hpp"
#include "receivers/line_assembler.hpp"

#include <gpustream/memory/pinned_pool.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "line_assembler_fuzz: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gpustream;
  if (size < 4) return 0;
  // Small limits so that inputs reach block ends and oversized lines quickly.
  const std::size_t max_record = 1 + data[0] % 64;
  const std::size_t block = 2 * max_record + data[1] % 64;
  const std::uint8_t schedule = data[2];
  const std::uint8_t seal_every = static_cast<std::uint8_t>(1 + data[3] % 8);
  const std::string text(reinterpret_cast<const char*>(data) + 4, size - 4);

  pinned_block_pool pool{block, 4, backend::cpu};
  detail::block_queue queue;
  std::uint64_t oversized = 0;
  detail::line_assembler a{pool, queue, 0, max_record, [&](std::size_t) { ++oversized; }};
  std::string out;
  auto drain = [&] {
    for (auto& b : queue.take_all()) {
      if (b.bytes == 0 || b.block.data()[b.bytes - 1] != '\n') fail("a sealed block does not end with a newline");
      out.append(b.block.data(), b.bytes);
    }
  };

  std::size_t at = 0;
  unsigned step = 0;
  while (at < text.size()) {
    auto region = a.writable();
    if (region.size == 0) {  // the pool is exhausted: the scheduler takes the blocks
      a.seal();
      drain();
      region = a.writable();
      if (region.size == 0) fail("no room even after draining");
    }
    const std::size_t want = 1 + (schedule * 31u + step * 7u) % (2 * max_record + 3);
    const std::size_t n = std::min({want, region.size, text.size() - at});
    std::memcpy(region.data, text.data() + at, n);
    a.commit(n);
    at += n;
    if (++step % seal_every == 0) {
      a.seal();
      drain();
    }
  }
  drain();    // finish() may wait for a free block: the scheduler's take comes first
  a.finish();
  drain();

  // The reference: whole lines, the too-long ones dropped.
  std::string expected;
  std::uint64_t expected_oversized = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    const bool terminated = end != std::string::npos;
    if (!terminated) end = text.size();
    if (end - start > max_record) {
      ++expected_oversized;
    } else {
      expected.append(text, start, end - start);
      expected += '\n';
    }
    start = end + 1;
  }
  if (out != expected) fail("the blocks differ from the text's lines");
  if (oversized != expected_oversized || a.oversized_records() != expected_oversized) {
    fail("oversized lines miscounted");
  }
  return 0;
}
