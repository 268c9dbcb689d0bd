// The CPU backend's memory resource keeps freed large blocks for reuse, so
// that a batch's buffers do not cost fresh pages every interval. Reuse is
// seen as the page faults of writing a block: none for a block used before.

#include "../common/test_utils.hpp"

#include <gpustream/memory/memory_resource.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <cstring>
#include <vector>

namespace gpustream::test {
namespace {

constexpr std::size_t mib = std::size_t{1} << 20;

/// Minor page faults of this thread so far.
long minor_faults() {
  rusage r{};
  getrusage(RUSAGE_THREAD, &r);
  return r.ru_minflt;
}

/// The page faults of writing `bytes` at p.
long faults_to_write(void* p, std::size_t bytes) {
  const long before = minor_faults();
  std::memset(p, 1, bytes);
  return minor_faults() - before;
}

/// Whether writing a block again cost a tenth of its first write's faults at
/// most: its pages were there already. (With transparent huge pages a fresh
/// block faults once per 2 MiB, not per 4 KiB page, hence the ratio.)
::testing::AssertionResult reused(long first_write, long again) {
  if (first_write < 10) return ::testing::AssertionFailure() << "a fresh block faulted only " << first_write << " times";
  if (again * 10 > first_write) {
    return ::testing::AssertionFailure() << again << " faults writing it again, " << first_write << " the first time";
  }
  return ::testing::AssertionSuccess();
}

class host_resource_test : public ::testing::Test {
 protected:
  /// Allocates `first` bytes, writes them and frees them, then allocates
  /// `second` bytes and writes the first `first` of them again: whether that
  /// found the pages of the first block.
  ::testing::AssertionResult second_reuses_first(std::size_t first, std::size_t second) {
    void* a = mr->allocate(first, s);
    const long first_write = faults_to_write(a, first);
    mr->deallocate(a, first, s);
    void* b = mr->allocate(second, s);
    const long again = faults_to_write(b, first);  // the rest of b was never written
    mr->deallocate(b, second, s);
    return reused(first_write, again);
  }

  memory_resource* mr = default_resource(backend::cpu);
  const stream_view s = stream_view::cpu();
};

TEST_F(host_resource_test, a_batch_a_little_larger_than_the_last_reuses_its_block) {
  EXPECT_TRUE(second_reuses_first(100 * mib, 108 * mib)) << "the 100 MiB block was not reused for 108 MiB";
}

TEST_F(host_resource_test, a_large_block_displaces_small_ones_from_a_full_cache) {
  // The bound on free memory kept: an eighth of the machine's, at least 1 GiB.
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGESIZE);
  ASSERT_GT(pages, 0);
  const std::size_t bound = std::max(std::size_t{1} << 30, static_cast<std::size_t>(pages) * page / 8);
  // Small blocks, never written (no pages of their own), fill the cache.
  std::vector<void*> small;
  for (std::size_t held = 0; held <= bound + 64 * mib; held += 32 * mib) small.push_back(mr->allocate(32 * mib, s));
  for (void* p : small) mr->deallocate(p, 32 * mib, s);
  EXPECT_TRUE(second_reuses_first(256 * mib, 256 * mib)) << "the large block was let go to keep small ones";
}

}  // namespace
}  // namespace gpustream::test
