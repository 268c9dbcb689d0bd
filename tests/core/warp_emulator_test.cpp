// warp_emulator, which runs warp-at-a-time kernel code on the CPU: each
// collective against a plain reference over the 32 lanes' random values, on
// the whole warp and on divergent subsets; and each misuse it exists to
// catch (a mask without the caller's lane, lanes that never meet, a shuffle
// from outside the mask, shared-memory accesses with no __syncwarp between
// them) reported as an error, not a wrong result.

#include "../common/test_utils.hpp"

#include "kernels/detail/warp_emulator.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>

namespace gpustream::test {
namespace {

using detail::emulated_lane;
using detail::full_warp;
using detail::warp_emulator;
using detail::warp_size;

/// A fresh seed per test, printed with its failures.
struct seeded {
  std::uint64_t seed = fresh_seed();
  std::string trace() const {
    return "seed=" + std::to_string(seed) + " (replay with GPUSTREAM_TEST_SEED=" + std::to_string(seed) + ")";
  }
};

std::string error_of(warp_emulator& w, const std::function<void(emulated_lane&)>& body) {
  try {
    w.run(body);
  } catch (const logic_error& e) {
    return e.what();
  }
  return "";
}

TEST(warp_emulator, collectives_of_the_whole_warp_match_a_reference) {
  const seeded seed;
  SCOPED_TRACE(seed.trace());
  std::mt19937_64 gen{seed.seed};
  warp_emulator w{gen()};
  for (int trial = 0; trial < 20; ++trial) {
    std::array<std::uint64_t, warp_size> value{};
    std::array<bool, warp_size> vote{};
    std::array<int, warp_size> source{};
    for (int i = 0; i < warp_size; ++i) {
      value[i] = gen() % 4;  // few distinct values: match_any finds groups
      vote[i] = gen() % (trial % 3 + 2) == 0;
      source[i] = static_cast<int>(gen() % warp_size);
    }
    unsigned want_ballot = 0;
    for (int i = 0; i < warp_size; ++i) want_ballot |= (vote[i] ? 1u : 0u) << i;
    std::array<unsigned, warp_size> ballot{}, match{};
    std::array<bool, warp_size> any{};
    std::array<std::uint64_t, warp_size> shuffled{};
    w.run([&](emulated_lane& lane) {
      const int me = lane.id();
      ballot[me] = lane.ballot(full_warp, vote[me]);
      any[me] = lane.any(full_warp, vote[me]);
      match[me] = lane.match_any(full_warp, value[me]);
      shuffled[me] = lane.shfl(full_warp, value[me] + 100 * static_cast<std::uint64_t>(me), source[me]);
      lane.sync(full_warp);
    });
    for (int i = 0; i < warp_size; ++i) {
      EXPECT_EQ(ballot[i], want_ballot) << "lane " << i;
      EXPECT_EQ(any[i], want_ballot != 0) << "lane " << i;
      unsigned want_match = 0;
      for (int j = 0; j < warp_size; ++j) want_match |= (value[j] == value[i] ? 1u : 0u) << j;
      EXPECT_EQ(match[i], want_match) << "lane " << i;
      EXPECT_EQ(shuffled[i], value[source[i]] + 100 * static_cast<std::uint64_t>(source[i])) << "lane " << i;
    }
  }
}

// Lanes that diverge meet at collectives of their own subsets, in either
// order, and the whole warp meets again after.
TEST(warp_emulator, divergent_subsets_meet_apart) {
  const seeded seed;
  SCOPED_TRACE(seed.trace());
  std::mt19937_64 gen{seed.seed};
  warp_emulator w{gen()};
  for (int trial = 0; trial < 20; ++trial) {
    unsigned subset = static_cast<unsigned>(gen());
    if (subset == 0 || subset == full_warp) subset = 0x0f0f0f0fu;
    std::array<std::uint64_t, warp_size> value{};
    for (auto& v : value) v = gen() % 3;
    std::array<unsigned, warp_size> match{}, ballot{};
    w.run([&](emulated_lane& lane) {
      const int me = lane.id();
      const bool in = ((subset >> me) & 1u) != 0;
      const unsigned mine = in ? subset : ~subset;
      match[me] = lane.match_any(mine, value[me]);
      ballot[me] = lane.ballot(full_warp, in);
    });
    for (int i = 0; i < warp_size; ++i) {
      const unsigned mine = ((subset >> i) & 1u) != 0 ? subset : ~subset;
      unsigned want = 0;
      for (int j = 0; j < warp_size; ++j) {
        if (((mine >> j) & 1u) != 0 && value[j] == value[i]) want |= 1u << j;
      }
      EXPECT_EQ(match[i], want) << "lane " << i;
      EXPECT_EQ(ballot[i], subset) << "lane " << i;
    }
  }
}

TEST(warp_emulator, misuse_is_an_error_naming_the_lanes) {
  warp_emulator w{1};
  std::string e = error_of(w, [](emulated_lane& lane) { lane.ballot(full_warp & ~1u, true); });
  EXPECT_NE(e.find("lane 0 calls __ballot_sync with mask 0xfffffffe, which leaves out its own lane"),
            std::string::npos)
      << e;
  // Lane 5 exits while the others wait for it.
  e = error_of(w, [](emulated_lane& lane) {
    if (lane.id() != 5) lane.sync(full_warp);
  });
  EXPECT_NE(e.find("for lane 5, which has exited"), std::string::npos) << e;
  // Two halves wait at different collectives, each for the other.
  e = error_of(w, [](emulated_lane& lane) {
    if (lane.id() < 16) {
      lane.sync(full_warp);
    } else {
      lane.ballot(full_warp, true);
    }
  });
  EXPECT_NE(e.find("wait for each other forever"), std::string::npos) << e;
  e = error_of(w, [](emulated_lane& lane) { lane.shfl(0x0000ffffu | (1u << lane.id()), 7, 20); });
  EXPECT_NE(e.find("outside the mask"), std::string::npos) << e;
  // After an error the emulator runs the next warp afresh.
  int ran = 0;
  w.run([&](emulated_lane& lane) {
    lane.sync(full_warp);
    if (lane.id() == 0) ++ran;
  });
  EXPECT_EQ(ran, 1);
}

// The racecheck rule: two lanes' accesses to one shared word, one a store,
// need a whole-warp __syncwarp between them; ballots and shuffles do not
// order memory.
TEST(warp_emulator, shared_accesses_without_a_sync_between_are_hazards) {
  warp_emulator w{2};
  std::uint64_t shared[warp_size] = {};
  // Each lane writes its own word, then reads a neighbour's after a sync: clean.
  std::array<std::uint64_t, warp_size> seen{};
  w.run([&](emulated_lane& lane) {
    const int me = lane.id();
    lane.store(shared[me], static_cast<std::uint64_t>(me) * 3);
    lane.sync(full_warp);
    seen[me] = lane.load(shared[(me + 1) % warp_size]);
  });
  for (int i = 0; i < warp_size; ++i) EXPECT_EQ(seen[i], static_cast<std::uint64_t>((i + 1) % warp_size) * 3);
  std::string e = error_of(w, [&](emulated_lane& lane) {
    const int me = lane.id();
    lane.store(shared[me], 1);
    lane.ballot(full_warp, true);  // not a memory barrier
    (void)lane.load(shared[(me + 1) % warp_size]);
  });
  EXPECT_NE(e.find("read-after-write"), std::string::npos) << e;
  e = error_of(w, [&](emulated_lane& lane) {
    (void)lane.load(shared[0]);
    if (lane.id() == 9) lane.store(shared[0], 2);
  });
  EXPECT_NE(e.find("lane 9's store"), std::string::npos) << e;
  EXPECT_NE(e.find("write-after-read"), std::string::npos) << e;
  e = error_of(w, [&](emulated_lane& lane) { lane.store(shared[3], static_cast<std::uint64_t>(lane.id())); });
  EXPECT_NE(e.find("write-after-write"), std::string::npos) << e;
  // A lane may read and write its own word freely; a sync separates rounds.
  EXPECT_EQ(error_of(w,
                     [&](emulated_lane& lane) {
                       const int me = lane.id();
                       lane.store(shared[me], lane.load(shared[me]) + 1);
                       lane.sync(full_warp);
                       if (me == 0) lane.store(shared[31], 5);
                     }),
            "");
}

TEST(warp_emulator, an_exception_in_a_lane_reaches_the_caller) {
  warp_emulator w{3};
  EXPECT_THROW(w.run([](emulated_lane& lane) {
    if (lane.id() == 7) throw std::runtime_error{"lane 7 fails"};
  }),
               std::runtime_error);
}

}  // namespace
}  // namespace gpustream::test
