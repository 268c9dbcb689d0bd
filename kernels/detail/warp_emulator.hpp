#pragma once

// A CUDA warp on the CPU, for the operators whose kernels work a warp at a
// time (32 lanes that meet at warp collectives: __ballot_sync,
// __match_any_sync, __shfl_sync, __syncwarp). The CPU backend runs such a
// kernel's per-lane code as 32 fibers on one thread, each running until it
// reaches a collective; a collective completes when every lane of its mask
// has reached it, and then its lanes go on, in an order drawn at random.
// This checks, where there is no GPU, what the GPU would not report:
//   - a collective whose mask leaves out its own lane, or whose lanes meet it
//     with different masks or kinds, or that waits on a lane that has exited
//     or never comes (a hang on the GPU), is an error;
//   - a __shfl_sync from a lane outside the mask is an error;
//   - accesses to the warp's shared memory made through the lane's load and
//     store (see emulated_lane) by two lanes, at least one a store, with no
//     __syncwarp of the whole warp between them, are a hazard: the rule that
//     compute-sanitizer's racecheck applies to shared memory.
// Errors are thrown (gpustream::logic_error) by run(), naming the lanes.

#include "warp.hpp"

#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace gpustream::detail {

class emulated_lane;

class warp_emulator {
 public:
  /// `seed` draws the order in which lanes run between collectives.
  explicit warp_emulator(std::uint64_t seed);
  ~warp_emulator();
  warp_emulator(const warp_emulator&) = delete;
  warp_emulator& operator=(const warp_emulator&) = delete;

  /// Runs `body(lane)` (callable with an emulated_lane&) on 32 lanes to the
  /// end. The body must not throw (kernel code does not); an exception that
  /// leaves it is rethrown here after the lanes have stopped.
  template <class Body>
  void run(Body&& body) {
    using body_type = std::remove_reference_t<Body>;
    run_lanes(const_cast<void*>(static_cast<const void*>(&body)),
              [](void* b, emulated_lane& lane) { (*static_cast<body_type*>(b))(lane); });
  }

  /// How many warps every emulator of the process has run (for tests that
  /// check which code ran).
  static std::uint64_t warps_run();

  /// The emulator of this thread, made on first use (its fibers' stacks are
  /// kept for the next run).
  static warp_emulator& of_this_thread();

 private:
  friend class emulated_lane;
  enum class op : int { none, sync, any, ballot, match_any, shfl };
  struct arrival {
    op kind = op::none;
    unsigned mask = 0;
    std::uint64_t value = 0;
    int source = 0;
    std::uint64_t result = 0;
  };
  /// The accesses to one 8-byte granule of shared memory since the last
  /// __syncwarp of the whole warp.
  struct access {
    int writer = -1;       // a lane that stored, or -1
    unsigned readers = 0;  // the lanes that loaded
  };
  struct fiber;

  void run_lanes(void* body, void (*call)(void*, emulated_lane&));
  std::uint64_t collective(int lane, op kind, unsigned mask, std::uint64_t value, int source);
  void note_access(int lane, const void* address, std::size_t bytes, bool store);
  void fail(std::string message);
  void complete_collectives(bool& progressed);
  static void lane_main();
  void switch_to_lane(int lane);
  void switch_to_scheduler(int lane, bool exiting);

  std::uint64_t rng_;
  std::vector<std::unique_ptr<fiber>> fibers_;
  std::unique_ptr<fiber> scheduler_;
  std::vector<arrival> arrivals_;
  std::unordered_map<std::uintptr_t, access> accesses_;  // by granule, since the last whole-warp sync
  void* body_ = nullptr;
  void (*call_)(void*, emulated_lane&) = nullptr;
  int starting_lane_ = 0;
  std::string error_;
  std::exception_ptr exception_;
};

/// One lane of an emulated warp: the collectives of CUDA's warp intrinsics,
/// and the loads and stores of the warp's shared memory, checked.
class emulated_lane {
 public:
  emulated_lane(warp_emulator& warp, int lane) : warp_{&warp}, lane_{lane} {}
  int id() const { return lane_; }
  void sync(unsigned mask) { warp_->collective(lane_, warp_emulator::op::sync, mask, 0, 0); }
  bool any(unsigned mask, bool p) { return warp_->collective(lane_, warp_emulator::op::any, mask, p ? 1 : 0, 0) != 0; }
  unsigned ballot(unsigned mask, bool p) {
    return static_cast<unsigned>(warp_->collective(lane_, warp_emulator::op::ballot, mask, p ? 1 : 0, 0));
  }
  unsigned match_any(unsigned mask, unsigned long long v) {
    return static_cast<unsigned>(warp_->collective(lane_, warp_emulator::op::match_any, mask, v, 0));
  }
  template <class T>
  T shfl(unsigned mask, T v, int source) {
    static_assert(std::is_integral_v<T> && sizeof(T) <= 8, "shfl carries integers of up to 64 bits");
    const std::uint64_t bits = static_cast<std::uint64_t>(v);
    return static_cast<T>(warp_->collective(lane_, warp_emulator::op::shfl, mask, bits, source));
  }
  /// A load or store of the warp's shared memory.
  template <class T>
  T load(const T& x) {
    warp_->note_access(lane_, &x, sizeof(T), false);
    return x;
  }
  template <class T>
  void store(T& x, typename std::remove_cv<T>::type v) {
    warp_->note_access(lane_, &x, sizeof(T), true);
    x = v;
  }

 private:
  warp_emulator* warp_;
  int lane_;
};

}  // namespace gpustream::detail
