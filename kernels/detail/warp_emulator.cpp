// The emulated warp's fibers and its checks; see warp_emulator.hpp. A lane's
// fiber starts on its own stack by setcontext; after that, lanes and the
// scheduler switch by _setjmp and _longjmp, which (unlike swapcontext) make no
// system call: a switch costs a few nanoseconds, not a microsecond.

// _longjmp from one stack to another is what the fibers do; the checked
// variant that _FORTIFY_SOURCE selects would refuse it.
#undef _FORTIFY_SOURCE

#include "detail/warp_emulator.hpp"

#include <gpustream/core/error.hpp>

#include <setjmp.h>
#include <ucontext.h>

#include <atomic>
#include <cstdio>

#if defined(__SANITIZE_ADDRESS__)
#define GPUSTREAM_ASAN_FIBERS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GPUSTREAM_ASAN_FIBERS 1
#endif
#endif
#if defined(GPUSTREAM_ASAN_FIBERS)
#include <sanitizer/common_interface_defs.h>
#endif

namespace gpustream::detail {
namespace {

/// Each lane's stack: the per-lane code of a kernel is small, but a debug or
/// sanitized build's frames are large.
constexpr std::size_t lane_stack_bytes = std::size_t{256} << 10;

thread_local warp_emulator* current = nullptr;
std::atomic<std::uint64_t> warps_started{0};

std::string hex(unsigned mask) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", mask);
  return buf;
}

std::string hex_address(std::uintptr_t a) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(a));
  return buf;
}

}  // namespace

enum class lane_state { runnable, waiting, exited };

struct warp_emulator::fiber {
  ucontext_t context{};  // a lane's start
  jmp_buf jump{};        // where it (or the scheduler) goes on
  bool started = false;
  std::unique_ptr<char[]> stack;
  lane_state state = lane_state::runnable;
  void* fake_stack = nullptr;  // AddressSanitizer's, while switched away
};

namespace {
const char* name_of(int kind) {
  static const char* const names[] = {"(none)", "__syncwarp", "__any_sync", "__ballot_sync", "__match_any_sync",
                                      "__shfl_sync"};
  return names[kind];
}

#if defined(GPUSTREAM_ASAN_FIBERS)
/// The scheduler's stack, learnt when a lane first starts.
thread_local const void* scheduler_stack_bottom = nullptr;
thread_local std::size_t scheduler_stack_size = 0;
#endif
}  // namespace

warp_emulator::warp_emulator(std::uint64_t seed)
    : rng_{seed | 1}, scheduler_{std::make_unique<fiber>()}, arrivals_(warp_size) {
  for (int lane = 0; lane < warp_size; ++lane) {
    auto f = std::make_unique<fiber>();
    f->stack.reset(new char[lane_stack_bytes]);  // not zeroed: only the pages a lane uses are touched
    fibers_.push_back(std::move(f));
  }
}

warp_emulator::~warp_emulator() = default;

std::uint64_t warp_emulator::warps_run() { return warps_started.load(std::memory_order_relaxed); }

warp_emulator& warp_emulator::of_this_thread() {
  thread_local std::unique_ptr<warp_emulator> emulator;
  if (!emulator) emulator = std::make_unique<warp_emulator>(0x9E3779B97F4A7C15ull);
  return *emulator;
}

void warp_emulator::fail(std::string message) {
  if (error_.empty()) error_ = "warp emulator: " + std::move(message);
}

void warp_emulator::lane_main() {
  warp_emulator* e = current;
  const int lane = e->starting_lane_;
#if defined(GPUSTREAM_ASAN_FIBERS)
  __sanitizer_finish_switch_fiber(nullptr, &scheduler_stack_bottom, &scheduler_stack_size);
#endif
  emulated_lane l{*e, lane};
  try {
    e->call_(e->body_, l);
  } catch (...) {
    if (!e->exception_) e->exception_ = std::current_exception();
  }
  e->fibers_[static_cast<std::size_t>(lane)]->state = lane_state::exited;
  e->switch_to_scheduler(lane, true);
}

void warp_emulator::switch_to_lane(int lane) {
  fiber& f = *fibers_[static_cast<std::size_t>(lane)];
  starting_lane_ = lane;
  current = this;
#if defined(GPUSTREAM_ASAN_FIBERS)
  __sanitizer_start_switch_fiber(&scheduler_->fake_stack, f.stack.get(), lane_stack_bytes);
#endif
  if (_setjmp(scheduler_->jump) == 0) {
    if (!f.started) {
      f.started = true;
      setcontext(&f.context);
    }
    _longjmp(f.jump, 1);
  }
#if defined(GPUSTREAM_ASAN_FIBERS)
  __sanitizer_finish_switch_fiber(scheduler_->fake_stack, nullptr, nullptr);
#endif
}

void warp_emulator::switch_to_scheduler(int lane, bool exiting) {
  fiber& f = *fibers_[static_cast<std::size_t>(lane)];
#if defined(GPUSTREAM_ASAN_FIBERS)
  __sanitizer_start_switch_fiber(exiting ? nullptr : &f.fake_stack, scheduler_stack_bottom, scheduler_stack_size);
#endif
  if (exiting) _longjmp(scheduler_->jump, 1);
  if (_setjmp(f.jump) == 0) _longjmp(scheduler_->jump, 1);
#if defined(GPUSTREAM_ASAN_FIBERS)
  __sanitizer_finish_switch_fiber(f.fake_stack, nullptr, nullptr);
#endif
}

std::uint64_t warp_emulator::collective(int lane, op kind, unsigned mask, std::uint64_t value, int source) {
  if (((mask >> lane) & 1u) == 0) {
    fail("lane " + std::to_string(lane) + " calls " + name_of(static_cast<int>(kind)) + " with mask " + hex(mask) +
         ", which leaves out its own lane");
  }
  arrival& a = arrivals_[static_cast<std::size_t>(lane)];
  a = arrival{kind, mask, value, source, 0};
  fibers_[static_cast<std::size_t>(lane)]->state = lane_state::waiting;
  switch_to_scheduler(lane, false);
  return a.result;
}

void warp_emulator::note_access(int lane, const void* address, std::size_t bytes, bool store) {
  const auto first = reinterpret_cast<std::uintptr_t>(address) >> 3;
  const auto last = (reinterpret_cast<std::uintptr_t>(address) + bytes - 1) >> 3;
  for (std::uintptr_t g = first; g <= last; ++g) {
    access& x = accesses_[g];
    const unsigned me = 1u << lane;
    std::string hazard;
    if (x.writer >= 0 && x.writer != lane) {
      hazard = std::string{store ? "write-after-write" : "read-after-write"} + " with lane " + std::to_string(x.writer);
    } else if (store && (x.readers & ~me) != 0) {
      int other = 0;
      while (((x.readers & ~me) >> other & 1u) == 0) ++other;
      hazard = "write-after-read with lane " + std::to_string(other);
    }
    if (!hazard.empty()) {
      fail("shared-memory hazard: lane " + std::to_string(lane) + "'s " + (store ? "store" : "load") + " at " +
           hex_address(g << 3) + ", " + hazard +
           ", with no whole-warp __syncwarp between them");
    }
    if (store) {
      x.writer = lane;
    } else {
      x.readers |= me;
    }
  }
}

void warp_emulator::complete_collectives(bool& progressed) {
  for (int lane = 0; lane < warp_size && error_.empty(); ++lane) {
    if (fibers_[static_cast<std::size_t>(lane)]->state != lane_state::waiting) continue;
    const arrival& a = arrivals_[static_cast<std::size_t>(lane)];
    bool ready = true;
    for (int m = 0; m < warp_size; ++m) {
      if (((a.mask >> m) & 1u) == 0) continue;
      const lane_state st = fibers_[static_cast<std::size_t>(m)]->state;
      if (st == lane_state::exited) {
        fail("lane " + std::to_string(lane) + " waits at " + name_of(static_cast<int>(a.kind)) + " (mask " +
             hex(a.mask) + ") for lane " + std::to_string(m) + ", which has exited");
        return;
      }
      if (st != lane_state::waiting) ready = false;
    }
    if (!ready) continue;
    // Every lane of the mask waits; at this collective, or (until that one
    // completes) at another.
    unsigned votes = 0;
    for (int m = 0; m < warp_size && ready; ++m) {
      if (((a.mask >> m) & 1u) == 0) continue;
      const arrival& b = arrivals_[static_cast<std::size_t>(m)];
      if (b.kind != a.kind || b.mask != a.mask) ready = false;
      if (b.value != 0) votes |= 1u << m;
    }
    if (!ready) continue;
    const op kind = a.kind;
    const unsigned mask = a.mask;
    if (kind == op::sync && mask == full_warp) accesses_.clear();
    for (int m = 0; m < warp_size; ++m) {
      if (((mask >> m) & 1u) == 0) continue;
      arrival& b = arrivals_[static_cast<std::size_t>(m)];
      switch (kind) {
        case op::any:
          b.result = votes != 0 ? 1 : 0;
          break;
        case op::ballot:
          b.result = votes;
          break;
        case op::match_any: {
          unsigned same = 0;
          for (int o = 0; o < warp_size; ++o) {
            if (((mask >> o) & 1u) != 0 && arrivals_[static_cast<std::size_t>(o)].value == b.value) same |= 1u << o;
          }
          b.result = same;
          break;
        }
        case op::shfl: {
          const int from = b.source & (warp_size - 1);
          if (((mask >> from) & 1u) == 0) {
            fail("lane " + std::to_string(m) + " reads lane " + std::to_string(from) + " by __shfl_sync (mask " +
                 hex(mask) + "), which is outside the mask");
            return;
          }
          b.result = arrivals_[static_cast<std::size_t>(from)].value;
          break;
        }
        default:
          b.result = 0;
      }
    }
    for (int m = 0; m < warp_size; ++m) {
      if (((mask >> m) & 1u) != 0) fibers_[static_cast<std::size_t>(m)]->state = lane_state::runnable;
    }
    progressed = true;
  }
}

void warp_emulator::run_lanes(void* body, void (*call)(void*, emulated_lane&)) {
  warps_started.fetch_add(1, std::memory_order_relaxed);
  body_ = body;
  call_ = call;
  error_.clear();
  exception_ = nullptr;
  accesses_.clear();
  for (auto& f : fibers_) {
    f->state = lane_state::runnable;
    f->started = false;
    f->fake_stack = nullptr;
    getcontext(&f->context);
    f->context.uc_stack.ss_sp = f->stack.get();
    f->context.uc_stack.ss_size = lane_stack_bytes;
    f->context.uc_link = nullptr;
    makecontext(&f->context, &warp_emulator::lane_main, 0);
  }
  int order[warp_size];
  for (int lane = 0; lane < warp_size; ++lane) order[lane] = lane;
  for (;;) {
    bool progressed = false;
    // The lanes run between collectives in an order drawn anew each time.
    for (int i = warp_size - 1; i > 0; --i) {
      rng_ ^= rng_ << 13;
      rng_ ^= rng_ >> 7;
      rng_ ^= rng_ << 17;
      const auto j = static_cast<int>(rng_ % static_cast<std::uint64_t>(i + 1));
      const int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    for (int lane : order) {
      if (fibers_[static_cast<std::size_t>(lane)]->state != lane_state::runnable) continue;
      switch_to_lane(lane);
      progressed = true;
      if (!error_.empty() || exception_) break;
    }
    if (error_.empty() && !exception_) complete_collectives(progressed);
    if (!error_.empty()) throw logic_error{error_};
    if (exception_) std::rethrow_exception(exception_);
    bool all_exited = true;
    for (const auto& f : fibers_) all_exited = all_exited && f->state == lane_state::exited;
    if (all_exited) break;
    if (!progressed) {
      std::string waits;
      for (int lane = 0; lane < warp_size; ++lane) {
        if (fibers_[static_cast<std::size_t>(lane)]->state != lane_state::waiting) continue;
        const arrival& a = arrivals_[static_cast<std::size_t>(lane)];
        waits += " lane " + std::to_string(lane) + " at " + name_of(static_cast<int>(a.kind)) + " (mask " +
                 hex(a.mask) + ");";
      }
      throw logic_error{"warp emulator: the lanes wait for each other forever (a hang on the GPU; lanes of one "
                        "collective must all reach it, with the same mask):" +
                        waits};
    }
  }
  accesses_.clear();
}

}  // namespace gpustream::detail
