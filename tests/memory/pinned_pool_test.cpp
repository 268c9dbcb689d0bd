#include "../common/test_utils.hpp"

#include <gpustream/memory/pinned_pool.hpp>

#include <atomic>
#include <cstring>
#include <set>
#include <thread>

namespace gpustream::test {
namespace {

class pinned_pool_test : public backend_test {};

TEST_P(pinned_pool_test, blocks_are_allocated_once_and_reused) {
  pinned_block_pool pool{1 << 20, 4, GetParam()};
  EXPECT_EQ(pool.pinned(), GetParam() == backend::cuda);
  std::set<char*> first_round;
  {
    std::vector<pinned_block> held;
    for (int i = 0; i < 4; ++i) {
      held.push_back(pool.acquire());
      ASSERT_TRUE(held.back());
      EXPECT_EQ(held.back().capacity(), std::size_t{1} << 20);
      std::memset(held.back().data(), i, held.back().capacity());  // writable, whole
      first_round.insert(held.back().data());
    }
    EXPECT_EQ(first_round.size(), 4u);
    EXPECT_EQ(pool.available(), 0u);
    EXPECT_FALSE(pool.try_acquire());                                    // bounded
    EXPECT_FALSE(pool.acquire_for(std::chrono::milliseconds(20)));      // times out
  }
  EXPECT_EQ(pool.available(), 4u);
  for (int i = 0; i < 4; ++i) {
    auto b = pool.acquire();
    EXPECT_EQ(first_round.count(b.data()), 1u) << "a block was not reused";
  }
}

TEST_P(pinned_pool_test, acquire_waits_for_a_release) {
  pinned_block_pool pool{4096, 1, GetParam()};
  auto held = pool.acquire();
  std::atomic<bool> got{false};
  std::thread waiter{[&] {
    auto b = pool.acquire();
    got = true;
  }};
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_FALSE(got.load());
  held.reset();
  waiter.join();
  EXPECT_TRUE(got.load());
  EXPECT_EQ(pool.available(), 1u);
}

TEST_P(pinned_pool_test, moved_blocks_return_once) {
  pinned_block_pool pool{4096, 2, GetParam()};
  auto a = pool.acquire();
  pinned_block b = std::move(a);
  EXPECT_FALSE(a);  // NOLINT: checking the moved-from state on purpose
  EXPECT_EQ(pool.available(), 1u);
  b = pool.acquire();  // the first block goes back when b is reassigned
  EXPECT_EQ(pool.available(), 1u);
  b.reset();
  EXPECT_EQ(pool.available(), 2u);
}

TEST(pinned_pool, bad_sizes_are_rejected) {
  EXPECT_THROW(pinned_block_pool(0, 4, backend::cpu), gpustream::logic_error);
  EXPECT_THROW(pinned_block_pool(4096, 0, backend::cpu), gpustream::logic_error);
}

GPUSTREAM_INSTANTIATE_BACKEND_TEST(pinned_pool_test);

}  // namespace
}  // namespace gpustream::test
