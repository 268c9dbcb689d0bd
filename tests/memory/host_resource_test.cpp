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
  memory_resource* mr = default_resource(backend::cpu);
  const stream_view s = stream_view::cpu();
};

TEST_F(host_resource_test, a_batch_a_little_larger_than_the_last_reuses_its_block) {
  void* a = mr->allocate(100 * mib, s);
  const long first = faults_to_write(a, 100 * mib);
  mr->deallocate(a, 100 * mib, s);
  void* b = mr->allocate(108 * mib, s);
  // Its first 100 MiB are the pages written before (the rest was never written).
  EXPECT_TRUE(reused(first, faults_to_write(b, 100 * mib))) << "the 100 MiB block was not reused for 108 MiB";
  mr->deallocate(b, 108 * mib, s);
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
  void* large = mr->allocate(256 * mib, s);
  const long first = faults_to_write(large, 256 * mib);
  mr->deallocate(large, 256 * mib, s);
  void* again = mr->allocate(256 * mib, s);
  EXPECT_TRUE(reused(first, faults_to_write(again, 256 * mib))) << "the large block was let go to keep small ones";
  mr->deallocate(again, 256 * mib, s);
}

}  // namespace
}  // namespace gpustream::test
