#pragma once

// Threads and waiting in tests: never leave a joinable thread behind, and wait
// on conditions with generous time-outs instead of sleeping a fixed time.

#include <chrono>
#include <functional>
#include <thread>
#include <utility>

namespace gpustream::test {

/// A thread joined when it goes out of scope, so that a failed ASSERT never
/// leaves a joinable std::thread behind.
class scoped_thread {
 public:
  scoped_thread() = default;
  explicit scoped_thread(std::function<void()> f) : t_{std::move(f)} {}
  scoped_thread(scoped_thread&&) = default;
  scoped_thread& operator=(scoped_thread&& o) {
    join();
    t_ = std::move(o.t_);
    return *this;
  }
  ~scoped_thread() { join(); }
  void join() {
    if (t_.joinable()) t_.join();
  }

 private:
  std::thread t_;
};

/// Polls `done` until it holds or `timeout` passes; returns its last value.
template <class Predicate>
bool wait_until(Predicate&& done, std::chrono::milliseconds timeout = std::chrono::seconds{30}) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() > deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds{2});
  }
}

}  // namespace gpustream::test
